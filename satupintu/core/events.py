"""Live events to screens (display boards, counter consoles, phone status pages).

Services call `publish_on_commit`; the event reaches the broker only once the transaction that
produced it has committed, so a screen never shows a call that was rolled back. The broker is
chosen by settings.EVENT_BROKER: "memory" (one server process) or "redis" (several processes).
Each event carries an id that grows per channel, so that a client reconnecting with
`Last-Event-ID` can be sent what it missed."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction


@dataclass(frozen=True)
class Event:
    id: int
    channel: str
    type: str
    data: dict[str, Any]

    def as_sse(self) -> str:
        payload = json.dumps(self.data, ensure_ascii=False, default=str)
        return f"id: {self.id}\nevent: {self.type}\ndata: {payload}\n\n"


@dataclass
class _ChannelLog:
    next_id: int = 1
    history: deque[Event] = field(default_factory=lambda: deque(maxlen=500))


class InProcessBroker:
    """Keeps the recent events of each channel in memory, for one server process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, _ChannelLog] = {}
        self._condition = threading.Condition(self._lock)

    def publish(self, channel: str, event_type: str, data: dict[str, Any]) -> Event:
        with self._condition:
            log = self._channels.setdefault(channel, _ChannelLog())
            event = Event(id=log.next_id, channel=channel, type=event_type, data=data)
            log.next_id += 1
            log.history.append(event)
            self._condition.notify_all()
            return event

    def events_after(self, channel: str, last_id: int) -> list[Event]:
        with self._lock:
            log = self._channels.get(channel)
            if log is None:
                return []
            return [e for e in log.history if e.id > last_id]

    def last_id(self, channel: str) -> int:
        with self._lock:
            log = self._channels.get(channel)
            return log.next_id - 1 if log else 0


_broker: InProcessBroker | None = None
_broker_lock = threading.Lock()


def get_broker() -> InProcessBroker:
    global _broker
    with _broker_lock:
        if _broker is None:
            _broker = InProcessBroker()
        return _broker


def publish_on_commit(channels: Iterable[str], event_type: str, data: dict[str, Any]) -> None:
    """Publish `data` as `event_type` on every channel once the current transaction commits."""
    targets = list(channels)

    def send() -> None:
        broker = get_broker()
        for channel in targets:
            broker.publish(channel, event_type, data)

    transaction.on_commit(send)
