"""Input and output shapes of the queue and appointment API (API.md, "Queue", "Appointments")."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Schema
from pydantic import Field

from satupintu.core.schemas import Id, InputSchema, Text, TimeOfDay

PriorityName = Literal["disabled", "elderly", "pregnant", "child_or_infant"]
TicketChannelName = Literal["walk_in", "drive_thru", "outreach", "remote"]


class TicketIn(InputSchema):
    service_id: Id
    channel: TicketChannelName = "walk_in"
    priority: PriorityName | None = None
    name: Text | None = Field(default=None, max_length=150)
    phone: Text | None = Field(default=None, max_length=32)
    plate_number: Text | None = Field(default=None, max_length=16)
    further_service_ids: list[Id] = Field(
        default_factory=list,
        max_length=10,
        description="Further services of the same visit, served one after the other.",
    )


class EstimateOut(Schema):
    """The estimated wait: minutes until the call, an 80 % range, the place in the order the
    counters serving the service call; `reason` `no_counter_open` (then `opens_at`, HH:MM, when
    the counters open later today) or `counters_paused`."""

    minutes: int | None
    minutes_low: int | None
    minutes_high: int | None
    people_ahead: int
    reason: str | None
    opens_at: str | None = None


class TicketOut(Schema):
    """A ticket as its holder and the public see it: no name, phone or plate."""

    id: int
    number: str
    mall: str
    service_id: int
    service_name: str
    current_service_id: int
    current_service_name: str
    channel: str
    status: str
    priority: str | None
    position: int | None
    people_ahead: int | None
    estimated_wait_minutes: int | None
    estimate: EstimateOut | None
    service_date: date
    created_at: str
    arrival_at: str
    called_at: str | None
    counter_id: int | None
    counter_name: str | None
    counter_number: int | None
    floor: int | None
    further_service_ids: list[int]
    transferred_from_id: int | None
    transferred_to_id: int | None
    appointment: bool
    arrive_by: str | None = Field(
        default=None, description="A remote ticket: check in at the mall before this time."
    )
    checkin_code: str | None = Field(
        default=None, description="A remote ticket: the code its QR carries, for the check-in."
    )
    token: str | None = Field(
        default=None,
        description=(
            "The ticket's secret, for its holder: given when the ticket is taken (and to who "
            "reads it with it); `GET /tickets/{id}?token=` needs it from anyone but the queue "
            "staff who may see the ticket. Null in staff answers."
        ),
    )


class TicketStaffOut(TicketOut):
    """A ticket with the fields only queue staff of its mall see (null for everyone else)."""

    name: str | None = None
    phone: str | None = None
    plate_number: str | None = None
    recall_count: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    outcome: str | None = None
    note: str | None = None


class FinishIn(InputSchema):
    outcome: Literal["served", "not_served"]
    note: Text = Field(default="", max_length=2000)


class FinishAndCallNextIn(FinishIn):
    """The ticket at the counter (as the console shows it), finished with this outcome."""

    ticket_id: Id


class TransferIn(InputSchema):
    service_id: Id
    note: Text = Field(default="", max_length=2000)


class CancelIn(InputSchema):
    note: Text = Field(default="", max_length=2000)


class CounterSessionOut(Schema):
    id: int
    counter_id: int
    counter_name: str
    officer_id: int
    officer_name: str
    status: str
    opened_at: str
    paused_at: str | None
    closed_at: str | None


class WaitingCountOut(Schema):
    service_id: int
    service_code: str
    service_name: str
    waiting: int


class CounterSessionBrief(Schema):
    id: int
    officer_id: int
    officer_name: str
    status: str
    opened_at: str | None


class CounterStateOut(Schema):
    counter_id: int
    counter_name: str
    counter_number: int
    floor: int | None
    mode: str
    session: CounterSessionBrief | None
    current_ticket: TicketStaffOut | None
    waiting: list[WaitingCountOut]
    waiting_total: int


class QueueOut(Schema):
    service_id: int
    service_code: str
    service_name: str
    agency_id: int
    agency_name: str
    queue_prefix: str
    waiting: int
    open_counters: int
    mean_service_minutes: float
    estimated_wait_minutes: int


class AppointmentIn(InputSchema):
    service_id: Id
    date: date
    slot: TimeOfDay = Field(description="Start of the slot, HH:MM (mall time)")
    name: Text = Field(min_length=1, max_length=150)
    phone: Text = Field(max_length=32)
    nik: Text = Field(max_length=32)


class AppointmentOut(Schema):
    """An appointment as its holder sees it: NIK and name masked."""

    code: str
    service_id: int
    service_name: str
    mall: str
    date: date
    slot: str
    slot_at: str
    status: str
    name: str
    nik: str
    check_in_from: str
    check_in_until: str
    ticket_id: int | None


class AppointmentStaffOut(AppointmentOut):
    """An appointment as queue staff of its mall see it: name and phone in full, NIK masked."""

    phone: str
    checked_in_at: str | None


class AppointmentPage(Schema):
    items: list[AppointmentStaffOut]
    count: int


class SlotOut(Schema):
    slot: str
    starts_at: str
    capacity: int
    booked: int
    free: int
    available: bool


class SlotListOut(Schema):
    service_id: int
    date: date
    slot_minutes: int | None
    closed_reason: str | None
    items: list[SlotOut]
    count: int


class FinishAndCallNextOut(Schema):
    """The ticket just finished and the ticket now called (null when nobody waits)."""

    finished: TicketStaffOut
    called: TicketStaffOut | None
