"""Periodic jobs of the feedback app: complaint escalation."""

from __future__ import annotations

from satupintu.core.scheduler import register_job
from satupintu.feedback import services


def complaints_escalate() -> int:
    """Escalate, once each, complaints whose first response is overdue."""
    return len(services.complaints_escalate_overdue())


register_job("complaints-escalate", "30 7 * * *", complaints_escalate, "Complaint escalation")
