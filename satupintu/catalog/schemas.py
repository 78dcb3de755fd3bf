from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Schema
from pydantic import Field, field_validator, model_validator

from satupintu.core.schemas import Id, InputSchema, Text, TimeOfDay

# Upper bounds of the database columns behind the numbers a client may send: a larger value is
# refused as bad input (422 naming the field) instead of overflowing the column (a 500).
MAX_FEE = 10**12  # a trillion rupiah: far above any public fee, far below a BIGINT
MAX_COUNT = 100_000  # staff count, daily quota: far below a 32-bit INTEGER

ChannelName = Literal["walk_in", "drive_thru", "online", "outreach"]
FileType = Literal["pdf", "jpg", "png"]


def _all_file_types() -> list[FileType]:
    return ["pdf", "jpg", "png"]


class OpeningHoursSchema(InputSchema):
    weekday: int = Field(ge=0, le=6, description="Monday = 0")
    opens: TimeOfDay
    closes: TimeOfDay

    @model_validator(mode="after")
    def opens_before_closes(self) -> OpeningHoursSchema:
        if self.opens >= self.closes:
            raise ValueError("opens must be earlier than closes")
        return self


class ClosureDaySchema(InputSchema):
    date: date
    reason: Text = Field(default="", max_length=200)


class FloorOut(Schema):
    id: int
    number: int
    name: str
    status: str


class MallOut(Schema):
    id: int
    slug: str
    name: str
    timezone: str


class MallDetailOut(MallOut):
    address: str
    city: str
    province: str
    phone: str
    email: str
    operator: str
    opening_hours: list[OpeningHoursSchema]
    closure_days: list[ClosureDaySchema]
    floors: list[FloorOut]


class MallPatch(InputSchema):
    name: Text | None = Field(default=None, min_length=1, max_length=200)
    address: Text | None = Field(default=None, max_length=2000)
    phone: Text | None = Field(default=None, max_length=32)
    opening_hours: list[OpeningHoursSchema] | None = None
    closure_days: list[date | ClosureDaySchema] | None = None

    @field_validator("opening_hours")
    @classmethod
    def one_row_per_weekday(
        cls, value: list[OpeningHoursSchema] | None
    ) -> list[OpeningHoursSchema] | None:
        if value is not None:
            weekdays = [row.weekday for row in value]
            if len(weekdays) != len(set(weekdays)):
                raise ValueError("each weekday may appear only once")
        return value


class AgencyOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    counter_ids: list[int]
    partnership_status: str | None


class RequirementOut(Schema):
    id: int
    name: str
    document: bool
    mandatory: bool
    note: str
    key: str
    accepted_types: list[str]
    max_size_kb: int


class RequirementIn(InputSchema):
    id: Id | None = Field(default=None, description="Keep an existing requirement by its id")
    name: Text = Field(min_length=1, max_length=255)
    document: bool = True
    mandatory: bool = True
    note: Text = Field(default="", max_length=255)
    key: str = Field(default="", max_length=64, pattern=r"^[-a-z0-9_]*$")
    accepted_types: list[FileType] = Field(default_factory=_all_file_types, min_length=1)
    max_size_kb: int = Field(default=2048, ge=1, le=20480)


class DurationSchema(InputSchema):
    value: int = Field(ge=0, le=3650)
    unit: Literal["working_days", "minutes"]


class StandardOut(Schema):
    requirements: list[RequirementOut]
    procedure: list[str]
    duration: DurationSchema
    fee: int
    fee_note: str
    fee_rule: str
    product: str
    complaint_handling: str
    legal_basis: str
    facilities: str
    staff_competence: str
    internal_supervision: str
    staff_count: int
    service_guarantee: str
    security_guarantee: str
    performance_evaluation: str


class StandardPatch(InputSchema):
    requirements: list[RequirementIn] | None = None
    procedure: list[Text] | None = None
    duration: DurationSchema | None = None
    fee: int | None = Field(default=None, ge=0, le=MAX_FEE)
    fee_note: Text | None = Field(default=None, max_length=255)
    fee_rule: Text | None = Field(default=None, max_length=200)
    product: Text | None = None
    complaint_handling: Text | None = None
    legal_basis: Text | None = None
    facilities: Text | None = None
    staff_competence: Text | None = None
    internal_supervision: Text | None = None
    staff_count: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    service_guarantee: Text | None = None
    security_guarantee: Text | None = None
    performance_evaluation: Text | None = None

    @field_validator("requirements")
    @classmethod
    def requirement_ids_unique(
        cls, value: list[RequirementIn] | None
    ) -> list[RequirementIn] | None:
        if value is not None:
            ids = [item.id for item in value if item.id is not None]
            if len(ids) != len(set(ids)):
                raise ValueError("a requirement id may appear only once")
        return value

    @field_validator("procedure")
    @classmethod
    def steps_not_blank(cls, value: list[Text] | None) -> list[Text] | None:
        if value is not None and any(not step.strip() for step in value):
            raise ValueError("a procedure step must not be blank")
        return value


class ServiceOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    agency_id: int
    agency_name: str
    kind: str
    channels: list[str]
    queue_prefix: str
    standard: StandardOut


class DailyQuota(InputSchema):
    walk_in: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    drive_thru: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    online: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    outreach: int | None = Field(default=None, ge=0, le=MAX_COUNT)


class ServiceDetailOut(ServiceOut):
    description: str
    mall: str
    daily_quota: DailyQuota


class ServicePatch(InputSchema):
    name: Text | None = Field(default=None, min_length=1, max_length=200)
    description: Text | None = None
    channels: list[ChannelName] | None = Field(default=None, min_length=1)
    daily_quota: DailyQuota | None = None
    standard: StandardPatch | None = None
    is_active: bool | None = None


class CounterOut(Schema):
    id: int
    number: int
    name: str
    floor: int
    area: str
    mode: str
    service_ids: list[int]
    agency_ids: list[int]


class SkippedDayOut(Schema):
    date: date
    reason: str


class WorkingDaysOut(Schema):
    start: date
    days: int
    due: date
    skipped: list[SkippedDayOut]
