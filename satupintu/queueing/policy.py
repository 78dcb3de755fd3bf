"""The calling policy: which waiting ticket a counter calls next.

One rule, written once as `call_order_key` (a pure function, property-tested) and mirrored by
`call_order_by` for the database query, which is tested against the pure function:

1. A checked-in appointment whose slot is due (slot start <= now) comes first; due appointments
   among themselves go by slot start.
2. Then the priority classes of reference/REGULATIONS.md, in this order: disabled, elderly,
   pregnant, child_or_infant.
3. Then everyone else.
Within the same tier the ticket that has waited longest (earliest `arrival_at`) goes first; the
ticket id breaks exact ties, so the order is total and every counter sees the same order.

A transferred ticket and a ticket going on to the next service of its visit keep their original
`arrival_at`, so they are not sent to the back of the next queue. An appointment checked in before
its slot waits like any other ticket until the slot is due, then moves to the front.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, DateTimeField, F, IntegerField, Q, Value, When
from django.db.models.expressions import OrderBy

# Tier numbers: the lower, the sooner. The order of the priority classes is the project decision
# in reference/REGULATIONS.md.
TIER_APPOINTMENT_DUE = 0
PRIORITY_TIERS: dict[str, int] = {
    "disabled": 1,
    "elderly": 2,
    "pregnant": 3,
    "child_or_infant": 4,
}
TIER_REGULAR = 5


def call_tier(*, priority: str | None, appointment_slot_at: datetime | None, now: datetime) -> int:
    if appointment_slot_at is not None and appointment_slot_at <= now:
        return TIER_APPOINTMENT_DUE
    return PRIORITY_TIERS.get(priority or "", TIER_REGULAR)


def call_order_key(
    *,
    priority: str | None,
    appointment_slot_at: datetime | None,
    arrival_at: datetime,
    ticket_id: int,
    now: datetime,
) -> tuple[int, datetime, int]:
    """The sort key of a waiting ticket at time `now`: the smallest key is called first."""
    tier = call_tier(priority=priority, appointment_slot_at=appointment_slot_at, now=now)
    if tier == TIER_APPOINTMENT_DUE:
        assert appointment_slot_at is not None
        return (tier, appointment_slot_at, ticket_id)
    return (tier, arrival_at, ticket_id)


def _appointment_due(now: datetime) -> Q:
    return Q(appointment_slot_at__isnull=False, appointment_slot_at__lte=now)


def call_tier_expression(now: datetime) -> Case:
    """`call_tier` as a database expression over a Ticket queryset."""
    return Case(
        When(_appointment_due(now), then=Value(TIER_APPOINTMENT_DUE)),
        *[When(priority=name, then=Value(tier)) for name, tier in PRIORITY_TIERS.items()],
        default=Value(TIER_REGULAR),
        output_field=IntegerField(),
    )


def call_sort_time_expression(now: datetime) -> Case:
    """The second element of `call_order_key` as a database expression."""
    return Case(
        When(_appointment_due(now), then=F("appointment_slot_at")),
        default=F("arrival_at"),
        output_field=DateTimeField(),
    )


def call_order_by(now: datetime) -> list[OrderBy]:
    """ORDER BY clauses equal to sorting by `call_order_key` at time `now`."""
    return [
        call_tier_expression(now).asc(),
        call_sort_time_expression(now).asc(),
        F("id").asc(),
    ]
