from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from satupintu.accounts.tests.factories import UserFactory
from satupintu.catalog.tests.factories import CounterFactory, MallFactory, ServiceFactory
from satupintu.queueing.models import (
    AppointmentSlotConfig,
    CounterSession,
    Display,
    Kiosk,
    Ticket,
)


class DisplayFactory(DjangoModelFactory):
    class Meta:
        model = Display

    mall = factory.SubFactory(MallFactory)
    name = factory.Sequence(lambda n: f"Papan {n}")


class KioskFactory(DjangoModelFactory):
    class Meta:
        model = Kiosk

    mall = factory.SubFactory(MallFactory)
    name = factory.Sequence(lambda n: f"Anjungan {n}")


# --- tickets, counters at work, appointments (queue domain) ---
# A clock for tests that need the mall open: a Wednesday morning in Yogyakarta that is no
# Indonesian holiday.
def open_mall(mall: object) -> None:
    """Give `mall` opening hours on every day of the week, the whole day."""
    from datetime import time as _time

    from satupintu.catalog.models import OpeningHours

    for weekday in range(7):
        OpeningHours.objects.get_or_create(
            mall=mall,
            weekday=weekday,
            defaults={"opens": _time(0, 0), "closes": _time(23, 59, 59)},
        )


class TicketFactory(DjangoModelFactory):
    """A waiting ticket made directly (not through `ticket_issue`): for tests of reads."""

    class Meta:
        model = Ticket

    service = factory.SubFactory(ServiceFactory)
    mall = factory.SelfAttribute("service.mall")
    current_service = factory.SelfAttribute("service")
    channel = "walk_in"
    queue_prefix = factory.SelfAttribute("service.queue_prefix")
    serial = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"{o.queue_prefix}-{o.serial:03d}")
    service_date = factory.LazyFunction(lambda: timezone.localdate())
    status = Ticket.Status.WAITING
    arrival_at = factory.LazyFunction(timezone.now)


class CounterSessionFactory(DjangoModelFactory):
    class Meta:
        model = CounterSession

    counter = factory.SubFactory(CounterFactory)
    officer = factory.SubFactory(UserFactory)
    status = CounterSession.Status.OPEN
    opened_at = factory.LazyFunction(timezone.now)


class AppointmentSlotConfigFactory(DjangoModelFactory):
    class Meta:
        model = AppointmentSlotConfig

    service = factory.SubFactory(ServiceFactory)
    slot_minutes = 30
    capacity_per_slot = 2
    booking_window_days = 14
    cutoff_hour = 12
    checkin_early_minutes = 30
    checkin_late_minutes = 15
