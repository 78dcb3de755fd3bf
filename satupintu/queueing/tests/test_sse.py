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


def test_reconnecting_board_gets_missed_events_in_order(server: str, broker: Any) -> None:
    """A board's reconnect without calls to replay: it resumes after its last id (header or query
    parameter), gets one `replay.end` with the waiting counts now and its new position, then
    live events."""
    mall = MallFactory()
    display = DisplayFactory(mall=mall, floor=None)  # mall-wide: listens on mall:<id>
    url = f"{server}/api/v1/displays/{display.pk}/events"
    first = SseClient(url)
    try:
        assert first.next().event == "hello"
        publish_on_commit([f"mall:{mall.pk}"], "ticket.issued", {"waiting": {"7": 1}})
        seen = first.next()
        assert seen.event == "ticket.issued"
    finally:
        first.close()

    # While the board is away: two more tickets.
    publish_on_commit([f"mall:{mall.pk}"], "ticket.issued", {"waiting": {"7": 2}})
    publish_on_commit([f"mall:{mall.pk}"], "ticket.issued", {"waiting": {"7": 3, "8": 1}})
    newest = broker.last_id(f"mall:{mall.pk}")

    again = SseClient(url, headers={"Last-Event-ID": str(seen.id)})
    try:
        assert again.next().event == "hello"
        end = again.next()
        assert end.event == "replay.end"
        assert end.json() == {"calls": 0, "waiting": {"7": 3, "8": 1}}
        assert int(end.id or 0) == newest
        publish_on_commit([f"mall:{mall.pk}"], "ticket.issued", {"waiting": {"7": 4}})
        live = again.next()
        assert live.json() == {"waiting": {"7": 4}}
        assert int(live.id or 0) > newest
    finally:
        again.close()

    # The page's first connection passes its id as a query parameter; nothing missed: nothing
    # replayed, straight to live events.
    by_query = SseClient(f"{url}?last_event_id={live.id}")
    try:
        assert by_query.next().event == "hello"
        publish_on_commit([f"mall:{mall.pk}"], "ticket.issued", {"waiting": {"7": 5}})
        assert by_query.next().json() == {"waiting": {"7": 5}}
    finally:
        by_query.close()


def test_reconnecting_board_gets_only_current_calls_newest_first(
    server: str, broker: Any, world: Any, clock: Any
) -> None:
    """After an outage a board announces only the calls still waiting for their visitor, made
    less than DISPLAY_REPLAY_SECONDS ago, the latest of each counter once, newest first; not the
    calls since finished, started, marked no-show, or too old (issue #12)."""
    from satupintu.accounts.models import Role
    from satupintu.accounts.tests.factories import user_with_role
    from satupintu.catalog.tests.factories import CounterFactory
    from satupintu.queueing import services

    floor = world.counter.floor
    counter_a = world.counter
    counter_b = CounterFactory(
        mall=world.mall, floor=floor, number=2, name="Loket 2", services=[world.service]
    )
    counter_c = CounterFactory(
        mall=world.mall, floor=floor, number=3, name="Loket 3", services=[world.service]
    )
    officer_c = user_with_role(Role.COUNTER_OFFICER, mall=world.mall, username="loket-c")
    services.counter_open(counter=counter_a, actor=world.officer)
    services.counter_open(counter=counter_b, actor=world.other_officer)
    services.counter_open(counter=counter_c, actor=officer_c)
    for _ in range(7):
        services.ticket_issue(service=world.service)
    display = DisplayFactory(mall=world.mall, floor=floor)
    url = f"{server}/api/v1/displays/{display.pk}/events"

    board = SseClient(url)
    try:
        assert board.next().event == "hello"
        a001 = services.counter_call_next(counter=counter_a, actor=world.officer)
        seen = board.next()
        assert seen.json()["ticket_number"] == a001.number == "A-001"
    finally:
        board.close()

    # The outage. Counter C calls A-002 and nobody acts on it for four minutes: too old to
    # announce again. Counter A marks A-001 no-show, calls A-003 (no-show too), then A-004.
    # Counter B calls A-005, recalls it, serves it, then calls A-006. Last, A recalls A-004.
    a002 = services.counter_call_next(counter=counter_c, actor=officer_c)
    clock.advance(seconds=240)
    services.ticket_no_show(ticket=a001, actor=world.officer)
    a003 = services.counter_call_next(counter=counter_a, actor=world.officer)
    services.ticket_no_show(ticket=a003, actor=world.officer)
    a004 = services.counter_call_next(counter=counter_a, actor=world.officer)
    a005 = services.counter_call_next(counter=counter_b, actor=world.other_officer)
    services.ticket_recall(ticket=a005, actor=world.other_officer)
    services.ticket_start(ticket=a005, actor=world.other_officer)
    services.ticket_finish(ticket=a005, actor=world.other_officer, outcome="served", note="")
    clock.advance(seconds=30)
    a006 = services.counter_call_next(counter=counter_b, actor=world.other_officer)
    services.ticket_recall(ticket=a004, actor=world.officer)
    assert (a003.number, a004.number, a005.number, a006.number) == (
        "A-003",
        "A-004",
        "A-005",
        "A-006",
    )
    newest = broker.last_id(f"floor:{floor.pk}")

    again = SseClient(url, headers={"Last-Event-ID": str(seen.id)})
    try:
        assert again.next().event == "hello"
        replayed = [again.next(), again.next()]
        # The recall of A-004 is the newest call, then A-006; each once, marked, without an id
        # (the board's position moves with the end of the replay).
        assert [(m.event, m.json()["ticket_number"]) for m in replayed] == [
            ("ticket.recalled", "A-004"),
            ("ticket.called", "A-006"),
        ]
        assert all(m.json()["replayed"] is True and m.id is None for m in replayed)
        assert replayed[1].json()["announcement"] == (
            "Nomor antrian A enam, silakan menuju Loket dua"
        )
        end = again.next()
        assert end.event == "replay.end"
        assert end.json()["calls"] == 2
        assert end.json()["waiting"] == {str(world.service.pk): 1}  # A-007 waits
        assert int(end.id or 0) == newest
        # Live again: the next call comes at once.
        services.ticket_no_show(ticket=a002, actor=officer_c)
        assert again.next().event == "ticket.no_show"
        a007 = services.counter_call_next(counter=counter_c, actor=officer_c)
        live = again.next()
        assert (live.event, live.json()["ticket_number"]) == ("ticket.called", a007.number)
        assert "replayed" not in live.json()
    finally:
        again.close()


def test_board_from_before_a_restart_gets_new_calls(server: str, world: Any) -> None:
    """Ids keep growing across restarts of the in-process broker (it keeps nothing): a board that
    reconnects with the last id it had before the restart still gets the new calls. An id from
    the future (another deployment, a clock set back) is no reason to send nothing either."""
    from satupintu.queueing import services

    before = InProcessBroker()
    reset_broker(before)
    try:
        old_id = before.publish(f"floor:{world.counter.floor_id}", "ticket.issued", {}).id
        reset_broker(InProcessBroker())  # the restart: a new broker with nothing in memory
        display = DisplayFactory(mall=world.mall, floor=world.counter.floor)
        url = f"{server}/api/v1/displays/{display.pk}/events"
        services.ticket_issue(service=world.service)
        services.counter_open(counter=world.counter, actor=world.officer)
        for last_id in (old_id, 10**18):
            board = SseClient(url, headers={"Last-Event-ID": str(last_id)})
            try:
                assert board.next().event == "hello"
                if last_id == old_id:
                    # What it missed since the restart: the ticket issued (a count, no call).
                    assert board.next().event == "replay.end"
                    called = services.counter_call_next(counter=world.counter, actor=world.officer)
                    message = board.next()
                    assert message.event == "ticket.called"
                    assert int(message.id or 0) > old_id
                else:
                    # The future id counts as "from before": the current call is replayed.
                    replayed = board.next()
                    assert replayed.json()["ticket_number"] == called.number
                    assert replayed.json()["replayed"] is True
                    assert board.next().event == "replay.end"
            finally:
                board.close()
    finally:
        reset_broker(None)


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
