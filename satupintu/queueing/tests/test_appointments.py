"""Appointments: slots, booking window, capacity, one booking per NIK, check-in, cancellation."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from satupintu.core.crypto import decrypt_personal, lookup_hash
from satupintu.core.errors import Conflict, InvalidInput
from satupintu.queueing import selectors, services
from satupintu.queueing.models import Appointment, Ticket
from satupintu.queueing.tests.factories import AppointmentSlotConfigFactory
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import JAKARTA, Clock, QueueWorld

pytestmark = pytest.mark.django_db

NIK_A = "3471011203900001"
NIK_B = "3471015508950002"
NIK_C = "3471010101800003"
THURSDAY = date(2026, 3, 5)


@pytest.fixture
def bookable(world: QueueWorld) -> QueueWorld:
    AppointmentSlotConfigFactory(service=world.service, capacity_per_slot=2)
    return world


def book(
    w: QueueWorld, nik: str = NIK_A, day: date = THURSDAY, slot: time = time(9, 0)
) -> Appointment:
    return services.appointment_book(
        service=w.service, day=day, slot=slot, name="Siti Aminah", phone="081234567890", nik=nik
    )


def test_slots_follow_opening_hours_and_capacity(bookable: QueueWorld) -> None:
    slots = selectors.appointment_slots(bookable.service, THURSDAY)
    assert [s["slot"] for s in slots][:3] == ["08:00", "08:30", "09:00"]
    assert slots[-1]["slot"] == "15:30"  # the last slot ends at closing time
    assert len(slots) == 16
    book(bookable)
    nine = next(s for s in slots if s["slot"] == "09:00")
    assert nine["free"] == 2
    nine = next(
        s for s in selectors.appointment_slots(bookable.service, THURSDAY) if s["slot"] == "09:00"
    )
    assert (nine["booked"], nine["free"], nine["available"]) == (1, 1, True)
    # Saturday and a national holiday have no slots.
    assert selectors.appointment_slots(bookable.service, date(2026, 3, 7)) == []
    assert selectors.appointment_slots(bookable.service, date(2026, 3, 19)) == []


def test_booking_stores_the_nik_encrypted_and_a_short_code(bookable: QueueWorld) -> None:
    appointment = book(bookable)
    assert appointment.status == "booked"
    assert len(appointment.code) == 8
    assert appointment.code.isalnum()
    assert NIK_A not in appointment.nik_encrypted
    assert decrypt_personal(appointment.nik_encrypted, purpose="nik") == NIK_A
    assert appointment.nik_masked == "3471**********01"
    assert appointment.nik_hash == lookup_hash(NIK_A, purpose="nik") != NIK_A
    assert appointment.phone == "+6281234567890"
    assert appointment.slot_at == datetime(2026, 3, 5, 9, 0, tzinfo=JAKARTA)


def test_full_slot_is_409(bookable: QueueWorld) -> None:
    book(bookable, NIK_A)
    book(bookable, NIK_B)
    with pytest.raises(Conflict) as exc:
        book(bookable, NIK_C)
    assert (exc.value.code, exc.value.field) == ("slot_full", "slot")
    assert Appointment.objects.count() == 2
    # A cancellation frees the place.
    services.appointment_cancel(appointment=Appointment.objects.first())  # type: ignore[arg-type]
    book(bookable, NIK_C)


def test_one_active_booking_per_nik_service_and_day(bookable: QueueWorld) -> None:
    first = book(bookable, NIK_A)
    with pytest.raises(Conflict) as exc:
        book(bookable, NIK_A, slot=time(10, 0))
    assert (exc.value.code, exc.value.field) == ("duplicate_booking", "nik")
    # Another day is fine, and after cancelling the same day is too.
    book(bookable, NIK_A, day=date(2026, 3, 6))
    services.appointment_cancel(appointment=first)
    book(bookable, NIK_A, slot=time(10, 0))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"nik": "1234"}, "nik"),
        ({"nik": "3471013213900001"}, "nik"),  # month 13
        ({"nik": "9971011203900001"}, "nik"),  # no such province
        ({"phone": "12"}, "phone"),
        ({"name": "  "}, "name"),
        ({"slot": time(9, 10)}, "slot"),  # not a slot start
    ],
)
def test_invalid_input_is_422_naming_the_field(
    bookable: QueueWorld, kwargs: dict, field: str
) -> None:
    data = {
        "service": bookable.service,
        "day": THURSDAY,
        "slot": time(9, 0),
        "name": "Siti",
        "phone": "081234567890",
        "nik": NIK_A,
        **kwargs,
    }
    with pytest.raises(InvalidInput) as exc:
        services.appointment_book(**data)
    assert exc.value.field == field
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("day", "slot", "code"),
    [
        (date(2026, 3, 4), time(9, 0), "booking_window_closed"),  # already begun
        (date(2026, 3, 4), time(11, 0), "booking_window_closed"),  # cut-off hour 10 below
        (date(2026, 3, 19), time(9, 0), "mall_closed"),  # Nyepi
        (date(2026, 4, 1), time(9, 0), "booking_window_closed"),  # more than 14 days ahead
    ],
)
def test_booking_window(bookable: QueueWorld, day: date, slot: time, code: str) -> None:
    config = bookable.service.appointment_config
    config.cutoff_hour = 10
    config.save()
    with pytest.raises(Conflict) as exc:
        book(bookable, day=day, slot=slot)
    assert exc.value.code == code
    assert not Appointment.objects.exists()


def test_service_without_appointments_is_409(world: QueueWorld) -> None:
    with pytest.raises(Conflict) as exc:
        book(world)
    assert exc.value.code == "no_appointments"


def test_check_in_window_and_precedence_once_due(bookable: QueueWorld, clock: Clock) -> None:
    appointment = book(bookable, slot=time(9, 0))
    clock.set(datetime(2026, 3, 5, 8, 29, tzinfo=JAKARTA))  # 31 minutes early
    with pytest.raises(Conflict) as exc:
        services.appointment_check_in(appointment=appointment)
    assert exc.value.code == "checkin_window"
    walk_in = services.ticket_issue(service=bookable.service)
    clock.set(datetime(2026, 3, 5, 8, 40, tzinfo=JAKARTA))
    ticket = services.appointment_check_in(appointment=appointment)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.ticket) == ("checked_in", ticket)
    assert ticket.appointment_slot_at == appointment.slot_at
    with pytest.raises(Conflict):
        services.appointment_check_in(appointment=appointment)
    with pytest.raises(Conflict):
        services.appointment_cancel(appointment=appointment)
    services.counter_open(counter=bookable.counter, actor=bookable.officer)
    # Before 09:00 the slot is not due: the walk-in who came first is called first.
    assert services.counter_call_next(counter=bookable.counter, actor=bookable.officer) == walk_in
    services.ticket_no_show(ticket=walk_in, actor=bookable.officer)
    later = services.ticket_issue(service=bookable.service, priority="disabled")
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=JAKARTA))
    # Due now: before even a priority ticket.
    assert services.counter_call_next(counter=bookable.counter, actor=bookable.officer) == ticket
    assert later.status == "waiting"


def test_late_check_in_is_refused_and_missed_appointments_expire(
    bookable: QueueWorld, clock: Clock
) -> None:
    appointment = book(bookable, slot=time(9, 0))
    clock.set(datetime(2026, 3, 5, 9, 16, tzinfo=JAKARTA))
    with pytest.raises(Conflict):
        services.appointment_check_in(appointment=appointment)
    assert not Ticket.objects.exists()
    assert services.appointments_expire() == 1
    appointment.refresh_from_db()
    assert appointment.status == "no_show"


def test_check_in_tickets_do_not_use_the_walk_in_quota(bookable: QueueWorld, clock: Clock) -> None:
    bookable.service.quota_walk_in = 1
    bookable.service.save()
    appointment = book(bookable, slot=time(9, 0))
    clock.set(datetime(2026, 3, 5, 8, 50, tzinfo=JAKARTA))
    services.ticket_issue(service=bookable.service)
    ticket = services.appointment_check_in(appointment=appointment)
    assert ticket.number == "A-002"
    with pytest.raises(Conflict):
        services.ticket_issue(service=bookable.service)


def test_a_booking_made_before_a_key_rotation_still_blocks_a_duplicate(
    bookable: QueueWorld, settings: pytest.FixtureRequest
) -> None:
    settings.PERSONAL_DATA_KEYS = ["the-key-before-the-rotation-0123456789abc"]  # type: ignore[attr-defined]
    book(bookable, NIK_A)
    settings.PERSONAL_DATA_KEYS = [  # type: ignore[attr-defined]
        "the-key-after-the-rotation-0123456789abcde",
        "the-key-before-the-rotation-0123456789abc",
    ]
    with pytest.raises(Conflict) as exc:
        book(bookable, NIK_A, slot=time(10, 0))
    assert exc.value.code == "duplicate_booking"
    assert Appointment.objects.count() == 1
