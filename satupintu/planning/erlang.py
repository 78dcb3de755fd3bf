"""Erlang C (M/M/c): the planner's first answer to "how many counters for this hour?".

`a` is the offered load in Erlangs (arrivals per minute times mean service minutes); with `c`
counters the chance that a visitor waits at all is Erlang C, and the share called within `t`
minutes is 1 - C(c, a) * exp(-(c - a) * t / s). Fewer counters than the load (c <= a): the queue
grows without bound, nobody can be promised anything (share 0).
"""

from __future__ import annotations

import math


def erlang_c(c: int, a: float) -> float:
    """The probability that an arrival waits, with `c` servers and offered load `a`."""
    if a <= 0:
        return 0.0
    if c <= a:
        return 1.0
    # The Erlang B recursion is stable for large c; C follows from B.
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho + rho * b)


def share_within(c: int, arrivals_per_hour: float, service_minutes: float, target: float) -> float:
    """The share of visitors called within `target` minutes (M/M/c)."""
    if arrivals_per_hour <= 0:
        return 1.0
    if c <= 0 or service_minutes <= 0:
        return 0.0
    a = arrivals_per_hour / 60.0 * service_minutes
    if c <= a:
        return 0.0
    return max(0.0, 1.0 - erlang_c(c, a) * math.exp(-(c - a) * target / service_minutes))


def counters_needed(
    arrivals_per_hour: float,
    service_minutes: float,
    target_minutes: float,
    target_share: float,
    limit: int = 200,
) -> int:
    """The fewest counters that call `target_share` of the visitors within `target_minutes`
    (0 when nobody comes)."""
    if arrivals_per_hour <= 0:
        return 0
    for c in range(1, limit + 1):
        if share_within(c, arrivals_per_hour, service_minutes, target_minutes) >= target_share:
            return c
    return limit
