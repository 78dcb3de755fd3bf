"""Background work of the queue, run by the task worker (django-tasks).

Nothing here is needed for the queue to work; these keep yesterday's leftovers out of today's
consoles and statistics. Enqueue them from a scheduler (cron, systemd timer) or after commit."""

from __future__ import annotations

from django_tasks import task

from satupintu.catalog.models import Mall
from satupintu.queueing import services


@task()
def expire_previous_days_tickets() -> int:
    """Cancel, in every mall, tickets of earlier days still waiting or at a counter."""
    total = 0
    for mall in Mall.objects.filter(is_active=True):
        total += services.tickets_expire_before(mall=mall, day=mall.today())
    return total


@task()
def expire_missed_appointments() -> int:
    """Mark booked appointments whose check-in window has passed as no-show."""
    return services.appointments_expire()
