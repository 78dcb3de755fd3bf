from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from satupintu.core.schemas import InputSchema, Text, TimeOfDay

Phone = Field(default=None, max_length=32, pattern=r"^[^\x00]*$", examples=["+6281234567890"])
Email = Field(default=None, max_length=254, pattern=r"^[^\x00]*$", examples=["siti@example.org"])
OneTimeCodeText = Field(min_length=1, max_length=12, pattern=r"^[0-9 ]+$", examples=["123456"])
TrackingCode = Field(min_length=1, max_length=40, pattern=r"^[-A-Za-z0-9 *~$=]+$")


class CodeRequestIn(InputSchema):
    email: str | None = Email
    phone: str | None = Phone


class CodeVerifyIn(InputSchema):
    email: str | None = Email
    phone: str | None = Phone
    code: str = OneTimeCodeText


class CodeSentOut(Schema):
    detail: str


class CitizenTokenOut(Schema):
    token: str
    expires_at: datetime


class ProfileOut(Schema):
    id: int
    full_name: str
    phone: str | None
    email: str | None
    nik_masked: str | None
    nik_proven: bool = Field(description="Proven by a dossier an officer verified, never typed.")
    created_at: datetime


class ProfileIn(InputSchema):
    full_name: Text = Field(max_length=150)


class ClaimIn(InputSchema):
    tracking_code: str = TrackingCode


class ClaimVerifyIn(InputSchema):
    tracking_code: str = TrackingCode
    code: str = OneTimeCodeText


class ClaimedOut(Schema):
    dossier_id: int
    tracking_code: str


class RemoteOut(Schema):
    id: int
    checkin_code: str
    checked_in: bool
    outcome: str | None


class MyTicketOut(Schema):
    id: int
    number: str
    mall: str
    service_id: int
    service_name: str
    current_service_name: str
    status: str
    position: int | None
    people_ahead: int | None
    estimated_wait_minutes: int | None
    service_date: date
    counter_name: str | None
    arrive_by: str | None
    remote: RemoteOut | None
    token: str | None = Field(
        default=None,
        description="The ticket's secret: `GET /tickets/{id}?token=` reads it with it.",
    )


class MyAppointmentOut(Schema):
    id: int
    mall: str
    service_id: int
    service_name: str
    date: date
    slot: str
    status: str
    code: str
    nik_masked: str


class RescheduleIn(InputSchema):
    date: date
    slot: TimeOfDay


class RequestedDocumentOut(Schema):
    requirement_id: int
    name: str
    status: str
    reason: str


class ResultOut(Schema):
    document_number: str
    download_url: str


class MyDossierOut(Schema):
    id: int
    tracking_code: str
    tracking_code_display: str
    mall: str
    status: str
    status_label: str
    service_id: int | None
    service_name: str | None
    agency_name: str | None
    bundle_parent_id: int | None
    channel: str
    submitted_at: datetime
    sla_due: date | None
    state_due: date | None
    overdue: bool
    on_hold: bool
    revision_requested: bool
    can_resubmit: bool
    requested_documents: list[RequestedDocumentOut]
    result: ResultOut | None


class MyComplaintOut(Schema):
    id: int
    code: str
    mall: str
    category: str
    status: str
    received_at: datetime
    first_response_due: date
    answer: str | None
    answered_at: datetime | None


class MySurveyOut(Schema):
    kind: str
    id: int
    service_name: str
    finished_at: datetime
    url: str


class CheckInIn(InputSchema):
    code: str = Field(min_length=1, max_length=12, pattern=r"^[A-Za-z0-9 ]+$")


class OwnerOut(Schema):
    dossier_id: int
    has_account: bool
    channels: list[str]


class OwnerMessageIn(InputSchema):
    text: Text = Field(min_length=1, max_length=1000)
