"""One code generator for every kind of code, and every kind keeps the exact format it had."""

from __future__ import annotations

import itertools
import re
import secrets

import pytest

from satupintu.core.codes import (
    CROCKFORD,
    READABLE,
    CodeFormat,
    crockford_check,
    luhn_check,
    unique_code,
)
from satupintu.dossiers.codes import PAYMENT_CODE, TRACKING_CODE, VERIFICATION_CODE
from satupintu.feedback.services import COMPLAINT_CODE
from satupintu.outreach.models import new_reference
from satupintu.queueing.services import APPOINTMENT_CODE

LETTERS = "7K3QW9ZMX2R5TN8H"  # symbols every alphabet above has
DIGITS = "4062831975"


def scripted(monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Let `secrets.choice` hand out `script`, symbol by symbol, checking each is allowed."""
    symbols = itertools.cycle(script)

    def choice(alphabet: str) -> str:
        symbol = next(symbols)
        assert symbol in alphabet
        return symbol

    monkeypatch.setattr(secrets, "choice", choice)


# What the generators of each app wrote, before they became formats of the one generator, when
# handed the same random symbols.
@pytest.mark.parametrize(
    ("make", "script", "written"),
    [
        (TRACKING_CODE.new, LETTERS, "7K3QW9ZM8"),
        (VERIFICATION_CODE.new, LETTERS, "7K3QW9ZMX2"),
        (PAYMENT_CODE.new, DIGITS, "8840628319754060"),
        (APPOINTMENT_CODE.new, LETTERS, "7K3QW9ZM"),
        (COMPLAINT_CODE.new, LETTERS, "ADU-7K3Q-W9ZM"),
        (new_reference, LETTERS, "JB-7K3QW9ZM"),
    ],
)
def test_every_kind_of_code_is_written_as_before(
    monkeypatch: pytest.MonkeyPatch, make: object, script: str, written: str
) -> None:
    scripted(monkeypatch, script)
    assert make() == written  # type: ignore[operator]


@pytest.mark.parametrize(
    ("code_format", "pattern"),
    [
        (TRACKING_CODE, r"[0-9A-HJKMNP-TV-Z]{8}[0-9A-HJKMNP-TV-Z*~$=U]"),
        (VERIFICATION_CODE, r"[0-9A-HJKMNP-TV-Z]{10}"),
        (PAYMENT_CODE, r"88[0-9]{14}"),
        (APPOINTMENT_CODE, r"[2-9A-HJ-NP-Z]{8}"),
        (COMPLAINT_CODE, r"ADU-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}"),
    ],
)
def test_random_codes_have_their_shape(code_format: CodeFormat, pattern: str) -> None:
    for _ in range(200):
        assert re.fullmatch(pattern, code_format.new())


def test_the_alphabets_leave_out_look_alikes() -> None:
    assert len(set(CROCKFORD)) == len(set(READABLE)) == 32
    assert not set("ILOU") & set(CROCKFORD)
    assert not set("01IO") & set(READABLE)


def test_check_symbols_follow_crockford_and_luhn() -> None:
    assert crockford_check("0") == "0"
    assert crockford_check("Z") == "Z"  # 31
    assert crockford_check("10") == "*"  # 32
    assert crockford_check("14") == "U"  # 36
    assert crockford_check("15") == "0"  # 37
    assert luhn_check("7992739871") == "3"  # the textbook example


def test_payment_codes_pass_the_luhn_check() -> None:
    for _ in range(100):
        code = PAYMENT_CODE.new()
        assert luhn_check(code[:-1]) == code[-1]


def test_unique_code_skips_taken_codes_and_gives_up_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    code_format = CodeFormat(alphabet="AB", length=1)
    scripted(monkeypatch, "AAB")
    assert unique_code(code_format, taken=lambda code: code == "A") == "B"
    with pytest.raises(RuntimeError):
        unique_code(code_format, taken=lambda code: True, attempts=3)


def test_groups_and_prefix() -> None:
    code = CodeFormat(alphabet="X", length=6, prefix="P-", group=3).new()
    assert code == "P-XXX-XXX"
