"""Hypothesis strategies for Indonesian identity data, shared by the validator tests."""

from __future__ import annotations

import calendar

from hypothesis import strategies as st

from satupintu.core.validators import NIK_PROVINCE_CODES

PROVINCES = sorted(NIK_PROVINCE_CODES)
UNKNOWN_PROVINCES = sorted(set(range(100)) - NIK_PROVINCE_CODES)


def leap_possible(yy: int) -> bool:
    """Whether 19yy or 20yy is a leap year: 2000 is, 1900 is not, so every yy % 4 == 0 can be."""
    return calendar.isleap(1900 + yy) or calendar.isleap(2000 + yy)


def max_day(month: int, yy: int) -> int:
    if month == 2:
        return 29 if leap_possible(yy) else 28
    return calendar.monthrange(2001, month)[1]


@st.composite
def nik_parts(draw: st.DrawFn) -> dict[str, int | str]:
    yy = draw(st.integers(0, 99))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, max_day(month, yy)))
    female = draw(st.booleans())
    return {
        "province": draw(st.sampled_from(PROVINCES)),
        "regency": draw(st.integers(0, 99)),
        "district": draw(st.integers(0, 99)),
        "day": day + (40 if female else 0),
        "month": month,
        "yy": yy,
        "serial": draw(st.integers(1, 9999)),
        "sex": "female" if female else "male",
    }


def build_nik(parts: dict[str, int | str]) -> str:
    return (
        f"{parts['province']:02d}{parts['regency']:02d}{parts['district']:02d}"
        f"{parts['day']:02d}{parts['month']:02d}{parts['yy']:02d}{parts['serial']:04d}"
    )


valid_niks = nik_parts().map(build_nik)
