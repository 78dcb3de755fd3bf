"""Display boards' event streams served straight from ASGI: one event's bytes written to every
board, without a task, a queue or a Django request per board.

`GET /api/v1/displays/{id}/events` is answered here, in front of Django (`satupintu/asgi.py`
wraps the application with `DisplayStreams`); everything else goes on to Django. The answer is
the same stream as the Django view `views.display_events` (which stays for servers without this
wrapper): the opening with the `retry:` hint and `hello`, the replay of what a reconnecting board
missed (only the calls still current, `views._display_replay`), then live calls and heartbeats.

How it scales (issue #15: 10,000 boards on one process):
- per process, ONE broker subscription per channel (`_Channel`), not one per board. Each event is
  extended for the screen (the spoken text) and encoded once, then the same bytes go to every
  board of the channel in one pass on the event loop;
- a board is a small `_Board` object and the ASGI call that waits for the client to leave; a
  write is the server's `send` driven by hand (`_drive`): with uvicorn it completes at once,
  and only a board whose socket is full (a slow client) waits, on its own, with its events
  queued behind (a board too far behind is dropped: it reconnects and gets the current calls);
- heartbeats come from one timer for all boards;
- SIGTERM ends every board's stream at once (`core.events.close_streams` calls `close_all`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http.request import split_domain_port, validate_host

from satupintu.core.events import Event, encode_data, get_broker, on_close_streams
from satupintu.core.metrics import SSE_CLIENTS

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH = re.compile(r"^/api/v1/displays/(\d{1,18})/events/?$")
HEARTBEAT = b": heartbeat\n\n"
# A board this many events behind (its socket full for that long) is dropped; it reconnects.
MAX_BACKLOG = 200


def _drive(coroutine: Awaitable[Any], done: Callable[[BaseException | None], None]) -> None:
    """Run `coroutine` (a server's `send`) without a task: step it now; if it waits on a future
    (the socket's buffer is full), step it again when that future is done. `done(error)` once it
    has finished. This is what an asyncio task does, without one task per board per event."""
    if not isinstance(coroutine, Coroutine):  # a server whose `send` returns another awaitable
        future = asyncio.ensure_future(coroutine)
        future.add_done_callback(lambda f: done(None if f.cancelled() else f.exception() or None))
        return
    while True:
        try:
            waiting = coroutine.send(None)
        except StopIteration:
            done(None)
            return
        except BaseException as error:
            done(error)
            return
        if waiting is None:  # a bare yield (sleep(0)): go on at the next turn of the loop
            asyncio.get_running_loop().call_soon(_drive, coroutine, done)
            return
        waiting._asyncio_future_blocking = False
        waiting.add_done_callback(lambda _future: _drive(coroutine, done))
        return


class _Board:
    __slots__ = ("busy", "closed", "finished", "queue", "send", "skip")

    def __init__(self, send: Send, loop: asyncio.AbstractEventLoop) -> None:
        self.send = send
        self.queue: deque[bytes] = deque()
        # Busy until its opening and replay are written: live events wait in the queue.
        self.busy = True
        self.closed = False
        self.finished: asyncio.Future[None] = loop.create_future()
        self.skip: set[int] = set()

    def push(self, data: bytes) -> None:
        if self.closed:
            return
        if self.busy:
            if len(self.queue) >= MAX_BACKLOG:
                self.close()
                return
            self.queue.append(data)
            return
        self._write(data)

    def _write(self, data: bytes) -> None:
        self.busy = True
        _drive(
            self.send({"type": "http.response.body", "body": data, "more_body": True}),
            self._written,
        )

    def _written(self, error: BaseException | None) -> None:
        if error is not None:
            self.close()
            return
        if self.queue and not self.closed:
            self._write(self.queue.popleft())
        else:
            self.busy = False

    def release(self) -> None:
        """The opening and replay are out: send what came meanwhile, then live."""
        self.busy = False
        if self.queue and not self.closed:
            self._write(self.queue.popleft())

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if not self.finished.done():
                self.finished.set_result(None)


class _Channel:
    """One broker subscription of this process for a channel, shared by all its boards."""

    def __init__(self, name: str, transform: Callable[[Event], Event]) -> None:
        self.name = name
        self.transform = transform
        self.boards: set[_Board] = set()
        self.ready = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        try:
            async for event in get_broker().subscribe([self.name], idle_seconds=3600):
                if event is None:
                    self.ready.set()
                    continue
                data = self.transform(event).as_sse()
                for board in tuple(self.boards):
                    if event.id in board.skip:
                        continue
                    board.push(data)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("the event subscription of %s failed", self.name)
        finally:
            # The broker closed (shutdown) or failed: every board ends and reconnects.
            for board in tuple(self.boards):
                board.close()
            self.ready.set()
            here = _here()
            if here.channels.get(self.name) is self:
                del here.channels[self.name]


class _LoopState:
    """The channels and boards of one event loop (one per server process under uvicorn)."""

    def __init__(self) -> None:
        self.channels: dict[str, _Channel] = {}
        self.boards: set[_Board] = set()
        self.heartbeat: asyncio.Task[None] | None = None


_states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
    weakref.WeakKeyDictionary()
)
_display_cache: dict[int, str] = {}


def _here() -> _LoopState:
    loop = asyncio.get_running_loop()
    state = _states.get(loop)
    if state is None:
        state = _states[loop] = _LoopState()
    return state


async def _heartbeats(state: _LoopState) -> None:
    while state.boards:
        await asyncio.sleep(settings.SSE_HEARTBEAT_SECONDS)
        for board in tuple(state.boards):
            board.push(HEARTBEAT)


def close_all() -> None:
    """End every board's stream (the server is shutting down); called on the event loop."""
    for state in list(_states.values()):
        for board in tuple(state.boards):
            board.close()


on_close_streams(close_all)


def _display_channel(display_id: int) -> str | None:
    from satupintu.queueing.models import Display

    try:
        row = Display.objects.filter(pk=display_id).values("mall_id", "floor_id").first()
    finally:
        if not connection.in_atomic_block:
            connection.close()  # a thread of the shared pool: give the connection back
    if row is None:
        return None
    return f"floor:{row['floor_id']}" if row["floor_id"] else f"mall:{row['mall_id']}"


def _last_event_id(scope: Scope) -> int | None:
    raw = ""
    for key, value in scope.get("headers", []):
        if key == b"last-event-id":
            raw = value.decode("latin-1")
            break
    if not raw:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        raw = (query.get("last_event_id") or [""])[0]
    try:
        value = int(raw.strip())
    except ValueError:
        return None
    return value if 0 <= value < 2**63 else None


def _host_allowed(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key == b"host":
            domain, _port = split_domain_port(value.decode("latin-1"))
            return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)
    return False


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = encode_data(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class DisplayStreams:
    """ASGI middleware: display boards' event streams here, everything else to `app`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        if scope.get("method") != "GET":
            await self.app(scope, receive, send)  # Django answers 405/404 as everywhere
            return
        if not _host_allowed(scope):
            await _answer(send, 400, {"detail": "Bad Request"})
            return
        await self._stream(int(match.group(1)), scope, receive, send)

    async def _stream(self, display_id: int, scope: Scope, receive: Receive, send: Send) -> None:
        from satupintu.queueing.views import _display_replay, _event_for_screen

        channel_name = _display_cache.get(display_id)
        if channel_name is None:
            channel_name = await sync_to_async(_display_channel, thread_sensitive=False)(display_id)
            if channel_name is None:
                await _answer(send, 404, {"detail": "No such display"})
                return
            if len(_display_cache) > 10000:
                _display_cache.clear()
            _display_cache[display_id] = channel_name
        loop = asyncio.get_running_loop()
        board = _Board(send, loop)
        state = _here()
        channel = state.channels.get(channel_name)
        if channel is None:
            channel = state.channels[channel_name] = _Channel(channel_name, _event_for_screen)
        await channel.ready.wait()
        if channel.task.done():  # closed: the server is going away
            await _answer(send, 503, {"detail": "Shutting down"})
            return
        channel.boards.add(board)
        state.boards.add(board)
        SSE_CLIENTS.inc()
        if state.heartbeat is None or state.heartbeat.done():
            state.heartbeat = loop.create_task(_heartbeats(state))
        disconnect = loop.create_task(_wait_for_disconnect(receive, board))
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8"),
                        (b"cache-control", b"no-cache, no-transform"),
                        (b"x-accel-buffering", b"no"),
                    ],
                }
            )
            opening = f": {' ' * 256}\nretry: 3000\n\n".encode()
            hello = {"display_id": display_id, "channels": [channel_name]}
            opening += b"event: hello\ndata: " + encode_data(hello) + b"\n\n"
            after = _last_event_id(scope)
            if after is not None:
                # Registered first, then the backlog read: an event in both goes out once.
                broker = get_broker()
                backlog = await sync_to_async(broker.events_after, thread_sensitive=False)(
                    channel_name, after
                )
                if backlog:
                    board.skip = {e.id for e in backlog}
                    for event in await _display_replay(backlog):
                        opening += _event_for_screen(event).as_sse()
            await send({"type": "http.response.body", "body": opening, "more_body": True})
            board.release()
            await board.finished
            if not board.busy:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass
        finally:
            board.close()
            disconnect.cancel()
            channel.boards.discard(board)
            state.boards.discard(board)
            SSE_CLIENTS.dec()


async def _wait_for_disconnect(receive: Receive, board: _Board) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            board.close()
            return
