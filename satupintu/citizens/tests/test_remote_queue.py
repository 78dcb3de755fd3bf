"""The queue from home: a remote ticket taken by a signed-in citizen, checked in at the kiosk
by its QR code, a no-show after its arrival window, given up from the phone; "almost your turn"
and "you are called" messages through the real local gateway, each exactly once, also for
walk-ins who left a phone; one remote ticket per person, service and day; quota counted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import DeviceUserFactory, MembershipFactory, bearer
from satupintu.citizens.models import QueueNudge, RemoteQueueConfig, RemoteTicket
from satupintu.citizens.nudges import queue_nudges_send
from satupintu.citizens.tests.conftest import Gateway
from satupintu.core.errors import Conflict
from satupintu.queueing import services
from satupintu.queueing.models import Ticket
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import Clock, QueueWorld

pytestmark = pytest.mark.django_db

Send = Callable[..., Any]


def _take(client: Client, service_id: int) -> Any:
    return client.post(
        "/api/v1/tickets",
        {"service_id": service_id, "channel": "remote"},
        content_type="application/json",
    )


def _walk_ins(world: QueueWorld, n: int, phone: str = "") -> list[Ticket]:
    return [services.ticket_issue(service=world.service, phone=phone) for _ in range(n)]


def _serve_next(world: QueueWorld) -> Ticket:
    ticket = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert ticket is not None
    services.ticket_start(ticket=ticket, actor=world.officer)
    services.ticket_finish(ticket=ticket, actor=world.officer, outcome="served")
    return ticket


def _messages_to(gateway: Gateway, phone: str) -> list[str]:
    return [r["json"]["message"] for r in gateway.requests if r["json"]["to"] == phone]


def _kiosk(world: QueueWorld) -> Client:
    device = DeviceUserFactory()
    MembershipFactory(user=device, mall=world.mall, role=Role.KIOSK)
    return Client(**bearer(device))


def test_remote_ticket_check_in_message_once_and_call(
    world: QueueWorld, clock: Clock, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    RemoteQueueConfig.objects.create(service=world.service, arrival_minutes=60, notify_ahead=2)
    _walk_ins(world, 4)
    siti = phone_citizen("081234567890")
    response = _take(siti, world.service.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "A-005"
    assert body["people_ahead"] == 4
    assert body["arrive_by"].startswith("2026-03-04T11:00")
    code = body["checkin_code"]
    # One per person, service and day: the second is refused and nothing is issued.
    again = _take(siti, world.service.pk)
    assert again.status_code == 409
    assert Ticket.objects.count() == 5
    assert siti.get("/api/v1/me/tickets").json()["items"][0]["number"] == "A-005"

    services.counter_open(counter=world.counter, actor=world.officer)
    assert send(queue_nudges_send) == 0  # four ahead: not yet
    _serve_next(world)
    assert send(queue_nudges_send) == 0  # three ahead
    _serve_next(world)
    assert send(queue_nudges_send) == 1  # two ahead: the message
    near = _messages_to(gateway, "+6281234567890")[-1]
    assert "2" in near
    assert "A-005" in near
    # However often the check runs, it is sent once.
    assert send(queue_nudges_send) == 0
    assert send(queue_nudges_send) == 0
    assert QueueNudge.objects.filter(kind="near").count() == 1

    # Checked in at the kiosk with the QR code's check-in code; a stranger cannot.
    other_mall_kiosk = DeviceUserFactory()
    stranger = Client(**bearer(other_mall_kiosk))
    denied = stranger.post(
        "/api/v1/remote-tickets/check-in", {"code": code}, content_type="application/json"
    )
    assert denied.status_code == 404
    assert RemoteTicket.objects.get().checked_in_at is None
    checked = _kiosk(world).post(
        "/api/v1/remote-tickets/check-in", {"code": code}, content_type="application/json"
    )
    assert checked.status_code == 200, checked.content
    assert checked.json()["remote"]["checked_in"] is True

    _serve_next(world)
    _serve_next(world)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    assert called.number == "A-005"
    assert send(queue_nudges_send) == 1
    assert "Loket 1" in _messages_to(gateway, "+6281234567890")[-1]
    assert send(queue_nudges_send) == 0
    assert QueueNudge.objects.count() == 2


def test_not_checked_in_within_the_window_is_a_no_show(
    world: QueueWorld, clock: Clock, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    RemoteQueueConfig.objects.create(service=world.service, arrival_minutes=30)
    siti = phone_citizen("081234567890")
    code = _take(siti, world.service.pk).json()["checkin_code"]
    clock.advance(minutes=29)
    call_command("citizens_tick")
    assert RemoteTicket.objects.get().outcome == ""
    clock.advance(minutes=2)
    call_command("citizens_tick")
    remote = RemoteTicket.objects.get()
    assert remote.outcome == "no_show"
    assert remote.ticket.status == "cancelled"
    late = _kiosk(world).post(
        "/api/v1/remote-tickets/check-in", {"code": code}, content_type="application/json"
    )
    assert late.status_code == 409
    assert RemoteTicket.objects.get().checked_in_at is None


def test_give_up_the_place_from_the_phone(
    world: QueueWorld, clock: Clock, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    RemoteQueueConfig.objects.create(service=world.service)
    siti = phone_citizen("081234567890")
    ticket_id = _take(siti, world.service.pk).json()["id"]
    budi = phone_citizen("081298765432", ip="10.7.0.2")
    assert budi.post(f"/api/v1/me/tickets/{ticket_id}/give-up").status_code == 404
    assert Ticket.objects.get(pk=ticket_id).status == "waiting"
    response = siti.post(f"/api/v1/me/tickets/{ticket_id}/give-up")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["remote"]["outcome"] == "given_up"
    assert siti.post(f"/api/v1/me/tickets/{ticket_id}/give-up").status_code == 409


def test_walk_in_who_left_a_phone_gets_the_message_once(
    world: QueueWorld, clock: Clock, gateway: Gateway, send: Send
) -> None:
    _walk_ins(world, 3)
    mine = services.ticket_issue(service=world.service, phone="0812-1111-2222")
    _walk_ins(world, 2)  # behind: not their turn soon
    assert send(queue_nudges_send) == 0
    services.counter_open(counter=world.counter, actor=world.officer)
    _serve_next(world)
    assert send(queue_nudges_send) == 1
    assert send(queue_nudges_send) == 0
    messages = _messages_to(gateway, "+6281211112222")
    assert len(messages) == 1
    assert mine.number in messages[0]


def test_quota_counts_remote_tickets_and_refusals_change_nothing(
    world: QueueWorld, clock: Clock, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    world.service.quota_walk_in = 1
    world.service.save()
    siti = phone_citizen("081234567890")
    # No queue from home configured for this service: refused.
    assert _take(siti, world.service.pk).status_code == 409
    RemoteQueueConfig.objects.create(service=world.service)
    assert _take(siti, world.service.pk).status_code == 201
    # The remote ticket used the day's only walk-in place.
    with pytest.raises(Conflict) as refused:
        services.ticket_issue(service=world.service)
    assert "quota" in refused.value.code
    # Anonymous callers cannot take a remote ticket.
    anonymous = _take(Client(REMOTE_ADDR="10.7.0.9"), world.service.pk)
    assert anonymous.status_code == 409
    assert Ticket.objects.count() == 1
    assert RemoteTicket.objects.count() == 1


def test_my_appointments_cancel_and_reschedule_only_mine(
    world: QueueWorld, clock: Clock, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    from datetime import date, time

    from satupintu.queueing.models import Appointment
    from satupintu.queueing.tests.factories import AppointmentSlotConfigFactory

    AppointmentSlotConfigFactory(service=world.service, capacity_per_slot=1)
    thursday = date(2026, 3, 5)
    mine = services.appointment_book(
        service=world.service,
        day=thursday,
        slot=time(9, 0),
        name="Siti Aminah",
        phone="081234567890",
        nik="3471011203900001",
    )
    theirs = services.appointment_book(
        service=world.service,
        day=thursday,
        slot=time(10, 0),
        name="Budi",
        phone="081298765432",
        nik="3471015508950002",
    )
    siti = phone_citizen("081234567890")
    listed = siti.get("/api/v1/me/appointments").json()
    assert [a["id"] for a in listed["items"]] == [mine.pk]
    # Someone else's booking: 404 and untouched.
    assert siti.post(f"/api/v1/me/appointments/{theirs.pk}/cancel").status_code == 404
    assert Appointment.objects.get(pk=theirs.pk).status == "booked"
    # Moving to a full slot is refused and the old booking stays.
    full = siti.post(
        f"/api/v1/me/appointments/{mine.pk}/reschedule",
        {"date": "2026-03-05", "slot": "10:00"},
        content_type="application/json",
    )
    assert full.status_code == 409
    assert Appointment.objects.get(pk=mine.pk).status == "booked"
    moved = siti.post(
        f"/api/v1/me/appointments/{mine.pk}/reschedule",
        {"date": "2026-03-05", "slot": "11:00"},
        content_type="application/json",
    )
    assert moved.status_code == 201, moved.content
    assert moved.json()["slot"] == "11:00"
    assert Appointment.objects.get(pk=mine.pk).status == "cancelled"
    new_id = moved.json()["id"]
    cancelled = siti.post(f"/api/v1/me/appointments/{new_id}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


def test_kiosk_visitor_leaves_a_phone_and_gets_the_message(
    world: QueueWorld, clock: Clock, gateway: Gateway, send: Send
) -> None:
    kiosk = Client()
    response = kiosk.post(
        f"/q/{world.mall.slug}/kiosk/service/{world.service.pk}/",
        {"channel": "walk_in", "priority": "", "phone": "0812 3333 4444"},
    )
    assert response.status_code == 302, response.content[:500]
    ticket = Ticket.objects.get()
    assert ticket.phone == "+6281233334444"
    assert send(queue_nudges_send) == 1  # nobody ahead: almost their turn at once
    assert len(_messages_to(gateway, "+6281233334444")) == 1
    bad = kiosk.post(
        f"/q/{world.mall.slug}/kiosk/service/{world.service.pk}/",
        {"channel": "walk_in", "priority": "", "phone": "12"},
    )
    assert bad.status_code == 422
    assert Ticket.objects.count() == 1


def test_my_complaints_and_open_surveys_are_only_mine(
    world: QueueWorld, clock: Clock, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    from satupintu.feedback import services as feedback_services

    mine = feedback_services.complaint_submit(
        mall=world.mall, text="Antrean terlalu lama.", name="Siti", phone="081234567890"
    )
    feedback_services.complaint_submit(
        mall=world.mall, text="AC mati.", name="Budi", phone="081298765432"
    )
    feedback_services.complaint_submit(
        mall=world.mall, text="Anonim.", phone="081234567890", anonymous=True
    )
    served = services.ticket_issue(service=world.service, phone="081234567890")
    services.ticket_issue(service=world.service, phone="081298765432")
    services.counter_open(counter=world.counter, actor=world.officer)
    _serve_next(world)
    siti = phone_citizen("081234567890")
    complaints = siti.get("/api/v1/me/complaints").json()
    assert [c["code"] for c in complaints["items"]] == [mine.code]
    surveys = siti.get("/api/v1/me/surveys").json()["items"]
    assert [(s["kind"], s["id"]) for s in surveys] == [("ticket", served.pk)]
    assert surveys[0]["url"].startswith(f"/survei/t/{served.pk}/")
    tickets = siti.get("/api/v1/me/tickets").json()["items"]
    assert [t["id"] for t in tickets] == [served.pk]
