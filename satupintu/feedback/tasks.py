"""Background work of the feedback app (django-tasks; enqueued after commit)."""

from __future__ import annotations

from django_tasks import task

from satupintu.feedback import services


@task()
def lapor_deliver(delivery_id: int) -> str:
    """Send one SP4N-LAPOR! outbox row (a forwarded complaint or an answer)."""
    return str(services.lapor_delivery_send(delivery_id=delivery_id).status)


@task()
def complaints_escalate() -> int:
    """Escalate complaints whose first response is overdue (run it daily, e.g. from cron via
    `satupintu complaints_escalate --enqueue`)."""
    return len(services.complaints_escalate_overdue())


@task()
def lapor_retry() -> int:
    return services.lapor_deliveries_retry()
