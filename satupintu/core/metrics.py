"""Prometheus metrics at `/metrics` (prometheus-client).

Two kinds:
- counted in the process as things happen: HTTP requests and their duration (the middleware
  below), live-screen (SSE) clients connected. With several server processes set
  PROMETHEUS_MULTIPROC_DIR (an empty folder, emptied when the service starts): every process
  then writes its counts there and any process answers for all of them.
- read from the database when scraped, so any process gives the same answer: queue lengths and
  waits per service, the task backlog, heartbeat ages, delivery failures. Each app contributes
  its own with `register_scrape_collector` in its `AppConfig.ready`.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from satupintu.core.client_address import client_ip

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Each process writes its counts there from its first metric on.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

HTTP_REQUESTS = Counter(
    "satupintu_http_requests",
    "HTTP requests answered, by method, route and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "satupintu_http_request_duration_seconds",
    "Time to the response headers, by method and route.",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SSE_CLIENTS = Gauge(
    "satupintu_sse_clients",
    "Live-screen streams (boards, consoles, ticket pages) open now.",
    multiprocess_mode="livesum",
)

ScrapeCollector = Callable[[], Iterable[GaugeMetricFamily]]
_scrape_collectors: list[ScrapeCollector] = []


def register_scrape_collector(collector: ScrapeCollector) -> None:
    """Add metrics computed at each scrape (from the database). Call once, from `ready()`."""
    if collector not in _scrape_collectors:
        _scrape_collectors.append(collector)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    # The URL pattern, not the path: ids in paths would make a series per ticket.
    return match.route if match is not None and match.route else "unmatched"


class RequestMetricsMiddleware:
    """Counts every request and times it to its response headers."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _record(self, request: HttpRequest, response: HttpResponse, started: float) -> None:
        route = _route(request)
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        HTTP_DURATION.labels(request.method, route).observe(time.perf_counter() - started)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        started = time.perf_counter()
        response = self.get_response(request)
        self._record(request, response, started)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = await self.get_response(request)
        self._record(request, response, started)
        return response


async def counted_stream(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`stream`, counted in `satupintu_sse_clients` while it is open."""
    SSE_CLIENTS.inc()
    try:
        async for chunk in stream:
            yield chunk
    finally:
        SSE_CLIENTS.dec()


def core_metrics() -> Iterable[GaugeMetricFamily]:
    """The task backlog (database task backend) and the age of each heartbeat."""
    from satupintu.core.models import Heartbeat

    now = timezone.now()
    beats = GaugeMetricFamily(
        "satupintu_heartbeat_age_seconds",
        "Seconds since a background process (worker, scheduler) last beat.",
        labels=["name"],
    )
    for beat in Heartbeat.objects.all():
        beats.add_metric([beat.name], (now - beat.beat_at).total_seconds())
    yield beats
    yield from outbox_metrics()
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.backend.DatabaseBackend":
        return
    from django.db.models import Count, Min
    from django_tasks_db.models import DBTaskResult

    due = DBTaskResult.objects.ready().aggregate(count=Count("pk"), oldest=Min("run_after"))
    backlog = GaugeMetricFamily(
        "satupintu_task_backlog", "Background tasks due and not yet started."
    )
    backlog.add_metric([], due["count"])
    yield backlog
    oldest = GaugeMetricFamily(
        "satupintu_task_backlog_oldest_seconds",
        "How long the oldest due background task has been waiting for a worker.",
    )
    oldest.add_metric([], max(0.0, (now - due["oldest"]).total_seconds()) if due["oldest"] else 0)
    yield oldest
    by_status = GaugeMetricFamily(
        "satupintu_tasks", "Background task rows by status.", labels=["status"]
    )
    for row in DBTaskResult.objects.values("status").annotate(n=Count("pk")).order_by():
        by_status.add_metric([row["status"].lower()], row["n"])
    yield by_status


def outbox_metrics() -> Iterable[GaugeMetricFamily]:
    """Outbox messages per channel and state (`dead`: given up, needs an operator), and the
    age of the oldest message still waiting."""
    from django.db.models import Count, Min

    from satupintu.core.models import OutboxMessage

    by_state = GaugeMetricFamily(
        "satupintu_outbox_messages",
        "Outbox messages by channel and state (dead = given up after its attempts).",
        labels=["channel", "status"],
    )
    for row in OutboxMessage.objects.values("channel", "status").annotate(n=Count("pk")).order_by():
        by_state.add_metric([row["channel"], row["status"]], row["n"])
    yield by_state
    waiting = OutboxMessage.objects.filter(
        status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]
    ).aggregate(oldest=Min("created_at"))["oldest"]
    oldest = GaugeMetricFamily(
        "satupintu_outbox_oldest_waiting_seconds",
        "Age of the oldest outbox message not yet sent or given up.",
    )
    oldest.add_metric([], (timezone.now() - waiting).total_seconds() if waiting else 0.0)
    yield oldest


class _ScrapeTimeCollector(Collector):
    def collect(self) -> Iterable[GaugeMetricFamily]:
        for collector in _scrape_collectors:
            yield from collector()


def metrics_text() -> bytes:
    """The exposition text: the counters of this process (or of all processes, in
    multiprocess mode) followed by the metrics read from the database."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_ScrapeTimeCollector())
    return generate_latest(counted) + generate_latest(scraped)


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    # Behind a proxy on this host the peer is always the proxy: the address must be the client's.
    return client_ip(request) in settings.METRICS_ALLOWED_IPS


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponseForbidden(
            "Metrics are for the addresses in METRICS_ALLOWED_IPS or a bearer METRICS_TOKEN.",
            content_type="text/plain",
        )
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
