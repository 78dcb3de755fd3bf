"""Schemas of the reports API (responses; the inputs are query parameters)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class TimeStatsOut(Schema):
    mean: float | None
    p50: float | None
    p90: float | None


class DossierKpisOut(Schema):
    received: int
    completed: int
    completed_on_time: int
    overdue: int
    sla_compliance: float | None


class ComplaintKpisOut(Schema):
    received: int
    first_responded: int
    first_response_on_time: int
    first_response_on_time_rate: float | None
    overdue: int


class OutreachKpisOut(Schema):
    requests: int
    visits: int


class IkmKpiOut(Schema):
    value: float | None
    grade: str | None
    performance: str | None
    respondents: int


class KpisOut(Schema):
    mall: str
    agency_id: int | None
    service_id: int | None
    date_from: date = Field(..., alias="from")
    date_to: date = Field(..., alias="to")
    tickets: int
    served: int
    not_served: int
    no_show: int
    no_show_rate: float | None
    abandoned: int
    abandoned_rate: float | None
    transferred: int
    wait_minutes: TimeStatsOut
    service_minutes: TimeStatsOut
    by_channel: dict[str, int]
    by_priority: dict[str, int]
    dossiers: DossierKpisOut
    complaints: ComplaintKpisOut
    outreach: OutreachKpisOut
    ikm: IkmKpiOut


class SeriesRowOut(Schema):
    period: date | datetime
    tickets: int
    served: int
    no_show: int
    abandoned: int
    wait_mean: float | None
    wait_p90: float | None


class BacklogRowOut(Schema):
    bucket: str
    count: int
    overdue: int


class OverdueRowOut(Schema):
    agency_id: int | None
    agency: str | None
    open: int
    overdue: int


class CounterRowOut(Schema):
    counter_id: int
    counter: str
    open_minutes: float
    serving_minutes: float
    utilisation: float | None


class OfficerRowOut(Schema):
    officer_id: int | None
    officer: str
    finished: int
    served: int
    service_minutes_mean: float | None


class MallRowOut(Schema):
    mall_id: int
    mall: str
    slug: str
    tickets: int
    served: int
    wait_mean: float | None
    wait_p90: float | None
    dossiers_completed: int
    sla_compliance: float | None
    ikm: float | None
    grade: str | None
    respondents: int


class PublicAgencyOut(Schema):
    agency_id: int
    agency: str
    tickets: int
    wait_mean: float | None
    dossiers_completed: int
    sla_compliance: float | None


class PublicSummaryOut(Schema):
    mall: str
    date_from: date = Field(..., alias="from")
    date_to: date = Field(..., alias="to")
    tickets: int
    served: int
    wait_minutes: TimeStatsOut
    dossiers: dict[str, float | int | None]
    complaints: dict[str, float | int | None]
    ikm: IkmKpiOut
    agencies: list[PublicAgencyOut]
