"""Live events to screens (display boards, counter consoles, phone status pages).

Services call `publish_on_commit`; the event reaches the broker only once the transaction that
produced it has committed, so a screen never shows a call that was rolled back. The broker is
chosen by settings.EVENT_BROKER: "memory" (one server process) or "redis" (several processes).

Event ids come from ONE sequence per broker (not one per channel) and an event published on
several channels carries the same id on each. So a screen that listens on several channels (a
counter console on `counter:<id>` and `mall:<id>`) can resume from a single `Last-Event-ID`, and
an event that reaches it twice is recognised and sent once.

The sequence is time-based: an id is the publishing time in microseconds since the epoch, or the
previous id + 1 when that is not larger. So ids keep growing across restarts of the server (the
in-process broker keeps nothing) and of Redis, and a board that reconnects after a restart with
its last id still gets every new call. An id from the future (a clock set back, another
deployment) is treated as "from before": the board gets what the broker still holds, filtered by
the screen's replay rule, instead of nothing.

A screen's replay (what it missed while it was away) can be reshaped by the stream's owner
(`subscribe(..., replay=...)`): a display board gets only the calls still current, once.

`close_streams()` (run on SIGTERM/SIGINT once a stream has started in the server's main thread)
ends every open stream at once, so that a server restart does not wait for a thousand boards to
go away by themselves; the boards reconnect, with their last id, to the next process.

Consumers are asynchronous (SSE views under uvicorn): `broker.subscribe(channels, after=id)`
is an async iterator that first replays what the channel logs still hold after `after`, then
waits for new events without blocking the event loop. It yields None once as soon as the
subscription is in place (before any replayed event), and again after each `idle_seconds`
without events (so that the caller can send a heartbeat without cancelling the iterator)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import threading
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# How many recent events each channel keeps for clients that reconnect.
HISTORY_PER_CHANNEL = 1000

# How far ahead of this machine's clock a client's last id may be and still count as ours
# (clocks of several machines behind one Redis differ a little).
FUTURE_TOLERANCE_MICROSECONDS = 60_000_000


def now_microseconds() -> int:
    return time.time_ns() // 1000


def next_event_id(previous: int) -> int:
    """The id after `previous`: the time now in microseconds, or `previous + 1` when the clock
    has not moved past it (two events in one microsecond, a clock set back)."""
    return max(previous + 1, now_microseconds())


def encode_data(data: dict[str, Any]) -> bytes:
    """An event's data as JSON (UTF-8, non-ASCII kept as is), once per publish."""
    return orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS)


# What a subscriber's queue receives when the server shuts down: the stream ends.
_CLOSE: Any = object()

# What a stream's owner may do with the replay (the events after the client's last id, oldest
# first): return what to send instead (an empty list sends nothing).
ReplayFilter = Callable[[list["Event"]], Awaitable[list["Event"]]]


@dataclass(frozen=True)
class Event:
    id: int
    # A channel the event was published on. The in-process broker keeps one object in the logs
    # of all of an event's channels, named by the first; both brokers answer a publish with it.
    channel: str
    type: str
    data: dict[str, Any]
    # A replayed event goes out without its id (the client's position moves with the marker
    # that ends the replay, whose id is the newest event replayed).
    replayed: bool = False

    def as_sse(self) -> bytes:
        """The event as SSE bytes, ready for the socket: made once per event object and written
        as is to every board that gets it (one event object goes to all of a channel's
        subscribers)."""
        return self._sse_bytes

    @functools.cached_property
    def _sse_bytes(self) -> bytes:
        head = (
            f"event: {self.type}\ndata: "
            if self.replayed
            else f"id: {self.id}\nevent: {self.type}\ndata: "
        ).encode()
        return head + encode_data(self.data) + b"\n\n"


class Broker(Protocol):
    def publish_many(
        self, channels: Sequence[str], event_type: str, data: dict[str, Any]
    ) -> Event | None: ...

    def events_after(self, channel: str, last_id: int) -> list[Event]: ...

    def last_id(self, channel: str) -> int: ...

    def subscribe(
        self,
        channels: Sequence[str],
        *,
        after: int | None = None,
        idle_seconds: float = 15.0,
        replay: ReplayFilter | None = None,
    ) -> AsyncIterator[Event | None]: ...

    def close_streams(self) -> None: ...


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


def _effective_after(after: int | None, newest_issued: int) -> int | None:
    """`after` as the broker should read it: an id beyond anything this broker issued and beyond
    the clock (a client of another deployment, or of a clock set back) becomes 0, "everything
    still held", which the screen's replay rule then trims."""
    if after is None:
        return None
    if after > max(newest_issued, now_microseconds() + FUTURE_TOLERANCE_MICROSECONDS):
        return 0
    return after


async def _stream(
    subscriber: _Subscriber,
    backlog: list[Event],
    *,
    after: int | None,
    idle_seconds: float,
    replay: ReplayFilter | None,
) -> AsyncIterator[Event | None]:
    """What both brokers' `subscribe` yields once the subscriber is registered and its backlog
    read: None (subscribed), the replay, then live events; None after each quiet
    `idle_seconds`; it ends when the server closes the streams."""
    sent = _RecentIds()
    yield None  # subscribed: whatever is published from now on will come
    backlog = sorted({e.id: e for e in backlog}.values(), key=lambda e: e.id)
    for event in backlog:
        sent.add(event.id)  # a copy of a replayed event in the live queue is dropped below
    replayed = await replay(backlog) if replay is not None and backlog else backlog
    for event in replayed:
        yield event
    while True:
        try:
            event = await asyncio.wait_for(subscriber.queue.get(), idle_seconds)
        except TimeoutError:
            yield None  # nothing for a while: the caller may send a heartbeat
            continue
        if event is _CLOSE:
            return
        if (after is None or event.id > after) and sent.add(event.id):
            yield event


def _close_subscribers(subscribers: Iterable[_Subscriber]) -> None:
    """Tell each subscriber, on its own event loop, that the server is going away."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Subscriber]] = {}
    for subscriber in subscribers:
        by_loop.setdefault(subscriber.loop, []).append(subscriber)
    for loop, members in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that loop has closed already
            loop.call_soon_threadsafe(_put_close, members)


def _put_close(subscribers: list[_Subscriber]) -> None:
    for subscriber in subscribers:
        subscriber.queue.put_nowait(_CLOSE)


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
        self._closing = False

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
        targets = list(dict.fromkeys(channels))
        with self._lock:
            self._sequence = next_event_id(self._sequence)
            # One object (and its bytes, encoded once) in every channel's log: a queue event
            # goes to every counter and floor serving the service, 35 channels in the
            # benchmark's mall, and a copy per channel kept that many more objects alive in the
            # logs for the garbage collector to walk (docs/BENCHMARKS.md, third round).
            event = Event(id=self._sequence, channel=targets[0], type=event_type, data=data)
            event.as_sse()
            for channel in targets:
                log = self._channels.get(channel)
                if log is None:
                    log = self._channels[channel] = _ChannelLog()
                log.history.append(event)
                for subscriber in self._subscribers.get(channel, ()):
                    by_loop.setdefault(subscriber.loop, []).append((subscriber, event))
        for loop, deliveries in by_loop.items():
            try:
                loop.call_soon_threadsafe(_deliver, deliveries)
            except RuntimeError:  # the loop has closed; its subscribers are gone with it
                logger.debug("event loop closed, dropping %d deliveries", len(deliveries))
        return event

    def events_after(self, channel: str, last_id: int) -> list[Event]:
        """The events of `channel` after `last_id` that are still held (a client's last id from
        the future counts as "from before": all of them)."""
        with self._lock:
            log = self._channels.get(channel)
            if log is None:
                return []
            after = _effective_after(last_id, self._sequence) or 0
            return [e for e in log.history if e.id > after]

    def last_id(self, channel: str) -> int:
        with self._lock:
            log = self._channels.get(channel)
            return log.history[-1].id if log and log.history else 0

    def subscriber_count(self, channel: str) -> int:
        with self._lock:
            return len(self._subscribers.get(channel, ()))

    def close_streams(self) -> None:
        """End every open stream (and refuse new ones): the server is shutting down."""
        with self._lock:
            self._closing = True
            everyone = {s for members in self._subscribers.values() for s in members}
        _close_subscribers(everyone)

    async def subscribe(
        self,
        channels: Sequence[str],
        *,
        after: int | None = None,
        idle_seconds: float = 15.0,
        replay: ReplayFilter | None = None,
    ) -> AsyncIterator[Event | None]:
        _close_streams_on_exit_signals()
        subscriber = _Subscriber(asyncio.get_running_loop(), channels)
        with self._lock:
            if self._closing:
                return
            after = _effective_after(after, self._sequence)
            # Registered before the replay is read: an event published in between is both in the
            # replay and in the queue, and the id check drops the second copy.
            for channel in subscriber.channels:
                self._subscribers.setdefault(channel, set()).add(subscriber)
            backlog: list[Event] = []
            if after is not None:
                for channel in subscriber.channels:
                    log = self._channels.get(channel)
                    if log:
                        backlog.extend(e for e in log.history if e.id > after)
        try:
            async for event in _stream(
                subscriber, backlog, after=after, idle_seconds=idle_seconds, replay=replay
            ):
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
# so ids grow across all streams and one event has the same id everywhere. The id is Redis's
# clock in microseconds, or the previous id + 1 (as `next_event_id`): it keeps growing even when
# Redis lost the sequence key (a restart without persistence). Lua numbers are doubles, exact
# up to 2^53: microseconds since 1970 stay below that until the year 2255.
_PUBLISH_SCRIPT = """
local now = redis.call('TIME')
local id = tonumber(now[1]) * 1000000 + tonumber(now[2])
local previous = tonumber(redis.call('GET', KEYS[1]) or '0')
if id <= previous then id = previous + 1 end
redis.call('SET', KEYS[1], string.format('%d', id))
for i = 2, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[3], string.format('%d-0', id),
    'type', ARGV[1], 'data', ARGV[2])
  redis.call('EXPIRE', KEYS[i], ARGV[4])
end
return string.format('%d', id)
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
        self._closing = False

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
        payload = encode_data(data)
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
            data=orjson.loads(values["data"]),
        )

    def events_after(self, channel: str, last_id: int) -> list[Event]:
        """As `InProcessBroker.events_after`."""
        newest: Any = self._sync.get(self._sequence_key())
        after = _effective_after(last_id, int(newest or 0)) or 0
        entries: Any = self._sync.xrange(self._key(channel), min=f"({after}-0", max="+")
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

    def close_streams(self) -> None:
        """End every open stream of this process (and refuse new ones): it is shutting down."""
        self._closing = True
        for hub in list(self._hubs.values()):
            _close_subscribers({s for members in hub.subscribers.values() for s in members})

    async def subscribe(
        self,
        channels: Sequence[str],
        *,
        after: int | None = None,
        idle_seconds: float = 15.0,
        replay: ReplayFilter | None = None,
    ) -> AsyncIterator[Event | None]:
        _close_streams_on_exit_signals()
        if self._closing:
            return
        hub = self._hub()
        subscriber = _Subscriber(asyncio.get_running_loop(), list(dict.fromkeys(channels)))
        # Registered first, then the replay is read: an event in both arrives once (by id).
        await hub.add(subscriber)
        try:
            if self._closing:  # closed while this one was joining
                return
            backlog: list[Event] = []
            if after is not None:
                newest: Any = await hub.client.get(self._sequence_key())
                after = _effective_after(after, int(newest or 0))
            if after is not None:
                for channel in subscriber.channels:
                    entries: Any = await hub.client.xrange(
                        self._key(channel), min=f"({after}-0", max="+"
                    )
                    backlog.extend(self._decode(channel, i, f) for i, f in entries)
            async for event in _stream(
                subscriber, backlog, after=after, idle_seconds=idle_seconds, replay=replay
            ):
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


_close_hooks: list[Callable[[], None]] = []


def on_close_streams(hook: Callable[[], None]) -> None:
    """Have `hook` called (on the event loop) when the streams close: a server of streams that
    does not go through `subscribe` per client (the display fan-out) ends its own."""
    if hook not in _close_hooks:
        _close_hooks.append(hook)


def close_streams() -> None:
    """End every live stream of this process now (the server is shutting down)."""
    with _broker_lock:
        broker = _broker
    if broker is not None:
        broker.close_streams()
    for hook in _close_hooks:
        try:
            hook()
        except Exception:
            logger.exception("closing the streams of %r failed", hook)


_exit_signals_hooked = False


def _close_streams_on_exit_signals() -> None:
    """Make SIGTERM and SIGINT end the open streams at once, before the server's own handler runs.

    A server such as uvicorn waits on shutdown until every response has finished, and an event
    stream never finishes by itself: a restart would wait for a thousand boards. Installed at the
    first stream, in the thread of the event loop (the main thread under uvicorn; then the
    server's own handlers are in place, and they are called after ours)."""
    global _exit_signals_hooked
    if _exit_signals_hooked or threading.current_thread() is not threading.main_thread():
        return
    _exit_signals_hooked = True
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)

        def on_signal(number: int, frame: Any, previous: Any = previous) -> None:
            # Inside a signal handler: no lock may be taken here (the interrupted code may hold
            # it); the loop closes the streams as soon as this handler returns.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(close_streams)
            if callable(previous):
                previous(number, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(number, signal.SIG_DFL)
                os.kill(os.getpid(), number)

        signal.signal(signum, on_signal)


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
