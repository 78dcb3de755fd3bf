"""The IKM arithmetic of PermenPANRB 14/2017 as reference/REGULATIONS.md decides it.

Pure functions over exact decimals (no floats anywhere): NRR per unsur = sum / answers; weight
exactly 1/9 (kept as a fraction: sum of NRR divided by 9, not multiplied by 0.11); IKM (1..4);
converted = IKM x 25 rounded half-up to 2 decimals; the grade of the rounded converted value.
Each unsur's NRR is rounded half-up to 4 decimals and graded on the 1..4 table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext

# Enough digits that rounding to 2 or 4 places never sees an artefact of the division.
_PRECISION = 50

CONVERTED_BOUNDS = ((Decimal("88.31"), "A"), (Decimal("76.61"), "B"), (Decimal("65.00"), "C"))
NRR_BOUNDS = ((Decimal("3.5324"), "A"), (Decimal("3.0644"), "B"), (Decimal("2.60"), "C"))
PERFORMANCE = {"A": "Sangat Baik", "B": "Baik", "C": "Kurang Baik", "D": "Tidak Baik"}

TWO_PLACES = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class UnsurScore:
    code: str
    total: int
    answers: int
    nrr: Decimal | None  # exact; None when nobody answered
    nrr_rounded: Decimal | None  # half-up to 4 places
    grade: str | None


@dataclass(frozen=True)
class IkmResult:
    unsur: dict[str, UnsurScore]
    ikm_exact: Decimal | None  # 1..4, exact
    ikm_rounded: Decimal | None  # 1..4, half-up to 4 places
    converted: Decimal | None  # 25..100, half-up to 2 places
    grade: str | None
    performance: str | None
    weakest: list[str]  # the unsur codes with the lowest NRR (ties all named)


def grade_converted(converted: Decimal) -> str:
    for bound, grade in CONVERTED_BOUNDS:
        if converted >= bound:
            return grade
    return "D"


def grade_nrr(nrr_rounded: Decimal) -> str:
    for bound, grade in NRR_BOUNDS:
        if nrr_rounded >= bound:
            return grade
    return "D"


def compute_ikm(codes: tuple[str, ...], totals: Mapping[str, tuple[int, int]]) -> IkmResult:
    """`totals[code] = (sum of scores, number of answers)` for each unsur code.

    The IKM needs an NRR for every unsur; if one has no answers, there is no IKM (None)."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        scores: dict[str, UnsurScore] = {}
        for code in codes:
            total, answers = totals.get(code, (0, 0))
            if answers <= 0:
                scores[code] = UnsurScore(code, total, 0, None, None, None)
                continue
            nrr = Decimal(total) / Decimal(answers)
            rounded = nrr.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
            scores[code] = UnsurScore(code, total, answers, nrr, rounded, grade_nrr(rounded))
        exact_values = [s.nrr for s in scores.values() if s.nrr is not None]
        if not codes or len(exact_values) != len(codes):
            return IkmResult(scores, None, None, None, None, None, [])
        # Weight 1/len(codes) applied exactly: sum first, then one division.
        ikm = sum(exact_values, Decimal(0)) / Decimal(len(codes))
        converted = (ikm * 25).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
        grade = grade_converted(converted)
        lowest = min(exact_values)
        weakest = [s.code for s in scores.values() if s.nrr == lowest]
        return IkmResult(
            unsur=scores,
            ikm_exact=ikm,
            ikm_rounded=ikm.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP),
            converted=converted,
            grade=grade,
            performance=PERFORMANCE[grade],
            weakest=weakest,
        )


def minimum_sample(population: int) -> int:
    """Krejcie-Morgan: s = X²NP(1-P) / (d²(N-1) + X²P(1-P)), X²=3.841, P=0.5, d=0.05, rounded up."""
    if population <= 0:
        return 0
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        chi2 = Decimal("3.841")
        p = Decimal("0.5")
        d = Decimal("0.05")
        n = Decimal(population)
        s = chi2 * n * p * (1 - p) / (d * d * (n - 1) + chi2 * p * (1 - p))
        return int(s.to_integral_value(rounding=ROUND_CEILING))
