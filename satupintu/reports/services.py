"""State changes of the reports app: building and rebuilding the daily roll-ups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction

from satupintu.catalog.models import Mall
from satupintu.reports import rollups
from satupintu.reports.models import (
    DailyDossierStats,
    DailySurveyStats,
    DailyTicketStats,
    DailyWorkStats,
    RollupDay,
    RollupLevel,
)


def _store(mall: Mall, figures: rollups.DayFigures) -> None:
    day = figures.day
    for model in (DailyTicketStats, DailyDossierStats, DailySurveyStats, DailyWorkStats):
        model.objects.filter(mall=mall, day=day).delete()
    DailyTicketStats.objects.bulk_create(
        DailyTicketStats(
            mall=mall,
            day=day,
            level=RollupLevel(level),
            agency_id=agency_id,
            service_id=service_id,
            **values.as_fields(),
        )
        for (level, agency_id, service_id), values in figures.tickets.items()
    )
    DailyWorkStats.objects.bulk_create(
        DailyWorkStats(
            mall=mall,
            day=day,
            counter_id=counter_id,
            officer_id=officer_id,
            agency_id=agency_id,
            finished=w.finished,
            served=w.served,
            service_count=w.service_count,
            service_us=w.service_us,
        )
        for (counter_id, officer_id, agency_id), w in figures.work.items()
    )
    DailyDossierStats.objects.bulk_create(
        DailyDossierStats(
            mall=mall,
            day=day,
            agency_id=agency_id,
            service_id=service_id,
            received=d.received,
            completed=d.completed,
            completed_on_time=d.completed_on_time,
        )
        for (agency_id, service_id), d in figures.dossiers.items()
    )
    DailySurveyStats.objects.bulk_create(
        DailySurveyStats(
            mall=mall,
            day=day,
            agency_id=agency_id,
            service_id=service_id,
            respondents=s.respondents,
            sums=s.sums,
        )
        for (agency_id, service_id), s in figures.surveys.items()
    )
    RollupDay.objects.update_or_create(mall=mall, day=day)


@transaction.atomic
def rollup_day(*, mall: Mall, day: date) -> bool:
    """Build (or rebuild) the roll-ups of one finished mall-local day. Today and later days are
    never rolled up (they still change), nor a past day whose queue still has active tickets
    (the end-of-day clean-up has not run yet): both are computed live. True when built."""
    if day >= mall.today():
        return False
    figures = rollups.figures_of_day(mall, day)
    if figures.active_tickets:
        RollupDay.objects.filter(mall=mall, day=day).delete()
        return False
    _store(mall, figures)
    return True


def rollup_range(
    *,
    mall: Mall,
    date_from: date,
    date_to: date,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild every day of [date_from, date_to] (one transaction per day); the number built."""
    days = list(rollups.days_between(date_from, date_to))
    built = 0
    for index, day in enumerate(days, start=1):
        built += rollup_day(mall=mall, day=day)
        if progress is not None:
            progress(index, len(days))
    return built


def rollup_mark_stale(*, mall_id: int, day: date) -> None:
    """A past day changed (a late event, a correction): forget its roll-up, so readers compute
    it live, and queue its rebuild after the current transaction commits. A day that had no
    roll-up (not built yet, or already marked in this transaction) queues nothing more: the
    nightly job builds the recent days that have none."""
    deleted, _rows = RollupDay.objects.filter(mall_id=mall_id, day=day).delete()
    if not deleted:
        return
    from satupintu.reports.tasks import rollup_day_task

    transaction.on_commit(lambda: rollup_day_task.enqueue(mall_id=mall_id, day=day.isoformat()))
