"""Demo data of the reports (called last by `satupintu seed_demo`): the roll-ups of every past
day that has tickets and none yet. The demo's own rows are today's, which the reports read
live; years of history come from `satupintu seed_volume` (too slow for seed_demo). Idempotent:
a built day is never built again here."""

from __future__ import annotations

from collections.abc import Callable

from satupintu.catalog.models import Mall
from satupintu.queueing.models import Ticket
from satupintu.reports.models import RollupDay
from satupintu.reports.services import rollup_day


def seed(mall: Mall, log: Callable[[str], None]) -> None:
    today = mall.today()
    days = set(
        Ticket.objects.filter(mall=mall, service_date__lt=today)
        .values_list("service_date", flat=True)
        .distinct()
    )
    days -= set(RollupDay.objects.filter(mall=mall).values_list("day", flat=True))
    built = sum(rollup_day(mall=mall, day=day) for day in sorted(days))
    log(
        f"reports: {built} past day(s) rolled up; for years of history run "
        "`satupintu seed_volume --years 3` (or --scale 0.05 for a quick one)"
    )
