from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema

from satupintu.core.schemas import Code, Id, InputSchema, Slug, Text
from satupintu.feedback.models import Survey

# An unsur code (u1..u9); which ones exist is checked by the service, naming the unsur.
UnsurCode = Annotated[str, Field(max_length=8)]


class RespondentIn(InputSchema):
    """Checked by the service (shared with the pages), which names the field and the codes."""

    gender: Any = None
    age: Any = None
    education: Any = None
    occupation: Any = None


class SurveyIn(InputSchema):
    service_id: Id | None = None
    ticket_id: Id | None = None
    tracking_code: Code | None = Field(None, max_length=40)
    # Checked by the service (not by the schema) so that the error names the unsur.
    answers: dict[UnsurCode, Any] = Field(max_length=20)
    respondent: RespondentIn
    suggestion: Text = ""
    source: Survey.Source = Survey.Source.API


class SurveyOut(Schema):
    id: int
    service_id: int
    agency_id: int
    mall: str
    ticket_id: int | None
    tracking_code: str | None
    answers: dict[str, int]
    submitted_at: datetime


class UnsurOut(Schema):
    code: str
    title: str
    question: str
    options: list[dict[str, Any]]


class UnsurRowOut(Schema):
    code: str
    title: str
    sum: int
    answers: int
    nrr: float | None
    grade: str | None
    weighted: float | None


class IkmOut(Schema):
    mall: str
    agency_id: int | None
    service_id: int | None
    from_: date | None = Field(None, alias="from")
    to: date | None
    respondents: int
    nrr: dict[str, float | None]
    unsur: list[UnsurRowOut]
    ikm_unconverted: float | None
    ikm: float | None
    grade: str | None
    performance: str | None
    weakest_unsur: list[str]
    population: int
    population_source: str
    min_sample: int
    sample_sufficient: bool | None
    profile: dict[str, list[dict[str, Any]]]


class ComplaintIn(InputSchema):
    mall: Slug | None = None
    text: Text = ""  # length checked by the service, shared with the page
    category: Text = Field("other", max_length=32)
    service_id: Id | None = None
    agency_id: Id | None = None
    ticket_id: Id | None = None
    tracking_code: Code | None = Field(None, max_length=40)
    anonymous: bool = False
    confidential: bool = False
    name: Text = Field("", max_length=150)
    email: Text = Field("", max_length=254)
    phone: Text = Field("", max_length=32)


class ComplaintHistoryOut(Schema):
    at: datetime
    from_status: str
    to_status: str
    note: str


class ComplaintPublicOut(Schema):
    code: str
    status: str
    status_label: str
    category: str
    mall: str
    agency: str | None
    service: str | None
    received_at: datetime
    first_response_due: date
    first_responded_at: datetime | None
    answer: str
    answered_at: datetime | None
    closed_at: datetime | None
    lapor_reference: str | None
    history: list[ComplaintHistoryOut]


class ComplaintEventOut(Schema):
    id: int
    kind: str
    at: datetime
    by: str
    from_status: str
    to_status: str
    note: str
    is_public: bool


class ComplaintStaffOut(Schema):
    id: int
    code: str
    mall: str
    status: str
    origin: str
    category: str
    text: str
    agency_id: int | None
    agency: str | None
    service_id: int | None
    ticket_id: int | None
    dossier_tracking_code: str | None
    received_at: datetime
    first_response_due: date
    first_responded_at: datetime | None
    overdue: bool
    escalated_at: datetime | None
    answer: str
    lapor_reference: str | None
    confidential: bool
    anonymous: bool
    reporter: dict[str, Any]
    allowed_actions: list[str]
    history: list[ComplaintEventOut]


class ComplaintListOut(Schema):
    id: int
    code: str
    status: str
    category: str
    agency: str | None
    received_at: datetime
    first_response_due: date
    overdue: bool
    escalated: bool
    origin: str


class ComplaintTransitionIn(InputSchema):
    to: Text = Field(max_length=32)
    note: Text = Field("", max_length=10_000)


class ComplaintRouteIn(InputSchema):
    agency_id: Id | None


class ComplaintNoteIn(InputSchema):
    note: Text = Field(max_length=10_000)


class LaporInboundOut(Schema):
    code: str
    status: str
    reference: str
    created: bool
