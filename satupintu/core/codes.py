"""Random codes that people read aloud, type or scan: one generator for every kind.

Each kind is a `CodeFormat` declared by the app that owns it (tracking, verification and payment
codes in dossiers/codes.py, appointment codes in queueing, complaint codes in feedback, outreach
references in outreach); `unique_code` draws one that no row holds yet."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

DIGITS = "0123456789"
# Crockford's base 32: digits and letters without I, L, O and U.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Digits and letters without 0/O and 1/I, which people mix up when reading aloud or typing.
READABLE = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
# Crockford's check symbols: a value mod 37 (the base-32 symbols, then five extra ones).
CROCKFORD_CHECK_SYMBOLS = CROCKFORD + "*~$=U"
# Letters people confuse are read as the digit they look like (Crockford's decoding rules).
CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def crockford_check(symbols: str) -> str:
    """Crockford's mod-37 check symbol of base-32 `symbols`; it catches every single mistyped
    symbol and every swap of two neighbours."""
    number = 0
    for symbol in symbols:
        number = number * 32 + CROCKFORD.index(symbol)
    return CROCKFORD_CHECK_SYMBOLS[number % 37]


def luhn_check(digits: str) -> str:
    """The Luhn check digit of `digits` (as on bank cards and payment codes)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 0:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return str((10 - total % 10) % 10)


@dataclass(frozen=True)
class CodeFormat:
    """`prefix`, then `length` random symbols of `alphabet`, then the `check` symbol computed over
    the prefix and the random symbols; with `group`, a dash after every `group` symbols that
    follow the prefix."""

    alphabet: str
    length: int
    prefix: str = ""
    check: Callable[[str], str] | None = None
    group: int = 0

    def new(self) -> str:
        body = "".join(secrets.choice(self.alphabet) for _ in range(self.length))
        if self.check is not None:
            body += self.check(self.prefix + body)
        if self.group:
            body = "-".join(body[i : i + self.group] for i in range(0, len(body), self.group))
        return self.prefix + body


def unique_code(
    code_format: CodeFormat, *, taken: Callable[[str], bool], attempts: int = 20
) -> str:
    """A new code of `code_format` for which `taken(code)` is false. Codes carry 40 random bits or
    more, so a clash is rare and twenty in a row means something is broken. The row's unique
    constraint still has the last word against a concurrent twin."""
    for _attempt in range(attempts):
        code = code_format.new()
        if not taken(code):
            return code
    raise RuntimeError(f"no free code after {attempts} attempts ({code_format})")
