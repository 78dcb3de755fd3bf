"""Periodic jobs of the reports: the nightly roll-ups."""

from __future__ import annotations

from django.conf import settings

from satupintu.core.scheduler import register_job
from satupintu.reports.tasks import rollup_pending


def rollups_nightly() -> int:
    """Build the roll-ups of the past ROLLUP_DAYS_BACK days that have none: days not built yet
    and days a late event made stale (`rollup_mark_stale` dropped their roll-up). Runs after
    the end-of-day ticket expiry, which is what lets yesterday be rolled up."""
    return rollup_pending.call(days_back=settings.ROLLUP_DAYS_BACK)


register_job("rollups-nightly", "30 1 * * *", rollups_nightly, "Nightly roll-ups")
