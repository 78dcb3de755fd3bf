"""The wait estimate from the real call order (`estimates.estimate_wait`), on small pictures of
a queue: shared counters, priorities, due appointments, busy and closed counters."""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from satupintu.queueing import estimates
from satupintu.queueing.estimates import (
    CounterNow,
    QueueNow,
    ServiceTime,
    ServiceTimeSample,
    WaitingTicket,
)

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
A, B = 1, 2


def _t(tid: int, service: int, minutes_ago: float, **kw: object) -> WaitingTicket:
    return WaitingTicket(
        id=tid, service_id=service, arrival_at=NOW - timedelta(minutes=minutes_ago), **kw
    )  # type: ignore[arg-type]


def _busy(cid: int, services: set[int], service: int, minutes: float) -> CounterNow:
    return CounterNow(
        id=cid,
        service_ids=frozenset(services),
        busy_service_id=service,
        busy_since=NOW - timedelta(minutes=minutes),
    )


def test_the_elderly_visitor_of_the_report_is_not_shown_zero_while_the_counter_calls_another() -> (
    None
):
    # One counter serves A and B; a disabled visitor of B waits; the counter is busy.
    counter = _busy(10, {A, B}, B, 1)
    disabled_b = _t(1, B, 5, priority="disabled")
    elderly_a = _t(2, A, 1, priority="elderly")
    queue = QueueNow(
        now=NOW,
        counters=[counter],
        waiting=[disabled_b, elderly_a],
        times={A: ServiceTime(4.0), B: ServiceTime(4.0)},
    )
    estimate = estimates.estimate_wait(elderly_a, queue)
    assert estimate.people_ahead == 1  # the disabled visitor of the other service goes first
    assert estimate.minutes is not None
    assert estimate.minutes >= 4
    assert estimate.minutes_low is not None
    assert estimate.minutes_high is not None
    assert estimate.minutes_low <= estimate.minutes <= estimate.minutes_high


def test_never_zero_when_every_counter_is_busy_even_with_nobody_ahead() -> None:
    queue = QueueNow(
        now=NOW,
        counters=[_busy(10, {A}, A, 0.5), _busy(11, {A}, A, 0.2)],
        waiting=[_t(1, A, 0)],
        times={A: ServiceTime(2.0)},
    )
    estimate = estimates.estimate_wait(queue.waiting[0], queue)
    assert estimate.people_ahead == 0
    assert estimate.minutes is not None
    assert estimate.minutes >= 1


def test_zero_only_for_the_first_in_line_at_a_free_counter() -> None:
    queue = QueueNow(
        now=NOW,
        counters=[CounterNow(id=10, service_ids=frozenset({A}))],
        waiting=[_t(1, A, 0)],
        times={A: ServiceTime(5.0)},
    )
    estimate = estimates.estimate_wait(queue.waiting[0], queue)
    assert (estimate.minutes, estimate.people_ahead, estimate.reason) == (0, 0, None)


def test_no_counter_open_says_so_with_the_opening_time() -> None:
    closed = CounterNow(id=10, service_ids=frozenset({A}), status="closed")
    queue = QueueNow(
        now=NOW, counters=[closed], waiting=[_t(1, A, 3), _t(2, A, 1)], times={A: ServiceTime(5.0)}
    )
    later = estimates.estimate_wait(queue.waiting[1], queue)
    assert later.reason == estimates.REASON_NO_COUNTER_OPEN
    assert later.minutes is None
    assert later.people_ahead == 1
    assert later.opens_at is None
    opens = NOW + timedelta(minutes=30)
    before_opening = estimates.estimate_wait(queue.waiting[1], queue, opens_at=opens)
    assert before_opening.reason == estimates.REASON_NO_COUNTER_OPEN
    assert before_opening.opens_at == "10:30"
    assert before_opening.minutes is not None
    assert before_opening.minutes >= 30


def test_a_due_appointment_goes_first_and_a_future_one_goes_first_when_due() -> None:
    counter = CounterNow(id=10, service_ids=frozenset({A}))
    regular = _t(1, A, 20)
    due = _t(2, A, 1, appointment_slot_at=NOW - timedelta(minutes=1))
    queue = QueueNow(now=NOW, counters=[counter], waiting=[regular, due], times={A: ServiceTime(6)})
    assert estimates.estimate_wait(regular, queue).people_ahead == 1
    assert estimates.estimate_wait(due, queue).minutes == 0


def test_tickets_of_a_service_at_other_counters_do_not_count_ahead() -> None:
    # Counter 10 serves A only, counter 11 serves B only: B's queue is not in A's way.
    queue = QueueNow(
        now=NOW,
        counters=[_busy(10, {A}, A, 1), _busy(11, {B}, B, 1)],
        waiting=[_t(i, B, 10 - i) for i in range(1, 6)] + [_t(9, A, 0)],
        times={A: ServiceTime(4.0), B: ServiceTime(4.0)},
    )
    estimate = estimates.estimate_wait(queue.waiting[-1], queue)
    assert estimate.people_ahead == 0
    assert estimate.minutes is not None
    assert estimate.minutes <= 4


def test_the_morning_rush_of_the_report_is_not_overestimated() -> None:
    # 40 tickets in 10 minutes, 3 counters, about 2 minutes each: the k-th ticket waits about
    # 2k/3 minutes. Asked right after issue, before any service finished.
    counters = [_busy(10 + i, {A}, A, 0.1) for i in range(3)]
    tickets = [_t(i, A, (40 - i) * 0.25) for i in range(1, 41)]
    queue = QueueNow(now=NOW, counters=counters, waiting=tickets, times={A: ServiceTime(2.0, 0.4)})
    for k in (3, 10, 20, 40):
        estimate = estimates.estimate_wait(tickets[k - 1], queue)
        expected = 2.0 * k / 3
        assert estimate.minutes is not None
        assert abs(estimate.minutes - expected) <= max(2.0, 0.25 * expected), (k, estimate)
        assert estimate.minutes_low is not None
        assert estimate.minutes_high is not None
        assert estimate.minutes_low <= expected <= estimate.minutes_high + 1


def test_the_same_picture_gives_the_same_answer() -> None:
    queue = QueueNow(
        now=NOW,
        counters=[_busy(10, {A, B}, A, 2)],
        waiting=[_t(i, A if i % 2 else B, 10 - i) for i in range(1, 8)],
        times={A: ServiceTime(4.0), B: ServiceTime(7.0)},
    )
    assert estimates.estimate_wait(queue.waiting[-1], queue) == estimates.estimate_wait(
        queue.waiting[-1], queue
    )


def test_service_time_falls_back_to_the_standard_and_learns_from_history() -> None:
    assert estimates.fit_service_time(None, 15.0, 9).mean == 15.0
    thin = ServiceTimeSample(by_hour={9: (5.0,)})
    rich = ServiceTimeSample(by_hour={9: tuple([5.0] * 200), 13: tuple([9.0] * 200)})
    assert 5.0 < estimates.fit_service_time(thin, 15.0, 9).mean < 15.0
    assert abs(estimates.fit_service_time(rich, 15.0, 9).mean - 5.0) < 0.5
    assert abs(estimates.fit_service_time(rich, 15.0, 13).mean - 9.0) < 0.5
    # An hour without history takes the service's overall mean.
    assert 6.0 < estimates.fit_service_time(rich, 15.0, 15).mean < 8.0


def test_hours_that_do_not_really_differ_share_the_service_mean() -> None:
    # The same law in every hour, a dozen services each: an hour's own mean is mostly noise and
    # the estimate keeps the service's mean; hours that do differ keep their own.
    rng = random.Random(3)
    same = ServiceTimeSample(
        by_hour={h: tuple(rng.lognormvariate(2.2, 0.55) for _ in range(12)) for h in range(8, 16)}
    )
    everything = [x for v in same.by_hour.values() for x in v]
    overall = sum(everything) / len(everything)
    for hour in range(8, 16):
        assert abs(estimates.fit_service_time(same, 10.0, hour).mean - overall) < 0.05 * overall
    differ = ServiceTimeSample(
        by_hour={
            h: tuple((5.0 if h < 12 else 15.0) * rng.lognormvariate(0, 0.3) for _ in range(30))
            for h in range(8, 16)
        }
    )
    assert estimates.fit_service_time(differ, 10.0, 9).mean < 6.5
    assert estimates.fit_service_time(differ, 10.0, 14).mean > 13.0


def test_priority_visitors_follow_the_hours_arrivals_at_the_services_share() -> None:
    sample = ServiceTimeSample(
        by_hour={9: (5.0,)},
        priority_per_minute={9: 0.05, 10: 0.0},
        arrivals_per_minute={9: 0.25, 10: 0.25},
    )
    # 0.05 priority of 0.5 arrivals per minute over the day: a share of 10 %.
    assert abs(estimates.fit_service_time(sample, 5.0, 10).priority_rate - 0.025) < 1e-9
    # Without arrival counts, the hour's own rate.
    alone = ServiceTimeSample(by_hour={9: (5.0,)}, priority_per_minute={9: 0.05})
    assert estimates.fit_service_time(alone, 5.0, 9).priority_rate == 0.05


def test_no_priority_visitor_is_expected_after_the_mall_stops_issuing() -> None:
    # One counter, one regular ticket behind a long service; priority visitors arrive often,
    # but the mall closes now: nobody can come ahead any more.
    queue = QueueNow(
        now=NOW,
        counters=[_busy(10, {A}, A, 1)],
        waiting=[_t(1, A, 1)],
        times={A: ServiceTime(10.0, 0.3, priority_rate=0.5)},
    )
    open_all_day = estimates.estimate_wait(queue.waiting[0], queue)
    closing = estimates.estimate_wait(queue.waiting[0], dataclasses.replace(queue, closes_at=NOW))
    assert open_all_day.minutes is not None
    assert closing.minutes is not None
    assert closing.minutes < open_all_day.minutes
    assert 7 <= closing.minutes <= 11  # the rest of the service in progress
