"""Live events to screens (display boards, counter consoles, phone status pages).

Services call `publish_on_commit`; the event reaches the broker only once the transaction that
produced it has committed, so a screen never shows a call that was rolled back. The broker is
chosen by settings.EVENT_BROKER: "memory" (one server process) or "redis" (several processes).

Event ids come from ONE sequence per broker (not one per channel) and an event published on
several channels carries the same id on each. So a screen that listens on several channels (a
counter console on `counter:<id>` and `mall:<id>`) can resume from a single `Last-Event-ID`, and
an event that reaches it twice is recognised and sent once.

Consumers are asynchronous (SSE views under uvicorn): `broker.subscribe(channels, after=id)`
is an async iterator that first replays what the channel logs still hold after `after`, then
waits for new events without blocking the event loop. It yields None once as soon as the
subscription is in place (before any replayed event), and again after each `idle_seconds`
without events (so that the caller can send a heartbeat without cancelling the iterator)."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
import weakref
from collections import deque
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# How many recent events each channel keeps for clients that reconnect.
HISTORY_PER_CHANNEL = 1000


@dataclass(frozen=True)
class Event:
    id: int
    channel: str
    type: str
    data: dict[str, Any]

    def as_sse(self) -> str:
        return self._sse_text

    @functools.cached_property
    def _sse_text(self) -> str:
        # One event object goes to every subscriber of a channel: encode it once, not per board.
        payload = json.dumps(self.data, ensure_ascii=False, default=str)
        return f"id: {self.id}\nevent: {self.type}\ndata: {payload}\n\n"


class Broker(Protocol):
    def publish_many(
        self, channels: Sequence[str], event_type: str, data: dict[str, Any]
    ) -> Event | None: ...

    def events_after(self, channel: str, last_id: int) -> list[Event]: ...

    def last_id(self, channel: str) -> int: ...

    def subscribe(
        self, channels: Sequence[str], *, after: int | None = None, idle_seconds: float = 15.0
    ) -> AsyncIterator[Event | None]: ...


class _RecentIds:
    """The ids a subscriber has already sent, so that one event on two channels goes out once."""

    def __init__(self, size: int = 4096) -> None:
        self._order: deque[int] = deque(maxlen=size)
        self._seen: set[int] = set()

    def add(self, event_id: int) -> bool:
        """Remember `event_id`; False when it was already there."""
        if event_id in self._seen:
            return False
        if len(self._order) == self._order.maxlen:
            self._seen.discard(self._order[0])
        self._order.append(event_id)
        self._seen.add(event_id)
        return True


# --- in-process ---------------------------------------------------------------------------------


@dataclass
class _ChannelLog:
    history: deque[Event] = field(default_factory=lambda: deque(maxlen=HISTORY_PER_CHANNEL))


class _Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop, channels: Sequence[str]) -> None:
        self.loop = loop
        self.channels = tuple(channels)
        self.queue: asyncio.Queue[Event] = asyncio.Queue()


class InProcessBroker:
    """Keeps the recent events of each channel in memory, for one server process.

    Publishers are plain threads (Django's sync code runs in a thread pool under ASGI);
    subscribers are coroutines on an event loop. A publish hands the event to each subscriber's
    loop with one `call_soon_threadsafe` per loop (not per subscriber), so that a thousand
    boards on one loop cost one wake-up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, _ChannelLog] = {}
        self._sequence = 0
        self._subscribers: dict[str, set[_Subscriber]] = {}

    def publish(self, channel: str, event_type: str, data: dict[str, Any]) -> Event:
        event = self.publish_many([channel], event_type, data)
        assert event is not None
        return event

    def publish_many(
        self, channels: Sequence[str], event_type: str, data: dict[str, Any]
    ) -> Event | None:
        if not channels:
            return None
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Subscriber, Event]]] = {}
        with self._lock:
            self._sequence += 1
            first: Event | None = None
            for channel in dict.fromkeys(channels):
                event = Event(id=self._sequence, channel=channel, type=event_type, data=data)
                first = first or event
                self._channels.setdefault(channel, _ChannelLog()).history.append(event)
                for subscriber in self._subscribers.get(channel, ()):
                    by_loop.setdefault(subscriber.loop, []).append((subscriber, event))
        for loop, deliveries in by_loop.items():
            try:
                loop.call_soon_threadsafe(_deliver, deliveries)
            except RuntimeError:  # the loop has closed; its subscribers are gone with it
                logger.debug("event loop closed, dropping %d deliveries", len(deliveries))
        return first

    def events_after(self, channel: str, last_id: int) -> list[Event]:
        with self._lock:
            log = self._channels.get(channel)
            if log is None:
                return []
            return [e for e in log.history if e.id > last_id]

    def last_id(self, channel: str) -> int:
        with self._lock:
            log = self._channels.get(channel)
            return log.history[-1].id if log and log.history else 0

    def subscriber_count(self, channel: str) -> int:
        with self._lock:
            return len(self._subscribers.get(channel, ()))

    async def subscribe(
        self, channels: Sequence[str], *, after: int | None = None, idle_seconds: float = 15.0
    ) -> AsyncIterator[Event | None]:
        subscriber = _Subscriber(asyncio.get_running_loop(), channels)
        with self._lock:
            # Registered before the replay is read: an event published in between is both in the
            # replay and in the queue, and the id check below drops the second copy.
            for channel in subscriber.channels:
                self._subscribers.setdefault(channel, set()).add(subscriber)
            backlog: list[Event] = []
            if after is not None:
                for channel in subscriber.channels:
                    log = self._channels.get(channel)
                    if log:
                        backlog.extend(e for e in log.history if e.id > after)
        sent = _RecentIds()
        try:
            yield None  # subscribed: whatever is published from now on will come
            for event in sorted(backlog, key=lambda e: e.id):
                if sent.add(event.id):
                    yield event
            while True:
                try:
                    event = await asyncio.wait_for(subscriber.queue.get(), idle_seconds)
                except TimeoutError:
                    yield None  # nothing for a while: the caller may send a heartbeat
                    continue
                if (after is None or event.id > after) and sent.add(event.id):
                    yield event
        finally:
            with self._lock:
                for channel in subscriber.channels:
                    members = self._subscribers.get(channel)
                    if members is not None:
                        members.discard(subscriber)
                        if not members:
                            del self._subscribers[channel]


def _deliver(deliveries: list[tuple[_Subscriber, Event]]) -> None:
    for subscriber, event in deliveries:
        subscriber.queue.put_nowait(event)


# --- Redis --------------------------------------------------------------------------------------

# One atomic step: take the next id of the global sequence and append the event with that id to
# the stream of every channel (trimmed to about HISTORY_PER_CHANNEL entries, expiring when idle),
# so ids grow across all streams and one event has the same id everywhere.
_PUBLISH_SCRIPT = """
local id = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[3], id .. '-0', 'type', ARGV[1], 'data', ARGV[2])
  redis.call('EXPIRE', KEYS[i], ARGV[4])
end
return id
"""


class RedisBroker:
    """Redis Streams, one per channel: works across server processes and machines.

    Replay and live delivery are the same `XREAD` from the last id a client has; ids are
    `<sequence>-0`, and the SSE id is the sequence number."""

    def __init__(self, url: str, *, prefix: str = "satupintu:events", ttl_seconds: int = 172800):
        import redis

        self.url = url
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds
        self._sync = redis.Redis.from_url(url)
        self._script = self._sync.register_script(_PUBLISH_SCRIPT)
        self._hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _RedisHub] = (
            weakref.WeakKeyDictionary()
        )

    def _key(self, channel: str) -> str:
        return f"{self.prefix}:{channel}"

    def _sequence_key(self) -> str:
        return f"{self.prefix}:sequence"

    def publish(self, channel: str, event_type: str, data: dict[str, Any]) -> Event:
        event = self.publish_many([channel], event_type, data)
        assert event is not None
        return event

    def publish_many(
        self, channels: Sequence[str], event_type: str, data: dict[str, Any]
    ) -> Event | None:
        targets = list(dict.fromkeys(channels))
        if not targets:
            return None
        payload = json.dumps(data, ensure_ascii=False, default=str)
        event_id = int(
            self._script(
                keys=[self._sequence_key(), *(self._key(c) for c in targets)],
                args=[event_type, payload, HISTORY_PER_CHANNEL, self.ttl_seconds],
            )
        )
        return Event(id=event_id, channel=targets[0], type=event_type, data=data)

    def _decode(self, channel: str, entry_id: bytes | str, fields: dict[Any, Any]) -> Event:
        raw_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        values = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in fields.items()
        }
        return Event(
            id=int(raw_id.split("-", 1)[0]),
            channel=channel,
            type=values["type"],
            data=json.loads(values["data"]),
        )

    def events_after(self, channel: str, last_id: int) -> list[Event]:
        entries: Any = self._sync.xrange(self._key(channel), min=f"({last_id}-0", max="+")
        return [self._decode(channel, entry_id, fields) for entry_id, fields in entries]

    def last_id(self, channel: str) -> int:
        entries: Any = self._sync.xrevrange(self._key(channel), count=1)
        if not entries:
            return 0
        raw = entries[0][0]
        return int((raw.decode() if isinstance(raw, bytes) else raw).split("-", 1)[0])

    def _hub(self) -> _RedisHub:
        """The reader of this event loop (one per server process under uvicorn)."""
        loop = asyncio.get_running_loop()
        hub = self._hubs.get(loop)
        if hub is None:
            hub = self._hubs[loop] = _RedisHub(self)
        return hub

    async def subscribe(
        self, channels: Sequence[str], *, after: int | None = None, idle_seconds: float = 15.0
    ) -> AsyncIterator[Event | None]:
        hub = self._hub()
        subscriber = _Subscriber(asyncio.get_running_loop(), list(dict.fromkeys(channels)))
        # Registered first, then the replay is read: an event in both arrives once (by id).
        await hub.add(subscriber)
        try:
            backlog: list[Event] = []
            if after is not None:
                for channel in subscriber.channels:
                    entries: Any = await hub.client.xrange(
                        self._key(channel), min=f"({after}-0", max="+"
                    )
                    backlog.extend(self._decode(channel, i, f) for i, f in entries)
            sent = _RecentIds()
            yield None  # subscribed: whatever is added from now on will come
            for event in sorted(backlog, key=lambda e: e.id):
                if sent.add(event.id):
                    yield event
            while True:
                try:
                    event = await asyncio.wait_for(subscriber.queue.get(), idle_seconds)
                except TimeoutError:
                    yield None
                    continue
                if (after is None or event.id > after) and sent.add(event.id):
                    yield event
        finally:
            hub.remove(subscriber)


class _RedisHub:
    """One XREAD loop per event loop for all the streams its subscribers listen to, handing each
    entry to the subscribers' queues: a thousand boards cost one Redis connection, not a
    thousand. A channel joins the next read (reads block for at most a second); its position is
    fixed when it joins, so nothing added in between is missed."""

    BLOCK_MS = 1000

    def __init__(self, broker: RedisBroker) -> None:
        import redis.asyncio as aioredis

        self.broker = broker
        # Reads block (XREAD BLOCK): no socket read timeout of their own (redis-py's default
        # of 5 s would cut quiet waits short).
        self.client: Any = aioredis.Redis.from_url(broker.url, socket_timeout=None)
        self.subscribers: dict[str, set[_Subscriber]] = {}
        self.positions: dict[str, str] = {}
        self.changed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def add(self, subscriber: _Subscriber) -> None:
        for channel in subscriber.channels:
            members = self.subscribers.setdefault(channel, set())
            if not members:
                key = self.broker._key(channel)
                newest: Any = await self.client.xrevrange(key, count=1)
                # Another subscriber may have joined the channel while we waited.
                if channel not in self.positions:
                    self.positions[channel] = _entry_id(newest[0][0]) if newest else "0-0"
            members.add(subscriber)
        self.changed.set()
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._read())

    def remove(self, subscriber: _Subscriber) -> None:
        for channel in subscriber.channels:
            members = self.subscribers.get(channel)
            if members is None:
                continue
            members.discard(subscriber)
            if not members:
                del self.subscribers[channel]
                self.positions.pop(channel, None)

    async def _read(self) -> None:
        while True:
            if not self.positions:
                self.changed.clear()
                await self.changed.wait()
                continue
            streams = {self.broker._key(c): position for c, position in self.positions.items()}
            try:
                batches: Any = await self.client.xread(streams, block=self.BLOCK_MS, count=1000)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("reading events from Redis failed; retrying", exc_info=True)
                await asyncio.sleep(1)
                continue
            prefix_length = len(self.broker.prefix) + 1
            for raw_key, entries in batches or []:
                channel = _text(raw_key)[prefix_length:]
                for entry_id, fields in entries:
                    if channel in self.positions:
                        self.positions[channel] = _entry_id(entry_id)
                    event = self.broker._decode(channel, entry_id, fields)
                    for subscriber in self.subscribers.get(channel, ()):
                        subscriber.queue.put_nowait(event)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _entry_id(value: bytes | str) -> str:
    return _text(value)


# --- choosing and publishing --------------------------------------------------------------------

_broker: Broker | None = None
_broker_lock = threading.Lock()


def get_broker() -> Broker:
    global _broker
    with _broker_lock:
        if _broker is None:
            if getattr(settings, "EVENT_BROKER", "memory") == "redis":
                _broker = RedisBroker(
                    settings.REDIS_URL,
                    prefix=getattr(settings, "EVENT_KEY_PREFIX", "satupintu:events"),
                )
            else:
                _broker = InProcessBroker()
        return _broker


def reset_broker(broker: Broker | None = None) -> None:
    """Replace the broker (tests; after settings change). None: chosen again from settings."""
    global _broker
    with _broker_lock:
        _broker = broker


def publish_on_commit(channels: Iterable[str], event_type: str, data: dict[str, Any]) -> None:
    """Publish `data` as `event_type` on every channel once the current transaction commits.

    Outside a transaction (autocommit) it is sent at once. A failing broker is logged, never
    raised: the change is already committed and screens catch up on their next event."""
    targets = list(channels)

    def send() -> None:
        try:
            get_broker().publish_many(targets, event_type, data)
        except Exception:
            logger.exception("could not publish %s on %s", event_type, targets)

    transaction.on_commit(send)
