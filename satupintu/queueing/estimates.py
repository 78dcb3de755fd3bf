"""The wait estimate: when will the counters call this ticket?

A pure function (`estimate_wait`) over a picture of the queue at one moment (`QueueNow`): the
counters that are open, what each serves and since when it has been busy, the waiting tickets of
every service those counters serve, the booked appointments still to come, and a service-time
model per service (`ServiceTime`: mean, spread, no-show share, priority arrivals per minute).
It plays the rest of the day forward many times (a small Monte Carlo of the real calling policy,
`policy.call_order_key`): each free counter calls the first waiting ticket in the policy's order
among the services it serves; service times are drawn from a log-normal with the service's mean
and spread (a counter busy for `e` minutes already finishes after a draw conditioned on
being longer than `e`); called tickets may not show up; priority visitors (until the mall's
closing time) and due appointments keep arriving and go ahead. The answer is the median of the
simulated waits (what minimises the absolute error), with the 10th and 90th percentiles as the
range (80 % of waits inside), and the place in the order the counters serving the ticket's
service call (`people_ahead`).

The queueing app reads the picture (`selectors.queue_now`), the validation (`planning`) feeds it
simulated days; nothing here touches the database.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import NormalDist
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

_NORMAL = NormalDist()

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
    # When the mall stops issuing tickets today (its opening hours): no visitor arrives later.
    closes_at: datetime | None = None

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


def _residual(rng: random.Random, sigma: float, mu: float, elapsed: float) -> float:
    """Minutes still to go for a log-normal service already `elapsed` minutes long: a draw of
    the service time conditioned on being longer than `elapsed` (exact, by inverse transform)."""
    if elapsed <= 0:
        return rng.lognormvariate(mu, sigma)
    done = _NORMAL.cdf((math.log(elapsed) - mu) / sigma)  # P(service <= elapsed)
    u = min(done + (1.0 - done) * rng.random(), 1.0 - 1e-12)
    if u <= 0:
        return rng.lognormvariate(mu, sigma)
    return max(0.0, math.exp(mu + sigma * _NORMAL.inv_cdf(u)) - elapsed)


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
    laws: dict[int, tuple[ServiceTime, tuple[float, float]]] = {}

    def law(sid: int) -> tuple[ServiceTime, tuple[float, float]]:
        found = laws.get(sid)
        if found is None:
            st = queue.time_of(sid)
            found = laws[sid] = (st, st.sigma_mu())
        return found

    me = _as_play(target, start_at)
    played_rivals = sorted(
        [*(_as_play(t, start_at) for t in rivals), me], key=lambda t: _key_at(t, 0.0)
    )
    played_expected = sorted((_as_play(t, start_at) for t in expected), key=lambda t: t[1])
    elapsed = [
        max(0.0, (start_at - (c.busy_since or start_at)).total_seconds() / 60) for c in at_work
    ]
    # Priority visitors arrive until the mall stops issuing tickets (or for a few hours).
    last_arrival = HORIZON_MINUTES / 3
    if queue.closes_at is not None:
        last_arrival = max(0.0, (queue.closes_at - start_at).total_seconds() / 60)
    waits: list[float] = []
    aheads: list[int] = []
    for _ in range(max(1, runs)):
        wait, ahead = _play(
            rng,
            me,
            played_rivals,
            played_expected,
            at_work,
            law,
            elapsed,
            priority_rates,
            last_arrival,
        )
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


# A ticket inside `_play`: (tier, sort minute, id, service, slot minute or None); its place in
# the policy's order at minute t is `_key_at(ticket, t)`.
_Ticket = tuple[int, float, int, int, float | None]


def _as_play(t: WaitingTicket, start: datetime) -> _Ticket:
    tier = policy.PRIORITY_TIERS.get(t.priority or "", policy.TIER_REGULAR)
    slot = None
    if t.appointment_slot_at is not None:
        slot = (t.appointment_slot_at - start).total_seconds() / 60
    return (tier, (t.arrival_at - start).total_seconds() / 60, t.id, t.service_id, slot)


def _key_at(t: _Ticket, at: float) -> tuple[int, float, int]:
    slot = t[4]
    if slot is not None and slot <= at:
        return (policy.TIER_APPOINTMENT_DUE, slot, t[2])
    return (t[0], t[1], t[2])


def _play(
    rng: random.Random,
    me: _Ticket,
    rivals: Sequence[_Ticket],  # with `me`, in the policy's order at the start
    expected: Sequence[_Ticket],
    counters: Sequence[CounterNow],
    law: Callable[[int], tuple[ServiceTime, tuple[float, float]]],
    elapsed: Sequence[float],
    priority_rates: Mapping[int, float],
    last_arrival: float,
) -> tuple[float, int]:
    """One future: minutes from the start until the target `me` is called, and how many tickets
    the counters serving its service called before it. Times are minutes after the start; the
    tickets are `_as_play` tuples; `elapsed`: how long each busy counter has been at it;
    priority visitors arrive until `last_arrival`."""
    target_id, target_sid = me[2], me[3]
    # Booked appointments still to come (most come): they join at their slot, due at once
    # (`expected` is in slot order).
    future = [t for t in expected if rng.random() < 0.9]
    fi = 0
    # Priority visitors still to come (Poisson, all services together), drawn as time goes on.
    total_rate = sum(r for r in priority_rates.values() if r > 0)
    rated = [(sid, r) for sid, r in priority_rates.items() if r > 0]
    next_priority = rng.expovariate(total_rate) if total_rate > 0 else math.inf
    fake_id = -1_000_000_000  # below any id of a booked appointment (`-id`)
    # `rivals` and `me` in the policy's order at the start. Appointment tickets move to the front
    # when their slot comes due: they wait in the order like everyone else (by arrival) and are
    # also kept aside to be checked at each call.
    ordered = list(rivals)
    keys = [_key_at(t, 0.0) for t in ordered]
    pending_due = [t for t in ordered if t[4] is not None and t[4] > 0]

    # Counter free times (minutes after start).
    heap: list[tuple[float, int]] = []
    for i, c in enumerate(counters):
        if c.status == "paused":
            free_at = rng.uniform(0, PAUSE_MINUTES * 2)
        elif c.busy_service_id is not None:
            _st, (sigma, mu) = law(c.busy_service_id)
            free_at = _residual(rng, sigma, mu, elapsed[i])
        else:
            free_at = 0.0
        heap.append((free_at, i))
    heapq.heapify(heap)
    ahead = 0
    horizon_priority = last_arrival
    while heap:
        t, i = heapq.heappop(heap)
        if t > HORIZON_MINUTES:
            break
        served = counters[i].service_ids
        # Arrivals up to now join the order.
        while True:
            if fi < len(future) and future[fi][1] <= t and future[fi][1] <= next_priority:
                arrival = future[fi]
                fi += 1
            elif next_priority <= t and next_priority <= horizon_priority:
                pick = rng.random() * total_rate
                sid = rated[-1][0]
                for candidate, rate in rated:
                    if pick < rate:
                        sid = candidate
                        break
                    pick -= rate
                arrival = (policy.PRIORITY_TIERS["elderly"], next_priority, fake_id, sid, None)
                fake_id -= 1
                next_priority += rng.expovariate(total_rate)
            else:
                break
            if arrival[4] is not None and arrival[4] > t:
                pending_due.append(arrival)
            k = _key_at(arrival, t)
            pos = bisect.bisect(keys, k)
            keys.insert(pos, k)
            ordered.insert(pos, arrival)
        chosen: _Ticket | None = None
        # A due appointment first (policy tier 0), the earliest slot.
        due = [d for d in pending_due if d[4] is not None and d[4] <= t and d[3] in served]
        if due:
            chosen = min(due, key=lambda d: _key_at(d, t))
            pending_due.remove(chosen)
            pos = ordered.index(chosen)
            del ordered[pos]
            del keys[pos]
        else:
            for pos, cand in enumerate(ordered):
                if cand[3] in served:
                    chosen = cand
                    del ordered[pos]
                    del keys[pos]
                    if cand[4] is not None and cand in pending_due:
                        pending_due.remove(cand)
                    break
        if chosen is None:
            # Nothing for this counter now: it waits for the next arrival or due slot.
            nxt = [f[1] for f in future[fi:] if f[3] in served][:1] + [
                d[4] for d in pending_due if d[4] is not None and d[3] in served
            ]
            if rated and next_priority <= horizon_priority:
                nxt.append(next_priority)
            if nxt:
                heapq.heappush(heap, (max(t + 0.01, min(nxt)), i))
            continue
        if chosen[2] == target_id:
            return t, ahead
        if target_sid in served:
            ahead += 1
        st, (sigma, mu) = law(chosen[3])
        duration = NO_SHOW_MINUTES if rng.random() < st.no_show else rng.lognormvariate(mu, sigma)
        heapq.heappush(heap, (t + duration, i))
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
    # Arrivals (every ticket) per open minute, per hour: with them the priority rate of an hour
    # is the service's priority share times the hour's arrivals.
    arrivals_per_minute: Mapping[int, float] = field(default_factory=dict)


def _hour_mean(
    by_hour: Mapping[int, Sequence[float]], hour: int, overall: float
) -> tuple[float, float]:
    """The mean service time of `hour` from history, and how many observations it is worth.

    Empirical Bayes: the hours' means scatter around the overall mean by their true differences
    (variance `tau2`, estimated from the data) plus the noise of a mean of `n` draws (`s2 / n`);
    an hour's own mean gets the weight `tau2 / (tau2 + s2 / n)`. When the hours do not really
    differ (the scatter is what the noise explains), every hour takes the overall mean, instead
    of chasing the noise of a dozen services in one hour; when they differ, each keeps its own."""
    groups = [(len(v), sum(v) / len(v), v) for v in by_hour.values() if v]
    n_total = sum(n for n, _m, _v in groups)
    values = by_hour.get(hour, ())
    if not values or n_total == 0:
        return overall, 0.0
    # Within-hour variance (pooled) and the scatter of the hours' means.
    dof = n_total - len(groups)
    within = sum((x - m) ** 2 for _n, m, v in groups for x in v)
    s2 = within / dof if dof > 0 else (DEFAULT_CV * overall) ** 2
    s2 = max(s2, 1e-9)
    scatter = sum(n * (m - overall) ** 2 for n, m, _v in groups) / n_total
    noise = len(groups) * s2 / n_total  # the scatter the noise alone would give
    tau2 = max(0.0, scatter - noise) if len(groups) > 1 else 0.0
    n = len(values)
    own = sum(values) / n
    if tau2 <= 0:
        return overall, float(n_total)
    weight = tau2 / (tau2 + s2 / n)
    return weight * own + (1 - weight) * overall, n + s2 / tau2


def fit_service_time(
    sample: ServiceTimeSample | None, standard_minutes: float, hour: int
) -> ServiceTime:
    """The service time of one hour: the service's overall mean, shrunk towards the published
    standard time (`PRIOR_WEIGHT` observations), so a thin history moves the estimate gently and
    no history gives the standard; the hour's own mean where the hours really differ
    (`_hour_mean`); and today's finished services, the pace of the officers at work now."""
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
    history_all = (sum(everything) + PRIOR_WEIGHT * prior) / (n_all + PRIOR_WEIGHT)
    hour_mean, worth = _hour_mean(sample.by_hour, hour, history_all)
    worth = min(worth, n_all) + PRIOR_WEIGHT
    mean_hour = (worth * hour_mean + TODAY_WEIGHT * sum(today)) / (worth + w_today)
    if not sample.by_hour.get(hour):
        mean_hour = mean_all
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
        priority_rate=_priority_rate(sample, hour),
    )


def _priority_rate(sample: ServiceTimeSample, hour: int) -> float:
    """Priority visitors per minute at `hour`: the service's share of priority visitors over
    the whole history times the hour's arrivals, when history counts arrivals per hour (the
    share is steadier than an hour's few priority visitors); the hour's own rate otherwise."""
    arrivals = sample.arrivals_per_minute
    if arrivals:
        total = sum(arrivals.values())
        if total > 0:
            share = sum(sample.priority_per_minute.values()) / total
            return max(0.0, min(1.0, share) * arrivals.get(hour, 0.0))
    return max(0.0, sample.priority_per_minute.get(hour, 0.0))
