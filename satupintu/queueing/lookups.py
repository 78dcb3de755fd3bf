"""Cached look-ups of the queue's hot path: the catalog rows an operation needs (a service with
its mall and agency, a counter with its floor and mall, a mall's opening calendar) and the
memberships that say who may act where. Every issue, call and transition reads them; they change
rarely, in the admin or through the catalog and account services.

Kept in the Django cache (per process, or shared Redis when REDIS_URL is set) for
`LOOKUP_SECONDS`, and dropped as soon as a row behind them is saved or deleted (`drop_*`, wired to
the models' signals in `apps.py`): with Redis every process sees a change at once; with the
per-process cache another process may answer from its copy for up to `LOOKUP_SECONDS`, like the
bearer-token cache. The access decisions themselves stay in `selectors.py`; this module only
keeps their inputs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from typing import Any

from django.core.cache import cache

from satupintu.accounts.models import Membership
from satupintu.catalog.models import ClosureDay, Counter, Mall, OpeningHours, Service

LOOKUP_SECONDS = 30


def _service_key(service_id: int) -> str:
    return f"queueing:service:{service_id}"


def _counter_key(counter_id: int) -> str:
    return f"queueing:counter:{counter_id}"


def _calendar_key(mall_id: int) -> str:
    return f"queueing:calendar:{mall_id}"


def _memberships_key(user_id: int) -> str:
    return f"queueing:memberships:{user_id}"


def service(service_id: int) -> Service | None:
    """The service with its mall and agency loaded, active or not (None when it does not
    exist)."""
    key = _service_key(service_id)
    found = cache.get(key)
    if found is None:
        found = Service.objects.select_related("mall", "agency").filter(pk=service_id).first()
        if found is None:
            return None
        cache.set(key, found, LOOKUP_SECONDS)
    return found


def counter(counter_id: int) -> Counter | None:
    """The counter with its floor and mall loaded, active or not."""
    key = _counter_key(counter_id)
    found = cache.get(key)
    if found is None:
        found = Counter.objects.select_related("floor", "mall").filter(pk=counter_id).first()
        if found is None:
            return None
        cache.set(key, found, LOOKUP_SECONDS)
    return found


def mall_calendar(mall: Mall) -> tuple[dict[int, tuple[time, time]], dict[date, str]]:
    """(opening hours per weekday, closure days with their reason) of the mall."""
    key = _calendar_key(mall.pk)
    found = cache.get(key)
    if found is None:
        hours = {
            weekday: (opens, closes)
            for weekday, opens, closes in OpeningHours.objects.filter(mall_id=mall.pk).values_list(
                "weekday", "opens", "closes"
            )
        }
        closures = dict(
            ClosureDay.objects.filter(mall_id=mall.pk).values_list("date", "reason").order_by()
        )
        found = (hours, closures)
        cache.set(key, found, LOOKUP_SECONDS)
    return found


def memberships(user: Any) -> list[tuple[int, int | None, str]]:
    """(mall id, agency id or None, role) of every membership of a signed-in, active user;
    nothing for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    key = _memberships_key(user.pk)
    found = cache.get(key)
    if found is None:
        found = list(
            Membership.objects.filter(user_id=user.pk)
            .order_by()
            .values_list("mall_id", "agency_id", "role")
        )
        cache.set(key, found, LOOKUP_SECONDS)
    return found


# --- dropped on change (wired in apps.py) -------------------------------------------------------


def drop_services(service_ids: Iterable[int]) -> None:
    cache.delete_many([_service_key(sid) for sid in service_ids])


def drop_counters(counter_ids: Iterable[int]) -> None:
    cache.delete_many([_counter_key(cid) for cid in counter_ids])


def drop_calendar(mall_id: int) -> None:
    cache.delete(_calendar_key(mall_id))


def drop_mall(mall_id: int) -> None:
    """Everything cached of a mall: its calendar, services and counters."""
    drop_calendar(mall_id)
    drop_services(Service.objects.filter(mall_id=mall_id).values_list("pk", flat=True))
    drop_counters(Counter.objects.filter(mall_id=mall_id).values_list("pk", flat=True))


def drop_memberships(user_id: int) -> None:
    cache.delete(_memberships_key(user_id))
