from __future__ import annotations

import pytest

from satupintu.queueing.numbers import (
    announcement_text,
    announcement_text_en,
    number_to_words,
    spell_ticket_number,
    spoken_counter_name,
)

# An independent spelling of 0..9999 built digit by digit, to check every number.
_U = ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def _reference(n: int) -> str:
    if n == 0:
        return "nol"
    th, h, t, u = n // 1000, n // 100 % 10, n // 10 % 10, n % 10
    words: list[str] = []
    if th:
        words.append("seribu" if th == 1 else f"{_U[th]} ribu")
    if h:
        words.append("seratus" if h == 1 else f"{_U[h]} ratus")
    if t == 1:
        words.append({0: "sepuluh", 1: "sebelas"}.get(u, f"{_U[u]} belas"))
    else:
        if t:
            words.append(f"{_U[t]} puluh")
        if u:
            words.append(_U[u])
    return " ".join(words)


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (105, "seratus lima"),
        (111, "seratus sebelas"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1100, "seribu seratus"),
        (2024, "dua ribu dua puluh empat"),
        (9999, "sembilan ribu sembilan ratus sembilan puluh sembilan"),
        (10000, "sepuluh ribu"),
        (11000, "sebelas ribu"),
        (100000, "seratus ribu"),
    ],
)
def test_known_numbers(number: int, words: str) -> None:
    assert number_to_words(number) == words


def test_every_number_from_0_to_9999() -> None:
    for n in range(10000):
        spelled = number_to_words(n)
        assert spelled == _reference(n), n
        assert "  " not in spelled
        assert spelled == spelled.strip()
        assert "satu ratus" not in spelled
        assert "satu ribu" not in spelled
        assert "satu puluh" not in spelled
        assert "satu belas" not in spelled


def test_words_are_unique_for_0_to_9999() -> None:
    assert len({number_to_words(n) for n in range(10000)}) == 10000


@pytest.mark.parametrize("bad", [-1, 1_000_000])
def test_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match="number"):
        number_to_words(bad)


@pytest.mark.parametrize(
    ("ticket", "spoken"),
    [
        ("A-012", "A dua belas"),
        ("A-001", "A satu"),
        ("B-100", "B seratus"),
        ("DT-007", "D T tujuh"),
        ("A012", "A dua belas"),
        ("a-5", "A lima"),
        ("A-000", "A nol"),
    ],
)
def test_spell_ticket_number(ticket: str, spoken: str) -> None:
    assert spell_ticket_number(ticket) == spoken


def test_announcement_text_calls_the_counter_by_its_shown_name() -> None:
    assert (
        announcement_text("A-012", "Loket 5")
        == "Nomor antrian A dua belas, silakan menuju Loket lima"
    )
    # The internal counter number (10, 22) is never what is said: the name is.
    assert announcement_text("C-111", "Loket Imigrasi 1").endswith("menuju Loket Imigrasi satu")
    assert announcement_text("C-001", "Drive-thru Lajur 1").endswith("menuju Drive-thru Lajur satu")
    assert announcement_text("C-001", "").endswith("menuju loket")


@pytest.mark.parametrize(
    ("name", "spoken"),
    [
        ("Loket Imigrasi 1", "Loket Imigrasi satu"),
        ("Drive-thru Lajur 2", "Drive-thru Lajur dua"),
        ("Loket Disdukcapil 4 (Akta)", "Loket Disdukcapil empat Akta"),
        ("Loket Kemenag / KUA", "Loket Kemenag KUA"),
        ("Loket ATR/BPN", "Loket ATR BPN"),
        ("Loket 12", "Loket dua belas"),
        ("Meja Posbakum", "Meja Posbakum"),
    ],
)
def test_spoken_counter_name(name: str, spoken: str) -> None:
    assert spoken_counter_name(name) == spoken


def test_announcement_in_english() -> None:
    assert (
        announcement_text_en("A-012", "Loket Imigrasi 1")
        == "Queue number A 12, please go to Loket Imigrasi 1"
    )
    assert announcement_text_en("DT-007", "Loket ATR/BPN").endswith("go to Loket ATR BPN")
