"""The working-day calendar (hari kerja) of reference/REGULATIONS.md.

A working day is Monday to Friday that is neither a national public holiday, nor a joint leave
day (cuti bersama), nor one of the mall's own closure days. Submitted on day D with an SLA of N
working days, the due date is the N-th working day after D; D itself never counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Beyond this many calendar days the search gives up: no real SLA spans more than a few years,
# and a calendar with no working day at all (every day closed) must not loop for ever.
MAX_CALENDAR_SPAN_DAYS = 3660


@dataclass(frozen=True)
class SkippedDay:
    date: date
    reason: str


@lru_cache(maxsize=64)
def _national_days_off(year: int, language: str) -> dict[date, str]:
    holiday_language = "id" if language.startswith("id") else "en_US"
    days: dict[date, str] = {}
    public = holidays.country_holidays(
        "ID", years=year, categories=("public",), language=holiday_language
    )
    joint_leave = holidays.country_holidays(
        "ID", years=year, categories=("government",), language=holiday_language
    )
    days.update(joint_leave)
    # A public holiday wins over a joint leave day on the same date: it is the stronger reason.
    days.update(public)
    return days


def national_day_off(day: date) -> str | None:
    """The name of the public holiday or cuti bersama on `day`, if any."""
    return _national_days_off(day.year, get_language() or "id").get(day)


def non_working_reason(day: date, closures: Mapping[date, str] | None = None) -> str | None:
    """Why `day` is not a working day, or None when it is one."""
    if day.weekday() == 5:
        return _("Saturday")
    if day.weekday() == 6:
        return _("Sunday")
    national = national_day_off(day)
    if national:
        return national
    if closures and day in closures:
        return closures[day] or _("Mall closure day")
    return None


def is_working_day(day: date, closures: Mapping[date, str] | None = None) -> bool:
    return non_working_reason(day, closures) is None


def add_working_days(
    start: date, days: int, closures: Mapping[date, str] | None = None
) -> tuple[date, list[SkippedDay]]:
    """The N-th working day after `start`, and the non-working days passed over on the way.

    With `days == 0` the answer is `start` itself (a same-day service)."""
    if days < 0:
        raise ValueError("days must not be negative")
    skipped: list[SkippedDay] = []
    current = start
    remaining = days
    span = 0
    while remaining > 0:
        current += timedelta(days=1)
        span += 1
        if span > MAX_CALENDAR_SPAN_DAYS:
            raise ValueError("no working day found within ten years")
        reason = non_working_reason(current, closures)
        if reason is None:
            remaining -= 1
        else:
            skipped.append(SkippedDay(current, reason))
    return current, skipped


def working_days_between(start: date, end: date, closures: Mapping[date, str] | None = None) -> int:
    """How many working days lie after `start` up to and including `end` (0 if end <= start)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, closures):
            count += 1
    return count
