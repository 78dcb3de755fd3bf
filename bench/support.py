"""Shared by the benchmarks: a PostgreSQL database of their own, a real uvicorn server in a
subprocess on a free port of 127.0.0.1, and percentiles.

The database is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/sp_b2bench); it is
created when missing and migrated before the first run. The benchmark process itself uses Django
with the same database to seed data and to check the results (for example that no ticket was
called twice)."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sp_b2bench"
)

# Secrets of the benchmark database only (its rows are made up); a deployment sets its own.
BENCH_SECRET_KEY = "bench-only-secret-key-0123456789abcdef0123456789abcdef"
BENCH_PERSONAL_DATA_KEY = "bench-only-personal-data-key-0123456789abcdef"

_django_ready = False


def server_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": BENCH_DATABASE_URL,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RATELIMIT_ENABLE": "0",
        "LOG_LEVEL": "WARNING",
        "EVENT_BROKER": "memory",
        "CONN_MAX_AGE": os.environ.get("BENCH_CONN_MAX_AGE", "0"),
        "DB_POOL_MAX_SIZE": os.environ.get("BENCH_DB_POOL", "16"),
        "DJANGO_SETTINGS_MODULE": "satupintu.settings",
        # The settings refuse to start without secrets; the benchmark database has its own.
        "SECRET_KEY": os.environ.get("SECRET_KEY", BENCH_SECRET_KEY),
        "PERSONAL_DATA_KEY": os.environ.get("PERSONAL_DATA_KEY", BENCH_PERSONAL_DATA_KEY),
        "SIGNING_PASSPHRASE": os.environ.get("SIGNING_PASSPHRASE", "bench-signing-passphrase"),
    }
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def ensure_database() -> None:
    """Create the benchmark database when missing, migrate it, and set Django up on it."""
    global _django_ready
    if _django_ready:
        return
    import psycopg

    name = BENCH_DATABASE_URL.rsplit("/", 1)[1]
    admin_url = BENCH_DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "-m", "satupintu.manage", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=server_env(),
        check=True,
    )
    for key, value in server_env().items():
        if key in (
            "DATABASE_URL",
            "DEBUG",
            "RATELIMIT_ENABLE",
            "DJANGO_SETTINGS_MODULE",
            "SECRET_KEY",
            "PERSONAL_DATA_KEY",
            "SIGNING_PASSPHRASE",
        ):
            os.environ[key] = value
    os.environ.pop("REDIS_URL", None)
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    _django_ready = True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def uvicorn_server(*, workers: int = 1, **env: str) -> Iterator[str]:
    """A uvicorn server of the project in a subprocess; yields its base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "satupintu.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        "--backlog",
        "4096",
        "--timeout-graceful-shutdown",
        "2",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=server_env(**env))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/api/v1/malls", timeout=2)
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def seed_queue_mall(*, counters: int) -> dict[str, Any]:
    """A fresh bench mall: open every day all day, four services, `counters` counters serving
    them all, one officer per counter and a kiosk device, with API tokens. Tickets and counter
    sessions of earlier runs are removed."""
    ensure_database()
    from datetime import time as dtime

    from satupintu.accounts.models import Membership, Role, User
    from satupintu.accounts.services import api_token_issue
    from satupintu.catalog.models import Agency, Counter, Floor, Mall, OpeningHours, Service
    from satupintu.queueing.models import (
        CounterSession,
        Display,
        NumberSequence,
        Ticket,
        TicketEvent,
    )

    mall, _ = Mall.objects.get_or_create(
        slug="bench", defaults={"name": "MPP Bench", "timezone": "Asia/Jakarta"}
    )
    for weekday in range(7):
        OpeningHours.objects.update_or_create(
            mall=mall, weekday=weekday, defaults={"opens": dtime(0, 0), "closes": dtime(23, 59, 59)}
        )
    mall.closure_days.all().delete()
    agency, _ = Agency.objects.get_or_create(
        mall=mall, slug="bench-agency", defaults={"name": "Dinas Bench", "kind": "city_office"}
    )
    service_ids = []
    for prefix in "ABCD":
        service, _ = Service.objects.get_or_create(
            mall=mall,
            code=f"BENCH-{prefix}",
            defaults={
                "agency": agency,
                "name": f"Layanan Bench {prefix}",
                "kind": "non_licensing",
                "queue_prefix": prefix,
                "offers_walk_in": True,
                "duration_value": 5,
                "duration_unit": "minutes",
            },
        )
        service_ids.append(service.pk)
    floor, _ = Floor.objects.get_or_create(mall=mall, number=1, defaults={"name": "Lantai 1"})
    display, _ = Display.objects.get_or_create(mall=mall, name="Papan Bench", defaults={})
    # Earlier runs: tickets and their events go, counters are free again.
    # Ticket events refuse deletion through the ORM (append-only history); this is the
    # benchmark's own database being reset, so its rows go in plain SQL.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TicketEvent._meta.db_table} WHERE ticket_id IN "
            f"(SELECT id FROM {Ticket._meta.db_table} WHERE mall_id = %s)",
            [mall.pk],
        )
    Ticket.objects.filter(mall=mall).update(transferred_from=None)
    Ticket.objects.filter(mall=mall).delete()
    NumberSequence.objects.filter(mall=mall).delete()
    CounterSession.objects.filter(counter__mall=mall).delete()
    officer_tokens, counter_ids = [], []
    for n in range(1, counters + 1):
        counter, _ = Counter.objects.get_or_create(
            mall=mall, number=n, defaults={"floor": floor, "name": f"Loket {n}"}
        )
        counter.services.set(service_ids)
        counter_ids.append(counter.pk)
        user, _ = User.objects.get_or_create(username=f"bench-officer-{n}")
        Membership.objects.get_or_create(user=user, mall=mall, role=Role.COUNTER_OFFICER)
        officer_tokens.append(api_token_issue(user=user))
    kiosk_user, _ = User.objects.get_or_create(username="bench-kiosk", defaults={"is_device": True})
    Membership.objects.get_or_create(user=kiosk_user, mall=mall, role=Role.KIOSK)
    return {
        "mall_id": mall.pk,
        "display_id": display.pk,
        "service_ids": service_ids,
        "counter_ids": counter_ids,
        "officer_tokens": officer_tokens,
        "kiosk_token": api_token_issue(user=kiosk_user),
    }


def queue_duplicates(mall_id: int) -> dict[str, int]:
    """Tickets called more than once, and ticket numbers given out twice, in the bench mall."""
    from django.db.models import Count

    from satupintu.queueing.models import Ticket, TicketEvent

    called_twice = (
        TicketEvent.objects.filter(ticket__mall_id=mall_id, action="call")
        .values("ticket_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    numbers_twice = (
        Ticket.objects.filter(mall_id=mall_id, transferred_from__isnull=True)
        .values("queue_prefix", "service_date", "serial")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return {"called_twice": called_twice, "numbers_twice": numbers_twice}
