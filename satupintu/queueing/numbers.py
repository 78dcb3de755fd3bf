"""Numbers in Indonesian words, for the voice call of the display boards.

"Nomor antrian A dua belas, silakan menuju loket lima": the browser's speech engine reads the
text as given, and an engine without an Indonesian voice would read "12" in its own language, so
the numbers are spelled out here."""

from __future__ import annotations

import re

_UNITS = [
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
]


def _below_hundred(n: int) -> str:
    if n < 10:
        return _UNITS[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{_UNITS[n - 10]} belas"
    tens, ones = divmod(n, 10)
    words = f"{_UNITS[tens]} puluh"
    return f"{words} {_UNITS[ones]}" if ones else words


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds == 1:
        parts.append("seratus")
    elif hundreds > 1:
        parts.append(f"{_UNITS[hundreds]} ratus")
    if rest:
        parts.append(_below_hundred(rest))
    return " ".join(parts)


def number_to_words(n: int) -> str:
    """0..999 999 in Indonesian words: 12 → "dua belas", 1000 → "seribu", 105 → "seratus lima"."""
    if n < 0:
        raise ValueError("only non-negative numbers are spelled")
    if n >= 1_000_000:
        raise ValueError("numbers from one million on are not spelled")
    if n == 0:
        return "nol"
    if n < 100:
        return _below_hundred(n)
    thousands, rest = divmod(n, 1000)
    parts = []
    if thousands == 1:
        parts.append("seribu")
    elif thousands > 1:
        parts.append(f"{_below_thousand(thousands)} ribu")
    if rest:
        parts.append(_below_thousand(rest))
    return " ".join(parts)


def spell_ticket_number(ticket_number: str) -> str:
    """ "A-012" → "A dua belas"; "DT-7" → "D T tujuh". Letters one by one, leading zeros dropped.

    A number without digits is read letter by letter."""
    match = re.fullmatch(r"\s*([A-Za-z]*)[\s\-]*(\d*)\s*", ticket_number)
    if not match:
        return ticket_number
    letters, digits = match.groups()
    parts = [ch.upper() for ch in letters]
    if digits:
        parts.append(number_to_words(int(digits)))
    return " ".join(parts)


def announcement_text(
    ticket_number: str, counter_number: int | str | None, counter_name: str = ""
) -> str:
    """The sentence a display board speaks for a call.

    "Nomor antrian A dua belas, silakan menuju loket lima". The counter is named by its number
    when it has one, by its name otherwise."""
    spelled = spell_ticket_number(ticket_number)
    if counter_number is not None and str(counter_number).strip():
        target = f"loket {number_to_words(int(counter_number))}"
    else:
        target = counter_name or "loket"
    return f"Nomor antrian {spelled}, silakan menuju {target}"
