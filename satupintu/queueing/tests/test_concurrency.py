"""Exactly-once guarantees under real concurrency, on PostgreSQL: many counters calling at the
same moment, many kiosks issuing at the same moment. Every thread has its own connection."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    CounterFactory,
    FloorFactory,
    MallFactory,
    ServiceFactory,
)
from satupintu.core.errors import Conflict
from satupintu.queueing import services
from satupintu.queueing.models import Ticket, TicketEvent
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import WEDNESDAY_10, Clock, set_opening_hours

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Start `count` threads together (a barrier), each running `work(index)` on its own
    database connection; answer the exceptions they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def body(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def test_20_counters_drain_500_tickets_each_called_exactly_once(clock: Clock) -> None:
    mall = MallFactory()
    set_opening_hours(mall)
    agency = AgencyFactory(mall=mall)
    shared = [
        ServiceFactory(agency=agency, mall=mall, queue_prefix=prefix) for prefix in ("A", "B", "C")
    ]
    floor = FloorFactory(mall=mall, number=1)
    counters, officers = [], []
    for i in range(20):
        # Every counter serves two of the three services: each service is shared by many.
        counter = CounterFactory(
            mall=mall, floor=floor, number=i + 1, services=[shared[i % 3], shared[(i + 1) % 3]]
        )
        officer = user_with_role(Role.COUNTER_OFFICER, mall=mall, username=f"officer-{i}")
        services.counter_open(counter=counter, actor=officer)
        counters.append(counter)
        officers.append(officer)
    day = WEDNESDAY_10.date()
    tickets = [
        Ticket(
            mall=mall,
            service=shared[n % 3],
            current_service=shared[n % 3],
            queue_prefix=shared[n % 3].queue_prefix,
            serial=n + 1,
            number=f"{shared[n % 3].queue_prefix}-{n + 1:03d}",
            service_date=day,
            arrival_at=clock() - timedelta(seconds=500 - n),
            priority="elderly" if n % 7 == 0 else "",
        )
        for n in range(500)
    ]
    Ticket.objects.bulk_create(tickets)
    called: dict[int, list[int]] = defaultdict(list)

    def serve(index: int) -> None:
        counter, officer = counters[index], officers[index]
        while True:
            ticket = services.counter_call_next(counter=counter, actor=officer)
            if ticket is None:
                return
            called[index].append(ticket.pk)
            services.ticket_start(ticket=ticket, actor=officer)
            services.ticket_finish(ticket=ticket, actor=officer, outcome="served")

    errors = run_threads(20, serve)
    assert errors == []
    all_calls = [pk for calls in called.values() for pk in calls]
    assert len(all_calls) == 500
    assert len(set(all_calls)) == 500
    assert sum(1 for calls in called.values() if calls) > 1  # the work really was shared
    call_events = Tally(
        TicketEvent.objects.filter(action="call").values_list("ticket_id", flat=True)
    )
    assert len(call_events) == 500
    assert set(call_events.values()) == {1}
    assert set(Ticket.objects.values_list("status", flat=True)) == {"done"}
    # Each ticket was called by a counter that serves its service.
    for index, calls in called.items():
        served = {s.pk for s in counters[index].services.all()}
        assert (
            set(Ticket.objects.filter(pk__in=calls).values_list("current_service_id", flat=True))
            <= served
        )


def test_20_kiosks_issue_1000_tickets_unique_and_gap_free_per_queue(clock: Clock) -> None:
    mall = MallFactory()
    set_opening_hours(mall)
    agency = AgencyFactory(mall=mall)
    # Two services share queue A; one has queue B.
    queue_a1 = ServiceFactory(agency=agency, mall=mall, queue_prefix="A")
    queue_a2 = ServiceFactory(agency=agency, mall=mall, queue_prefix="A")
    queue_b = ServiceFactory(agency=agency, mall=mall, queue_prefix="B")
    choices = [queue_a1, queue_a2, queue_b]
    issued: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def kiosk(index: int) -> None:
        for n in range(50):
            ticket = services.ticket_issue(service=choices[(index + n) % 3])
            with lock:
                issued.append((ticket.queue_prefix, ticket.serial, ticket.number))

    errors = run_threads(20, kiosk)
    assert errors == []
    assert len(issued) == 1000
    assert len({number for _prefix, _serial, number in issued}) == 1000
    by_queue: dict[str, list[int]] = defaultdict(list)
    for prefix, serial, _number in issued:
        by_queue[prefix].append(serial)
    for prefix, serials in by_queue.items():
        assert sorted(serials) == list(range(1, len(serials) + 1)), prefix
    stored = Tally(Ticket.objects.values_list("queue_prefix", flat=True))
    assert stored == {prefix: len(serials) for prefix, serials in by_queue.items()}


def test_concurrent_kiosks_never_exceed_the_daily_quota(clock: Clock) -> None:
    mall = MallFactory()
    set_opening_hours(mall)
    service = ServiceFactory(agency=AgencyFactory(mall=mall), mall=mall, quota_walk_in=100)
    outcomes: list[Any] = []
    lock = threading.Lock()

    def kiosk(index: int) -> None:
        for _ in range(10):
            try:
                result: Any = services.ticket_issue(service=service).serial
            except Conflict as exc:
                result = exc.code
            with lock:
                outcomes.append(result)

    assert run_threads(20, kiosk) == []
    serials = sorted(o for o in outcomes if isinstance(o, int))
    assert serials == list(range(1, 101))
    assert outcomes.count("quota_exhausted") == 100
    assert Ticket.objects.count() == 100


def test_concurrent_bookings_never_overfill_a_slot(clock: Clock) -> None:
    from datetime import date, time

    from satupintu.queueing.models import Appointment
    from satupintu.queueing.tests.factories import AppointmentSlotConfigFactory

    mall = MallFactory()
    set_opening_hours(mall)
    service = ServiceFactory(agency=AgencyFactory(mall=mall), mall=mall)
    AppointmentSlotConfigFactory(service=service, capacity_per_slot=4)
    # 20 people with valid, different NIKs (serial 0001-0020), and one of them twice.
    niks = [f"34710112039{n:05d}" for n in range(1, 20)] + ["3471011203900001"]
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(index: int) -> None:
        try:
            services.appointment_book(
                service=service,
                day=date(2026, 3, 5),
                slot=time(9, 0),
                name=f"Warga {index}",
                phone="081234567890",
                nik=niks[index],
            )
            result = "booked"
        except Conflict as exc:
            result = exc.code
        with lock:
            outcomes.append(result)

    assert run_threads(20, book) == []
    assert outcomes.count("booked") == 4
    assert set(outcomes) <= {"booked", "slot_full", "duplicate_booking"}
    assert Appointment.objects.filter(status="booked").count() == 4
