"""Numbers in Indonesian words, for the voice call of the display boards.

"Nomor antrian A dua belas, silakan menuju Loket Imigrasi satu": the browser's speech engine
reads the text as given, and an engine without an Indonesian voice would read "12" in its own
language, so the numbers are spelled out here. The counter is called by the name the board
shows, so what is heard is what is read."""

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


def spoken_counter_name(name: str) -> str:
    """A counter's name as the board speaks it: the name shown, with every number in Indonesian
    words and the signs a voice would read aloud ("/", brackets) left out.

    "Loket Imigrasi 1" → "Loket Imigrasi satu"; "Loket Disdukcapil 4 (Akta)" → "Loket Disdukcapil
    empat Akta"; "Loket ATR/BPN" → "Loket ATR BPN". Nothing else changes, so what a visitor hears
    is what the board, the ticket and the sign above the counter show."""

    def words(match: re.Match[str]) -> str:
        value = int(match.group())
        return number_to_words(value) if value < 1_000_000 else " ".join(match.group())

    text = re.sub(r"\d+", words, name)
    text = re.sub(r"[()\[\]/\\|]", " ", text)
    return " ".join(text.split())


def announcement_text(ticket_number: str, counter_name: str) -> str:
    """The sentence a display board speaks for a call, in Indonesian.

    "Nomor antrian A dua belas, silakan menuju Loket Imigrasi satu": the counter is called by the
    name the board shows (the counter's name), never by its internal number."""
    spelled = spell_ticket_number(ticket_number)
    target = spoken_counter_name(counter_name) if counter_name.strip() else "loket"
    return f"Nomor antrian {spelled}, silakan menuju {target}"


def announcement_text_en(ticket_number: str, counter_name: str) -> str:
    """The same call in English, for boards that announce in both languages (Imigrasi).

    "Queue number A 12, please go to Loket Imigrasi 1": an English voice reads digits in English;
    the counter keeps its Indonesian name, the one written on the board and above the counter."""
    match = re.fullmatch(r"\s*([A-Za-z]*)[\s\-]*(\d*)\s*", ticket_number)
    if match:
        letters, digits = match.groups()
        parts = [ch.upper() for ch in letters]
        if digits:
            parts.append(str(int(digits)))
        spelled = " ".join(parts)
    else:
        spelled = ticket_number
    target = " ".join(re.sub(r"[()\[\]/\\|]", " ", counter_name).split()) or "the counter"
    return f"Queue number {spelled}, please go to {target}"
