"""Codes people type or read aloud: the formats of tracking, verification and payment codes
(drawn by `satupintu.core.codes`), and how a typed tracking code is read back.

A tracking code is 8 random Crockford base32 symbols and a mod-37 check symbol (Crockford's
scheme), so that a mistyped code is refused instead of showing somebody else's dossier, and
40 random bits make guessing hopeless behind the rate limit."""

from __future__ import annotations

from satupintu.core.codes import (
    CROCKFORD,
    CROCKFORD_ALIASES,
    CROCKFORD_CHECK_SYMBOLS,
    DIGITS,
    CodeFormat,
    crockford_check,
    luhn_check,
)
from satupintu.core.errors import InvalidInput

TRACKING_BODY_LENGTH = 8
TRACKING_CODE = CodeFormat(alphabet=CROCKFORD, length=TRACKING_BODY_LENGTH, check=crockford_check)
VERIFICATION_CODE = CodeFormat(alphabet=CROCKFORD, length=10)
# 16 digits with a Luhn check digit, as banks expect of a payment code (kode bayar).
PAYMENT_CODE = CodeFormat(alphabet=DIGITS, length=13, prefix="88", check=luhn_check)


def tracking_code_format(code: str) -> str:
    """'7K3QW9ZMX' -> '7K3Q-W9ZM-X' for print and screens."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}" if len(code) == TRACKING_BODY_LENGTH + 1 else code


def tracking_code_normalise(raw: str, *, field: str = "tracking_code") -> str:
    """The stored form of a typed code; InvalidInput when it cannot be one (bad check symbol)."""
    compact = "".join((raw or "").split()).replace("-", "").upper()
    if len(compact) != TRACKING_BODY_LENGTH + 1:
        raise InvalidInput(
            f"A tracking code has {TRACKING_BODY_LENGTH + 1} symbols, e.g. 7K3Q-W9ZM-X.",
            field=field,
            code="tracking_code_length",
        )
    body = compact[:TRACKING_BODY_LENGTH].translate(CROCKFORD_ALIASES)
    check = compact[TRACKING_BODY_LENGTH:]
    check = check if check in CROCKFORD_CHECK_SYMBOLS else check.translate(CROCKFORD_ALIASES)
    if any(symbol not in CROCKFORD for symbol in body) or check not in CROCKFORD_CHECK_SYMBOLS:
        raise InvalidInput(
            "A tracking code uses digits and the letters A-Z without I, L, O and U.",
            field=field,
            code="tracking_code_symbols",
        )
    if crockford_check(body) != check:
        raise InvalidInput(
            "This tracking code is mistyped: its check symbol does not match.",
            field=field,
            code="tracking_code_check",
        )
    return body + check
