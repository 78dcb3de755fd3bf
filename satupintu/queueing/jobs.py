"""Periodic jobs of the queue: yesterday's leftovers and missed appointments."""

from __future__ import annotations

from satupintu.catalog.models import Mall
from satupintu.core.scheduler import register_job
from satupintu.queueing import services


def tickets_expire() -> int:
    """Cancel, in every mall, tickets of earlier days (mall-local) still waiting or at a
    counter; idempotent (an expired ticket is no longer active)."""
    total = 0
    for mall in Mall.objects.filter(is_active=True):
        total += services.tickets_expire_before(mall=mall, day=mall.today())
    return total


def appointments_expire() -> int:
    """Booked appointments whose check-in window has closed become no-shows."""
    return services.appointments_expire()


register_job("tickets-expire", "5 0 * * *", tickets_expire, "End-of-day ticket expiry")
register_job(
    "appointments-expire", "*/10 * * * *", appointments_expire, "Missed-appointment expiry"
)
