"""Liveness and readiness for the proxy, the service manager and the monitoring.

`/healthz`: the process answers (nothing else is touched, so a slow database never gets a
healthy process restarted). `/readyz`: this process can do its work: the database answers,
Redis answers when configured, the file storage takes a write, and the background processes
(task worker, scheduler) have beaten recently. 200 when all hold, else 503 with what failed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from satupintu.core.heartbeats import heartbeat_states


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "answers"


def _redis() -> str:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "answers"


def _storage() -> str:
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(b"ready"))
    default_storage.delete(name)
    return "writable"


def _probe(check: Callable[[], str]) -> dict[str, Any]:
    try:
        return {"ok": True, "detail": check()}
    except Exception as exc:  # a probe reports any failure, it never raises
        return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}


def readiness() -> dict[str, dict[str, Any]]:
    checks = {"database": _probe(_database)}
    if settings.REDIS_URL:
        checks["redis"] = _probe(_redis)
    checks["storage"] = _probe(_storage)
    if checks["database"]["ok"]:
        for state in heartbeat_states(list(settings.READYZ_HEARTBEATS)):
            if state.beat_at is None:
                detail = "never beat"
            else:
                detail = f"last beat {state.age_seconds:.0f} s ago"
            checks[f"heartbeat:{state.name}"] = {"ok": state.fresh, "detail": detail}
    return checks


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "alive"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness()
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
