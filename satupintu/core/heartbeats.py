"""Signs of life of the background processes (task worker, scheduler) for `/readyz`.

A process calls `heartbeat_beat("worker")` every few seconds; the beat is one UPSERT of a row
per name, so it costs nothing to call often. A beat older than its limit
(`settings.HEARTBEAT_STALE_SECONDS[name]`, else `HEARTBEAT_DEFAULT_STALE_SECONDS`) means the
process is gone or stuck."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from satupintu.core.models import Heartbeat


def heartbeat_beat(name: str, *, detail: str = "") -> None:
    """Record that the process called `name` is alive now."""
    Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "detail": detail[:255]}
    )


def heartbeat_stale_after(name: str) -> timedelta:
    limits: dict[str, float] = settings.HEARTBEAT_STALE_SECONDS
    return timedelta(seconds=limits.get(name, settings.HEARTBEAT_DEFAULT_STALE_SECONDS))


@dataclass(frozen=True)
class HeartbeatState:
    name: str
    beat_at: datetime | None
    age_seconds: float | None
    fresh: bool
    detail: str


def heartbeat_states(names: list[str]) -> list[HeartbeatState]:
    """The state of each named heartbeat; one that never beat is not fresh."""
    now = timezone.now()
    rows = {h.name: h for h in Heartbeat.objects.filter(name__in=names)}
    states = []
    for name in names:
        row = rows.get(name)
        if row is None:
            states.append(HeartbeatState(name, None, None, False, ""))
            continue
        age = now - row.beat_at
        states.append(
            HeartbeatState(
                name,
                row.beat_at,
                age.total_seconds(),
                age <= heartbeat_stale_after(name),
                row.detail,
            )
        )
    return states
