"""`/metrics`: request counts, queue lengths and waits per service, task backlog, heartbeat
ages; open only to the configured addresses or the bearer token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from satupintu.core.heartbeats import heartbeat_beat
from satupintu.queueing import services
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import Clock, QueueWorld

pytestmark = pytest.mark.django_db


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(client: Client, **extra: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    return samples(response.content.decode())


def test_queue_lengths_and_waits_per_service(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    services.ticket_issue(service=world.service)
    clock.advance(minutes=4)
    services.ticket_issue(service=world.service)
    services.ticket_issue(service=world.other_service)
    clock.advance(minutes=6)
    services.counter_open(counter=world.counter, actor=world.officer)
    first = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert first is not None
    clock.advance(minutes=1)
    found = scrape(client)
    a = (("mall", "test-mall"), ("service", "SVC-A"))
    b = (("mall", "test-mall"), ("service", "SVC-B"))
    assert found[("satupintu_queue_waiting", a)] == 1
    assert found[("satupintu_queue_waiting", b)] == 1
    assert found[("satupintu_queue_oldest_wait_seconds", a)] == 7 * 60
    called_service = (("mall", "test-mall"), ("service", first.current_service.code))
    assert found[("satupintu_queue_wait_seconds_last_hour", called_service)] > 0


def test_request_counts_task_backlog_and_heartbeats(client: Client, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    from satupintu.core.tasks import outbox_deliver

    outbox_deliver.enqueue(1)
    outbox_deliver.enqueue(2)
    heartbeat_beat("worker")
    client.get("/healthz")
    found = scrape(client)
    assert found[("satupintu_task_backlog", ())] == 2
    assert found[("satupintu_tasks", (("status", "ready"),))] == 2
    assert found[("satupintu_heartbeat_age_seconds", (("name", "worker"),))] < 60
    healthz = (("method", "GET"), ("route", "healthz"), ("status", "200"))
    assert found[("satupintu_http_requests_total", healthz)] >= 1
    assert ("satupintu_sse_clients", ()) in found


def test_metrics_are_refused_to_others_unless_they_bring_the_token(
    client: Client, settings: Any
) -> None:
    settings.METRICS_ALLOWED_IPS = ["10.0.0.5"]
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-0123456789").status_code
        == 200
    )
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 200


def test_several_processes_add_up_their_counts(tmp_path: Any) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, whichever process answers the scrape counts for all."""
    import os
    import subprocess
    import sys

    count = (
        "import django; django.setup(); from satupintu.core.metrics import HTTP_REQUESTS; "
        "HTTP_REQUESTS.labels('GET', 'healthz', '200').inc(3)"
    )
    # The reader leaves out the figures read from the database (this test has none to offer).
    read = (
        "import django; django.setup(); from satupintu.core import metrics; "
        "metrics._scrape_collectors.clear(); "
        "import sys; sys.stdout.write(metrics.metrics_text().decode())"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    for _process in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=120)
    scraped = subprocess.run(
        [sys.executable, "-c", read], env=env, check=True, timeout=120, capture_output=True,
        text=True,
    )  # fmt: skip
    healthz = (("method", "GET"), ("route", "healthz"), ("status", "200"))
    assert samples(scraped.stdout)[("satupintu_http_requests_total", healthz)] == 6


def test_a_client_behind_the_local_proxy_is_not_the_proxy(client: Client, settings: Any) -> None:
    """nginx on the same host connects from 127.0.0.1: an allowed loopback must not let every
    visitor it forwards read the metrics."""
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client.get("/metrics", **forwarded).status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
