"""Server-sent events: the stream format, heartbeats and resumption with Last-Event-ID.

The streams are async generators served by async views, so that a thousand boards waiting for
the next call cost a thousand idle coroutines on the event loop, not a thousand threads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse

from satupintu.core.events import Event, ReplayFilter, encode_data, get_broker
from satupintu.core.metrics import counted_stream

# How long a browser waits before reconnecting after the stream broke (the `retry:` hint).
RETRY_MILLISECONDS = 3000


def last_event_id(request: HttpRequest) -> int | None:
    """The id after which the client wants events: the `Last-Event-ID` header that browsers send
    when they reconnect, else `?last_event_id=` (set by the page for its first connection, so that
    nothing published between rendering the page and connecting is lost). None: only new ones."""
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or ""
    try:
        value = int(raw.strip())
    except ValueError:
        return None
    return value if value >= 0 else None


async def event_stream(
    channels: Sequence[str],
    *,
    after: int | None,
    hello: dict[str, Any] | None = None,
    heartbeat_seconds: float | None = None,
    transform: Callable[[Event], Event] | None = None,
    replay: ReplayFilter | None = None,
) -> AsyncIterator[bytes]:
    """The text of an SSE stream of `channels`: once subscribed, a retry hint and an optional
    `hello` event (no id, so that it does not move the client's position), then the missed events
    after `after`, then live events, with a comment line as heartbeat when nothing happened for a
    while (it keeps proxies from closing the connection and lets the server notice a client that
    went away).
    `transform` may add to an event what one kind of screen needs (a display's spoken text);
    `replay` reshapes what the client missed (a display board: only the calls still current).
    Chunks are bytes: an event's bytes are made once per publish and written to every client."""
    idle = heartbeat_seconds if heartbeat_seconds is not None else settings.SSE_HEARTBEAT_SECONDS
    subscribed = False
    subscription = get_broker().subscribe(channels, after=after, idle_seconds=idle, replay=replay)
    async for event in subscription:
        if event is not None:
            yield (transform(event) if transform else event).as_sse()
        elif subscribed:
            yield b": heartbeat\n\n"
        else:
            # The first bytes go out only once the subscription is in place: a client that has
            # the response headers (or the hello) misses nothing published afterwards. Padding
            # first, because some proxies and browsers hold back the first bytes of a stream.
            subscribed = True
            opening = f": {' ' * 256}\nretry: {RETRY_MILLISECONDS}\n\n".encode()
            if hello is not None:
                opening += b"event: hello\ndata: " + encode_data(hello) + b"\n\n"
            yield opening


def sse_response(stream: AsyncIterator[bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        counted_stream(stream), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
