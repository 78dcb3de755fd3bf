"""Late events: something was recorded about a past (mall-local) day, e.g. a ticket of
yesterday expired or finished after midnight. Whatever summarised that day is stale.

Lower apps report it with `past_day_changed(mall_id=, day=)`; the reports app, above them,
listens (`on_past_day_changed`, from its `AppConfig.ready`) and drops the day's roll-up so
readers compute it live until it is rebuilt (after the commit, and by the nightly job)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

Listener = Callable[..., None]

_listeners: list[Listener] = []


def on_past_day_changed(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def past_day_changed(*, mall_id: int, day: date) -> None:
    for listener in _listeners:
        listener(mall_id=mall_id, day=day)
