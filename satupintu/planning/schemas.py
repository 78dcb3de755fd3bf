from __future__ import annotations

from ninja import Schema


class PlanGroupHourOut(Schema):
    group: int
    service_ids: list[int]
    arrivals_expected: float
    service_minutes: float
    counters_needed: int
    counters_planned: int
    counters_available: int
    share_within_target: float
    share_erlang: float
    met: bool
    reason: str | None


class PlanHourOut(Schema):
    hour: str
    groups: list[PlanGroupHourOut]


class PlanTargetOut(Schema):
    minutes: float
    share: float


class PlanGroupOut(Schema):
    index: int
    label: str
    service_ids: list[int]
    counter_ids: list[int]
    drive_thru: bool


class PlanOut(Schema):
    date: str
    target: PlanTargetOut
    method: str
    kind_of_day: str | None
    standard_times: bool
    notes: list[str]
    groups: list[PlanGroupOut]
    hours: list[PlanHourOut]
