"""The event broker: ids, replay after an id, fan-out to async subscribers, publish on commit.

Each test runs against the in-process broker and, when REDIS_URL is set, the Redis broker."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from satupintu.core.events import (
    Event,
    InProcessBroker,
    RedisBroker,
    get_broker,
    publish_on_commit,
    reset_broker,
)


def _redis_broker() -> RedisBroker:
    # A fresh key prefix per test: tests never see each other's streams.
    return RedisBroker(os.environ["REDIS_URL"], prefix=f"sp-test:{uuid.uuid4().hex}")


@pytest.fixture(
    params=[
        pytest.param("memory"),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def broker(request: pytest.FixtureRequest) -> Iterator[InProcessBroker | RedisBroker]:
    chosen: InProcessBroker | RedisBroker = (
        InProcessBroker() if request.param == "memory" else _redis_broker()
    )
    reset_broker(chosen)
    yield chosen
    reset_broker(None)


async def _take(
    broker: InProcessBroker | RedisBroker,
    channels: list[str],
    count: int,
    *,
    after: int | None = None,
    ready: asyncio.Event | None = None,
    idle_seconds: float = 0.05,
    give_up_after: float = 5.0,
) -> list[Event]:
    got: list[Event] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + give_up_after
    async for event in broker.subscribe(channels, after=after, idle_seconds=idle_seconds):
        if ready is not None and not ready.is_set():
            ready.set()
        if event is not None:
            got.append(event)
        if len(got) >= count or loop.time() > deadline:
            break
    return got


def test_ids_grow_across_channels_and_one_event_has_one_id(broker) -> None:  # type: ignore[no-untyped-def]
    first = broker.publish_many(["mall:1", "floor:2"], "ticket.called", {"n": 1})
    second = broker.publish_many(["floor:9"], "ticket.called", {"n": 2})
    assert first is not None
    assert second is not None
    assert second.id > first.id
    assert [e.id for e in broker.events_after("mall:1", 0)] == [first.id]
    assert [e.id for e in broker.events_after("floor:2", 0)] == [first.id]
    assert broker.events_after("floor:2", first.id) == []
    assert broker.last_id("floor:9") == second.id
    assert broker.last_id("floor:unknown") == 0
    assert broker.events_after("mall:1", 0)[0].data == {"n": 1}


def test_an_event_on_several_channels_is_one_object_in_the_memory_logs() -> None:
    """A queue event goes to every console and board serving the service (35 channels in the
    benchmark's mall): the in-process broker keeps the one event in each channel's log, not a
    copy per channel, and names the first channel as the Redis broker does."""
    broker = InProcessBroker()
    channels = ["mall:1", "ticket:7", *(f"counter:{n}" for n in range(30)), "mall:1"]
    event = broker.publish_many(channels, "ticket.called", {"n": 1})
    assert event is not None
    assert event.channel == "mall:1"
    logged = [broker.events_after(channel, 0) for channel in dict.fromkeys(channels)]
    assert all(len(log) == 1 and log[0] is event for log in logged)


def test_ids_keep_growing_across_a_restart_of_the_broker(broker) -> None:  # type: ignore[no-untyped-def]
    """The id is the publishing time in microseconds (or the previous id + 1): a broker made
    afresh (a restarted server process; for Redis, a lost sequence key) goes on above the ids of
    the one before, and ids stay strictly increasing within a microsecond."""
    before = [broker.publish_many(["mall:1"], "ticket.called", {"n": i}) for i in range(50)]
    ids = [e.id for e in before if e is not None]
    assert ids == sorted(set(ids))
    assert len(ids) == 50
    assert abs(ids[0] - time.time_ns() // 1000) < 60_000_000  # about now, in microseconds
    if isinstance(broker, RedisBroker):
        broker._sync.delete(broker._sequence_key())  # Redis restarted without its data
        restarted: Any = broker
    else:
        restarted = InProcessBroker()
    after = restarted.publish_many(["mall:1"], "ticket.called", {"n": "after"})
    assert after is not None
    assert after.id > ids[-1]


def test_closing_ends_every_stream_and_refuses_new_ones(broker) -> None:  # type: ignore[no-untyped-def]
    """What SIGTERM does: every open stream ends at once (the server need not wait for the
    boards to leave), and a stream opened afterwards ends at once too."""

    async def scenario() -> None:
        subscribed = asyncio.Semaphore(0)

        async def drain() -> int:
            count = 0
            async for _event in broker.subscribe(["mall:1"], idle_seconds=30):
                count += 1
                subscribed.release()
            return count

        streams = [asyncio.create_task(drain()) for _ in range(20)]
        for _ in streams:
            await asyncio.wait_for(subscribed.acquire(), 10)
        started = time.monotonic()
        broker.close_streams()
        assert await asyncio.wait_for(asyncio.gather(*streams), 5) == [1] * 20  # just "subscribed"
        assert time.monotonic() - started < 2
        assert await asyncio.wait_for(drain(), 2) == 0

    asyncio.run(scenario())


def test_subscriber_gets_live_events_in_order(broker) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> list[Event]:
        ready = asyncio.Event()
        task = asyncio.create_task(_take(broker, ["mall:1"], 3, ready=ready))
        await asyncio.wait_for(ready.wait(), 5)  # subscribed (it yielded an idle tick)

        def publish() -> None:  # from another thread, like Django's sync code under ASGI
            for n in range(3):
                broker.publish_many(["mall:1"], "ticket.called", {"n": n})

        await asyncio.to_thread(publish)
        return await asyncio.wait_for(task, 5)

    events = asyncio.run(scenario())
    assert [e.data["n"] for e in events] == [0, 1, 2]
    assert all(e.type == "ticket.called" for e in events)


def test_replay_after_last_event_id_then_live(broker) -> None:  # type: ignore[no-untyped-def]
    seen = broker.publish_many(["floor:1"], "ticket.called", {"n": 0})
    broker.publish_many(["floor:1"], "ticket.called", {"n": 1})
    broker.publish_many(["floor:2"], "ticket.called", {"n": "other floor"})
    broker.publish_many(["floor:1"], "ticket.finished", {"n": 2})

    async def scenario() -> list[Event]:
        ready = asyncio.Event()
        task = asyncio.create_task(_take(broker, ["floor:1"], 3, after=seen.id, ready=ready))
        await asyncio.wait_for(ready.wait(), 5)
        await asyncio.to_thread(broker.publish_many, ["floor:1"], "ticket.called", {"n": 3})
        return await asyncio.wait_for(task, 5)

    events = asyncio.run(scenario())
    assert [e.data["n"] for e in events] == [1, 2, 3]
    assert [e.type for e in events] == ["ticket.called", "ticket.finished", "ticket.called"]


def test_one_event_on_two_subscribed_channels_arrives_once(broker) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> list[Event]:
        ready = asyncio.Event()
        task = asyncio.create_task(_take(broker, ["counter:1", "mall:1"], 2, ready=ready))
        await asyncio.wait_for(ready.wait(), 5)

        def publish() -> None:
            broker.publish_many(["mall:1", "counter:1"], "ticket.called", {"n": 1})
            broker.publish_many(["mall:1"], "ticket.issued", {"n": 2})

        await asyncio.to_thread(publish)
        return await asyncio.wait_for(task, 5)

    events = asyncio.run(scenario())
    assert [e.data["n"] for e in events] == [1, 2]


def test_many_subscribers_each_get_every_event(broker) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> list[list[Event]]:
        readies = [asyncio.Event() for _ in range(50)]
        tasks = [asyncio.create_task(_take(broker, ["mall:7"], 2, ready=r)) for r in readies]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 5)
        await asyncio.to_thread(broker.publish_many, ["mall:7"], "ticket.called", {"n": 1})
        await asyncio.to_thread(broker.publish_many, ["mall:7"], "ticket.called", {"n": 2})
        return await asyncio.wait_for(asyncio.gather(*tasks), 10)

    for events in asyncio.run(scenario()):
        assert [e.data["n"] for e in events] == [1, 2]


def test_memory_broker_forgets_a_subscriber_that_left() -> None:
    broker = InProcessBroker()

    async def scenario() -> None:
        got = await _take(broker, ["mall:1"], 0, give_up_after=0)
        assert got == []

    asyncio.run(scenario())
    assert broker.subscriber_count("mall:1") == 0
    # Publishing with no subscriber left still records the event for replay.
    event = broker.publish_many(["mall:1"], "ticket.called", {})
    assert event is not None
    assert broker.last_id("mall:1") == event.id > 0


@pytest.mark.django_db(transaction=True)
def test_publish_on_commit_waits_for_commit_and_drops_rollbacks(broker) -> None:  # type: ignore[no-untyped-def]
    assert get_broker() is broker
    with transaction.atomic():
        publish_on_commit(["mall:1"], "ticket.called", {"n": 1})
        assert broker.events_after("mall:1", 0) == []  # not before the commit
    assert [e.data for e in broker.events_after("mall:1", 0)] == [{"n": 1}]

    def rolled_back() -> None:
        with transaction.atomic():
            publish_on_commit(["mall:1"], "ticket.called", {"n": 2})
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        rolled_back()
    assert [e.data for e in broker.events_after("mall:1", 0)] == [{"n": 1}]


def test_redis_broker_is_chosen_by_settings(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EVENT_BROKER = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # not contacted until the first publish
    reset_broker(None)
    try:
        assert isinstance(get_broker(), RedisBroker)
    finally:
        reset_broker(None)
    settings.EVENT_BROKER = "memory"
    assert isinstance(get_broker(), InProcessBroker)
    reset_broker(None)


def test_publisher_threads_do_not_share_ids(broker) -> None:  # type: ignore[no-untyped-def]
    ids: list[int] = []
    lock = threading.Lock()

    def publish() -> None:
        for _ in range(50):
            event = broker.publish_many(["mall:3"], "ticket.issued", {})
            with lock:
                ids.append(event.id)

    threads = [threading.Thread(target=publish) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 400
    assert [e.id for e in broker.events_after("mall:3", 0)] == sorted(ids)


@pytest.mark.redis
def test_redis_subscribers_of_one_process_share_one_reader() -> None:
    broker = _redis_broker()

    async def scenario() -> list[list[Event]]:
        readies = [asyncio.Event() for _ in range(30)]
        tasks = [
            asyncio.create_task(_take(broker, [f"floor:{i % 3}"], 1, ready=ready))
            for i, ready in enumerate(readies)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 10)
        hub = broker._hub()
        assert len(broker._hubs) == 1  # one reader (one Redis connection) for the loop
        assert {c: len(s) for c, s in hub.subscribers.items()} == {
            "floor:0": 10,
            "floor:1": 10,
            "floor:2": 10,
        }
        for floor in range(3):
            await asyncio.to_thread(broker.publish_many, [f"floor:{floor}"], "t", {"f": floor})
        results = await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert hub.subscribers == {}  # channels are dropped when their last board leaves
        assert hub.positions == {}
        return results

    results = asyncio.run(scenario())
    assert [events[0].data["f"] for events in results] == [i % 3 for i in range(30)]
