"""Background work of the reports app (django-tasks; enqueued after commit)."""

from __future__ import annotations

from datetime import date, timedelta

from django_tasks import task

from satupintu.catalog.models import Mall
from satupintu.reports import services
from satupintu.reports.models import RollupDay


@task()
def rollup_day_task(mall_id: int, day: str) -> bool:
    """Build the roll-ups of one past day of one mall."""
    mall = Mall.objects.get(pk=mall_id)
    return services.rollup_day(mall=mall, day=date.fromisoformat(day))


@task()
def rollup_pending(days_back: int = 7) -> int:
    """Build the roll-ups of recent past days that have none yet, for every active mall (run it
    nightly, after the queue's end-of-day clean-up). Returns the number of days built."""
    built = 0
    for mall in Mall.objects.filter(is_active=True):
        today = mall.today()
        done = set(
            RollupDay.objects.filter(
                mall=mall, day__gte=today - timedelta(days=days_back)
            ).values_list("day", flat=True)
        )
        for offset in range(days_back, 0, -1):
            day = today - timedelta(days=offset)
            if day not in done:
                built += services.rollup_day(mall=mall, day=day)
    return built
