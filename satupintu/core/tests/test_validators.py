"""NIK, family card, phone and plate validators, exactly as reference/REGULATIONS.md says."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from satupintu.core.validators import (
    mask_name,
    mask_nik,
    nik_birth_date,
    parse_nik,
    validate_family_card_number,
    validate_nik,
    validate_phone,
    validate_plate,
)


def refused(func, value: str) -> str:
    with pytest.raises(ValidationError) as info:
        func(value)
    return info.value.code


# --- NIK -------------------------------------------------------------------------------------


def test_a_yogyakarta_man_is_parsed() -> None:
    info = parse_nik("3471011708900001")
    assert info.province_code == "34"
    assert info.regency_code == "71"
    assert info.district_code == "01"
    assert (info.birth_day, info.birth_month, info.birth_year_2d) == (17, 8, 90)
    assert info.sex == "male"
    assert info.serial == "0001"


def test_a_woman_has_forty_added_to_the_day() -> None:
    info = parse_nik("3471015708900002")  # 57 = 17 + 40
    assert info.sex == "female"
    assert info.birth_day == 17
    assert validate_nik(" 3471015708900002 ") == "3471015708900002"


@pytest.mark.parametrize("day", ["01", "31", "41", "71"])
def test_the_edges_of_both_day_ranges_are_accepted(day: str) -> None:
    assert validate_nik(f"347101{day}01900001")


@pytest.mark.parametrize("day", ["00", "32", "39", "40", "72", "99"])
def test_a_day_outside_1_31_and_41_71_is_refused(day: str) -> None:
    assert refused(validate_nik, f"347101{day}01900001") == "nik_day"


@pytest.mark.parametrize("month", ["00", "13", "99"])
def test_a_month_outside_1_12_is_refused(month: str) -> None:
    assert refused(validate_nik, f"34710117{month}900001") == "nik_month"


@pytest.mark.parametrize("ddmm", ["3104", "3106", "3109", "3111", "3002", "3102", "7104", "7002"])
def test_a_day_month_pair_that_is_no_date_is_refused(ddmm: str) -> None:
    assert refused(validate_nik, f"347101{ddmm}900001") == "nik_date"


@pytest.mark.parametrize("yy", ["00", "04", "88", "96"])
def test_29_february_is_accepted_when_the_year_can_be_leap(yy: str) -> None:
    assert validate_nik(f"3471012902{yy}0001")
    assert validate_nik(f"3471016902{yy}0001")  # a woman born on 29 February


@pytest.mark.parametrize("yy", ["01", "90", "99", "02"])
def test_29_february_is_refused_when_the_year_cannot_be_leap(yy: str) -> None:
    assert refused(validate_nik, f"3471012902{yy}0001") == "nik_date"
    assert refused(validate_nik, f"3471016902{yy}0001") == "nik_date"


def test_serial_0000_is_refused() -> None:
    assert refused(validate_nik, "3471011708900000") == "nik_serial"


@pytest.mark.parametrize("province", ["00", "10", "20", "22", "30", "37", "50", "54", "77", "99"])
def test_an_unknown_province_is_refused(province: str) -> None:
    assert refused(validate_nik, f"{province}71011708900001") == "nik_province"


@pytest.mark.parametrize(
    "province",
    ["11", "19", "21", "31", "36", "51", "53", "61", "65", "71", "76", "81", "82", "91", "96"],
)
def test_every_province_code_in_use_is_accepted(province: str) -> None:
    assert validate_nik(f"{province}71011708900001")


@pytest.mark.parametrize("value", ["", "347101170890000", "34710117089000011", "1" * 30])
def test_a_wrong_length_is_refused(value: str) -> None:
    assert refused(validate_nik, value) in {"nik_length", "nik_digits"}


@pytest.mark.parametrize(
    "value",
    [
        "347101170890000A",
        "3471-0117-0890-01",
        "".join(chr(0xFF10 + int(d)) for d in "3471011708900001"),  # full-width
        "34710117 8900001",
    ],
)
def test_non_digits_are_refused(value: str) -> None:
    # Full-width digits are digits to Python but not to the population register.
    assert refused(validate_nik, value) == "nik_digits"


def test_stdnum_accepts_a_day_of_99_but_the_product_does_not() -> None:
    assert refused(validate_nik, "3471019901900001") == "nik_day"


def test_the_message_names_the_rule_in_indonesian_by_default() -> None:
    with pytest.raises(ValidationError) as info:
        validate_nik("3471011708900000")
    assert "0000" in info.value.messages[0]
    assert "Nomor urut" in info.value.messages[0]


def test_birth_date_chooses_the_century_that_is_not_in_the_future() -> None:
    today = date(2026, 11, 28)
    assert nik_birth_date(parse_nik("3471011708900001"), today) == date(1990, 8, 17)
    assert nik_birth_date(parse_nik("3471011708100001"), today) == date(2010, 8, 17)
    assert nik_birth_date(parse_nik("3471012902000001"), today) == date(2000, 2, 29)


def test_masking_keeps_only_the_region_and_the_last_digits() -> None:
    assert mask_nik("3471011708900001") == "3471**********01"
    assert mask_name("Siti Aminah") == "S*** A*****"


def test_family_card_number() -> None:
    assert validate_family_card_number("3471010101200001") == "3471010101200001"
    assert refused(validate_family_card_number, "347101010120000") == "kk_format"
    assert refused(validate_family_card_number, "9971010101200001") == "kk_province"


# --- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("0812345678", "+62812345678"),  # 10 digits: the shortest mobile
        ("0812345678901", "+62812345678901"),  # 13 digits: the longest mobile
        ("0274 512345", "+62274512345"),  # a Yogyakarta landline
        ("+65 6123 4567", "+6561234567"),  # a foreign number stays as it is
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw: str, e164: str) -> None:
    assert validate_phone(raw) == e164


@pytest.mark.parametrize("raw", ["081234567", "08123456789012", "0812345"])
def test_an_indonesian_mobile_must_have_10_to_13_digits(raw: str) -> None:
    assert refused(validate_phone, raw) in {"phone_length", "phone_invalid"}


def test_mobile_length_rule_names_itself() -> None:
    assert refused(validate_phone, "08123456789012") == "phone_length"
    assert refused(validate_phone, "081234567") == "phone_length"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "phone_empty"),
        ("   ", "phone_empty"),
        ("abc", "phone_format"),
        ("+999 1234", "phone_format"),
    ],
)
def test_what_is_no_phone_number_is_refused(raw: str, code: str) -> None:
    assert refused(validate_phone, raw) in {code, "phone_invalid"}


# --- vehicle plates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("ab1234xy", "AB 1234 XY"),
        ("AB 1234 XY", "AB 1234 XY"),
        ("  ab  1234   xy ", "AB 1234 XY"),
        ("AB-1234-XY", "AB 1234 XY"),
        ("ab.1234.xy", "AB 1234 XY"),
        ("B 1 A", "B 1 A"),
        ("b1", "B 1"),
        ("AB 9999 XYZ", "AB 9999 XYZ"),
    ],
)
def test_plates_are_normalised(raw: str, normalised: str) -> None:
    assert validate_plate(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    ["", "1234", "ABC 1234 XY", "AB 12345 XY", "AB 1234 WXYZ", "AB XY", "AB 1234 X1", "AB 0123 XY"],
)
def test_what_is_no_plate_is_refused(raw: str) -> None:
    assert refused(validate_plate, raw) in {"plate_format", "plate_number"}


def test_a_plate_number_starting_with_zero_names_the_rule() -> None:
    assert refused(validate_plate, "AB 0123 XY") == "plate_number"
