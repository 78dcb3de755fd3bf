"""Properties of the validators: every NIK built by the rules is accepted with the right parts,
and breaking any one component gets it refused with that component's rule."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from satupintu.core.tests.strategies import (
    UNKNOWN_PROVINCES,
    build_nik,
    leap_possible,
    max_day,
    nik_parts,
    valid_niks,
)
from satupintu.core.validators import parse_nik, validate_nik, validate_phone, validate_plate


def code_of(value: str) -> str:
    with pytest.raises(ValidationError) as info:
        validate_nik(value)
    return str(info.value.code)


@given(nik_parts())
def test_every_nik_built_by_the_rules_is_accepted(parts) -> None:
    info = parse_nik(build_nik(parts))
    assert info.sex == parts["sex"]
    assert info.birth_month == parts["month"]
    assert info.birth_day == parts["day"] - (40 if parts["sex"] == "female" else 0)
    assert int(info.province_code) == parts["province"]


@given(nik_parts(), st.sampled_from(UNKNOWN_PROVINCES))
def test_an_unknown_province_is_always_refused(parts, province) -> None:
    assert code_of(build_nik({**parts, "province": province})) == "nik_province"


@given(nik_parts(), st.one_of(st.just(0), st.integers(32, 40), st.integers(72, 99)))
def test_a_day_out_of_both_ranges_is_always_refused(parts, day) -> None:
    assert code_of(build_nik({**parts, "day": day})) == "nik_day"


@given(nik_parts(), st.one_of(st.just(0), st.integers(13, 99)))
def test_a_month_out_of_range_is_always_refused(parts, month) -> None:
    assert code_of(build_nik({**parts, "month": month})) == "nik_month"


@given(nik_parts(), st.data())
def test_a_day_past_the_end_of_its_month_is_always_refused(parts, data) -> None:
    month, yy = parts["month"], parts["yy"]
    day = data.draw(st.integers(max_day(month, yy) + 1, 31)) if max_day(month, yy) < 31 else None
    if day is None:
        month = data.draw(st.sampled_from([2, 4, 6, 9, 11]))
        day = 31
    offset = 40 if parts["sex"] == "female" else 0
    assert code_of(build_nik({**parts, "month": month, "day": day + offset})) == "nik_date"


@given(nik_parts(), st.integers(0, 99).filter(lambda yy: not leap_possible(yy)))
def test_29_february_of_a_year_that_cannot_be_leap_is_always_refused(parts, yy) -> None:
    offset = 40 if parts["sex"] == "female" else 0
    nik = build_nik({**parts, "month": 2, "day": 29 + offset, "yy": yy})
    assert code_of(nik) == "nik_date"


@given(nik_parts())
def test_serial_0000_is_always_refused(parts) -> None:
    assert code_of(build_nik({**parts, "serial": 0})) == "nik_serial"


@given(valid_niks, st.integers(0, 15), st.sampled_from("ABCxyz -./\u0661"))
def test_any_non_digit_anywhere_is_refused(nik, position, char) -> None:
    broken = nik[:position] + char + nik[position + 1 :]
    assert code_of(broken) in {"nik_digits", "nik_length"}


@given(valid_niks, st.integers(1, 15))
def test_a_nik_cut_short_or_made_longer_is_refused(nik, cut) -> None:
    assert code_of(nik[:cut]) == "nik_length"
    assert code_of(nik + nik[:cut]) == "nik_length"


# --- phone -----------------------------------------------------------------------------------


@given(st.integers(6, 9).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)))
def test_an_indonesian_mobile_is_normalised_to_e164_however_it_is_written(rest) -> None:
    national = "0812" + rest  # 0812: Telkomsel, a real mobile range; 10 to 13 digits in all
    e164 = validate_phone(national)
    assert e164 == "+62" + national[1:]
    spaced = " ".join(national[i : i + 4] for i in range(0, len(national), 4))
    assert validate_phone(spaced) == e164
    assert validate_phone("+62" + national[1:]) == e164
    assert validate_phone("+62-" + national[1:4] + "-" + national[4:]) == e164


@given(st.integers(10, 14).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)))
def test_a_mobile_with_more_than_13_digits_is_refused(rest) -> None:
    with pytest.raises(ValidationError):
        validate_phone("0812" + rest)


@given(st.text("0123456789", min_size=0, max_size=6))
def test_a_mobile_with_fewer_than_10_digits_is_refused(rest) -> None:
    with pytest.raises(ValidationError):
        validate_phone("081" + rest)


# --- plates ----------------------------------------------------------------------------------

letters = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=2)
numbers = st.integers(1, 9999).map(str)
series = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=0, max_size=3)
separators = st.sampled_from(["", " ", "  ", "-", "."])


@given(letters, numbers, series, separators, separators, st.booleans())
def test_any_spelling_of_a_plate_gets_one_normal_form(region, digits, tail, sep1, sep2, lower):
    canonical = " ".join(p for p in (region, digits, tail) if p)
    raw = f"{region}{sep1}{digits}{sep2}{tail}"
    if lower:
        raw = raw.lower()
    assert validate_plate(raw) == canonical
    assert re.fullmatch(r"[A-Z]{1,2} [1-9][0-9]{0,3}( [A-Z]{1,3})?", canonical)
    assert validate_plate(canonical) == canonical  # normalising twice changes nothing


@given(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=5), numbers, series)
def test_a_region_of_three_or_more_letters_is_refused(region, digits, tail) -> None:
    with pytest.raises(ValidationError):
        validate_plate(f"{region} {digits} {tail}")


@given(letters, st.integers(10000, 10**8).map(str), series)
def test_more_than_four_digits_is_refused(region, digits, tail) -> None:
    with pytest.raises(ValidationError):
        validate_plate(f"{region} {digits} {tail}")
