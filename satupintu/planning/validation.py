"""How good is the wait estimate? Simulated mall days (`simulation.py`) with the real calling
policy; at every issue the queueing app's estimator is asked, then the simulation produces the
real wait. The estimator's service-time model is fitted from simulated history days of the same
scenario (other seeds), with the mall's published standard time as the prior, exactly as the
queueing app fits it from the mall's history.

Figures per scenario: mean absolute error (minutes, and as a share of the mean wait), bias
(estimate minus real, mean), range coverage (share of real waits inside [low, high]) and the
number of "0 minutes" shown to someone who then waited more than 2 minutes. Targets (issue 14):
error under 25 % of the mean wait, coverage at least 75 %, no such zero.

`satupintu planner_validate` writes the figures and plots for docs/PLANNER.md.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from satupintu.planning import oracle
from satupintu.planning.simulation import (
    CounterSpec,
    DayResult,
    Scenario,
    ServiceSpec,
    Visit,
    learned_times,
    simulate_day,
)
from satupintu.queueing import estimates

T = TypeVar("T")

MAE_TARGET = 0.25
COVERAGE_TARGET = 0.75
ZERO_LIMIT_MINUTES = 2.0
HISTORY_DAYS = 3


@dataclass(frozen=True)
class Figures:
    scenario: str
    tickets: int
    mean_wait: float
    mae: float
    bias: float
    coverage: float
    zero_when_waiting: int
    baseline_mae: float = 0.0
    baseline_zero_when_waiting: int = 0
    floor_mae: float | None = None  # the same estimator told the true service-time model
    # The best possible estimate (`oracle.predict`: the median of the day continued from the
    # exact state at issue with the true laws), on the same visitors.
    best_mae: float | None = None
    best_coverage: float | None = None
    best_bias: float | None = None
    # With 5 days or more: a 95 % interval of the best possible MAE / mean wait, resampling days.
    best_share_interval: tuple[float, float] | None = None
    # CPU time of one estimate (milliseconds): mean and 95th percentile.
    estimate_ms: float = 0.0
    estimate_ms_p95: float = 0.0

    @property
    def best_share(self) -> float | None:
        if self.best_mae is None or self.mean_wait <= 0:
            return None
        return self.best_mae / self.mean_wait

    @property
    def mae_share(self) -> float:
        return self.mae / self.mean_wait if self.mean_wait > 0 else 0.0

    @property
    def meets_targets(self) -> bool:
        return (
            self.mae_share < MAE_TARGET
            and self.coverage >= COVERAGE_TARGET
            and self.zero_when_waiting == 0
        )


def _hours(*values: float) -> tuple[float, ...]:
    return tuple(values)


def scenarios(scale: float = 1.0, hours: int = 8) -> list[Scenario]:
    """The three scenarios of docs/PLANNER.md; `scale` and `hours` shrink them for tests."""

    def rates(*values: float) -> tuple[float, ...]:
        return tuple(v * scale for v in values[:hours])

    minutes = hours * 60.0
    quiet = Scenario(
        name="quiet",
        title="A quiet day",
        services=[
            ServiceSpec(1, "KTP-el", 9, 0.5, 0.04, 0.12, rates(6, 8, 7, 5, 4, 5, 4, 2), (), 15),
            ServiceSpec(
                2, "Kartu Keluarga", 12, 0.5, 0.04, 0.1, rates(4, 5, 5, 4, 3, 3, 2, 1), (), 15
            ),
            ServiceSpec(3, "BPJS", 7, 0.6, 0.05, 0.08, rates(5, 6, 5, 4, 3, 4, 3, 2), (), 10),
        ],
        counters=[
            CounterSpec(1, frozenset({1, 2}), closes=minutes),
            CounterSpec(2, frozenset({1, 2}), closes=minutes, pauses=((240, 270),)),
            CounterSpec(3, frozenset({3}), closes=minutes),
        ],
        issue_minutes=minutes,
        seed=11,
    )
    monday = Scenario(
        name="busy_monday",
        title="A busy Monday after a long weekend",
        services=[
            ServiceSpec(
                1,
                "KTP-el",
                8,
                0.5,
                0.05,
                0.12,
                rates(26, 30, 24, 14, 9, 10, 7, 3),
                rates(2, 2, 2, 1, 1, 1, 0, 0),
                15,
            ),
            ServiceSpec(
                2, "Kartu Keluarga", 11, 0.5, 0.05, 0.1, rates(12, 14, 12, 8, 5, 5, 4, 2), (), 15
            ),
            ServiceSpec(3, "BPJS", 7, 0.6, 0.06, 0.08, rates(16, 18, 14, 10, 6, 7, 5, 2), (), 10),
            ServiceSpec(4, "SIM", 6, 0.4, 0.03, 0.05, rates(12, 14, 10, 7, 5, 5, 3, 1), (), 6),
        ],
        counters=[
            CounterSpec(1, frozenset({1, 2}), closes=minutes),
            CounterSpec(2, frozenset({1, 2}), closes=minutes, pauses=((240, 270),)),
            CounterSpec(3, frozenset({1}), closes=minutes),
            CounterSpec(4, frozenset({1, 2}), closes=minutes, pauses=((270, 300),)),
            CounterSpec(5, frozenset({3}), closes=minutes),
            CounterSpec(6, frozenset({3}), closes=minutes, opens=30),
            CounterSpec(7, frozenset({4}), closes=minutes),
            CounterSpec(8, frozenset({4, 3}), closes=minutes),
        ],
        issue_minutes=minutes,
        seed=23,
    )
    shared = Scenario(
        name="shared_priority",
        title="Shared counters and many priority visitors",
        services=[
            ServiceSpec(
                1,
                "Perizinan usaha",
                14,
                0.6,
                0.08,
                0.35,
                rates(7, 9, 9, 7, 6, 6, 4, 1.5),
                rates(1, 1.5, 1.5, 1, 1, 1, 0.5, 0),
                20,
            ),
            ServiceSpec(
                2,
                "PBG",
                18,
                0.6,
                0.08,
                0.35,
                rates(4.5, 6, 6, 4.5, 3, 4.5, 3, 1.5),
                rates(1, 1, 1, 0.5, 0.5, 0.5, 0, 0),
                20,
            ),
            ServiceSpec(
                3, "Pajak daerah", 8, 0.5, 0.08, 0.35, rates(9, 10, 9, 7, 6, 7, 4, 1.5), (), 10
            ),
            ServiceSpec(
                4, "Pengaduan", 10, 0.7, 0.08, 0.35, rates(4.5, 4.5, 4.5, 3, 3, 3, 3, 1.5), (), 10
            ),
        ],
        counters=[
            CounterSpec(1, frozenset({1, 2, 3}), closes=minutes),
            CounterSpec(2, frozenset({1, 2}), closes=minutes, pauses=((240, 275),)),
            CounterSpec(3, frozenset({3, 4}), closes=minutes),
            CounterSpec(4, frozenset({1, 3, 4}), closes=minutes, pauses=((60, 75),)),
            CounterSpec(5, frozenset({2, 4}), closes=minutes),
        ],
        issue_minutes=minutes,
        seed=37,
    )
    return [quiet, monday, shared]


def _beside_the_estimate(
    day: DayResult, other: Callable[[Visit], T | None]
) -> list[tuple[T, float]]:
    """(another figure, the real wait) of the visits the estimator's figures count (an estimate
    in minutes and a real wait), where the other figure exists: the same visits for every
    method compared."""
    found = []
    for v in day.visits:
        value = other(v)
        if (
            v.estimate
            and v.estimate.minutes is not None
            and v.wait is not None
            and value is not None
        ):
            found.append((value, v.wait))
    return found


def figures_of(scenario: Scenario, day: DayResult) -> Figures:
    pairs = [
        (v.estimate.minutes, v.estimate.minutes_low, v.estimate.minutes_high, v.wait)
        for v in day.visits
        if v.estimate and v.estimate.minutes is not None and v.wait is not None
    ]
    n = len(pairs)
    if not n:
        return Figures(scenario.name, 0, 0.0, 0.0, 0.0, 1.0, 0)
    mean_wait = sum(w for *_e, w in pairs) / n
    mae = sum(abs(m - w) for m, _lo, _hi, w in pairs) / n
    bias = sum(m - w for m, _lo, _hi, w in pairs) / n
    inside = sum(
        1
        for _m, lo, hi, w in pairs
        if lo is not None and hi is not None and lo - 0.5 <= w <= hi + 0.5
    )
    zeros = sum(1 for m, _lo, _hi, w in pairs if m == 0 and w > ZERO_LIMIT_MINUTES)
    old = _beside_the_estimate(day, lambda v: v.baseline)
    old_mae = sum(abs(b - w) for b, w in old) / max(1, len(old))
    old_zeros = sum(1 for b, w in old if b == 0 and w > ZERO_LIMIT_MINUTES)
    spent = sorted(v.estimate_ms for v in day.visits if v.estimate_ms is not None)
    best = _beside_the_estimate(day, lambda v: v.best)
    return Figures(
        scenario.name,
        n,
        mean_wait,
        mae,
        bias,
        inside / n,
        zeros,
        old_mae,
        old_zeros,
        best_mae=sum(abs(b.median - w) for b, w in best) / len(best) if best else None,
        best_coverage=(
            sum(1 for b, w in best if b.low <= w <= b.high) / len(best) if best else None
        ),
        best_bias=sum(b.median - w for b, w in best) / len(best) if best else None,
        estimate_ms=sum(spent) / len(spent) if spent else 0.0,
        estimate_ms_p95=spent[min(len(spent) - 1, int(0.95 * len(spent)))] if spent else 0.0,
    )


def true_times(scenario: Scenario, hour: int) -> dict[int, estimates.ServiceTime]:
    """The model the simulation really draws from (what no mall knows exactly)."""
    out = {}
    for spec in scenario.services:
        rates = list(spec.arrivals_per_hour)
        rate = rates[hour] if 0 <= hour < len(rates) else 0.0
        out[spec.id] = estimates.ServiceTime(
            mean=spec.mean,
            cv=spec.cv,
            no_show=spec.no_show,
            priority_rate=spec.priority_share * rate / 60,
        )
    return out


def validate(
    scenario: Scenario,
    *,
    runs: int = estimates.RUNS,
    days: int = 3,
    floor: bool = False,
    best_runs: int = 0,
) -> tuple[Figures, DayResult]:
    """Fit the estimator's model on `HISTORY_DAYS` simulated days, then ask it at every issue of
    `days` other days and compare (the figures of all of them; the first day for the plot).
    `floor`: also run the same days with the estimator told the true model.
    `best_runs`: also compute, at every issue, the best possible estimate (`oracle.predict`
    with that many continuations of the day): the error no estimate can go below."""
    history = [simulate_day(scenario, seed=scenario.seed * 100 + i) for i in range(HISTORY_DAYS)]
    models = {h: learned_times(scenario, history, h) for h in range(16)}

    def best(visit: Visit, state: oracle.State) -> None:
        visit.best = oracle.predict(
            scenario,
            state,
            oracle.as_ticket(visit.ticket),
            scenario.counters,
            runs=best_runs,
            seed=visit.ticket.id,
        )

    def run(times: Any, observe: Any = None) -> list[DayResult]:
        return [
            simulate_day(
                scenario,
                seed=scenario.seed + 7919 * i,
                times=times,
                estimate=True,
                runs=runs,
                observe=observe,
            )
            for i in range(days)
        ]

    results = run(lambda h: models.get(h, models[0]), best if best_runs > 0 else None)
    figures = figures_of(scenario, DayResult(visits=[v for r in results for v in r.visits]))
    if best_runs > 0 and days >= 5:
        figures = dataclasses.replace(
            figures, best_share_interval=_best_share_interval(scenario, results)
        )
    if floor:
        told_runs = run(lambda h: true_times(scenario, h))
        told = figures_of(scenario, DayResult(visits=[v for r in told_runs for v in r.visits]))
        figures = dataclasses.replace(figures, floor_mae=told.mae)
    return figures, results[0]


def _best_share_interval(scenario: Scenario, days: Sequence[DayResult]) -> tuple[float, float]:
    """95 % interval of the best possible MAE over the mean wait, resampling whole days."""
    per_day = []
    for day in days:
        f = figures_of(scenario, day)
        if f.tickets and f.best_mae is not None:
            per_day.append((f.tickets * f.mean_wait, f.tickets * f.best_mae))
    if not per_day:
        return (0.0, 0.0)
    rng = random.Random(0)
    shares = []
    for _ in range(2000):
        drawn = [rng.choice(per_day) for _ in per_day]
        waited = sum(w for w, _e in drawn)
        shares.append(sum(e for _w, e in drawn) / waited if waited > 0 else 0.0)
    shares.sort()
    return (shares[int(0.025 * len(shares))], shares[int(0.975 * len(shares)) - 1])


def plot(scenario: Scenario, day: DayResult, path: Path) -> None:
    """Estimated against real wait (with the 80 % range), and both over the day."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    visits = [
        v
        for v in day.visits
        if v.estimate and v.estimate.minutes is not None and v.wait is not None
    ]
    real = [v.wait or 0.0 for v in visits]
    est = [float(v.estimate.minutes or 0) for v in visits if v.estimate]
    low = [float(v.estimate.minutes_low or 0) for v in visits if v.estimate]
    high = [float(v.estimate.minutes_high or 0) for v in visits if v.estimate]
    issued = [v.issued / 60 + 8 for v in visits]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    top = max([*real, *high, 1.0])
    left.errorbar(
        real,
        est,
        yerr=[
            [e - lo for e, lo in zip(est, low, strict=True)],
            [hi - e for e, hi in zip(est, high, strict=True)],
        ],
        fmt="o",
        markersize=3,
        alpha=0.45,
        elinewidth=0.6,
    )
    left.plot([0, top], [0, top], color="black", linewidth=1)
    left.set_xlabel("real wait (min)")
    left.set_ylabel("estimate at issue (min), 80% range")
    left.set_title(scenario.title)
    right.scatter(issued, real, s=8, label="real wait", color="tab:orange")
    right.scatter(issued, est, s=8, label="estimate", color="tab:blue", alpha=0.6)
    best = [(v.issued / 60 + 8, v.best.median) for v in visits if v.best is not None]
    if best:
        right.scatter(
            [b[0] for b in best],
            [b[1] for b in best],
            s=6,
            marker="x",
            linewidths=0.6,
            label="best possible (true model)",
            color="tab:gray",
            alpha=0.7,
        )
    right.set_xlabel("issued at (hour)")
    right.set_ylabel("minutes")
    right.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _pct(minutes: float, mean: float) -> str:
    return f"{minutes:.1f} min ({100 * minutes / max(mean, 1e-9):.0f} %)"


def markdown_table(rows: Sequence[Figures]) -> str:
    lines = [
        "| scenario | tickets | mean real wait | MAE | MAE / mean | bias | range coverage "
        '| "0 min" but waited > 2 | targets | best possible: MAE (coverage) '
        "| estimator told the true model: MAE | CPU per estimate: mean / p95 | before: MAE "
        '| before: "0 min" but waited > 2 |',
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for f in rows:
        floor = _pct(f.floor_mae, f.mean_wait) if f.floor_mae is not None else "-"
        best = "-"
        if f.best_mae is not None and f.best_coverage is not None:
            best = f"{_pct(f.best_mae, f.mean_wait)} ({100 * f.best_coverage:.0f} %)"
            if f.best_share_interval is not None:
                lo, hi = f.best_share_interval
                best += f", 95 % interval over days {100 * lo:.0f}-{100 * hi:.0f} %"
        lines.append(
            f"| {f.scenario} | {f.tickets} | {f.mean_wait:.1f} min | {f.mae:.1f} min | "
            f"{100 * f.mae_share:.0f} % | {f.bias:+.1f} min | {100 * f.coverage:.0f} % | "
            f"{f.zero_when_waiting} | {'met' if f.meets_targets else 'NOT met'} | {best} | "
            f"{floor} | {f.estimate_ms:.1f} / {f.estimate_ms_p95:.1f} ms | "
            f"{_pct(f.baseline_mae, f.mean_wait)} | {f.baseline_zero_when_waiting} |"
        )
    return "\n".join(lines)
