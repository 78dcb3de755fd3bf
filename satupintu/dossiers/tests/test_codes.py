from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from satupintu.core.codes import CROCKFORD
from satupintu.core.codes import crockford_check as check_symbol
from satupintu.core.errors import InvalidInput
from satupintu.dossiers.codes import (
    TRACKING_CODE,
    tracking_code_format,
    tracking_code_normalise,
)


def test_new_codes_round_trip_through_their_printed_form() -> None:
    for _ in range(200):
        code = TRACKING_CODE.new()
        assert tracking_code_normalise(tracking_code_format(code).lower()) == code


@given(
    body=st.text(alphabet=CROCKFORD, min_size=8, max_size=8),
    position=st.integers(0, 7),
    replacement=st.sampled_from(CROCKFORD),
)
def test_a_single_mistyped_symbol_is_refused(body: str, position: int, replacement: str) -> None:
    code = body + check_symbol(body)
    typo = body[:position] + replacement + body[position + 1 :]
    if typo == body:
        return
    with pytest.raises(InvalidInput) as info:
        tracking_code_normalise(typo + check_symbol(body))
    assert info.value.field == "tracking_code"
    assert tracking_code_normalise(code) == code


def test_look_alike_letters_are_read_as_digits() -> None:
    body = "10000000"
    code = body + check_symbol(body)
    assert tracking_code_normalise("IO00-0000-" + code[-1]) == code


@pytest.mark.parametrize("raw", ["", "ABC", "ABCDEFGHJK12", "UUUU-UUUU-U"])
def test_malformed_codes_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        tracking_code_normalise(raw)
