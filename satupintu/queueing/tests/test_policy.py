"""Property tests of the calling policy, and the database ordering checked against it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from satupintu.queueing import hotpath, policy
from satupintu.queueing.models import Ticket
from satupintu.queueing.tests.factories import TicketFactory

NOW = datetime(2026, 3, 4, 3, 0, tzinfo=ZoneInfo("UTC"))
PRIORITIES = [None, "disabled", "elderly", "pregnant", "child_or_infant"]


@dataclass(frozen=True)
class Waiting:
    id: int
    priority: str | None
    arrival_at: datetime
    slot_at: datetime | None

    def key(self, now: datetime = NOW) -> tuple[int, datetime, int]:
        return policy.call_order_key(
            priority=self.priority,
            appointment_slot_at=self.slot_at,
            arrival_at=self.arrival_at,
            ticket_id=self.id,
            now=now,
        )


minutes = st.integers(min_value=-240, max_value=240)


@st.composite
def waiting_tickets(draw: st.DrawFn) -> list[Waiting]:
    count = draw(st.integers(min_value=1, max_value=30))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    result = []
    for ticket_id in ids:
        arrival = NOW + timedelta(minutes=draw(st.integers(-240, 0)))
        slot = draw(st.one_of(st.none(), minutes.map(lambda m: NOW + timedelta(minutes=m))))
        result.append(Waiting(ticket_id, draw(st.sampled_from(PRIORITIES)), arrival, slot))
    return result


def call_order(tickets: list[Waiting]) -> list[Waiting]:
    return sorted(tickets, key=lambda t: t.key())


def is_due(t: Waiting) -> bool:
    return t.slot_at is not None and t.slot_at <= NOW


@given(waiting_tickets())
def test_due_appointments_come_first(tickets: list[Waiting]) -> None:
    order = call_order(tickets)
    due = [is_due(t) for t in order]
    assert due == sorted(due, reverse=True)  # every due appointment before any other ticket
    due_slots = [t.slot_at for t in order if is_due(t)]
    assert due_slots == sorted(due_slots)  # and among them, the earlier slot first


@given(waiting_tickets())
def test_priority_classes_before_regular_in_the_regulation_order(tickets: list[Waiting]) -> None:
    rest = [t for t in call_order(tickets) if not is_due(t)]
    ranks = [policy.PRIORITY_TIERS.get(t.priority or "", policy.TIER_REGULAR) for t in rest]
    assert ranks == sorted(ranks)
    first_regular = next((i for i, t in enumerate(rest) if t.priority is None), len(rest))
    assert all(t.priority is not None for t in rest[:first_regular])
    assert all(t.priority is None for t in rest[first_regular:])


@given(waiting_tickets())
def test_within_a_class_the_longest_waiting_goes_first(tickets: list[Waiting]) -> None:
    rest = [t for t in call_order(tickets) if not is_due(t)]
    for cls in PRIORITIES:
        same = [t for t in rest if t.priority == cls]
        assert [(t.arrival_at, t.id) for t in same] == sorted((t.arrival_at, t.id) for t in same)


@given(waiting_tickets(), st.integers(min_value=1, max_value=600))
def test_a_transfer_keeps_its_place_by_original_arrival(
    tickets: list[Waiting], minutes_later: int
) -> None:
    """A transferred ticket joins the other queue with its original arrival time: it goes before
    everyone of its class who arrived after it, although it joined the queue later."""
    original = tickets[0]
    successor = Waiting(
        max(t.id for t in tickets) + 1, original.priority, original.arrival_at, None
    )
    # The transfer happens `minutes_later`, after newcomers of the same class.
    newcomer = Waiting(
        successor.id + 1,
        original.priority,
        original.arrival_at + timedelta(minutes=minutes_later),
        None,
    )
    order = call_order([*tickets[1:], newcomer, successor])
    assert order.index(successor) < order.index(newcomer)


@given(waiting_tickets())
def test_the_order_is_total_and_the_same_for_every_counter(tickets: list[Waiting]) -> None:
    shuffled = list(tickets)
    random.Random(len(tickets)).shuffle(shuffled)
    assert call_order(shuffled) == call_order(tickets)
    assert len({t.key() for t in tickets}) == len(tickets)


def test_an_early_check_in_waits_as_usual_until_its_slot_is_due() -> None:
    regular = Waiting(1, None, NOW - timedelta(minutes=30), None)
    appointment = Waiting(2, None, NOW - timedelta(minutes=5), NOW + timedelta(minutes=10))
    assert call_order([appointment, regular]) == [regular, appointment]
    later = NOW + timedelta(minutes=10)
    assert sorted([regular, appointment], key=lambda t: t.key(later)) == [appointment, regular]


def _random_waiting_tickets(seed: int) -> tuple[Any, list[Waiting]]:
    """40 tickets of one service with random priorities, arrivals and appointment slots."""
    rng = random.Random(seed)
    first = TicketFactory()
    service = first.service
    first.delete()
    made = []
    for _ in range(40):
        slot = NOW + timedelta(minutes=rng.randint(-90, 90)) if rng.random() < 0.25 else None
        ticket = TicketFactory(
            service=service,
            priority=rng.choice(PRIORITIES) or "",
            # Equal arrival times happen (many kiosks in the same second): the id decides.
            arrival_at=NOW - timedelta(minutes=rng.randint(0, 20)),
            appointment_slot_at=slot,
        )
        made.append(Waiting(ticket.pk, ticket.priority or None, ticket.arrival_at, slot))
    return service, made


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(4))
def test_the_database_orders_exactly_like_the_policy(seed: int) -> None:
    service, made = _random_waiting_tickets(seed)
    in_db = list(
        Ticket.objects.filter(service=service)
        .order_by(*policy.call_order_by(NOW))
        .values_list("id", flat=True)
    )
    assert in_db == [t.id for t in call_order(made)]


@settings(max_examples=50)
@given(st.sampled_from(PRIORITIES), minutes)
def test_tier_is_between_appointment_and_regular(priority: str | None, slot_minutes: int) -> None:
    tier = policy.call_tier(
        priority=priority, appointment_slot_at=NOW + timedelta(minutes=slot_minutes), now=NOW
    )
    assert policy.TIER_APPOINTMENT_DUE <= tier <= policy.TIER_REGULAR
    if slot_minutes <= 0:
        assert tier == policy.TIER_APPOINTMENT_DUE


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(4))
def test_the_hot_path_sql_orders_exactly_like_the_policy(seed: int) -> None:
    """The ORDER BY of the hand-written calling statement (`hotpath.call_order_sql`), on the
    engine under test."""
    service, made = _random_waiting_tickets(seed)
    now = connection.ops.adapt_datetimefield_value(NOW)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id FROM queueing_ticket t WHERE t.service_id = %s "
            f"ORDER BY {hotpath.call_order_sql('t', '%s')}",
            [service.pk, now, now],
        )
        in_db = [row[0] for row in cursor.fetchall()]
    assert in_db == [t.id for t in call_order(made)]
