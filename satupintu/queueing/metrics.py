"""Queue metrics for `/metrics`, read from the database at each scrape: how many visitors wait
for each service, how long the longest-waiting one has waited, and the mean wait of the
tickets called during the last hour."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from satupintu.queueing.models import Ticket

LABELS = ["mall", "service"]


def queue_metrics() -> Iterable[GaugeMetricFamily]:
    now = timezone.now()
    waiting = GaugeMetricFamily(
        "satupintu_queue_waiting", "Tickets waiting to be called, per service.", labels=LABELS
    )
    oldest = GaugeMetricFamily(
        "satupintu_queue_oldest_wait_seconds",
        "How long the longest-waiting ticket of each service has waited.",
        labels=LABELS,
    )
    rows = (
        Ticket.objects.filter(status=Ticket.Status.WAITING)
        .values("mall__slug", "current_service__code")
        .annotate(n=Count("pk"), first=Min("arrival_at"))
        .order_by()
    )
    for row in rows:
        labels = [row["mall__slug"], row["current_service__code"]]
        waiting.add_metric(labels, row["n"])
        oldest.add_metric(labels, max(0.0, (now - row["first"]).total_seconds()))
    yield waiting
    yield oldest
    waited = GaugeMetricFamily(
        "satupintu_queue_wait_seconds_last_hour",
        "Mean wait from arrival to first call of the tickets called in the last hour.",
        labels=LABELS,
    )
    wait = ExpressionWrapper(F("called_at") - F("arrival_at"), output_field=DurationField())
    called = (
        Ticket.objects.filter(called_at__gte=now - timedelta(hours=1))
        .values("mall__slug", "current_service__code")
        .annotate(mean=Avg(wait))
        .order_by()
    )
    for row in called:
        if row["mean"] is not None:
            waited.add_metric(
                [row["mall__slug"], row["current_service__code"]], row["mean"].total_seconds()
            )
    yield waited
