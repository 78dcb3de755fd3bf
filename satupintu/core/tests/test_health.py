"""`/healthz` answers without the database; `/readyz` checks the database, the storage, Redis
when configured and the background processes' heartbeats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from satupintu.core.heartbeats import heartbeat_beat
from satupintu.core.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_is_alive_without_touching_the_database(client: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert len(queries) == 0


def test_readyz_is_ready_when_every_process_beat_recently(client: Client) -> None:
    heartbeat_beat("worker", detail="pid 1234")
    heartbeat_beat("scheduler")
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) >= {"database", "storage", "heartbeat:worker", "heartbeat:scheduler"}


def test_readyz_names_a_worker_that_never_beat_or_went_quiet(client: Client, settings: Any) -> None:
    heartbeat_beat("scheduler")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["heartbeat:worker"] == {"ok": False, "detail": "never beat"}
    heartbeat_beat("worker")
    assert client.get("/readyz").status_code == 200
    Heartbeat.objects.filter(name="worker").update(
        beat_at=timezone.now() - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS["worker"] + 5)
    )
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert stale.json()["checks"]["heartbeat:worker"]["ok"] is False
    assert stale.json()["checks"]["heartbeat:scheduler"]["ok"] is True


def test_readyz_reports_a_storage_it_cannot_write(
    client: Client, settings: Any, tmp_path: Any
) -> None:
    heartbeat_beat("worker")
    heartbeat_beat("scheduler")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = str(blocker)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


@pytest.mark.redis
def test_readyz_checks_redis_when_configured(client: Client, settings: Any) -> None:
    heartbeat_beat("worker")
    heartbeat_beat("scheduler")
    assert client.get("/readyz").json()["checks"]["redis"]["ok"] is True
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


def test_a_beat_overwrites_the_row_of_its_name() -> None:
    heartbeat_beat("worker", detail="first")
    heartbeat_beat("worker", detail="second")
    assert list(Heartbeat.objects.values_list("name", "detail")) == [("worker", "second")]
