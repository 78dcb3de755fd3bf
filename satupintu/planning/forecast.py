"""Arrival forecast per service, weekday and hour, from the daily roll-ups (`reports`).

For a day the mall opens, the forecast of a service at an hour is the mean arrivals of that
service at that hour over the same weekday of the last `WEEKS` weeks, counting only ordinary
days, times a factor for the kind of day: the first day the mall opens after holidays, cuti
bersama or a closure (beyond the usual weekly closing) is busier, and so is the last day before
them. The factors are learned from the mall's own history (total arrivals on such days against
the ordinary same weekdays) and fall back to `DEFAULT_FACTORS` with too few examples. Days the
mall is closed (holidays, cuti bersama, closure days, weekdays without opening hours) get 0.

`forecast_store` (the nightly job, `satupintu planning_forecast`) writes `ArrivalForecast` rows
for the days ahead; `forecast_day` computes one day on the fly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from satupintu.catalog.models import Mall
from satupintu.planning.models import ArrivalForecast
from satupintu.queueing import selectors as queue_selectors
from satupintu.reports.models import DailyTicketStats, RollupLevel

WEEKS = 8
DEFAULT_FACTORS: dict[str, float] = {
    ArrivalForecast.Kind.NORMAL: 1.0,
    ArrivalForecast.Kind.AFTER_BREAK: 1.5,
    ArrivalForecast.Kind.BEFORE_BREAK: 1.2,
}
MIN_EXAMPLES = 2
# How far to look for the previous or next opening day.
LOOK_DAYS = 12


def _closed(mall: Mall, day: date) -> bool:
    return queue_selectors.mall_day_closed_reason(mall, day) is not None


def _weekly_closed(mall: Mall, day: date) -> bool:
    return queue_selectors.mall_hours_on(mall, day) is None


def day_kind(mall: Mall, day: date) -> str:
    """closed, after_break (the first opening day after a holiday, cuti bersama or closure
    day), before_break (the last opening day before one) or normal."""
    if _closed(mall, day):
        return ArrivalForecast.Kind.CLOSED
    for step, kind in (
        (-1, ArrivalForecast.Kind.AFTER_BREAK),
        (1, ArrivalForecast.Kind.BEFORE_BREAK),
    ):
        d = day + timedelta(days=step)
        for _ in range(LOOK_DAYS):
            if not _closed(mall, d):
                break
            if not _weekly_closed(mall, d):
                return kind  # closed on a day it usually opens: a break
            d += timedelta(days=step)
    return ArrivalForecast.Kind.NORMAL


@dataclass
class DayForecast:
    day: date
    kind: str
    factor: float
    history_days: int
    by_service: dict[int, dict[int, float]] = field(default_factory=dict)

    def total(self) -> float:
        return sum(sum(h.values()) for h in self.by_service.values())


def _history(mall: Mall, first: date, last: date) -> dict[date, dict[int, dict[int, int]]]:
    """Arrivals per day, service and hour from the service-level roll-ups."""
    out: dict[date, dict[int, dict[int, int]]] = defaultdict(dict)
    rows = DailyTicketStats.objects.filter(
        mall=mall, level=RollupLevel.SERVICE, day__gte=first, day__lte=last
    ).values_list("day", "service_id", "by_hour")
    for day, service_id, by_hour in rows.iterator(chunk_size=2000):
        out[day][service_id] = {int(h): int(v[0]) for h, v in (by_hour or {}).items()}
    return out


def _factors(
    mall: Mall, history: dict[date, dict[int, dict[int, int]]], kinds: dict[date, str]
) -> dict[str, float]:
    """Learned busier-day factors: arrivals on such a day against the mean of the ordinary
    same weekdays of the history."""
    totals = {d: sum(sum(h.values()) for h in s.values()) for d, s in history.items()}
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for d, total in totals.items():
        if kinds[d] == ArrivalForecast.Kind.NORMAL:
            by_weekday[d.weekday()].append(total)
    factors: dict[str, float] = dict(DEFAULT_FACTORS)
    for kind in (ArrivalForecast.Kind.AFTER_BREAK, ArrivalForecast.Kind.BEFORE_BREAK):
        ratios = [
            totals[d] / (sum(by_weekday[d.weekday()]) / len(by_weekday[d.weekday()]))
            for d in totals
            if kinds[d] == kind and by_weekday[d.weekday()] and sum(by_weekday[d.weekday()]) > 0
        ]
        if len(ratios) >= MIN_EXAMPLES:
            factors[kind] = sum(ratios) / len(ratios)
    return factors


def forecast_days(mall: Mall, days: list[date]) -> list[DayForecast]:
    """The forecast of each of `days` from the `WEEKS` weeks of roll-ups before the first."""
    if not days:
        return []
    first = min(days) - timedelta(weeks=WEEKS)
    last = min(days) - timedelta(days=1)
    history = _history(mall, first, last)
    kinds = {d: day_kind(mall, d) for d in history}
    factors = _factors(mall, history, kinds)
    result = []
    for day in days:
        kind = day_kind(mall, day)
        if kind == ArrivalForecast.Kind.CLOSED:
            result.append(DayForecast(day, kind, 0.0, 0))
            continue
        same = sorted(
            d
            for d in history
            if d.weekday() == day.weekday() and kinds[d] == ArrivalForecast.Kind.NORMAL
        )
        sums: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for d in same:
            for sid, hours in history[d].items():
                for h, n in hours.items():
                    sums[sid][h] += n
        factor = factors[kind]
        by_service = {
            sid: {h: factor * n / len(same) for h, n in sorted(hours.items())}
            for sid, hours in sums.items()
        }
        result.append(DayForecast(day, kind, factor, len(same), by_service))
    return result


def forecast_day(mall: Mall, day: date) -> DayForecast:
    """The stored forecast of `day` when the nightly job made one, else computed now."""
    rows = list(
        ArrivalForecast.objects.filter(mall=mall, day=day).values_list(
            "service_id", "hour", "expected", "kind", "history_days"
        )
    )
    if rows:
        by_service: dict[int, dict[int, float]] = defaultdict(dict)
        for sid, hour, expected, _kind, _days in rows:
            by_service[sid][hour] = expected
        kind = rows[0][3]
        return DayForecast(day, kind, DEFAULT_FACTORS.get(kind, 1.0), rows[0][4], dict(by_service))
    return forecast_days(mall, [day])[0]


def forecast_store(*, mall: Mall, start: date, days: int = 14) -> int:
    """Write the forecast of `days` days from `start` (the nightly job); answers the rows."""
    wanted = [start + timedelta(days=i) for i in range(days)]
    made = forecast_days(mall, wanted)
    rows = [
        ArrivalForecast(
            mall=mall,
            service_id=sid,
            day=f.day,
            hour=hour,
            expected=round(expected, 3),
            kind=f.kind,
            history_days=f.history_days,
        )
        for f in made
        for sid, hours in f.by_service.items()
        for hour, expected in hours.items()
    ]
    with transaction.atomic():
        ArrivalForecast.objects.filter(mall=mall, day__in=wanted).delete()
        ArrivalForecast.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
