"""Codes people type or read aloud: tracking codes, verification codes, payment codes.

A tracking code is 8 random Crockford base32 symbols and a mod-37 check symbol (Crockford's
scheme), so that a mistyped code is refused instead of showing somebody else's dossier, and
40 random bits make guessing hopeless behind the rate limit."""

from __future__ import annotations

import secrets

from satupintu.core.errors import InvalidInput

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = CROCKFORD + "*~$=U"
TRACKING_BODY_LENGTH = 8
VERIFICATION_CODE_LENGTH = 10
# Letters people confuse are read as the digit they look like (Crockford's decoding rules).
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _value(body: str) -> int:
    number = 0
    for symbol in body:
        number = number * 32 + CROCKFORD.index(symbol)
    return number


def check_symbol(body: str) -> str:
    return CHECK_SYMBOLS[_value(body) % 37]


def tracking_code_new() -> str:
    body = "".join(secrets.choice(CROCKFORD) for _ in range(TRACKING_BODY_LENGTH))
    return body + check_symbol(body)


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
    body = compact[:TRACKING_BODY_LENGTH].translate(_ALIASES)
    check = compact[TRACKING_BODY_LENGTH:]
    check = check if check in CHECK_SYMBOLS else check.translate(_ALIASES)
    if any(symbol not in CROCKFORD for symbol in body) or check not in CHECK_SYMBOLS:
        raise InvalidInput(
            "A tracking code uses digits and the letters A-Z without I, L, O and U.",
            field=field,
            code="tracking_code_symbols",
        )
    if check_symbol(body) != check:
        raise InvalidInput(
            "This tracking code is mistyped: its check symbol does not match.",
            field=field,
            code="tracking_code_check",
        )
    return body + check


def verification_code_new() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(VERIFICATION_CODE_LENGTH))


def _luhn_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 0:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return str((10 - total % 10) % 10)


def payment_code_new() -> str:
    """A 16-digit payment code (kode bayar) with a Luhn check digit, as banks expect."""
    body = "88" + "".join(secrets.choice("0123456789") for _ in range(13))
    return body + _luhn_digit(body)
