"""Background work of the feedback app (django-tasks). The SP4N-LAPOR! calls go through the
outbox (`feedback/deliveries.py`), not through tasks of their own."""

from __future__ import annotations

from django_tasks import task

from satupintu.feedback import services


@task()
def complaints_escalate() -> int:
    """Escalate complaints whose first response is overdue (the scheduler runs it daily)."""
    return len(services.complaints_escalate_overdue())
