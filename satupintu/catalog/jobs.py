"""Periodic jobs of the catalog: MOU expiry and reminders."""

from __future__ import annotations

from satupintu.catalog import partners
from satupintu.core.scheduler import register_job


def mou_reminders() -> dict[str, int]:
    """Expire MOUs past their end date and write the 60- and 30-day reminders due (each once)."""
    run = partners.partnership_reminders_run()
    return {"reminders": len(run.reminders), "expired": len(run.expired)}


register_job("mou-reminders", "0 6 * * *", mou_reminders, "MOU expiry and reminders")
