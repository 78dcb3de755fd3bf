"""Validators for Indonesian identity and contact data, exactly as reference/REGULATIONS.md says.

Each `validate_*` returns the normalised value or raises `django.core.exceptions.ValidationError`
with a message that names the rule that was broken, so that forms, the API and the admin show
the same reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Province codes in use (BPS/Kemendagri): 11-19, 21, 31-36, 51-53, 61-65, 71-76, 81, 82, 91-96.
NIK_PROVINCE_CODES: frozenset[int] = frozenset(
    [
        *range(11, 20),
        21,
        *range(31, 37),
        *range(51, 54),
        *range(61, 66),
        *range(71, 77),
        81,
        82,
        *range(91, 97),
    ]
)
FEMALE_DAY_OFFSET = 40

# Days in each month, with February allowed 29 days; whether 29 February exists is decided by
# the two-digit year below.
_MONTH_DAYS = {
    1: 31,
    2: 29,
    3: 31,
    4: 30,
    5: 31,
    6: 30,
    7: 31,
    8: 31,
    9: 30,
    10: 31,
    11: 30,
    12: 31,
}


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province_code: str
    regency_code: str
    district_code: str
    birth_day: int
    birth_month: int
    birth_year_2d: int
    sex: str  # "male" | "female"
    serial: str


def _two_digit_year_can_be_leap(yy: int) -> bool:
    # The century is not in the NIK: 19yy or 20yy. 2000 is a leap year, 1900 is not, so "00" can be.
    return any(
        (century + yy) % 4 == 0 and ((century + yy) % 100 != 0 or (century + yy) % 400 == 0)
        for century in (1900, 2000)
    )


def parse_nik(value: str) -> NikInfo:
    """Check a NIK and return its parts; raise ValidationError naming the broken rule."""
    nik = (value or "").strip()
    if not nik.isdigit() or not nik.isascii():
        raise ValidationError(_("NIK must contain digits only."), code="nik_digits")
    if len(nik) != 16:
        raise ValidationError(
            _("NIK must be exactly 16 digits (got %(count)d).") % {"count": len(nik)},
            code="nik_length",
        )
    province = int(nik[0:2])
    if province not in NIK_PROVINCE_CODES:
        raise ValidationError(
            _("NIK starts with %(code)s, which is not a province code in use.")
            % {"code": nik[0:2]},
            code="nik_province",
        )
    raw_day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if 1 <= raw_day <= 31:
        day, sex = raw_day, "male"
    elif FEMALE_DAY_OFFSET + 1 <= raw_day <= FEMALE_DAY_OFFSET + 31:
        day, sex = raw_day - FEMALE_DAY_OFFSET, "female"
    else:
        raise ValidationError(
            _("NIK birth day %(day)02d must be 01-31 (men) or 41-71 (women).") % {"day": raw_day},
            code="nik_day",
        )
    if not 1 <= month <= 12:
        raise ValidationError(
            _("NIK birth month %(month)02d must be 01-12.") % {"month": month}, code="nik_month"
        )
    if day > _MONTH_DAYS[month] or (
        month == 2 and day == 29 and not _two_digit_year_can_be_leap(yy)
    ):
        raise ValidationError(
            _("NIK birth date %(day)02d-%(month)02d-%(yy)02d is not a calendar date.")
            % {"day": day, "month": month, "yy": yy},
            code="nik_date",
        )
    if nik[12:16] == "0000":
        raise ValidationError(_("NIK serial number must not be 0000."), code="nik_serial")
    return NikInfo(
        nik=nik,
        province_code=nik[0:2],
        regency_code=nik[2:4],
        district_code=nik[4:6],
        birth_day=day,
        birth_month=month,
        birth_year_2d=yy,
        sex=sex,
        serial=nik[12:16],
    )


def validate_nik(value: str) -> str:
    return parse_nik(value).nik


def validate_family_card_number(value: str) -> str:
    """Nomor KK: 16 digits starting with a province code in use."""
    number = (value or "").strip()
    if not number.isdigit() or not number.isascii() or len(number) != 16:
        raise ValidationError(_("Family card number must be exactly 16 digits."), code="kk_format")
    if int(number[0:2]) not in NIK_PROVINCE_CODES:
        raise ValidationError(
            _("Family card number starts with %(code)s, which is not a province code in use.")
            % {"code": number[0:2]},
            code="kk_province",
        )
    return number


def validate_phone(value: str) -> str:
    """Normalise a phone number to E.164; national numbers are read as Indonesian."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Phone number is empty."), code="phone_empty")
    try:
        parsed = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("'%(value)s' is not a phone number.") % {"value": raw}, code="phone_format"
        ) from exc
    if parsed.country_code == 62:
        national = str(parsed.national_number)
        # Indonesian mobiles are 08xx with 10 to 13 digits nationally (9 to 12 after the 0).
        if national.startswith("8") and not 9 <= len(national) <= 12:
            raise ValidationError(
                _("An Indonesian mobile number has 10 to 13 digits (08xx...)."),
                code="phone_length",
            )
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("'%(value)s' is not a valid phone number.") % {"value": raw}, code="phone_invalid"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_PLATE_RE = re.compile(r"^([A-Z]{1,2})\s*([0-9]{1,4})\s*([A-Z]{0,3})$")


def validate_plate(value: str) -> str:
    """Vehicle plate: 1-2 letter region, 1-4 digits, 0-3 letter series; stored as 'AB 1234 XY'."""
    compact = re.sub(r"[\s\-.]+", " ", (value or "").strip().upper())
    match = _PLATE_RE.match(compact)
    if not match:
        raise ValidationError(
            _(
                "'%(value)s' is not a vehicle plate: expected 1-2 letters, 1-4 digits and up to "
                "3 letters, e.g. AB 1234 XY."
            )
            % {"value": value},
            code="plate_format",
        )
    region, digits, series = match.groups()
    if digits.startswith("0"):
        raise ValidationError(
            _("The number of a vehicle plate does not start with 0."), code="plate_number"
        )
    return " ".join(part for part in (region, digits, series) if part)


def nik_birth_date(info: NikInfo, today: date) -> date | None:
    """The birth date, choosing the century that does not lie in the future."""
    for century in (2000, 1900):
        try:
            candidate = date(century + info.birth_year_2d, info.birth_month, info.birth_day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def mask_nik(nik: str) -> str:
    """Show a NIK to people who may not see it: region and last two digits only."""
    if len(nik) != 16:
        return "*" * len(nik)
    return f"{nik[:4]}{'*' * 10}{nik[-2:]}"


def mask_name(name: str) -> str:
    """'Siti Aminah' -> 'S*** A*****': enough to recognise one's own document, not to identify."""
    return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split() if part)
