"""Live screens across a real restart of a one-process server (uvicorn in a subprocess, the
in-process broker, PostgreSQL): SIGTERM ends the open event streams at once, so the server exits
in about a second with boards connected instead of waiting for them; a board that reconnects to
the next process with the last id it had gets the new call (ids keep growing across the restart).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import time as dtime
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

from satupintu.accounts.models import Role
from satupintu.accounts.services import api_token_issue
from satupintu.accounts.tests.factories import DeviceUserFactory, MembershipFactory, user_with_role
from satupintu.catalog.models import OpeningHours
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    CounterFactory,
    FloorFactory,
    MallFactory,
    ServiceFactory,
)
from satupintu.queueing.tests.factories import DisplayFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
IDLE_BOARDS = 40


class Server:
    def __init__(self) -> None:
        db = settings.DATABASES["default"]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "satupintu.settings",
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "PERSONAL_DATA_KEY": os.environ["PERSONAL_DATA_KEY"],
            "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "RATELIMIT_ENABLE": "0",
            "EVENT_BROKER": "memory",
            "SSE_HEARTBEAT_SECONDS": "1",
            "LOG_LEVEL": "ERROR",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "satupintu.asgi:application", "--host",
             "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level", "error"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"no server: {self.process.stderr.read()[-2000:]!r}")  # type: ignore[union-attr]
            time.sleep(0.2)

    def stop(self) -> float:
        """SIGTERM; the seconds until the process has exited (killed after 30)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return float("inf")
        return time.monotonic() - started


class Board:
    """An SSE client in a thread: the (event, id, data) of each message; `ended` once the server
    closed the stream."""

    def __init__(self, url: str, last_id: str | None = None) -> None:
        self.messages: list[tuple[str, str | None, str]] = []
        self.ended = threading.Event()
        self.subscribed = threading.Event()
        headers = {"Last-Event-ID": last_id} if last_id else {}
        self._thread = threading.Thread(target=self._run, args=(url, headers), daemon=True)
        self._thread.start()

    def _run(self, url: str, headers: dict[str, str]) -> None:
        event, event_id, data = "message", None, ""
        try:
            with httpx.stream("GET", url, headers=headers, timeout=60) as response:
                for line in response.iter_lines():
                    if line.startswith("retry:"):
                        self.subscribed.set()
                    elif line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("id:"):
                        event_id = line[3:].strip()
                    elif line.startswith("data:"):
                        data = line[5:].strip()
                    elif line == "" and data:
                        self.messages.append((event, event_id, data))
                        event, event_id, data = "message", None, ""
        except httpx.HTTPError:
            pass
        finally:
            self.ended.set()

    def wait_for(self, event: str, timeout: float = 15) -> tuple[str, str | None, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if message[0] == event:
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no {event} within {timeout} s: {self.messages}")


@pytest.fixture
def queue() -> dict[str, Any]:
    mall = MallFactory(slug="restart-mall")
    for weekday in range(7):
        OpeningHours.objects.create(mall=mall, weekday=weekday, opens=dtime(0, 0),
                                    closes=dtime(23, 59))  # fmt: skip
    agency = AgencyFactory(mall=mall)
    service = ServiceFactory(mall=mall, agency=agency, queue_prefix="R")
    floor = FloorFactory(mall=mall, number=1)
    counter = CounterFactory(mall=mall, floor=floor, number=1, name="Loket 1", services=[service])
    kiosk = DeviceUserFactory(username="restart-kiosk")
    MembershipFactory(user=kiosk, mall=mall, role=Role.KIOSK)
    officer = user_with_role(Role.COUNTER_OFFICER, mall=mall, username="restart-officer")
    display = DisplayFactory(mall=mall, floor=floor)
    return {
        "service_id": service.pk,
        "counter_id": counter.pk,
        "display_id": display.pk,
        "kiosk": {"Authorization": f"Bearer {api_token_issue(user=kiosk)}"},
        "officer": {"Authorization": f"Bearer {api_token_issue(user=officer)}"},
    }


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def _call(base: str, queue: dict[str, Any]) -> dict[str, Any]:
    issued = httpx.post(f"{base}/api/v1/tickets", headers=queue["kiosk"],
                        json={"service_id": queue["service_id"], "channel": "walk_in"})  # fmt: skip
    assert issued.status_code == 201, issued.text
    called = httpx.post(f"{base}/api/v1/counters/{queue['counter_id']}/call-next",
                        headers=queue["officer"], timeout=10)  # fmt: skip
    assert called.status_code == 200, called.text
    return called.json()


def test_restart_closes_streams_at_once_and_boards_resume_with_their_last_id(
    queue: dict[str, Any], servers: list[Server]
) -> None:
    first = Server()
    servers.append(first)
    events = f"/api/v1/displays/{queue['display_id']}/events"
    board = Board(first.base + events)
    idle = [Board(first.base + events) for _ in range(IDLE_BOARDS)]
    assert all(b.subscribed.wait(20) for b in [board, *idle])
    opened = httpx.post(f"{first.base}/api/v1/counters/{queue['counter_id']}/open",
                        headers=queue["officer"])  # fmt: skip
    assert opened.status_code == 200, opened.text
    ticket = _call(first.base, queue)
    _event, last_id, _data = board.wait_for("ticket.called")
    assert last_id is not None

    # SIGTERM with 41 boards connected: the streams end at once and the process exits.
    seconds = first.stop()
    # uvicorn, having shut down, ends by the signal it was given (as a process without a handler)
    assert first.process.returncode in (0, -signal.SIGTERM)
    print(f"stopped in {seconds:.2f} s with {IDLE_BOARDS + 1} boards connected")
    assert seconds < 10, f"the server took {seconds:.1f} s to stop with boards connected"
    assert all(b.ended.wait(5) for b in [board, *idle])

    # The next process knows nothing of the ids before it; the board resumes with its last id.
    second = Server()
    servers.append(second)
    again = Board(second.base + events, last_id=last_id)
    assert again.subscribed.wait(20)
    marked = httpx.post(f"{second.base}/api/v1/tickets/{ticket['id']}/no-show",
                        headers=queue["officer"])  # fmt: skip
    assert marked.status_code == 200, marked.text
    new_call = _call(second.base, queue)
    _event, new_id, data = again.wait_for("ticket.called")
    assert new_call["number"] in data
    assert int(new_id or 0) > int(last_id)
    assert second.stop() < 10
