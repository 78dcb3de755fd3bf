"""The working-day rule of reference/REGULATIONS.md: Monday to Friday, minus public holidays,
cuti bersama and the mall's closure days; the day of submission never counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from satupintu.core.workdays import (
    add_working_days,
    is_working_day,
    national_day_off,
    non_working_reason,
    working_days_between,
)

NYEPI_2026 = date(2026, 3, 19)
CUTI_NYEPI_2026 = date(2026, 3, 18)
IDUL_FITRI_2026 = [date(2026, 3, 20 + i) for i in range(5)]  # 20 (cuti) .. 24 (cuti)


# --- worked examples -------------------------------------------------------------------------


def test_nyepi_and_its_cuti_bersama_are_not_working_days() -> None:
    assert not is_working_day(NYEPI_2026)
    assert not is_working_day(CUTI_NYEPI_2026)
    with translation.override("id"):
        assert national_day_off(NYEPI_2026) == "Hari Suci Nyepi"
        assert "Cuti Bersama" in (national_day_off(CUTI_NYEPI_2026) or "")
    with translation.override("en"):
        assert national_day_off(NYEPI_2026) == "Day of Silence"


def test_idul_fitri_2026_closes_20_to_24_march() -> None:
    for day in IDUL_FITRI_2026:
        assert not is_working_day(day), day
    assert is_working_day(date(2026, 3, 17))
    assert is_working_day(date(2026, 3, 25))
    with translation.override("id"):
        assert national_day_off(date(2026, 3, 21)) == "Hari Raya Idul Fitri"
        # On a weekend the weekend is the reason given, even when a holiday falls on it.
        assert non_working_reason(date(2026, 3, 21)) == "Sabtu"


def test_one_working_day_from_the_tuesday_before_nyepi_is_the_wednesday_after_lebaran() -> None:
    due, skipped = add_working_days(date(2026, 3, 17), 1)
    assert due == date(2026, 3, 25)
    assert [s.date for s in skipped] == [date(2026, 3, 18 + i) for i in range(7)]


def test_five_working_days_from_friday_13_march_2026() -> None:
    # Mon 16 (1), Tue 17 (2), 18..24 closed, Wed 25 (3), Thu 26 (4), Fri 27 (5).
    due, skipped = add_working_days(date(2026, 3, 13), 5)
    assert due == date(2026, 3, 27)
    assert len(skipped) == 2 + 7  # the weekend of 14-15 March, then 18..24 March


def test_a_submission_on_nyepi_counts_from_the_next_working_day() -> None:
    due, _ = add_working_days(NYEPI_2026, 1)
    assert due == date(2026, 3, 25)
    due, _ = add_working_days(date(2026, 3, 21), 3)  # Saturday of Idul Fitri
    assert due == date(2026, 3, 27)


def test_a_mall_closure_day_is_skipped_with_its_reason() -> None:
    closures = {date(2026, 3, 25): "Pemadaman listrik"}
    due, skipped = add_working_days(date(2026, 3, 17), 1, closures)
    assert due == date(2026, 3, 26)
    assert skipped[-1].date == date(2026, 3, 25)
    assert skipped[-1].reason == "Pemadaman listrik"


def test_a_closure_day_without_reason_gets_a_generic_one() -> None:
    with translation.override("en"):
        assert non_working_reason(date(2026, 3, 25), {date(2026, 3, 25): ""}) == "Mall closure day"


def test_zero_days_is_the_same_day() -> None:
    assert add_working_days(date(2026, 3, 19), 0) == (date(2026, 3, 19), [])


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 3, 17), -1)


def test_a_calendar_without_any_working_day_gives_up() -> None:
    start = date(2026, 1, 1)
    closed_for_ever = {start + timedelta(days=i): "x" for i in range(4000)}
    with pytest.raises(ValueError, match="no working day"):
        add_working_days(start, 1, closed_for_ever)


def test_cuti_bersama_before_christmas() -> None:
    # 24 Dec 2026 is cuti bersama, 25 Dec Christmas, 26-27 the weekend: from the 23rd, 1 day is
    # Monday 28 December.
    due, skipped = add_working_days(date(2026, 12, 23), 1)
    assert due == date(2026, 12, 28)
    assert len(skipped) == 4


# --- properties ------------------------------------------------------------------------------

starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
closure_sets = st.sets(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 6, 30)), max_size=20
).map(lambda days: dict.fromkeys(days, "Tutup"))


@settings(max_examples=150, deadline=None)
@given(starts, st.integers(1, 60), closure_sets)
def test_the_due_date_is_a_working_day_exactly_n_working_days_later(start, days, closures):
    due, skipped = add_working_days(start, days, closures)
    assert due > start
    assert is_working_day(due, closures)
    assert working_days_between(start, due, closures) == days
    # Everything passed over is a non-working day, and everything else in between works.
    skipped_days = {s.date for s in skipped}
    assert all(not is_working_day(d, closures) for d in skipped_days)
    between = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert [d for d in between if d not in skipped_days and is_working_day(d, closures)] == [
        d for d in between if d not in skipped_days
    ]
    assert len(skipped_days) + days == len(between)
    assert all(s.reason for s in skipped)


@settings(max_examples=100, deadline=None)
@given(starts, st.integers(0, 40), closure_sets)
def test_the_due_date_grows_with_n(start, days, closures):
    shorter, _ = add_working_days(start, days, closures)
    longer, _ = add_working_days(start, days + 1, closures)
    assert longer > shorter


@settings(max_examples=100, deadline=None)
@given(starts, st.integers(1, 30), closure_sets)
def test_more_closure_days_never_bring_the_due_date_forward(start, days, closures):
    due, _ = add_working_days(start, days, closures)
    extra = {**closures, start + timedelta(days=days // 2 + 1): "Tambahan"}
    later, _ = add_working_days(start, days, extra)
    assert later >= due


@settings(max_examples=60, deadline=None)
@given(starts)
def test_weekends_are_never_working_days(day):
    assert is_working_day(day) == (day.weekday() < 5 and national_day_off(day) is None)
