"""The queue services: issuing, numbering, counters at work, calling and every transition,
with the denials (and that a denied action changed nothing)."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.models import Counter
from satupintu.catalog.tests.factories import (
    ClosureDayFactory,
    CounterFactory,
    FloorFactory,
    ServiceFactory,
)
from satupintu.core.errors import Conflict, InvalidInput
from satupintu.queueing import selectors, services
from satupintu.queueing.models import (
    CounterSession,
    NumberSequence,
    Ticket,
    TicketEvent,
)
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import JAKARTA, Clock, QueueWorld

pytestmark = pytest.mark.django_db


def snapshot(ticket: Ticket) -> tuple[object, ...]:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.counter_id,
        ticket.called_at,
        ticket.started_at,
        ticket.finished_at,
        ticket.recall_count,
        ticket.events.count(),
    )


def take_counter(w: QueueWorld) -> None:
    services.counter_open(counter=w.counter, actor=w.officer)


# --- issuing and numbering ----------------------------------------------------------------------


def test_numbers_count_up_per_queue_and_restart_each_day_in_the_mall_time_zone(
    world: QueueWorld, clock: Clock
) -> None:
    world.service.mall.opening_hours.all().delete()
    for weekday in range(7):
        world.mall.opening_hours.create(weekday=weekday, opens=time(0, 0), closes=time(23, 59))
    numbers = [services.ticket_issue(service=world.service).number for _ in range(3)]
    numbers.append(services.ticket_issue(service=world.other_service).number)
    assert numbers == ["A-001", "A-002", "A-003", "B-001"]
    # 23:30 in Yogyakarta is still the same service day...
    clock.set(datetime(2026, 3, 4, 23, 30, tzinfo=JAKARTA))
    assert services.ticket_issue(service=world.service).number == "A-004"
    # ...00:30 the next morning is a new one, although it is still 4 March in UTC.
    clock.set(datetime(2026, 3, 5, 0, 30, tzinfo=JAKARTA))
    assert clock().date().isoformat() == "2026-03-04"
    ticket = services.ticket_issue(service=world.service)
    assert (ticket.number, ticket.service_date.isoformat()) == ("A-001", "2026-03-05")


def test_issue_records_event_and_publishes_after_commit(world: QueueWorld, published: list) -> None:
    ticket = services.ticket_issue(service=world.service, priority="elderly", name="Siti")
    event = ticket.events.get()
    assert (event.action, event.from_status, event.to_status) == ("issue", "", "waiting")
    (sent,) = published
    assert sent.type == "ticket.issued"
    assert f"mall:{world.mall.pk}" in sent.channels
    assert f"ticket:{ticket.pk}" in sent.channels
    assert f"counter:{world.counter.pk}" in sent.channels
    assert sent.data["ticket_number"] == "A-001"
    assert sent.data["waiting"] == {str(world.service.pk): 1}
    assert sent.data["priority"] == "elderly"
    assert set(sent.data) >= {
        "ticket_id",
        "status",
        "service_id",
        "service_name",
        "counter_id",
        "counter_name",
        "counter_number",
        "floor",
        "called_at",
    }


@pytest.mark.parametrize(
    ("when", "reason_word"),
    [
        (datetime(2026, 3, 4, 7, 59, tzinfo=JAKARTA), "08:00"),  # before opening
        (datetime(2026, 3, 4, 16, 0, tzinfo=JAKARTA), "16:00"),  # at closing
        (datetime(2026, 3, 7, 10, 0, tzinfo=JAKARTA), "closed"),  # Saturday: no hours
        (datetime(2026, 3, 19, 10, 0, tzinfo=JAKARTA), "closed"),  # Nyepi, a national holiday
    ],
)
def test_closed_mall_refuses_tickets_and_changes_nothing(
    world: QueueWorld, clock: Clock, when: datetime, reason_word: str
) -> None:
    clock.set(when)
    with pytest.raises(Conflict) as exc:
        services.ticket_issue(service=world.service)
    assert exc.value.code == "mall_closed"
    assert reason_word in exc.value.message
    assert not Ticket.objects.exists()
    assert not NumberSequence.objects.exists()


def test_closure_day_refuses_tickets(world: QueueWorld) -> None:
    ClosureDayFactory(mall=world.mall, date=datetime(2026, 3, 4).date(), reason="Renovasi")
    with pytest.raises(Conflict) as exc:
        services.ticket_issue(service=world.service)
    assert "Renovasi" in exc.value.message
    assert not Ticket.objects.exists()


def test_channel_not_offered_is_a_conflict(world: QueueWorld) -> None:
    with pytest.raises(Conflict) as exc:
        services.ticket_issue(service=world.service, channel="drive_thru", plate_number="AB 1 C")
    assert exc.value.field == "channel"
    assert not Ticket.objects.exists()


def test_drive_thru_needs_a_valid_plate(world: QueueWorld) -> None:
    lane_service = ServiceFactory(
        agency=world.service.agency, mall=world.mall, offers_drive_thru=True, queue_prefix="D"
    )
    for plate in ["", "   ", "1234", "AB 0123 CD"]:
        with pytest.raises(InvalidInput) as exc:
            services.ticket_issue(service=lane_service, channel="drive_thru", plate_number=plate)
        assert exc.value.field == "plate_number"
    assert not Ticket.objects.exists()
    ticket = services.ticket_issue(
        service=lane_service, channel="drive_thru", plate_number="ab-1234-xy"
    )
    assert (ticket.plate_number, ticket.number) == ("AB 1234 XY", "D-001")


def test_invalid_phone_and_priority_are_422(world: QueueWorld) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.ticket_issue(service=world.service, phone="12")
    assert exc.value.field == "phone"
    with pytest.raises(InvalidInput) as exc:
        services.ticket_issue(service=world.service, priority="vip")
    assert exc.value.field == "priority"
    ticket = services.ticket_issue(service=world.service, phone="0812 3456 7890")
    assert ticket.phone == "+6281234567890"


def test_daily_quota_per_channel_is_enforced_without_gaps(world: QueueWorld) -> None:
    world.service.quota_walk_in = 2
    world.service.save()
    services.ticket_issue(service=world.service)
    services.ticket_issue(service=world.service)
    with pytest.raises(Conflict) as exc:
        services.ticket_issue(service=world.service)
    assert exc.value.code == "quota_exhausted"
    assert "quota" in exc.value.message
    assert Ticket.objects.count() == 2
    # The refused ticket did not use up a number.
    assert NumberSequence.objects.get(queue_prefix="A").last_value == 2
    # Another service sharing the prefix still gets the next number.
    shared = ServiceFactory(agency=world.service.agency, mall=world.mall, queue_prefix="A")
    assert services.ticket_issue(service=shared).number == "A-003"


# --- counters -----------------------------------------------------------------------------------


def test_one_counter_per_person_and_one_person_per_counter(world: QueueWorld) -> None:
    take_counter(world)
    with pytest.raises(Conflict) as exc:
        services.counter_open(counter=world.counter, actor=world.other_officer)
    assert exc.value.code == "counter_taken"
    second = CounterFactory(mall=world.mall, floor=world.counter.floor, number=2)
    with pytest.raises(Conflict) as exc:
        services.counter_open(counter=second, actor=world.officer)
    assert exc.value.code == "officer_busy"
    assert CounterSession.objects.count() == 1
    # Opening again is harmless; pause, resume and close.
    services.counter_open(counter=world.counter, actor=world.officer)
    assert services.counter_pause(counter=world.counter, actor=world.officer).status == "paused"
    assert services.counter_open(counter=world.counter, actor=world.officer).status == "open"
    assert services.counter_close(counter=world.counter, actor=world.officer).status == "closed"
    assert services.counter_open(counter=second, actor=world.officer).status == "open"


def test_call_without_holding_the_counter_is_refused_and_changes_nothing(
    world: QueueWorld,
) -> None:
    ticket = services.ticket_issue(service=world.service)
    before = snapshot(ticket)
    with pytest.raises(Conflict) as exc:
        services.counter_call_next(counter=world.counter, actor=world.officer)
    assert exc.value.code == "counter_not_held"
    take_counter(world)
    with pytest.raises(Conflict):
        services.counter_call_next(counter=world.counter, actor=world.other_officer)
    assert snapshot(ticket) == before


def test_paused_counter_does_not_call(world: QueueWorld) -> None:
    ticket = services.ticket_issue(service=world.service)
    take_counter(world)
    services.counter_pause(counter=world.counter, actor=world.officer)
    before = snapshot(ticket)
    with pytest.raises(Conflict) as exc:
        services.counter_call_next(counter=world.counter, actor=world.officer)
    assert exc.value.code == "counter_paused"
    assert snapshot(ticket) == before


def test_call_next_answers_none_when_nobody_waits_and_refuses_a_second_call(
    world: QueueWorld,
) -> None:
    take_counter(world)
    assert services.counter_call_next(counter=world.counter, actor=world.officer) is None
    first = services.ticket_issue(service=world.service)
    second = services.ticket_issue(service=world.service)
    assert services.counter_call_next(counter=world.counter, actor=world.officer) == first
    before = snapshot(second)
    with pytest.raises(Conflict) as exc:
        services.counter_call_next(counter=world.counter, actor=world.officer)
    assert exc.value.code == "ticket_at_counter"
    assert snapshot(second) == before
    with pytest.raises(Conflict):
        services.counter_close(counter=world.counter, actor=world.officer)


def test_counter_calls_only_its_own_services_and_lane(world: QueueWorld) -> None:
    unrelated = ServiceFactory(agency=world.service.agency, mall=world.mall, queue_prefix="Z")
    lane_service = ServiceFactory(
        agency=world.service.agency, mall=world.mall, offers_drive_thru=True, queue_prefix="D"
    )
    world.counter.services.add(lane_service)
    services.ticket_issue(service=unrelated)
    services.ticket_issue(service=lane_service, channel="drive_thru", plate_number="AB 1 X")
    take_counter(world)
    assert services.counter_call_next(counter=world.counter, actor=world.officer) is None
    lane = CounterFactory(
        mall=world.mall,
        floor=world.counter.floor,
        number=9,
        mode=Counter.Mode.DRIVE_THRU,
        services=[lane_service],
    )
    services.counter_open(counter=lane, actor=world.other_officer)
    called = services.counter_call_next(counter=lane, actor=world.other_officer)
    assert called is not None
    assert called.plate_number == "AB 1 X"


# --- the whole life of a ticket -----------------------------------------------------------------


def test_call_start_finish_writes_events_and_publishes_the_contract(
    world: QueueWorld, clock: Clock, published: list
) -> None:
    ticket = services.ticket_issue(service=world.service)
    take_counter(world)
    clock.advance(minutes=3)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    assert called.status == "called"
    assert called.counter == world.counter
    started = services.ticket_start(ticket=called, actor=world.officer)
    clock.advance(minutes=7)
    done = services.ticket_finish(ticket=started, actor=world.officer, outcome="served", note="ok")
    assert (done.status, done.outcome, done.note) == ("done", "served", "ok")
    actions = list(ticket.events.values_list("action", "from_status", "to_status", "counter"))
    assert actions == [
        ("issue", "", "waiting", None),
        ("call", "waiting", "called", world.counter.pk),
        ("start", "called", "serving", world.counter.pk),
        ("finish", "serving", "done", world.counter.pk),
    ]
    assert [e.type for e in published] == [
        "ticket.issued",
        "ticket.called",
        "ticket.started",
        "ticket.finished",
    ]
    call = published[1]
    assert {
        f"mall:{world.mall.pk}",
        f"floor:{world.counter.floor_id}",
        f"counter:{world.counter.pk}",
        f"ticket:{ticket.pk}",
    } == set(call.channels)
    assert call.data["counter_name"] == "Loket 1"
    assert call.data["counter_number"] == 1
    assert call.data["floor"] == world.counter.floor.number
    assert call.data["called_at"] == "2026-03-04T10:03:00+07:00"
    assert call.data["waiting"] == {str(world.service.pk): 0}


def test_a_call_reaches_every_console_serving_the_service(
    world: QueueWorld, published: list
) -> None:
    floor_2 = FloorFactory(mall=world.mall, number=2)
    neighbour = CounterFactory(mall=world.mall, floor=floor_2, number=2, services=[world.service])
    unrelated = CounterFactory(
        mall=world.mall,
        floor=floor_2,
        number=3,
        services=[ServiceFactory(agency=world.service.agency, mall=world.mall)],
    )
    services.ticket_issue(service=world.service)
    take_counter(world)
    services.counter_call_next(counter=world.counter, actor=world.officer)
    call = published[-1]
    assert call.type == "ticket.called"
    assert f"counter:{neighbour.pk}" in call.channels
    assert f"floor:{floor_2.pk}" in call.channels
    assert f"counter:{unrelated.pk}" not in call.channels
    assert call.data["counter_id"] == world.counter.pk


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (services.ticket_start, {}),
        (services.ticket_finish, {"outcome": "served"}),
        (services.ticket_no_show, {}),
        (services.ticket_recall, {}),
        (services.ticket_return, {}),
    ],
)
def test_transition_from_the_wrong_status_is_409_and_changes_nothing(
    world: QueueWorld, action: object, kwargs: dict
) -> None:
    ticket = services.ticket_issue(service=world.service)
    take_counter(world)
    before = snapshot(ticket)
    with pytest.raises(Conflict) as exc:
        action(ticket=ticket, actor=world.officer, **kwargs)  # type: ignore[operator]
    assert exc.value.code == "invalid_transition"
    assert snapshot(ticket) == before


def test_finish_needs_serving_and_other_officers_cannot_touch_the_ticket(
    world: QueueWorld,
) -> None:
    services.ticket_issue(service=world.service)
    take_counter(world)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    before = snapshot(called)
    with pytest.raises(Conflict):
        services.ticket_finish(ticket=called, actor=world.officer, outcome="served")
    for action in (services.ticket_start, services.ticket_no_show, services.ticket_recall):
        with pytest.raises(Conflict) as exc:
            action(ticket=called, actor=world.other_officer)
        assert exc.value.code == "counter_not_held"
    with pytest.raises(Conflict):
        services.ticket_transfer(
            ticket=called, actor=world.other_officer, service=world.other_service
        )
    assert snapshot(called) == before


def test_recall_is_limited(world: QueueWorld, settings: object, published: list) -> None:
    settings.QUEUE_MAX_RECALLS = 2  # type: ignore[attr-defined]
    services.ticket_issue(service=world.service)
    take_counter(world)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    services.ticket_recall(ticket=called, actor=world.officer)
    recalled = services.ticket_recall(ticket=called, actor=world.officer)
    assert recalled.recall_count == 2
    before = snapshot(called)
    with pytest.raises(Conflict) as exc:
        services.ticket_recall(ticket=called, actor=world.officer)
    assert exc.value.code == "recall_limit"
    assert snapshot(called) == before
    assert [e.type for e in published].count("ticket.recalled") == 2


def test_no_show_may_come_back_within_the_window(
    world: QueueWorld, clock: Clock, settings: object
) -> None:
    settings.QUEUE_NO_SHOW_RETURN_MINUTES = 20  # type: ignore[attr-defined]
    first = services.ticket_issue(service=world.service)
    second = services.ticket_issue(service=world.service)
    take_counter(world)
    services.counter_call_next(counter=world.counter, actor=world.officer)
    services.ticket_no_show(ticket=first, actor=world.officer)
    clock.advance(minutes=19)
    back = services.ticket_return(ticket=first, actor=world.officer)
    assert (back.status, back.counter_id, back.arrival_at) == ("waiting", None, first.arrival_at)
    # Back in the queue with the original arrival: before the second ticket.
    assert services.counter_call_next(counter=world.counter, actor=world.officer) == first
    services.ticket_no_show(ticket=first, actor=world.officer)
    clock.advance(minutes=21)
    before = snapshot(first)
    with pytest.raises(Conflict) as exc:
        services.ticket_return(ticket=first, actor=world.officer)
    assert exc.value.code == "return_window_passed"
    assert snapshot(first) == before
    assert services.counter_call_next(counter=world.counter, actor=world.officer) == second


def test_transfer_keeps_number_and_arrival_and_ends_the_original(
    world: QueueWorld, clock: Clock, published: list
) -> None:
    early = services.ticket_issue(service=world.service)
    clock.advance(minutes=10)
    later = services.ticket_issue(service=world.other_service)
    take_counter(world)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called == early
    successor = services.ticket_transfer(
        ticket=called, actor=world.officer, service=world.other_service, note="salah loket"
    )
    early.refresh_from_db()
    assert early.status == "transferred"
    assert successor.transferred_from_id == early.pk
    assert (successor.number, successor.arrival_at) == (early.number, early.arrival_at)
    assert (successor.status, successor.current_service) == ("waiting", world.other_service)
    assert published[-1].type == "ticket.transferred"
    assert f"ticket:{early.pk}" in published[-1].channels
    assert published[-1].data["previous_ticket_id"] == early.pk
    # In the other queue it comes before the ticket that arrived after it.
    other = CounterFactory(
        mall=world.mall, floor=world.counter.floor, number=2, services=[world.other_service]
    )
    services.counter_open(counter=other, actor=world.other_officer)
    assert services.counter_call_next(counter=other, actor=world.other_officer) == successor
    assert later.status == "waiting"


def test_transfer_to_a_service_without_the_channel_is_refused(world: QueueWorld) -> None:
    online_only = ServiceFactory(
        agency=world.service.agency, mall=world.mall, offers_walk_in=False, offers_online=True
    )
    services.ticket_issue(service=world.service)
    take_counter(world)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    before = snapshot(called)
    with pytest.raises(Conflict):
        services.ticket_transfer(ticket=called, actor=world.officer, service=online_only)
    with pytest.raises(Conflict):
        services.ticket_transfer(ticket=called, actor=world.officer, service=world.service)
    assert snapshot(called) == before
    assert Ticket.objects.count() == 1


def test_multi_service_visit_goes_on_to_the_next_service_keeping_arrival(
    world: QueueWorld, clock: Clock
) -> None:
    visit = services.ticket_issue(
        service=world.service, further_service_ids=[world.other_service.pk]
    )
    clock.advance(minutes=5)
    newcomer = services.ticket_issue(service=world.other_service)
    take_counter(world)
    assert services.counter_call_next(counter=world.counter, actor=world.officer) == visit
    services.ticket_start(ticket=visit, actor=world.officer)
    after = services.ticket_finish(ticket=visit, actor=world.officer, outcome="served")
    assert (after.status, after.current_service_id) == ("waiting", world.other_service.pk)
    assert after.further_service_ids == []
    assert after.number == "A-001"
    # Still earlier than the newcomer of the second service: called first.
    assert services.counter_call_next(counter=world.counter, actor=world.officer) == visit
    services.ticket_start(ticket=visit, actor=world.officer)
    done = services.ticket_finish(ticket=visit, actor=world.officer, outcome="not_served")
    assert done.status == "done"
    actions = list(visit.events.values_list("action", flat=True))
    assert actions == [
        "issue",
        "call",
        "start",
        "finish",
        "next_service",
        "call",
        "start",
        "finish",
    ]
    assert newcomer.status == "waiting"


def test_further_services_must_exist_and_offer_the_channel(world: QueueWorld) -> None:
    for ids in ([world.service.pk], [999999]):
        with pytest.raises(InvalidInput) as exc:
            services.ticket_issue(service=world.service, further_service_ids=ids)
        assert exc.value.field == "further_service_ids"
    assert not Ticket.objects.exists()


def test_cancel_waiting_and_called_tickets(world: QueueWorld) -> None:
    waiting = services.ticket_issue(service=world.service)
    assert services.ticket_cancel(ticket=waiting, actor=world.other_officer).status == "cancelled"
    with pytest.raises(Conflict):
        services.ticket_cancel(ticket=waiting, actor=world.officer)
    services.ticket_issue(service=world.service)
    take_counter(world)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    with pytest.raises(Conflict):
        services.ticket_cancel(ticket=called, actor=world.other_officer)
    assert services.ticket_cancel(ticket=called, actor=world.officer).status == "cancelled"


def test_yesterdays_tickets_are_not_called_and_expire(world: QueueWorld, clock: Clock) -> None:
    old = services.ticket_issue(service=world.service)
    clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=JAKARTA))
    take_counter(world)
    assert services.counter_call_next(counter=world.counter, actor=world.officer) is None
    assert services.tickets_expire_before(mall=world.mall, day=world.mall.today()) == 1
    old.refresh_from_db()
    assert old.status == "cancelled"
    assert old.events.last().action == "expire"  # type: ignore[union-attr]


def test_ticket_events_are_append_only(world: QueueWorld) -> None:
    ticket = services.ticket_issue(service=world.service)
    event = TicketEvent.objects.get(ticket=ticket)
    event.note = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


# --- estimated wait -----------------------------------------------------------------------------


def test_estimated_wait_uses_recent_service_times_and_open_counters(
    world: QueueWorld, clock: Clock
) -> None:
    world.service.duration_value = 12
    world.service.duration_unit = "minutes"
    world.service.save()
    tickets = [services.ticket_issue(service=world.service) for _ in range(4)]
    # No counter open: no minutes, the reason instead (the mall is open, so no opening time).
    place = selectors.ticket_position(tickets[3])
    assert (place["position"], place["people_ahead"], place["estimated_wait_minutes"]) == (
        4,
        3,
        None,
    )
    assert place["estimate"]["reason"] == "no_counter_open"
    take_counter(world)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    services.ticket_start(ticket=called, actor=world.officer)
    clock.advance(minutes=4)
    services.ticket_finish(ticket=called, actor=world.officer, outcome="served")
    # One counter free, two people ahead: about two services of the standard time shrunk by the
    # one measured (4 minutes) service: between 2 x 4 and 2 x 12 minutes.
    one = selectors.ticket_position(tickets[3])
    assert (one["position"], one["people_ahead"]) == (3, 2)
    assert one["estimate"]["reason"] is None
    assert 8 <= one["estimated_wait_minutes"] <= 24
    assert one["estimate"]["minutes_low"] <= one["estimated_wait_minutes"]
    assert one["estimated_wait_minutes"] <= one["estimate"]["minutes_high"]
    second = CounterFactory(
        mall=world.mall, floor=world.counter.floor, number=2, services=[world.service]
    )
    services.counter_open(counter=second, actor=world.other_officer)
    two = selectors.ticket_position(tickets[3])
    assert two["estimated_wait_minutes"] < one["estimated_wait_minutes"]
    overview = {row["service_id"]: row for row in selectors.queue_overview(world.mall)}
    row = overview[world.service.pk]
    assert (row["waiting"], row["open_counters"], row["estimated_wait_minutes"]) == (3, 2, 6)
    assert overview[world.other_service.pk]["waiting"] == 0
    assert selectors.counter_waiting_counts(world.counter) == {
        world.service.pk: 3,
        world.other_service.pk: 0,
    }


def test_mall_admin_may_take_a_counter_and_agency_officers_only_theirs(
    world: QueueWorld,
) -> None:
    admin = user_with_role(Role.MALL_ADMIN, mall=world.mall)
    assert selectors.access_counter_for_officer(admin, world.counter.pk) == world.counter
    other_agency_service = ServiceFactory(mall=world.mall, agency__mall=world.mall)
    elsewhere = CounterFactory(
        mall=world.mall,
        floor=FloorFactory(mall=world.mall, number=2),
        number=5,
        services=[other_agency_service],
    )
    agency_officer = user_with_role(
        Role.COUNTER_OFFICER, mall=world.mall, agency=world.service.agency
    )
    assert selectors.may_work_counter(agency_officer, world.counter)
    assert not selectors.may_work_counter(agency_officer, elsewhere)
    viewer = user_with_role(Role.VIEWER, mall=world.mall)
    assert not selectors.may_work_counter(viewer, world.counter)
