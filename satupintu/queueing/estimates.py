"""The wait estimate: when will the counters call this ticket?

A pure function (`estimate_wait`) over a picture of the queue at one moment (`QueueNow`): the
counters that are open, what each serves and since when it has been busy, the waiting tickets of
every service those counters serve, the booked appointments still to come, and a service-time
model per service (`ServiceTime`: mean, spread, no-show share, priority arrivals per minute).
It plays the rest of the day forward many times (a small Monte Carlo of the real calling policy,
`policy.call_order_key`): each free counter calls the first waiting ticket in the policy's order
among the services it serves; service times are drawn from a log-normal with the service's mean
and spread (a counter busy for `e` minutes already finishes after a draw conditioned on
being longer than `e`); called tickets may not show up; priority visitors and due appointments
keep arriving and go ahead. The answer is the median of the simulated waits (what minimises the
absolute error), with the 10th and 90th percentiles as the range (80 % of waits inside), and the
place in the order the counters serving the ticket's service call (`people_ahead`).

The queueing app reads the picture (`selectors.queue_now`), the validation (`planning`) feeds it
simulated days; nothing here touches the database.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from satupintu.queueing import policy

# How many futures are played; the median of 64 draws is within a few percent of the true one.
RUNS = 64
# The range: this share of the simulated waits falls inside [low, high].
RANGE_LOW, RANGE_HIGH = 0.1, 0.9
# Default spread of service times (coefficient of variation) before history says otherwise.
DEFAULT_CV = 0.6
# A called ticket that does not come costs the counter this many minutes (call, recall, wait).
NO_SHOW_MINUTES = 1.5
# A paused counter is expected back after this many minutes.
PAUSE_MINUTES = 10.0
# Give up simulating this far ahead (minutes): the ticket will not be called today.
HORIZON_MINUTES = 12 * 60.0

REASON_NO_COUNTER_OPEN = "no_counter_open"
REASON_COUNTERS_PAUSED = "counters_paused"


@dataclass(frozen=True)
class ServiceTime:
    """How long a service takes at a counter (minutes), and what happens around it."""

    mean: float
    cv: float = DEFAULT_CV
    no_show: float = 0.0  # share of called tickets that do not come
    priority_rate: float = 0.0  # priority visitors arriving per minute (they go ahead)

    def sigma_mu(self) -> tuple[float, float]:
        sigma2 = math.log(1.0 + max(0.05, self.cv) ** 2)
        return math.sqrt(sigma2), math.log(max(0.1, self.mean)) - sigma2 / 2


@dataclass(frozen=True)
class WaitingTicket:
    """A waiting ticket as the policy sees it (no personal data)."""

    id: int
    service_id: int
    arrival_at: datetime
    priority: str = ""
    appointment_slot_at: datetime | None = None
    drive_thru: bool = False

    def key(self, now: datetime) -> tuple[int, datetime, int]:
        return policy.call_order_key(
            priority=self.priority or None,
            appointment_slot_at=self.appointment_slot_at,
            arrival_at=self.arrival_at,
            ticket_id=self.id,
            now=now,
        )


@dataclass(frozen=True)
class CounterNow:
    """A counter at this moment: what it serves, whether someone works it, what it does."""

    id: int
    service_ids: frozenset[int]
    drive_thru: bool = False
    status: str = "open"  # open, paused or closed (no session)
    busy_service_id: int | None = None  # the service of the ticket at it
    busy_since: datetime | None = None  # when that ticket was called


@dataclass
class QueueNow:
    """The picture of the queue the estimate is computed from."""

    now: datetime
    counters: Sequence[CounterNow]
    waiting: Sequence[WaitingTicket]
    times: Mapping[int, ServiceTime]
    # Booked appointments not checked in yet, as the tickets they become at their slot.
    expected: Sequence[WaitingTicket] = ()
    default_time: ServiceTime = field(default_factory=lambda: ServiceTime(mean=10.0))

    def time_of(self, service_id: int) -> ServiceTime:
        return self.times.get(service_id, self.default_time)


@dataclass(frozen=True)
class Estimate:
    minutes: int | None
    minutes_low: int | None
    minutes_high: int | None
    people_ahead: int
    reason: str | None = None
    opens_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "minutes_low": self.minutes_low,
            "minutes_high": self.minutes_high,
            "people_ahead": self.people_ahead,
            "reason": self.reason,
            "opens_at": self.opens_at,
        }


def _draw(rng: random.Random, st: ServiceTime) -> float:
    sigma, mu = st.sigma_mu()
    return rng.lognormvariate(mu, sigma)


def _residual(rng: random.Random, st: ServiceTime, elapsed: float) -> float:
    """Minutes still to go for a service already `elapsed` minutes long."""
    for _ in range(24):
        d = _draw(rng, st)
        if d > elapsed:
            return d - elapsed
    # Far in the tail: a short exponential remainder.
    return rng.expovariate(1.0 / max(0.5, 0.3 * st.mean))


def component(
    service_id: int, counters: Iterable[CounterNow], drive_thru: bool
) -> tuple[set[int], list[CounterNow]]:
    """The services and counters linked to `service_id` through shared counters (same lane):
    the tickets of these services can take the counters the ticket needs, and back."""
    lane = [c for c in counters if c.drive_thru == drive_thru]
    services, members = {service_id}, []
    changed = True
    while changed:
        changed = False
        for c in lane:
            if c not in members and c.service_ids & services:
                members.append(c)
                services |= c.service_ids
                changed = True
    return services, members


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    pos = share * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(len(ordered) - 1, lo + 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def estimate_wait(
    target: WaitingTicket,
    queue: QueueNow,
    *,
    runs: int = RUNS,
    seed: int | None = None,
    opens_at: datetime | None = None,
) -> Estimate:
    """When the counters will call `target` (minutes from `queue.now`), with an 80 % range."""
    now = queue.now
    services, members = component(target.service_id, queue.counters, target.drive_thru)
    serving = [c for c in members if target.service_id in c.service_ids]
    at_work = [c for c in members if c.status != "closed"]
    open_serving = [c for c in serving if c.status == "open"]
    paused_serving = [c for c in serving if c.status == "paused"]
    reason: str | None = None
    if not open_serving and not paused_serving:
        # Nobody works a counter for this service: the wait starts when one opens.
        if opens_at is None or opens_at <= now:
            ahead = sum(
                1
                for t in queue.waiting
                if t.service_id == target.service_id
                and t.drive_thru == target.drive_thru
                and t.id != target.id
                and t.key(now) < target.key(now)
            )
            return Estimate(None, None, None, ahead, REASON_NO_COUNTER_OPEN, None)
        # Before opening: every counter of the group is expected at the opening time.
        start_at = opens_at
        reason = REASON_NO_COUNTER_OPEN
        at_work = [CounterNow(c.id, c.service_ids, c.drive_thru, "open") for c in members]
    else:
        start_at = now
        if not open_serving:
            reason = REASON_COUNTERS_PAUSED
    target_key = target.key(start_at)
    # Tickets the policy calls before the target, now or once their appointment is due.
    rivals = [
        t
        for t in queue.waiting
        if t.id != target.id
        and t.drive_thru == target.drive_thru
        and t.service_id in services
        and (t.key(start_at) < target_key or t.appointment_slot_at is not None)
    ]
    expected = [
        t for t in queue.expected if t.drive_thru == target.drive_thru and t.service_id in services
    ]
    priority_rates = (
        {sid: queue.time_of(sid).priority_rate for sid in services}
        if target_key[0] > max(policy.PRIORITY_TIERS.values())
        else {}
    )
    rng = random.Random(seed if seed is not None else target.id)
    waits: list[float] = []
    aheads: list[int] = []
    for _ in range(max(1, runs)):
        wait, ahead = _play(rng, target, rivals, expected, at_work, queue, start_at, priority_rates)
        waits.append(wait + (start_at - now).total_seconds() / 60)
        aheads.append(ahead)
    median = _percentile(waits, 0.5)
    low = _percentile(waits, RANGE_LOW)
    high = _percentile(waits, RANGE_HIGH)
    ahead = round(_percentile(aheads, 0.5))
    any_free = any(c.status == "open" and c.busy_service_id is None for c in open_serving)
    minutes = round(median)
    if minutes == 0 and (ahead > 0 or not any_free):
        # Never "0 minutes" for someone who is not next up at a free counter.
        minutes = 1
    minutes_high = max(minutes, math.ceil(high))
    minutes_low = min(minutes, math.floor(low))
    return Estimate(
        minutes,
        max(0, minutes_low),
        minutes_high,
        ahead,
        reason,
        opens_at.strftime("%H:%M") if reason == REASON_NO_COUNTER_OPEN and opens_at else None,
    )


def _play(
    rng: random.Random,
    target: WaitingTicket,
    rivals: Sequence[WaitingTicket],
    expected: Sequence[WaitingTicket],
    counters: Sequence[CounterNow],
    queue: QueueNow,
    start: datetime,
    priority_rates: Mapping[int, float],
) -> tuple[float, int]:
    """One future: minutes from `start` until the target is called, and how many tickets the
    counters serving its service called before it."""
    # Arrivals still to come in this future: booked appointments (most come) and priority
    # visitors (Poisson), in arrival order.
    future: list[WaitingTicket] = [t for t in expected if rng.random() < 0.9]
    fake_id = -1
    for sid, rate in priority_rates.items():
        if rate <= 0:
            continue
        t = 0.0
        while True:
            t += rng.expovariate(rate)
            if t > HORIZON_MINUTES / 3:
                break
            future.append(
                WaitingTicket(
                    id=fake_id,
                    service_id=sid,
                    arrival_at=start + timedelta(minutes=t),
                    priority="elderly",
                    drive_thru=target.drive_thru,
                )
            )
            fake_id -= 1
    future.sort(key=lambda t: t.arrival_at)
    fi = 0
    pool = [*rivals, target]
    # Appointment tickets move to the front when their slot comes due: they wait in the order
    # like everyone else (by arrival) and are also kept aside to be checked at each call.
    pending_due = [t for t in pool if t.appointment_slot_at and t.appointment_slot_at > start]
    ordered = sorted(pool, key=lambda t: t.key(start))
    keys = [t.key(start) for t in ordered]

    # Counter free times (minutes after start).
    heap: list[tuple[float, int, int]] = []
    for i, c in enumerate(counters):
        if c.status == "paused":
            free_at = rng.uniform(0, PAUSE_MINUTES * 2)
        elif c.busy_service_id is not None:
            elapsed = max(0.0, (start - (c.busy_since or start)).total_seconds() / 60)
            free_at = _residual(rng, queue.time_of(c.busy_service_id), elapsed)
        else:
            free_at = 0.0
        heapq.heappush(heap, (free_at, i, i))
    ahead = 0
    while heap:
        t, _tie, i = heapq.heappop(heap)
        if t > HORIZON_MINUTES:
            break
        counter = counters[i]
        at = start + timedelta(minutes=t)
        # Arrivals up to now join the order.
        while fi < len(future) and future[fi].arrival_at <= at:
            arrival = future[fi]
            fi += 1
            if arrival.appointment_slot_at and arrival.appointment_slot_at > at:
                pending_due.append(arrival)
            k = arrival.key(at)
            pos = bisect.bisect(keys, k)
            keys.insert(pos, k)
            ordered.insert(pos, arrival)
        chosen: WaitingTicket | None = None
        # A due appointment first (policy tier 0), the earliest slot.
        due = [
            d
            for d in pending_due
            if d.appointment_slot_at is not None
            and d.appointment_slot_at <= at
            and d.service_id in counter.service_ids
        ]
        if due:
            chosen = min(due, key=lambda d: d.key(at))
            pending_due.remove(chosen)
            pos = next(i for i, t in enumerate(ordered) if t is chosen)
            del ordered[pos]
            del keys[pos]
        else:
            for pos, cand in enumerate(ordered):
                if cand.service_id in counter.service_ids:
                    chosen = cand
                    del ordered[pos]
                    del keys[pos]
                    if cand in pending_due:
                        pending_due.remove(cand)
                    break
        if chosen is None:
            # Nothing for this counter now: it waits for the next arrival or due slot.
            nxt = [
                (f.arrival_at - start).total_seconds() / 60
                for f in future[fi:]
                if f.service_id in counter.service_ids
            ][:1] + [
                (d.appointment_slot_at - start).total_seconds() / 60
                for d in pending_due
                if d.appointment_slot_at and d.service_id in counter.service_ids
            ]
            if nxt:
                heapq.heappush(heap, (max(t + 0.01, min(nxt)), _tie, i))
            continue
        if chosen is target:
            return t, ahead
        if target.service_id in counter.service_ids:
            ahead += 1
        st = queue.time_of(chosen.service_id)
        duration = NO_SHOW_MINUTES if rng.random() < st.no_show else _draw(rng, st)
        heapq.heappush(heap, (t + duration, _tie, i))
    return HORIZON_MINUTES, ahead


# --- the service-time model from history ----------------------------------------------------

# How many observations the prior (the published standard time) is worth.
PRIOR_WEIGHT = 5.0
# A service finished today counts as this many of older history: it is the pace of the officers
# at work now.
TODAY_WEIGHT = 2.0


@dataclass(frozen=True)
class ServiceTimeSample:
    """What history says about a service: per hour of day (mall time), the service minutes of
    finished episodes; overall no-show share and priority arrivals per open minute."""

    by_hour: Mapping[int, Sequence[float]]
    no_show: float = 0.0
    priority_per_minute: Mapping[int, float] = field(default_factory=dict)
    today: Sequence[float] = ()  # service minutes of today's finished episodes


def fit_service_time(
    sample: ServiceTimeSample | None, standard_minutes: float, hour: int
) -> ServiceTime:
    """The service time of one hour: the hour's mean shrunk towards the service's overall mean,
    which is itself shrunk towards the published standard time (`PRIOR_WEIGHT` observations
    each), so a thin history moves the estimate gently and no history gives the standard."""
    prior = max(0.5, standard_minutes)
    if sample is None:
        return ServiceTime(mean=prior)
    everything = [m for values in sample.by_hour.values() for m in values]
    today = list(sample.today)
    w_today = TODAY_WEIGHT * len(today)
    n_all = len(everything)
    mean_all = (sum(everything) + TODAY_WEIGHT * sum(today) + PRIOR_WEIGHT * prior) / (
        n_all + w_today + PRIOR_WEIGHT
    )
    hour_values = sample.by_hour.get(hour, ())
    mean_hour = (sum(hour_values) + TODAY_WEIGHT * sum(today) + PRIOR_WEIGHT * mean_all) / (
        len(hour_values) + w_today + PRIOR_WEIGHT
    )
    cv = DEFAULT_CV
    pooled = everything + today
    if len(pooled) >= 10:
        m = sum(pooled) / len(pooled)
        var = sum((x - m) ** 2 for x in pooled) / (len(pooled) - 1)
        observed = math.sqrt(var) / m if m > 0 else DEFAULT_CV
        cv = (len(pooled) * observed + PRIOR_WEIGHT * DEFAULT_CV) / (len(pooled) + PRIOR_WEIGHT)
    return ServiceTime(
        mean=mean_hour,
        cv=min(2.0, max(0.1, cv)),
        no_show=min(0.9, max(0.0, sample.no_show)),
        priority_rate=max(0.0, sample.priority_per_minute.get(hour, 0.0)),
    )
