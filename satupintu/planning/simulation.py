"""A mall day as a discrete-event simulation (SimPy) with the real calling policy.

Visitors arrive per service and hour (Poisson), some with a priority class, some with an
appointment they check in for before their slot; counters serve a set of services, open and
close, may pause; each free counter calls the first waiting ticket in the order of
`queueing.policy.call_order_key` among the services it serves; a called visitor may not come.
Service times are log-normal per service.

Two uses:
- validating the wait estimate (`validation.py`): at every issue the estimator of the queueing
  app is asked with the simulated picture of the queue, and its answer is compared with the wait
  the simulation then produces;
- checking a staffing plan (`planner.py`): the share of visitors called within the target when
  the day runs with the planned number of counters per hour.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import simpy

from satupintu.planning import oracle
from satupintu.queueing import estimates, policy

DAY_START = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # a Monday
PRIORITY_CLASSES = tuple(policy.PRIORITY_TIERS)


@dataclass(frozen=True)
class ServiceSpec:
    """A service as the simulation draws it: the real mean and spread of its service time, the
    share of no-shows and of priority visitors, arrivals per hour (index 0 = the first hour),
    appointments per hour, and the standard time the mall publishes (maybe wrong)."""

    id: int
    name: str
    mean: float
    cv: float = 0.5
    no_show: float = 0.03
    priority_share: float = 0.1
    arrivals_per_hour: Sequence[float] = ()
    appointments_per_hour: Sequence[float] = ()
    standard_minutes: float | None = None


@dataclass(frozen=True)
class CounterSpec:
    id: int
    service_ids: frozenset[int]
    opens: float = 0.0  # minutes after the day's start
    closes: float = 8 * 60.0  # after this it serves the tickets already issued, then stops
    pauses: Sequence[tuple[float, float]] = ()  # (from, to) minutes


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    services: Sequence[ServiceSpec]
    counters: Sequence[CounterSpec]
    issue_minutes: float = 8 * 60.0  # tickets are issued in [0, issue_minutes)
    seed: int = 1

    def service(self, sid: int) -> ServiceSpec:
        return next(s for s in self.services if s.id == sid)


@dataclass
class Visit:
    ticket: estimates.WaitingTicket
    issued: float  # minutes
    called: float | None = None
    estimate: estimates.Estimate | None = None
    # What the estimate of before issue 14 said: the same service's tickets ahead times its
    # mean service time over its open counters (0 with nobody ahead).
    baseline: int | None = None
    estimate_ms: float | None = None  # CPU time of the estimate (process time, milliseconds)
    best: oracle.Prediction | None = None  # the best possible estimate (validation only)

    @property
    def wait(self) -> float | None:
        return None if self.called is None else self.called - self.issued


@dataclass
class DayResult:
    visits: list[Visit] = field(default_factory=list)
    # Service minutes observed, per service and hour (for fitting the estimator's model).
    service_minutes: dict[int, dict[int, list[float]]] = field(default_factory=dict)
    called: dict[int, int] = field(default_factory=dict)
    no_shows: dict[int, int] = field(default_factory=dict)


def at(minutes: float) -> datetime:
    return DAY_START + timedelta(minutes=minutes)


TimesAt = Callable[[int], Mapping[int, estimates.ServiceTime]]


def simulate_day(
    scenario: Scenario,
    *,
    seed: int | None = None,
    times: TimesAt | None = None,
    estimate: bool = False,
    runs: int = estimates.RUNS,
    counters: Sequence[CounterSpec] | None = None,
    observe: Callable[[Visit, oracle.State], None] | None = None,
) -> DayResult:
    """Run one day. With `estimate`, ask `estimates.estimate_wait` at every issue with the
    service-time model `times(hour)` (what the mall's history taught it for that hour).
    `observe`: called at every issue with the exact state of the day (for `oracle.predict`)."""
    rng = random.Random(scenario.seed if seed is None else seed)
    env = simpy.Environment()
    result = DayResult()
    waiting: list[estimates.WaitingTicket] = []
    visits: dict[int, Visit] = {}
    counter_specs = list(counters if counters is not None else scenario.counters)
    busy: dict[int, tuple[int, float] | None] = {c.id: None for c in counter_specs}
    wake = {"event": env.event()}
    booked: list[estimates.WaitingTicket] = []  # appointments not checked in yet
    next_id = [1]

    def poke() -> None:
        event = wake["event"]
        wake["event"] = env.event()
        if not event.triggered:
            event.succeed()

    def new_ticket(spec: ServiceSpec, priority: str, slot: datetime | None) -> None:
        ticket = estimates.WaitingTicket(
            id=next_id[0],
            service_id=spec.id,
            arrival_at=at(env.now),
            priority=priority,
            appointment_slot_at=slot,
        )
        next_id[0] += 1
        visit = Visit(ticket=ticket, issued=env.now)
        waiting.append(ticket)
        visits[ticket.id] = visit
        result.visits.append(visit)
        if estimate:
            picture = estimates.QueueNow(
                now=at(env.now),
                counters=[_counter_now(c, env.now, busy) for c in counter_specs],
                waiting=list(waiting),
                times=times(int(env.now // 60)) if times else {},
                expected=[
                    b
                    for b in booked
                    if b.appointment_slot_at and b.appointment_slot_at > at(env.now)
                ],
                # The mall's closing time (its opening hours): no ticket is issued later.
                closes_at=at(scenario.issue_minutes),
            )
            ahead = sum(
                1
                for t in waiting
                if t.service_id == spec.id
                and t.id != ticket.id
                and t.key(at(env.now)) < ticket.key(at(env.now))
            )
            open_here = sum(
                1 for c in picture.counters if c.status == "open" and spec.id in c.service_ids
            )
            visit.baseline = math.ceil(ahead * picture.time_of(spec.id).mean / max(1, open_here))
            opens = min((c.opens for c in counter_specs), default=0.0)
            started = time.process_time()
            visit.estimate = estimates.estimate_wait(
                ticket, picture, runs=runs, opens_at=at(opens) if opens > env.now else None
            )
            visit.estimate_ms = (time.process_time() - started) * 1000
        if observe:
            observe(
                visit,
                oracle.State(
                    now=env.now,
                    waiting=[oracle.as_ticket(t) for t in waiting],
                    busy=dict(busy),
                    booked=[oracle.as_booked(b) for b in booked],
                ),
            )
        poke()

    def arrivals(spec: ServiceSpec) -> simpy.events.ProcessGenerator:
        hours = list(spec.arrivals_per_hour)
        while True:
            hour = int(env.now // 60)
            if env.now >= scenario.issue_minutes or hour >= len(hours):
                return
            rate = hours[hour] / 60.0
            if rate <= 0:
                yield env.timeout((hour + 1) * 60 - env.now + 1e-6)
                continue
            gap = rng.expovariate(rate)
            if env.now + gap >= (hour + 1) * 60:
                # The rate changes at the hour: start over from there (memoryless).
                yield env.timeout((hour + 1) * 60 - env.now + 1e-6)
                continue
            yield env.timeout(gap)
            if env.now >= scenario.issue_minutes:
                return
            priority = rng.choice(PRIORITY_CLASSES) if rng.random() < spec.priority_share else ""
            new_ticket(spec, priority, None)

    def appointment(spec: ServiceSpec, slot: float) -> simpy.events.ProcessGenerator:
        marker = estimates.WaitingTicket(
            id=-(len(booked) + 1),
            service_id=spec.id,
            arrival_at=at(slot),
            appointment_slot_at=at(slot),
        )
        booked.append(marker)
        checkin = max(0.0, slot - rng.uniform(0, 30))
        yield env.timeout(checkin)
        booked.remove(marker)
        if rng.random() < 0.9:
            new_ticket(spec, "", at(slot))
        yield env.timeout(max(0.0, slot - env.now) + 1e-6)
        poke()  # the slot is due: it goes first

    def counter(spec: CounterSpec) -> simpy.events.ProcessGenerator:
        if spec.opens > 0:
            yield env.timeout(spec.opens)
        while True:
            now = env.now
            pause = next((p for p in spec.pauses if p[0] <= now < p[1]), None)
            if pause:
                yield env.timeout(pause[1] - now)
                continue
            mine = [t for t in waiting if t.service_id in spec.service_ids]
            if now >= spec.closes and not mine:
                return  # after closing time a counter serves who was issued a ticket, then stops
            if not mine:
                nxt = [p[0] for p in spec.pauses if p[0] > now] + [spec.closes]
                yield wake["event"] | env.timeout(min(nxt) - now)
                continue
            chosen = min(mine, key=lambda t: t.key(at(now)))
            waiting.remove(chosen)
            visits[chosen.id].called = now
            sid = chosen.service_id
            service = scenario.service(sid)
            result.called[sid] = result.called.get(sid, 0) + 1
            busy[spec.id] = (sid, now)
            if rng.random() < service.no_show:
                result.no_shows[sid] = result.no_shows.get(sid, 0) + 1
                yield env.timeout(estimates.NO_SHOW_MINUTES)
            else:
                st = estimates.ServiceTime(mean=service.mean, cv=service.cv)
                sigma, mu = st.sigma_mu()
                duration = rng.lognormvariate(mu, sigma)
                result.service_minutes.setdefault(sid, {}).setdefault(int(now // 60), []).append(
                    duration
                )
                yield env.timeout(duration)
            busy[spec.id] = None

    for spec in scenario.services:
        env.process(arrivals(spec))
        for hour, rate in enumerate(spec.appointments_per_hour):
            for _ in range(_poisson(rng, rate)):
                slot = hour * 60 + 30 * rng.randrange(2)
                env.process(appointment(spec, float(slot)))
    for counter_spec in counter_specs:
        env.process(counter(counter_spec))
    env.run(until=scenario.issue_minutes + 6 * 60)
    return result


def _poisson(rng: random.Random, mean: float) -> int:
    n, t = 0, rng.expovariate(1.0) if mean > 0 else 1.0
    while mean > 0 and t < mean:
        n += 1
        t += rng.expovariate(1.0)
    return n


def _counter_now(
    spec: CounterSpec, now: float, busy: Mapping[int, tuple[int, float] | None]
) -> estimates.CounterNow:
    if now < spec.opens or now >= spec.closes:
        status = "closed"
    elif any(p[0] <= now < p[1] for p in spec.pauses):
        status = "paused"
    else:
        status = "open"
    doing = busy.get(spec.id)
    return estimates.CounterNow(
        id=spec.id,
        service_ids=spec.service_ids,
        status=status,
        busy_service_id=doing[0] if doing else None,
        busy_since=at(doing[1]) if doing else None,
    )


def learned_times(
    scenario: Scenario, history: Sequence[DayResult], hour: int
) -> dict[int, estimates.ServiceTime]:
    """The estimator's model for `hour`, fitted from simulated history the way the queueing app
    fits it from the mall's (`estimates.fit_service_time`, the published standard as prior)."""
    out = {}
    for spec in scenario.services:
        by_hour: dict[int, list[float]] = {}
        called = no_show = 0
        priority_by_hour: dict[int, int] = {}
        arrivals_by_hour: dict[int, int] = {}
        for day in history:
            for h, values in day.service_minutes.get(spec.id, {}).items():
                by_hour.setdefault(h, []).extend(values)
            called += day.called.get(spec.id, 0)
            no_show += day.no_shows.get(spec.id, 0)
            for v in day.visits:
                if v.ticket.service_id != spec.id:
                    continue
                h = int(v.issued // 60)
                arrivals_by_hour[h] = arrivals_by_hour.get(h, 0) + 1
                if v.ticket.priority:
                    priority_by_hour[h] = priority_by_hour.get(h, 0) + 1
        days = max(1, len(history))
        sample = estimates.ServiceTimeSample(
            by_hour={h: tuple(v) for h, v in by_hour.items()},
            no_show=no_show / called if called >= 10 else 0.0,
            priority_per_minute={h: n / (days * 60) for h, n in priority_by_hour.items()},
            arrivals_per_minute={h: n / (days * 60) for h, n in arrivals_by_hour.items()},
        )
        standard = spec.standard_minutes or spec.mean
        out[spec.id] = estimates.fit_service_time(sample if history else None, standard, hour)
    return out
