"""Live screens in the browser through a proxy that fails: the display board and the counter
console reconnect by themselves after the proxy reset their streams and answered 502 for a while
(EventSource alone gives up on a 502), and after the outage the board announces only the call
still current, once, then live calls at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from e2e.conftest import (
    DEMO_PASSWORD,
    new_context_page,
    record_speech,
    sign_in,
    spoken,
)

pytestmark = pytest.mark.e2e

DISPLAY = "/q/display/1/"
# loket2 holds counter 6 in the demo data.
COUNTER = 6
OFFICER = "loket2"


class FlakyProxy:
    """A TCP proxy in front of the server, on its own event loop in a thread. `fail()` resets
    every open connection and answers each new request 502 until `recover()`; the 502s are
    counted."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.failing = False
        self.bad_gateways = 0
        self.writers: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        started.wait(10)
        self.base = f"http://127.0.0.1:{self.port}"

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.failing:
            try:
                await reader.readuntil(b"\r\n\r\n")
                body = b"Bad Gateway"
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                             % (len(body), body))  # fmt: skip
                self.bad_gateways += 1
                await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self.writers.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                target.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers.difference_update((writer, up_writer))

    def fail(self) -> None:
        def reset_all() -> None:
            self.failing = True
            for writer in list(self.writers):
                transport = writer.transport
                if hasattr(transport, "abort"):
                    transport.abort()  # a reset, as when a proxy or its host goes away
            self.writers.clear()

        self.loop.call_soon_threadsafe(reset_all)

    def recover(self) -> None:
        self.loop.call_soon_threadsafe(setattr, self, "failing", False)

    def close(self) -> None:
        self.fail()  # drop the open connections first
        time.sleep(0.2)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def proxy(server: str) -> Iterator[FlakyProxy]:
    flaky = FlakyProxy(server)
    yield flaky
    flaky.close()


class Officer:
    """The counter officer's actions through the API (straight to the server, not the proxy)."""

    def __init__(self, server: str) -> None:
        self.http = httpx.Client(base_url=server, timeout=20)
        token = self.http.post(
            "/api/v1/auth/token", json={"username": OFFICER, "password": DEMO_PASSWORD}
        ).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.http.post(f"/api/v1/counters/{COUNTER}/open")

    def state(self) -> dict[str, Any]:
        answer = self.http.get(f"/api/v1/counters/{COUNTER}/state")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def clear_counter(self) -> None:
        current = self.state()["current_ticket"]
        if current:
            marked = self.http.post(f"/api/v1/tickets/{current['id']}/no-show")
            assert marked.status_code == 200, marked.text

    def call(self) -> str:
        """Issue a ticket for a service of the counter, then call the next one: its number."""
        service_id = self.state()["waiting"][0]["service_id"]
        issued = self.http.post(
            "/api/v1/tickets", json={"service_id": service_id, "channel": "walk_in"}
        )
        assert issued.status_code == 201, issued.text
        self.clear_counter()
        called = self.http.post(f"/api/v1/counters/{COUNTER}/call-next")
        assert called.status_code == 200, called.text
        return str(called.json()["number"])


def test_board_and_console_come_back_after_resets_and_502s(
    browser: Any, server: str, proxy: FlakyProxy
) -> None:
    officer = Officer(server)
    board = new_context_page(browser, proxy.base, viewport={"width": 1920, "height": 1080})
    record_speech(board)
    board.goto(DISPLAY)
    console = new_context_page(browser, proxy.base)
    sign_in(console, OFFICER)
    console.goto(f"/q/counter/{COUNTER}/")
    assert board.locator("#board-offline").is_hidden()

    first = officer.call()
    board.locator("#now-number", has_text=first).wait_for()
    board.wait_for_function("() => window.__spoken.length === 1", timeout=10_000)

    # The proxy resets every stream and answers 502 for a while (a server restart behind it).
    proxy.fail()
    board.locator("#board-offline").wait_for(state="visible")
    # Calls during the outage: the first is marked no-show, the second is still current.
    stale = officer.call()
    current = officer.call()
    deadline = time.monotonic() + 20
    while proxy.bad_gateways < 3 and time.monotonic() < deadline:
        time.sleep(0.2)  # the board and the console keep trying, with pauses in between
    assert proxy.bad_gateways >= 3
    waiting_before = officer.state()["waiting_total"]

    proxy.recover()
    # Back by itself (no reload): the current call is shown and spoken once; the stale one is not.
    board.locator("#now-number", has_text=current).wait_for(timeout=40_000)
    board.locator("#board-offline").wait_for(state="hidden")
    board.wait_for_function("() => window.__spoken.length === 2", timeout=10_000)
    texts = spoken(board)
    assert not any(stale.split("-")[-1].lstrip("0") in t and stale[0] in t for t in texts[1:]), (
        texts
    )
    assert board.locator("#calls-body tr").first.inner_text().startswith(current)

    # Live again at once: the next call comes through the proxy.
    live = officer.call()
    board.locator("#now-number", has_text=live).wait_for(timeout=10_000)
    board.wait_for_function("() => window.__spoken.length === 3", timeout=10_000)
    assert len(spoken(board)) == 3

    # The console got back too: its waiting total follows the queue without a reload.
    officer.http.post(
        "/api/v1/tickets",
        json={"service_id": officer.state()["waiting"][0]["service_id"], "channel": "walk_in"},
    )
    expected = officer.state()["waiting_total"]
    assert expected != waiting_before or expected > 0
    console.wait_for_function(
        f"() => document.getElementById('waiting-total').textContent.trim() === '{expected}'",
        timeout=40_000,
    )
