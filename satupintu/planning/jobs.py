"""Periodic jobs of planning: the nightly arrival forecast."""

from __future__ import annotations

from satupintu.core.scheduler import register_job


def arrival_forecast() -> dict[str, int]:
    """The next 14 days' arrival forecast of every active mall, from the roll-ups the nightly
    roll-up job (01:30) has just brought up to date."""
    from satupintu.catalog.models import Mall
    from satupintu.planning.forecast import forecast_store

    return {
        mall.slug: forecast_store(mall=mall, start=mall.today(), days=14)
        for mall in Mall.objects.filter(is_active=True)
    }


register_job("arrival-forecast", "30 2 * * *", arrival_forecast, "Arrival forecast, 14 days")
