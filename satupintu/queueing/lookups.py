"""Cached look-ups of the queue's hot path: the catalog rows an operation needs (a service with
its mall and agency, a counter with its floor and mall, a mall's opening calendar) and the
memberships that say who may act where. Every issue, call and transition reads them; they change
rarely, in the admin or through the catalog and account services.

Kept in the Django cache (per process, or shared Redis when REDIS_URL is set) for
`LOOKUP_SECONDS`, with a plain per-process memo of `LOCAL_SECONDS` in front, and dropped as soon
as a row behind them is saved or deleted (`drop_*`, wired to the models' signals in `apps.py`):
the process that made the change sees it at once; with Redis every other process within
`LOCAL_SECONDS`; with the per-process cache within `LOOKUP_SECONDS`, like the bearer-token cache.
The access decisions themselves stay in `selectors.py`; this module only keeps their inputs."""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterable
from datetime import date, time
from typing import Any

from django.core.cache import cache

from satupintu.accounts.models import Membership
from satupintu.catalog.models import ClosureDay, Counter, Mall, OpeningHours, Service
from satupintu.catalog.selectors import with_agency_serving

LOOKUP_SECONDS = 30
# In front of the Django cache, each process keeps what it read for a few seconds in a plain dict:
# no unpickling, and no Redis round trip, on every request. A change drops the entry in the
# process that made it at once; other processes see it within this many seconds.
LOCAL_SECONDS = 5.0
# Entries expire by time but stay in the dict until read again; past this many the memo starts
# afresh, so a process serving a whole province keeps a bounded memory.
LOCAL_MAX_ENTRIES = 5000

_local: dict[str, tuple[float, Any]] = {}


def _cached(key: str, load: Callable[[], Any]) -> Any:
    """The value of `key` from this process's memo, the Django cache, or `load()` (None is not
    kept: a missing row is looked up again)."""
    now = clock.monotonic()
    hit = _local.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = cache.get(key)
    if value is None:
        value = load()
        if value is None:
            return None
        cache.set(key, value, LOOKUP_SECONDS)
    if len(_local) >= LOCAL_MAX_ENTRIES:
        _local.clear()
    _local[key] = (now + LOCAL_SECONDS, value)
    return value


def _drop(keys: list[str]) -> None:
    for key in keys:
        _local.pop(key, None)
    cache.delete_many(keys)


def _service_key(service_id: int) -> str:
    return f"queueing:service:{service_id}"


def _counter_key(counter_id: int) -> str:
    return f"queueing:counter:{counter_id}"


def _calendar_key(mall_id: int) -> str:
    return f"queueing:calendar:{mall_id}"


def _memberships_key(user_id: int) -> str:
    return f"queueing:memberships:{user_id}"


def service(service_id: int) -> Service | None:
    """The service with its mall and agency loaded, active or not, and `agency_serving`
    (whether its agency's partnership lets it take tickets); None when it does not exist."""
    found: Service | None = _cached(
        _service_key(service_id),
        lambda: (
            with_agency_serving(Service.objects.select_related("mall", "agency"))
            .filter(pk=service_id)
            .first()
        ),
    )
    return found


def counter(counter_id: int) -> Counter | None:
    """The counter with its floor and mall loaded, active or not."""
    found: Counter | None = _cached(
        _counter_key(counter_id),
        lambda: Counter.objects.select_related("floor", "mall").filter(pk=counter_id).first(),
    )
    return found


def mall_calendar(mall: Mall) -> tuple[dict[int, tuple[time, time]], dict[date, str]]:
    """(opening hours per weekday, closure days with their reason) of the mall."""

    def load() -> tuple[dict[int, tuple[time, time]], dict[date, str]]:
        hours = {
            weekday: (opens, closes)
            for weekday, opens, closes in OpeningHours.objects.filter(mall_id=mall.pk).values_list(
                "weekday", "opens", "closes"
            )
        }
        closures = dict(
            ClosureDay.objects.filter(mall_id=mall.pk).values_list("date", "reason").order_by()
        )
        return hours, closures

    found: tuple[dict[int, tuple[time, time]], dict[date, str]] = _cached(
        _calendar_key(mall.pk), load
    )
    return found


def memberships(user: Any) -> list[tuple[int, int | None, str]]:
    """(mall id, agency id or None, role) of every membership of a signed-in, active user;
    nothing for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    found: list[tuple[int, int | None, str]] = _cached(
        _memberships_key(user.pk),
        lambda: list(
            Membership.objects.filter(user_id=user.pk)
            .order_by()
            .values_list("mall_id", "agency_id", "role")
        ),
    )
    return found


# --- dropped on change (wired in apps.py) -------------------------------------------------------


def drop_services(service_ids: Iterable[int]) -> None:
    _drop([_service_key(sid) for sid in service_ids])


def drop_counters(counter_ids: Iterable[int]) -> None:
    _drop([_counter_key(cid) for cid in counter_ids])


def drop_calendar(mall_id: int) -> None:
    _drop([_calendar_key(mall_id)])


def drop_mall(mall_id: int) -> None:
    """Everything cached of a mall: its calendar, services and counters."""
    drop_calendar(mall_id)
    drop_services(Service.objects.filter(mall_id=mall_id).values_list("pk", flat=True))
    drop_counters(Counter.objects.filter(mall_id=mall_id).values_list("pk", flat=True))


def drop_memberships(user_id: int) -> None:
    _drop([_memberships_key(user_id)])


def forget_local() -> None:
    """Empty this process's memo (tests start each from a clean cache)."""
    _local.clear()
