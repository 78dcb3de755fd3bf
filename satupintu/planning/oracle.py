"""The best possible wait estimate at the moment of issue, for the validation's "floor".

No estimate can know how the rest of the day will go, only the state of the queue at the
moment of issue and the laws the day follows. The estimate that minimises the mean absolute
error is then the **median of the wait's distribution given that state**. This module computes
that distribution by continuing the simulated day (`simulation.py`) from the exact state at issue
many times, with the scenario's TRUE laws: the true mean and spread of each service time, the
no-show shares, the arrival rates and priority shares of every hour, the appointments booked and
how they check in, the counters' opening, closing and pause schedule (which the queueing app
cannot know), and, for a service in progress, its remaining time conditioned on the minutes it
has already lasted (and on whether it can still be a no-show). Only the randomness still to
come is drawn.

It is an oracle for measuring, never used by the queueing app: it knows things no mall knows
(the true model, the pause schedule). Its error is the error no estimator can go below; the gap
between it and the production estimate is what a better estimate could still win.

The continuation mirrors `simulation.simulate_day` rule for rule: a free counter (open, not in a
pause) calls the first waiting ticket of the policy's order among the services it serves; a
counter that becomes free in a pause waits for its end; a called visitor does not come with the
service's no-show share (1.5 minutes lost); walk-ins of every service linked to the ticket's
through shared counters keep arriving (a later regular walk-in never goes ahead of the ticket,
but it can keep a shared counter busy).

The continuation is checked against the simulation itself: its 10-90 % range holds about 80 %
of the real waits (`Figures.best_coverage`; a little more where many waits are exactly 0).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist
from typing import TYPE_CHECKING

from satupintu.queueing import estimates, policy

if TYPE_CHECKING:
    from satupintu.planning.simulation import CounterSpec, Scenario

_NORMAL = NormalDist()

# A ticket in the continuation: (id, service, arrival minute, tier, slot minute or None).
Ticket = tuple[int, int, float, int, float | None]
PRIORITY_CLASSES = tuple(policy.PRIORITY_TIERS)


@dataclass(frozen=True)
class State:
    """The simulated day at the moment `now` (minutes after the day's start) a ticket is issued."""

    now: float
    waiting: Sequence[Ticket]
    busy: Mapping[int, tuple[int, float] | None]  # counter id: (service, called at minute)
    booked: Sequence[tuple[int, int, float]]  # appointments not checked in: (id, service, slot)


def minutes_of(at: datetime) -> float:
    from satupintu.planning.simulation import DAY_START

    return (at - DAY_START).total_seconds() / 60


def as_ticket(t: estimates.WaitingTicket) -> Ticket:
    tier = policy.PRIORITY_TIERS.get(t.priority or "", policy.TIER_REGULAR)
    slot = minutes_of(t.appointment_slot_at) if t.appointment_slot_at else None
    return (t.id, t.service_id, minutes_of(t.arrival_at), tier, slot)


def as_booked(t: estimates.WaitingTicket) -> tuple[int, int, float]:
    assert t.appointment_slot_at is not None
    return (t.id, t.service_id, minutes_of(t.appointment_slot_at))


def _key(t: Ticket, at: float) -> tuple[int, float, int]:
    tid, _sid, arrival, tier, slot = t
    if slot is not None and slot <= at:
        return (policy.TIER_APPOINTMENT_DUE, slot, tid)
    return (tier, arrival, tid)


def _lognormal(mean: float, cv: float) -> tuple[float, float]:
    return estimates.ServiceTime(mean=mean, cv=cv).sigma_mu()


def _residual(rng: random.Random, mean: float, cv: float, elapsed: float) -> float:
    """Minutes left of a log-normal service already `elapsed` long (exact inverse transform)."""
    sigma, mu = _lognormal(mean, cv)
    if elapsed <= 0:
        return rng.lognormvariate(mu, sigma)
    z0 = (math.log(elapsed) - mu) / sigma
    p0 = 0.5 * math.erfc(-z0 / math.sqrt(2))  # P(D <= elapsed)
    u = p0 + (1 - p0) * rng.random()
    u = min(u, 1 - 1e-12)
    z = _NORMAL.inv_cdf(u)
    return max(0.0, math.exp(mu + sigma * z) - elapsed)


def _survival(mean: float, cv: float, elapsed: float) -> float:
    if elapsed <= 0:
        return 1.0
    sigma, mu = _lognormal(mean, cv)
    z = (math.log(elapsed) - mu) / sigma
    return 0.5 * math.erfc(z / math.sqrt(2))


def continue_day(
    scenario: Scenario,
    state: State,
    target: Ticket,
    rng: random.Random,
    counters: Sequence[CounterSpec],
) -> float:
    """One continuation of the day: minutes from `state.now` until `target` is called."""
    now = state.now
    target_sid = target[1]
    specs = list(counters)
    # The services linked to the target's through shared counters: only their tickets matter.
    services = {target_sid}
    changed = True
    while changed:
        changed = False
        for c in specs:
            if c.service_ids & services and not c.service_ids <= services:
                services |= c.service_ids
                changed = True
    specs = [c for c in specs if c.service_ids & services]
    by_sid = {s.id: s for s in scenario.services}

    # Arrivals still to come: walk-ins of every linked service (Poisson per hour, some of them
    # priority visitors), drawn as time goes on, and the booked appointments checking in.
    events: list[tuple[float, int, int, int]] = []  # (minute, order, kind, service or counter)
    arrival, free = 0, 1
    order = 0

    def next_walk_in(sid: int, t: float) -> float | None:
        rates = list(by_sid[sid].arrivals_per_hour)
        while t < scenario.issue_minutes:
            hour = int(t // 60)
            if hour >= len(rates):
                return None
            rate = rates[hour] / 60.0
            if rate <= 0:
                t = (hour + 1) * 60.0
                continue
            gap = rng.expovariate(rate)
            if t + gap >= (hour + 1) * 60:
                t = (hour + 1) * 60.0
                continue
            t += gap
            return t if t < scenario.issue_minutes else None
        return None

    for sid in services:
        nxt = next_walk_in(sid, now)
        if nxt is not None:
            heapq.heappush(events, (nxt, order, arrival, sid))
            order += 1
    booked: dict[int, Ticket] = {}
    for aid, sid, slot in state.booked:
        if sid not in services:
            continue
        # Check-in: the slot minus up to 30 minutes (not before the day), still to come.
        latest = min(30.0, slot - now)
        if latest <= 0:
            continue
        checkin = max(now, slot - rng.uniform(0, latest))
        if rng.random() < 0.9:
            booked[order] = (aid, sid, checkin, policy.TIER_REGULAR, slot)
            heapq.heappush(events, (checkin, order, arrival, sid))
            order += 1
    waiting = [t for t in state.waiting if t[1] in services]

    # When each counter is next free to call.
    for i, c in enumerate(specs):
        doing = state.busy.get(c.id)
        if now < c.opens:
            at = c.opens
        elif doing is None:
            at = now
        else:
            sid, since = doing
            spec = by_sid[sid]
            elapsed = now - since
            p_ns = spec.no_show if elapsed < estimates.NO_SHOW_MINUTES else 0.0
            p_real = (1 - spec.no_show) * _survival(spec.mean, spec.cv, elapsed)
            if rng.random() * (p_ns + p_real) < p_ns:
                at = since + estimates.NO_SHOW_MINUTES
            else:
                at = now + _residual(rng, spec.mean, spec.cv, elapsed)
        heapq.heappush(events, (at, order, free, i))
        order += 1
    idle: set[int] = set()
    horizon = scenario.issue_minutes + 6 * 60
    fake = -1_000_000
    while events:
        t, seq, kind, what = heapq.heappop(events)
        if t > horizon:
            break
        if kind == arrival:
            if seq in booked:
                ticket = booked.pop(seq)
            else:
                spec = by_sid[what]
                tier = policy.TIER_REGULAR
                if rng.random() < spec.priority_share:
                    tier = policy.PRIORITY_TIERS[rng.choice(PRIORITY_CLASSES)]
                ticket = (fake, what, t, tier, None)
                fake -= 1
                nxt = next_walk_in(what, t)
                if nxt is not None:
                    heapq.heappush(events, (nxt, order, arrival, what))
                    order += 1
            waiting.append(ticket)
            for i in sorted(idle):
                if what in specs[i].service_ids:
                    idle.discard(i)
                    heapq.heappush(events, (t, order, free, i))
                    order += 1
            continue
        c = specs[what]
        pause = next((p for p in c.pauses if p[0] <= t < p[1]), None)
        if pause:
            heapq.heappush(events, (pause[1], order, free, what))
            order += 1
            continue
        mine = [w for w in waiting if w[1] in c.service_ids]
        if not mine:
            idle.add(what)
            continue
        chosen = min(mine, key=lambda w: _key(w, t))
        if chosen[0] == target[0]:
            return t - now
        waiting.remove(chosen)
        spec = by_sid[chosen[1]]
        if rng.random() < spec.no_show:
            duration = estimates.NO_SHOW_MINUTES
        else:
            sigma, mu = _lognormal(spec.mean, spec.cv)
            duration = rng.lognormvariate(mu, sigma)
        heapq.heappush(events, (t + duration, order, free, what))
        order += 1
    return horizon - now


@dataclass(frozen=True)
class Prediction:
    median: float
    low: float
    high: float


def predict(
    scenario: Scenario,
    state: State,
    target: Ticket,
    counters: Sequence[CounterSpec],
    *,
    runs: int = 200,
    seed: int = 0,
) -> Prediction:
    """The median and the 10-90 % range of the wait over `runs` continuations of the day."""
    rng = random.Random(seed)
    waits = sorted(continue_day(scenario, state, target, rng, counters) for _ in range(runs))

    def q(share: float) -> float:
        pos = share * (len(waits) - 1)
        lo = math.floor(pos)
        hi = min(len(waits) - 1, lo + 1)
        return waits[lo] + (waits[hi] - waits[lo]) * (pos - lo)

    return Prediction(q(0.5), q(estimates.RANGE_LOW), q(estimates.RANGE_HIGH))
