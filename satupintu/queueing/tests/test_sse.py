"""Server-sent events over real HTTP: a uvicorn server in a thread, an httpx client reading the
stream. Covers: events only after commit, nothing for a rolled-back change, replay with
Last-Event-ID after a reconnect, heartbeats, and the same through the Redis broker."""

from __future__ import annotations

import json
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from django.db import transaction

from satupintu.catalog.tests.factories import FloorFactory, MallFactory
from satupintu.core.events import InProcessBroker, RedisBroker, publish_on_commit, reset_broker
from satupintu.core.tests.live_server import uvicorn_server
from satupintu.queueing.tests.factories import DisplayFactory
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_heartbeat(settings: Any) -> None:
    # Frequent heartbeats let a closed test client's stream end quickly on the server.
    settings.SSE_HEARTBEAT_SECONDS = 0.3


@pytest.fixture
def server() -> Iterator[str]:
    with uvicorn_server() as url:
        yield url


@pytest.fixture(
    params=[pytest.param("memory"), pytest.param("redis", marks=pytest.mark.redis)],
)
def broker(request: pytest.FixtureRequest) -> Iterator[InProcessBroker | RedisBroker]:
    chosen: InProcessBroker | RedisBroker = (
        InProcessBroker()
        if request.param == "memory"
        else RedisBroker(os.environ["REDIS_URL"], prefix=f"sp-test:{uuid.uuid4().hex}")
    )
    reset_broker(chosen)
    yield chosen
    reset_broker(None)


@dataclass
class SseMessage:
    event: str = "message"
    data: str = ""
    id: str | None = None
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.data)


class SseClient:
    """Reads an SSE stream in a thread and hands over complete messages (and comments)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.messages: queue.Queue[SseMessage] = queue.Queue()
        self.comments: queue.Queue[str] = queue.Queue()
        self.status: int | None = None
        self.content_type = ""
        self.retry: int | None = None
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(30, connect=5))
        self._thread = threading.Thread(target=self._run, args=(url, headers or {}), daemon=True)
        self._thread.start()

    def _run(self, url: str, headers: dict[str, str]) -> None:
        current = SseMessage()
        data_lines: list[str] = []
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                self.status = response.status_code
                self.content_type = response.headers.get("content-type", "")
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line == "":
                        if data_lines or current.id is not None:
                            current.data = "\n".join(data_lines)
                            self.messages.put(current)
                        current, data_lines = SseMessage(), []
                    elif line.startswith(":"):
                        self.comments.put(line[1:].strip())
                    else:
                        name, _, value = line.partition(":")
                        value = value[1:] if value.startswith(" ") else value
                        if name == "event":
                            current.event = value
                        elif name == "data":
                            data_lines.append(value)
                        elif name == "id":
                            current.id = value
                        elif name == "retry":
                            self.retry = int(value)
        except (httpx.HTTPError, RuntimeError):
            return

    def next(self, timeout: float = 15.0) -> SseMessage:
        return self.messages.get(timeout=timeout)

    def wait_status(self, timeout: float = 15.0) -> int | None:
        """The response's status once its headers arrived (the stream is then subscribed)."""
        deadline = time.monotonic() + timeout
        while self.status is None and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.status

    def expect_nothing(self, seconds: float) -> None:
        with pytest.raises(queue.Empty):
            self.messages.get(timeout=seconds)

    def close(self) -> None:
        self._stop.set()
        self._client.close()
        self._thread.join(5)


def _call_data(number: str) -> dict[str, Any]:
    return {
        "ticket_id": 1,
        "ticket_number": number,
        "status": "called",
        "counter_name": "Loket 5",
        "counter_number": 5,
        "floor": 1,
        "called_at": "2026-11-28T09:00:00+07:00",
    }


def test_display_stream_sends_calls_only_after_commit(server: str, broker: Any) -> None:
    floor = FloorFactory(mall=MallFactory())
    display = DisplayFactory(mall=floor.mall, floor=floor)
    client = SseClient(f"{server}/api/v1/displays/{display.pk}/events")
    try:
        hello = client.next()
        assert hello.event == "hello"
        assert client.status == 200
        assert client.content_type.startswith("text/event-stream")
        assert client.retry == 3000

        with transaction.atomic():
            publish_on_commit([f"floor:{floor.pk}"], "ticket.called", _call_data("A-012"))
            client.expect_nothing(0.5)  # not before the commit
        message = client.next()
        assert message.event == "ticket.called"
        data = message.json()
        assert data["ticket_number"] == "A-012"
        assert {"ticket_number", "counter_name", "floor", "called_at"} <= data.keys()
        assert data["announcement"] == "Nomor antrian A dua belas, silakan menuju Loket lima"
        assert data["announcement_en"] == "Queue number A 12, please go to Loket 5"
        assert message.id is not None

        def rolled_back() -> None:
            with transaction.atomic():
                publish_on_commit([f"floor:{floor.pk}"], "ticket.called", _call_data("A-013"))
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            rolled_back()
        # Another floor's call does not reach this board either.
        publish_on_commit([f"floor:{floor.pk + 1000}"], "ticket.called", _call_data("B-001"))
        publish_on_commit([f"floor:{floor.pk}"], "ticket.called", _call_data("A-014"))
        assert client.next().json()["ticket_number"] == "A-014"  # A-013 never came
        client.expect_nothing(0.3)
    finally:
        client.close()


def test_reconnecting_board_gets_missed_calls(server: str, broker: Any) -> None:
    mall = MallFactory()
    display = DisplayFactory(mall=mall, floor=None)  # mall-wide: listens on mall:<id>
    url = f"{server}/api/v1/displays/{display.pk}/events"
    first = SseClient(url)
    try:
        assert first.next().event == "hello"
        publish_on_commit([f"mall:{mall.pk}"], "ticket.called", _call_data("A-001"))
        seen = first.next()
        assert seen.json()["ticket_number"] == "A-001"
    finally:
        first.close()

    # While the board is away: two calls and a finish.
    publish_on_commit([f"mall:{mall.pk}"], "ticket.called", _call_data("A-002"))
    publish_on_commit([f"mall:{mall.pk}"], "ticket.finished", _call_data("A-001"))
    publish_on_commit([f"mall:{mall.pk}"], "ticket.called", _call_data("A-003"))

    again = SseClient(url, headers={"Last-Event-ID": str(seen.id)})
    try:
        assert again.next().event == "hello"
        missed = [again.next() for _ in range(3)]
        assert [(m.event, m.json()["ticket_number"]) for m in missed] == [
            ("ticket.called", "A-002"),
            ("ticket.finished", "A-001"),
            ("ticket.called", "A-003"),
        ]
        assert [int(m.id or 0) for m in missed] == sorted(int(m.id or 0) for m in missed)
        # And live again afterwards.
        publish_on_commit([f"mall:{mall.pk}"], "ticket.called", _call_data("A-004"))
        assert again.next().json()["ticket_number"] == "A-004"
    finally:
        again.close()

    # The page's first connection may also pass the id as a query parameter.
    by_query = SseClient(f"{url}?last_event_id={missed[1].id}")
    try:
        assert by_query.next().event == "hello"
        assert [by_query.next().json()["ticket_number"] for _ in range(2)] == ["A-003", "A-004"]
    finally:
        by_query.close()


def test_idle_stream_sends_heartbeats(server: str, broker: Any, settings: Any) -> None:
    display = DisplayFactory()
    client = SseClient(f"{server}/api/v1/displays/{display.pk}/events")
    try:
        assert client.next().event == "hello"
        deadline = time.monotonic() + 5
        while client.comments.get(timeout=5) != "heartbeat":
            assert time.monotonic() < deadline
    finally:
        client.close()


def test_unknown_display_is_404(server: str) -> None:
    response = httpx.get(f"{server}/api/v1/displays/999999/events", timeout=5)
    assert response.status_code == 404


# --- through the queue services ------------------------------------------------------------------


def _session_cookie(user: Any) -> dict[str, str]:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"Cookie": f"{name}={client.cookies[name].value}"}


def test_counter_call_reaches_the_board_after_commit_only(
    server: str, broker: Any, world: Any
) -> None:
    from satupintu.queueing import services

    display = DisplayFactory(mall=world.mall, floor=world.counter.floor)
    first = services.ticket_issue(service=world.service)
    services.ticket_issue(service=world.service)
    services.counter_open(counter=world.counter, actor=world.officer)
    client = SseClient(f"{server}/api/v1/displays/{display.pk}/events")
    try:
        assert client.next().event == "hello"
        with transaction.atomic():
            called = services.counter_call_next(counter=world.counter, actor=world.officer)
            client.expect_nothing(0.5)
        assert called is not None
        assert called.pk == first.pk
        message = client.next()
        assert message.event == "ticket.called"
        data = message.json()
        assert data["ticket_number"] == "A-001"
        assert data["counter_name"] == "Loket 1"
        assert data["floor"] == 1
        assert data["called_at"]
        assert data["announcement"] == "Nomor antrian A satu, silakan menuju Loket satu"
        assert data["waiting"] == {str(world.service.pk): 1}

        def recall_rolled_back() -> None:
            with transaction.atomic():
                services.ticket_recall(ticket=called, actor=world.officer)
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            recall_rolled_back()
        services.ticket_start(ticket=called, actor=world.officer)
        assert client.next().event == "ticket.started"  # the recall never went out
    finally:
        client.close()


def test_console_stream_is_for_its_officers_only(server: str, broker: Any, world: Any) -> None:
    from satupintu.accounts.models import Role
    from satupintu.accounts.tests.factories import user_with_role
    from satupintu.queueing import services

    url = f"{server}/q/counter/{world.counter.pk}/events"
    assert httpx.get(url, timeout=5).status_code == 404
    stranger = user_with_role(Role.COUNTER_OFFICER, mall=MallFactory(), username="stranger")
    assert httpx.get(url, headers=_session_cookie(stranger), timeout=5).status_code == 404

    client = SseClient(url, headers=_session_cookie(world.officer))
    try:
        assert client.wait_status() == 200
        services.ticket_issue(service=world.service)
        message = client.next()
        assert message.event == "ticket.issued"
        assert message.json()["waiting"] == {str(world.service.pk): 1}
    finally:
        client.close()


def test_phone_stream_needs_the_ticket_token(server: str, broker: Any, world: Any) -> None:
    from satupintu.queueing import services
    from satupintu.queueing.selectors import ticket_token

    ticket = services.ticket_issue(service=world.service, name="Budi Santoso", phone="081298765432")
    url = f"{server}/q/ticket/{ticket.pk}/events"
    assert httpx.get(f"{url}?token=wrong", timeout=5).status_code == 404
    client = SseClient(f"{url}?token={ticket_token(ticket)}")
    try:
        assert client.wait_status() == 200
        services.counter_open(counter=world.counter, actor=world.officer)
        services.counter_call_next(counter=world.counter, actor=world.officer)
        message = client.next()
        assert message.event == "ticket.called"
        assert message.json()["ticket_number"] == ticket.number
        assert "Budi" not in message.data
        assert "0812" not in message.data
    finally:
        client.close()
