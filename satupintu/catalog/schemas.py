from __future__ import annotations

from datetime import date, time
from typing import Literal

from ninja import Schema
from pydantic import Field, field_validator, model_validator

ChannelName = Literal["walk_in", "drive_thru", "online", "outreach"]
FileType = Literal["pdf", "jpg", "png"]


def _all_file_types() -> list[FileType]:
    return ["pdf", "jpg", "png"]


class OpeningHoursSchema(Schema):
    weekday: int = Field(ge=0, le=6, description="Monday = 0")
    opens: time
    closes: time

    @model_validator(mode="after")
    def opens_before_closes(self) -> OpeningHoursSchema:
        if self.opens >= self.closes:
            raise ValueError("opens must be earlier than closes")
        return self


class ClosureDaySchema(Schema):
    date: date
    reason: str = Field(default="", max_length=200)


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


class MallPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=2000)
    phone: str | None = Field(default=None, max_length=32)
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


class RequirementIn(Schema):
    id: int | None = Field(default=None, description="Keep an existing requirement by its id")
    name: str = Field(min_length=1, max_length=255)
    document: bool = True
    mandatory: bool = True
    note: str = Field(default="", max_length=255)
    key: str = Field(default="", max_length=64, pattern=r"^[-a-z0-9_]*$")
    accepted_types: list[FileType] = Field(default_factory=_all_file_types, min_length=1)
    max_size_kb: int = Field(default=2048, ge=1, le=20480)


class DurationSchema(Schema):
    value: int = Field(ge=0, le=3650)
    unit: Literal["working_days", "minutes"]


class StandardOut(Schema):
    requirements: list[RequirementOut]
    procedure: list[str]
    duration: DurationSchema
    fee: int
    fee_note: str
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


class StandardPatch(Schema):
    requirements: list[RequirementIn] | None = None
    procedure: list[str] | None = None
    duration: DurationSchema | None = None
    fee: int | None = Field(default=None, ge=0)
    fee_note: str | None = Field(default=None, max_length=255)
    product: str | None = None
    complaint_handling: str | None = None
    legal_basis: str | None = None
    facilities: str | None = None
    staff_competence: str | None = None
    internal_supervision: str | None = None
    staff_count: int | None = Field(default=None, ge=0)
    service_guarantee: str | None = None
    security_guarantee: str | None = None
    performance_evaluation: str | None = None

    @field_validator("procedure")
    @classmethod
    def steps_not_blank(cls, value: list[str] | None) -> list[str] | None:
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


class DailyQuota(Schema):
    walk_in: int | None = Field(default=None, ge=0)
    drive_thru: int | None = Field(default=None, ge=0)
    online: int | None = Field(default=None, ge=0)
    outreach: int | None = Field(default=None, ge=0)


class ServiceDetailOut(ServiceOut):
    description: str
    mall: str
    daily_quota: DailyQuota


class ServicePatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
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
