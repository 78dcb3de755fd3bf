from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from satupintu.core.schemas import Id, InputSchema, Slug, Text, TimeOfDay
from satupintu.dossiers.schemas import FormName, FormValue

RequestedBy = Literal["self", "family", "officer_phone"]
Reason = Literal["disabled", "elderly", "sick", "other"]
Priority = Literal["normal", "high", "urgent"]


class OutreachRequestIn(InputSchema):
    mall: Slug = Field(description="slug of the mall")
    person_name: Text = Field(max_length=150)
    nik: Text = Field(default="", max_length=32)
    phone: Text = Field(max_length=32)
    address: Text = Field(max_length=300)
    kecamatan: Text = Field(max_length=40)
    kelurahan: Text = Field(max_length=40)
    service_ids: list[Id] = Field(max_length=20)
    preferred_dates: list[date] = Field(max_length=10)
    requested_by: RequestedBy = "self"
    requester_name: Text = Field(default="", max_length=150)
    reason: Reason
    disability_note: Text = Field(default="", max_length=2000)
    health_note: Text = Field(default="", max_length=2000)


class OutreachRequestCreatedOut(Schema):
    id: int
    reference: str
    status: str
    created_at: datetime


class ServiceRefOut(Schema):
    id: int
    code: str
    name: str


class OutreachRequestOut(Schema):
    """A request as listed: no NIK and no disability or health notes, ever."""

    id: int
    reference: str
    mall: str
    person_name: str
    phone: str
    address: str
    kecamatan: str
    kelurahan: str
    services: list[ServiceRefOut]
    preferred_dates: list[date]
    requested_by: str
    requester_name: str
    reason: str
    status: str
    priority: str
    assigned_to_id: int | None
    created_at: datetime


class EventOut(Schema):
    at: datetime
    actor: str | None
    action: str
    from_status: str
    to_status: str
    note: str
    visit_id: int | None


class VisitServiceOut(Schema):
    service_id: int
    delivered: bool
    note: str
    ticket_id: int | None
    dossier_id: int | None
    reference: str


class VisitOut(Schema):
    id: int
    request_id: int
    date: date
    window_start: TimeOfDay
    window_end: TimeOfDay
    team_ids: list[int]
    vehicle_id: int | None
    equipment_ids: list[int]
    status: str
    plan_note: str
    outcome_note: str
    result_delivery_home: bool
    services: list[VisitServiceOut]


class SensitiveOut(Schema):
    nik: str
    disability: str
    health: str


class OutreachRequestDetailOut(OutreachRequestOut):
    triage_note: str
    personal_data: SensitiveOut
    visits: list[VisitOut]
    history: list[EventOut]
    allowed_actions: list[str]


class TriageIn(InputSchema):
    priority: Priority
    assigned_to_id: Id | None = None
    note: Text = Field(default="", max_length=2000)


class ScheduleIn(InputSchema):
    date: date
    window_start: TimeOfDay
    window_end: TimeOfDay
    team_ids: list[Id] = Field(min_length=1, max_length=10)
    vehicle_id: Id | None = None
    equipment_ids: list[Id] = Field(default_factory=list, max_length=20)
    note: Text = Field(default="", max_length=2000)


class ServiceOutcomeIn(InputSchema):
    service_id: Id
    delivered: bool = True
    note: Text = Field(default="", max_length=255)
    # The service's application form, for a service that becomes a dossier (its form fields,
    # as `POST /dossiers` takes them); a missing required field is a 422 naming it, and the
    # visit stays open.
    form: dict[FormName, FormValue] = Field(default_factory=dict, max_length=200)


class VisitOutcomeIn(InputSchema):
    outcome: Literal["completed", "not_met"]
    services: list[ServiceOutcomeIn] = Field(default_factory=list, max_length=20)
    result_delivery_home: bool = False
    note: Text = Field(default="", max_length=4000)


class NoteIn(InputSchema):
    note: Text = Field(default="", max_length=2000)


class CancelIn(InputSchema):
    reason: Text = Field(max_length=2000)


class DayPlanVisitOut(Schema):
    visit_id: int
    request_id: int
    reference: str
    person_name: str
    address: str
    phone: str
    window_start: TimeOfDay
    window_end: TimeOfDay
    status: str
    services: list[str]
    team: list[str]
    vehicle: str | None
    equipment: list[str]


class DayPlanKelurahanOut(Schema):
    name: str
    visits: list[DayPlanVisitOut]


class DayPlanGroupOut(Schema):
    kecamatan: str
    kelurahan: list[DayPlanKelurahanOut]


class DayPlanOut(Schema):
    mall: str
    date: date
    groups: list[DayPlanGroupOut]


class AreaOut(Schema):
    kecamatan: str
    kelurahan: list[str]


class ResourceOut(Schema):
    id: int
    name: str


class ResourcesOut(Schema):
    officers: list[ResourceOut]
    vehicles: list[ResourceOut]
    equipment: list[ResourceOut]
