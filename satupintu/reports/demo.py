"""Demo data of the reports (called last by `satupintu seed_demo`): the roll-ups of every past
day that has tickets, dossiers or surveys and none yet. The demo's own rows of today are read
live; years of history come from `satupintu seed_volume` (too slow for seed_demo). Idempotent:
a built day is never built again here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from satupintu.catalog.models import Mall
from satupintu.dossiers.models import Dossier
from satupintu.feedback.models import Survey
from satupintu.queueing.models import Ticket
from satupintu.reports.models import RollupDay
from satupintu.reports.selectors import active_days
from satupintu.reports.services import rollup_day

# A few months of light history before today (about 16 visits a working day), so that the
# dashboards, the transparency page and the IKM (its respondents among the visitors served)
# have past days to show, each inside the mall's opening hours. Years: `seed_volume`.
HISTORY_DAYS = 120
HISTORY_SCALE = 0.004
# The demo history's tickets carry this visitor name: `seed_volume` replaces them without
# `--replace` (they are the demo's, not a mall's real history).
DEMO_HISTORY_NAME = "(riwayat demo)"


def seed(mall: Mall, log: Callable[[str], None]) -> None:
    today = mall.today()
    if (
        mall.opening_hours.exists()
        and not Ticket.objects.filter(mall=mall, service_date__lt=today).exists()
    ):
        from satupintu.reports.volume import generate

        first, last = today - timedelta(days=HISTORY_DAYS), today - timedelta(days=1)
        made = generate(
            mall=mall, date_from=first, date_to=last, scale=HISTORY_SCALE, log=lambda _line: None
        )
        Ticket.objects.filter(mall=mall, service_date__gte=first, service_date__lte=last).update(
            name=DEMO_HISTORY_NAME
        )
        log(f"reports: {made.rows.get('Ticket', 0)} past visits over {made.days} days")
    first = min(
        [
            *Ticket.objects.filter(mall=mall)
            .order_by("service_date")
            .values_list("service_date", flat=True)[:1],
            *[
                mall.today(at)
                for model in (Dossier, Survey)
                for at in model.objects.filter(mall=mall)
                .order_by("submitted_at")
                .values_list("submitted_at", flat=True)[:1]
            ],
        ],
        default=today,
    )
    # Every past day on which something happened (tickets, dossiers, surveys), as the
    # scheduler rolls up each day in a running mall.
    days = active_days(mall, first, today - timedelta(days=1)) if first < today else set()
    days -= set(RollupDay.objects.filter(mall=mall).values_list("day", flat=True))
    built = sum(rollup_day(mall=mall, day=day) for day in sorted(days))
    log(
        f"reports: {built} past day(s) rolled up; for years of history run "
        "`satupintu seed_volume --years 3` (or --scale 0.05 for a quick one)"
    )
