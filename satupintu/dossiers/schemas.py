from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from satupintu.core.schemas import Id, InputSchema, Text

ChannelName = Literal["walk_in", "drive_thru", "online", "outreach"]


# A value of the service's own form (checked against its fields by `form_validate`): text,
# a whole number or nothing; an object or a list is refused here, naming the field.
FormValue = (
    Annotated[Text, Field(max_length=10_000)]
    | Annotated[int, Field(strict=True, ge=-(2**53), le=2**53)]
    | None
)
FormName = Annotated[str, Field(max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")]


class ApplicantIn(InputSchema):
    kind: Literal["person", "business"] = "person"
    nik: Text = Field(max_length=32)
    name: Text = Field(max_length=150)
    business_name: Text = Field(default="", max_length=200)
    phone: Text = Field(default="", max_length=32)
    email: Text = Field(default="", max_length=254)


class DossierCreateIn(InputSchema):
    service_id: Id | None = None
    bundle_id: Id | None = None
    channel: ChannelName
    applicant: ApplicantIn
    form: dict[FormName, FormValue] = Field(default_factory=dict, max_length=200)
    ticket_id: Id | None = None


class DossierCreatedOut(Schema):
    id: int
    tracking_code: str
    tracking_code_display: str
    status: str
    sla_due: date | None


class TransitionIn(InputSchema):
    action: Text = Field(max_length=40)
    comment: Text = Field(default="", max_length=2000)


class AssignIn(InputSchema):
    assignee_id: Id | None = None


class DocumentCheckIn(InputSchema):
    status: Literal["present", "missing", "rejected"]
    reason: Text = Field(default="", max_length=255)


class DocumentOut(Schema):
    requirement_id: int
    status: str
    reason: str
    file_name: str
    content_type: str
    size: int
    sha256: str


class HistoryOut(Schema):
    at: datetime
    actor: str
    action: str
    from_status: str
    to_status: str
    to_status_label: str
    comment: str


class ActionOut(Schema):
    code: str
    name: str
    to_status: str
    comment_required: bool


class RequirementStatusOut(Schema):
    requirement_id: int
    key: str
    name: str
    mandatory: bool
    document: bool
    accepted_types: str
    max_size_kb: int
    status: str
    reason: str
    file_name: str
    size: int
    sha256: str


class DossierSummaryOut(Schema):
    id: int
    tracking_code: str
    tracking_code_display: str
    status: str
    status_label: str
    service_id: int | None
    service_code: str | None
    service_name: str | None
    agency_id: int | None
    channel: str
    applicant_name: str
    submitted_at: datetime
    sla_due: date | None
    state_due: date | None
    deadline_level: str
    overdue: bool
    on_hold: bool
    assignee: str | None


class BillOut(Schema):
    amount: int
    payment_code: str
    status: str
    paid_at: datetime | None = None


class ResultOut(Schema):
    document_number: str
    verification_url: str
    issued_at: datetime
    valid_until: date | None


class DossierOut(DossierSummaryOut):
    mall: str
    assisted: bool
    parent_id: int | None
    bundle_id: int | None
    ticket_id: int | None
    ticket_number: str | None
    applicant: dict[str, Any]
    form: dict[str, Any]
    sla_days: int
    sla_started_on: date | None
    sla_paused_since: date | None
    sla_stopped_on: date | None
    history: list[HistoryOut]
    allowed_actions: list[ActionOut]
    requirements: list[RequirementStatusOut]
    bill: BillOut | None
    result: ResultOut | None
    children: list[DossierSummaryOut]


class NikOut(Schema):
    nik: str


class TrackHistoryOut(Schema):
    at: datetime
    status: str
    status_label: str


class TrackServiceOut(Schema):
    service: dict[str, str] | None
    status: str
    status_label: str
    sla_due: date | None
    waiting_for_earlier_services: bool


class TrackOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    service: dict[str, str] | None
    bundle: dict[str, str] | None
    agency: str | None
    channel: str
    submitted_on: date
    sla_due: date | None
    completed: bool
    overdue: bool
    waiting_for_earlier_services: bool
    payment: dict[str, Any] | None
    history: list[TrackHistoryOut]
    services: list[TrackServiceOut]


class PaymentCallbackOut(Schema):
    payment_code: str
    status: str


class BillListOut(Schema):
    id: int
    payment_code: str
    amount: int
    status: str
    created_at: datetime
    paid_at: datetime | None
    paid_via: str
    tracking_code: str
    service_name: str | None
