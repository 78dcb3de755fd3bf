"""The queue's background tasks, run through the task backend (immediate in tests)."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from satupintu.queueing import services, tasks
from satupintu.queueing.models import Appointment, Ticket
from satupintu.queueing.tests.factories import AppointmentSlotConfigFactory
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import JAKARTA, Clock, QueueWorld

pytestmark = pytest.mark.django_db


def test_expire_previous_days_tickets(world: QueueWorld, clock: Clock) -> None:
    old = services.ticket_issue(service=world.service)
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=JAKARTA))
    today = services.ticket_issue(service=world.service)
    result = tasks.expire_previous_days_tickets.enqueue()
    assert result.return_value == 1
    assert Ticket.objects.get(pk=old.pk).status == "cancelled"
    assert Ticket.objects.get(pk=today.pk).status == "waiting"


def test_expire_missed_appointments(world: QueueWorld, clock: Clock) -> None:
    AppointmentSlotConfigFactory(service=world.service, checkin_late_minutes=15)
    appointment = services.appointment_book(
        service=world.service,
        day=datetime(2026, 3, 5).date(),
        slot=time(9, 0),
        name="Siti",
        phone="081234567890",
        nik="3471011203900001",
    )
    clock.set(datetime(2026, 3, 5, 9, 10, tzinfo=JAKARTA))
    assert tasks.expire_missed_appointments.enqueue().return_value == 0
    clock.set(datetime(2026, 3, 5, 9, 16, tzinfo=JAKARTA))
    assert tasks.expire_missed_appointments.enqueue().return_value == 1
    assert Appointment.objects.get(pk=appointment.pk).status == "no_show"
