"""The queue and appointment API over HTTP: status codes, fields, and who may do what."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import (
    DeviceUserFactory,
    MembershipFactory,
    bearer,
    user_with_role,
)
from satupintu.catalog.tests.factories import MallFactory, ServiceFactory
from satupintu.core.models import AuditEntry
from satupintu.queueing import services
from satupintu.queueing.models import Appointment, CounterSession, Ticket
from satupintu.queueing.tests.factories import AppointmentSlotConfigFactory
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import JAKARTA, Clock, QueueWorld

pytestmark = pytest.mark.django_db

NIK = "3471011203900001"


def post(client: Client, path: str, body: Any = None, **headers: str) -> Any:
    return client.post(
        f"/api/v1{path}",
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        **headers,
    )


def get(client: Client, path: str, **headers: str) -> Any:
    return client.get(f"/api/v1{path}", **headers)


@pytest.fixture
def officer_auth(world: QueueWorld) -> dict[str, str]:
    return bearer(world.officer)


def issue(client: Client, w: QueueWorld, **body: Any) -> dict[str, Any]:
    response = post(client, "/tickets", {"service_id": w.service.pk, **body})
    assert response.status_code == 201, response.content
    return response.json()


# --- tickets ------------------------------------------------------------------------------------


def test_anonymous_visitor_takes_a_ticket(client: Client, world: QueueWorld) -> None:
    body = issue(client, world, priority="pregnant", name="Rina", phone="081234567890")
    assert body["number"] == "A-001"
    assert body["status"] == "waiting"
    assert body["priority"] == "pregnant"
    assert body["service_id"] == world.service.pk
    assert (body["position"], body["people_ahead"]) == (1, 0)
    # No counter is open: no minutes but the reason (the mall is open, no opening time to come).
    assert body["estimated_wait_minutes"] is None
    assert body["estimate"] == {
        "minutes": None,
        "minutes_low": None,
        "minutes_high": None,
        "people_ahead": 0,
        "reason": "no_counter_open",
        "opens_at": None,
    }
    assert body["created_at"].endswith("+07:00")
    second = issue(client, world)
    assert (second["position"], second["people_ahead"]) == (2, 1)
    assert second["estimated_wait_minutes"] is None  # still no counter open
    assert second["estimate"]["reason"] == "no_counter_open"
    # A counter opens: the phone page's read (the API's GET) estimates from the call order.
    services.counter_open(counter=world.counter, actor=world.officer)
    again = get(client, f"/tickets/{second['id']}?token={second['token']}").json()
    assert again["estimate"]["reason"] is None
    assert again["people_ahead"] == 1
    assert again["estimated_wait_minutes"] >= 1


def test_anonymous_tickets_are_rate_limited_but_kiosks_are_not(
    client: Client, world: QueueWorld, settings: Any
) -> None:
    settings.RATELIMIT_PUBLIC = "2/m"
    issue(client, world)
    issue(client, world)
    response = post(client, "/tickets", {"service_id": world.service.pk})
    assert response.status_code == 429
    assert Ticket.objects.count() == 2
    kiosk = DeviceUserFactory()
    MembershipFactory(user=kiosk, mall=world.mall, role=Role.KIOSK)
    auth = bearer(kiosk)
    for _ in range(3):
        assert post(client, "/tickets", {"service_id": world.service.pk}, **auth).status_code == 201
    assert Ticket.objects.filter(issued_by=kiosk).count() == 3


def test_ticket_refusals(client: Client, world: QueueWorld, clock: Clock) -> None:
    response = post(client, "/tickets", {"service_id": world.service.pk, "channel": "drive_thru"})
    assert response.status_code == 409
    assert response.json()["detail"][0]["type"] == "channel_not_offered"
    lane = ServiceFactory(
        agency=world.service.agency, mall=world.mall, offers_drive_thru=True, queue_prefix="D"
    )
    response = post(client, "/tickets", {"service_id": lane.pk, "channel": "drive_thru"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "plate_number"]
    response = post(client, "/tickets", {"service_id": world.service.pk, "priority": "vip"})
    assert response.status_code == 422
    assert post(client, "/tickets", {"service_id": 987654}).status_code == 404
    world.service.quota_walk_in = 1
    world.service.save()
    issue(client, world)
    response = post(client, "/tickets", {"service_id": world.service.pk})
    assert response.status_code == 409
    assert response.json()["detail"][0]["type"] == "quota_exhausted"
    clock.set(datetime(2026, 3, 4, 18, 0, tzinfo=JAKARTA))
    response = post(
        client,
        "/tickets",
        {"service_id": lane.pk, "channel": "drive_thru", "plate_number": "AB 1 C"},
    )
    assert response.status_code == 409
    assert "16:00" in json.dumps(response.json())
    assert Ticket.objects.count() == 1


def test_public_ticket_view_hides_personal_data_and_staff_see_it(
    client: Client, world: QueueWorld, officer_auth: dict[str, str]
) -> None:
    ticket = issue(client, world, name="Budi", phone="081234567890", priority="disabled")
    public = get(client, f"/tickets/{ticket['id']}?token={ticket['token']}").json()
    assert public["number"] == "A-001"
    assert public["status"] == "waiting"
    assert public["estimated_wait_minutes"] is None  # no counter open
    assert public["estimate"]["reason"] == "no_counter_open"
    for private in ("name", "phone", "plate_number", "priority", "note"):
        assert public[private] is None
    assert "Budi" not in json.dumps(public)
    staff = get(client, f"/tickets/{ticket['id']}", **officer_auth).json()
    assert (staff["name"], staff["phone"], staff["priority"]) == (
        "Budi",
        "+6281234567890",
        "disabled",
    )
    # Disability is sensitive: the staff read is in the audit trail.
    assert AuditEntry.objects.filter(action="view", object_id=str(ticket["id"])).exists()
    # Staff of another mall see the public view only.
    # Staff of another mall read it as anyone does: with the ticket's token, the public view.
    stranger = user_with_role(Role.COUNTER_OFFICER, mall=MallFactory())
    with_token = f"/tickets/{ticket['id']}?token={ticket['token']}"
    assert get(client, with_token, **bearer(stranger)).json()["name"] is None
    assert get(client, f"/tickets/{ticket['id']}", **bearer(stranger)).status_code == 404
    assert get(client, "/tickets/999999").status_code == 404


def test_ticket_ids_cannot_be_walked_without_the_tickets_token(
    client: Client, world: QueueWorld, officer_auth: dict[str, str]
) -> None:
    """Anonymous callers (and devices, and staff who may not see the ticket) read a ticket
    only with its token, the one its taker got; without it every id is a 404 with the body of
    a ticket that does not exist."""
    tickets = [issue(client, world, name=f"Tamu {n}") for n in range(3)]
    assert all(t["token"] for t in tickets)
    nothing = get(client, "/tickets/999999")
    assert nothing.status_code == 404
    ids = [t["id"] for t in tickets]
    for ticket_id in range(max(1, min(ids) - 3), max(ids) + 3):  # within the rate limit
        walked = get(client, f"/tickets/{ticket_id}")
        assert walked.status_code == 404, ticket_id
        assert walked.json() == nothing.json()
        # Another ticket's token opens nothing either.
        wrong = get(client, f"/tickets/{ticket_id}?token={tickets[0]['token'][::-1]}")
        assert (wrong.status_code, wrong.json()) == (404, nothing.json())
    for ticket in tickets:
        own = get(client, f"/tickets/{ticket['id']}?token={ticket['token']}")
        assert own.status_code == 200
        body = own.json()
        assert (body["id"], body["number"], body["name"]) == (ticket["id"], ticket["number"], None)
        others = [t for t in tickets if t["id"] != ticket["id"]]
        assert get(client, f"/tickets/{others[0]['id']}?token={ticket['token']}").status_code == 404
    # A kiosk is no queue staff: it reads back the tickets it printed with their token.
    kiosk = DeviceUserFactory()
    MembershipFactory(user=kiosk, mall=world.mall, role=Role.KIOSK)
    first = tickets[0]
    assert get(client, f"/tickets/{first['id']}", **bearer(kiosk)).status_code == 404
    with_token = get(client, f"/tickets/{first['id']}?token={first['token']}", **bearer(kiosk))
    assert with_token.status_code == 200
    # The mall's queue staff need no token and see the ticket in full.
    staff = get(client, f"/tickets/{first['id']}", **officer_auth)
    assert (staff.status_code, staff.json()["name"]) == (200, "Tamu 0")
    assert staff.json()["token"] is None
    # A token that cannot be one is refused as input, naming it (whatever the ticket).
    for bad in ("a b", "x" * 65, "é"):
        refused = get(client, f"/tickets/{first['id']}?token={bad}")
        assert refused.status_code == 422, bad
        assert refused.json()["detail"][0]["loc"] == ["query", "token"]


def test_the_openapi_document_explains_the_ticket_token(client: Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    read = spec["paths"]["/api/v1/tickets/{ticket_id}"]["get"]
    token = next(p for p in read["parameters"] if p["name"] == "token")
    assert token["in"] == "query"
    assert not token.get("required")
    assert "POST /tickets" in token["description"]
    assert "?token=" in read["description"]
    created = spec["paths"]["/api/v1/tickets"]["post"]["responses"]["201"]["content"]
    schema_ref = created["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "token" in spec["components"]["schemas"][schema_ref]["properties"]


# --- counters -----------------------------------------------------------------------------------


def test_call_next_needs_credentials_and_the_counter(
    client: Client, world: QueueWorld, officer_auth: dict[str, str]
) -> None:
    ticket = issue(client, world)
    path = f"/counters/{world.counter.pk}/call-next"
    assert post(client, path).status_code == 401
    assert post(client, f"/counters/{world.counter.pk}/open").status_code == 401
    stranger = user_with_role(Role.COUNTER_OFFICER, mall=MallFactory())
    assert post(client, path, **bearer(stranger)).status_code == 404
    assert post(client, f"/counters/{world.counter.pk}/open", **bearer(stranger)).status_code == 404
    viewer = user_with_role(Role.VIEWER, mall=world.mall)
    assert post(client, path, **bearer(viewer)).status_code == 404
    # An officer of this mall who has not opened the counter.
    assert post(client, path, **officer_auth).status_code == 409
    assert Ticket.objects.get(pk=ticket["id"]).status == "waiting"
    assert not CounterSession.objects.exists()


def test_counter_console_cycle_over_http(
    client: Client, world: QueueWorld, officer_auth: dict[str, str]
) -> None:
    first = issue(client, world)
    second = issue(client, world)
    counter = world.counter.pk
    opened = post(client, f"/counters/{counter}/open", **officer_auth)
    assert opened.status_code == 200
    assert opened.json()["status"] == "open"
    other = post(client, f"/counters/{counter}/open", **bearer(world.other_officer))
    assert other.status_code == 409
    called = post(client, f"/counters/{counter}/call-next", **officer_auth)
    assert called.status_code == 200
    body = called.json()
    assert (body["id"], body["status"], body["counter_id"]) == (first["id"], "called", counter)
    assert body["called_at"].endswith("+07:00")
    # Wrong status: finishing a called ticket is a conflict, and changes nothing.
    finish = post(client, f"/tickets/{first['id']}/finish", {"outcome": "served"}, **officer_auth)
    assert finish.status_code == 409
    assert Ticket.objects.get(pk=first["id"]).status == "called"
    bad = post(client, f"/tickets/{first['id']}/finish", {"outcome": "maybe"}, **officer_auth)
    assert bad.status_code == 422
    # Another officer of the mall may not serve it.
    start = post(client, f"/tickets/{first['id']}/start", **bearer(world.other_officer))
    assert start.status_code == 409
    assert (
        post(client, f"/tickets/{first['id']}/recall", **officer_auth).json()["recall_count"] == 1
    )
    assert (
        post(client, f"/tickets/{first['id']}/start", **officer_auth).json()["status"] == "serving"
    )
    state = get(client, f"/counters/{counter}/state", **officer_auth).json()
    assert state["current_ticket"]["id"] == first["id"]
    assert state["session"]["officer_id"] == world.officer.pk
    assert state["waiting_total"] == 1
    done = post(
        client,
        f"/tickets/{first['id']}/finish",
        {"outcome": "served", "note": "selesai"},
        **officer_auth,
    )
    assert done.json()["status"] == "done"
    assert done.json()["outcome"] == "served"
    assert (
        post(client, f"/counters/{counter}/call-next", **officer_auth).json()["id"] == second["id"]
    )
    assert (
        post(client, f"/tickets/{second['id']}/no-show", **officer_auth).json()["status"]
        == "no_show"
    )
    assert (
        post(client, f"/tickets/{second['id']}/return", **officer_auth).json()["status"]
        == "waiting"
    )
    assert (
        post(client, f"/counters/{counter}/call-next", **officer_auth).json()["id"] == second["id"]
    )
    moved = post(
        client,
        f"/tickets/{second['id']}/transfer",
        {"service_id": world.other_service.pk},
        **officer_auth,
    )
    assert moved.status_code == 200
    successor = moved.json()
    assert (successor["number"], successor["status"]) == ("A-002", "waiting")
    assert successor["transferred_from_id"] == second["id"]
    original = get(client, f"/tickets/{second['id']}?token={second['token']}").json()
    assert (original["status"], original["transferred_to_id"]) == ("transferred", successor["id"])
    cancel = post(client, f"/tickets/{successor['id']}/cancel", {"note": "pulang"}, **officer_auth)
    assert cancel.json()["status"] == "cancelled"
    nobody = post(client, f"/counters/{counter}/call-next", **officer_auth)
    assert nobody.status_code == 204
    assert post(client, f"/counters/{counter}/pause", **officer_auth).json()["status"] == "paused"
    assert post(client, f"/counters/{counter}/close", **officer_auth).json()["status"] == "closed"


def test_ticket_actions_by_staff_of_another_mall_are_404(client: Client, world: QueueWorld) -> None:
    ticket = issue(client, world)
    stranger = bearer(user_with_role(Role.COUNTER_OFFICER, mall=MallFactory()))
    for action in ("start", "no-show", "recall", "cancel", "return"):
        assert post(client, f"/tickets/{ticket['id']}/{action}", **stranger).status_code == 404
    assert Ticket.objects.get(pk=ticket["id"]).status == "waiting"


def test_queues_per_service(client: Client, world: QueueWorld) -> None:
    issue(client, world)
    issue(client, world)
    body = get(client, f"/queues?mall={world.mall.slug}").json()
    rows = {row["service_id"]: row for row in body["items"]}
    assert body["count"] == len(body["items"]) == 2
    assert rows[world.service.pk]["waiting"] == 2
    assert rows[world.service.pk]["estimated_wait_minutes"] == 20  # 2 x the default 10 minutes
    assert rows[world.other_service.pk]["waiting"] == 0
    assert get(client, "/queues?mall=nowhere").status_code == 404


# --- appointments -------------------------------------------------------------------------------


def test_appointment_booking_check_in_and_cancel_over_http(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    AppointmentSlotConfigFactory(service=world.service, capacity_per_slot=1)
    slots = get(client, f"/appointments/slots?service_id={world.service.pk}&date=2026-03-05").json()
    assert slots["count"] == 16
    assert slots["items"][2] == {
        "slot": "09:00",
        "starts_at": "2026-03-05T09:00:00+07:00",
        "capacity": 1,
        "booked": 0,
        "free": 1,
        "available": True,
    }
    booking = {
        "service_id": world.service.pk,
        "date": "2026-03-05",
        "slot": "09:00",
        "name": "Siti Aminah",
        "phone": "081234567890",
        "nik": NIK,
    }
    created = post(client, "/appointments", booking)
    assert created.status_code == 201, created.content
    body = created.json()
    assert NIK not in json.dumps(body)
    assert body["nik"] == "3471**********01"
    assert body["name"] == "S*** A*****"
    code = body["code"]
    full = post(client, "/appointments", {**booking, "nik": "3471015508950002"})
    assert full.status_code == 409
    bad = post(client, "/appointments", {**booking, "nik": "123"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "nik"]
    far = post(client, "/appointments", {**booking, "date": "2026-04-30"})
    assert far.status_code == 409
    assert Appointment.objects.count() == 1
    shown = get(client, f"/appointments/{code}").json()
    assert (shown["status"], shown["check_in_from"]) == ("booked", "2026-03-05T08:30:00+07:00")
    assert get(client, "/appointments/NOPE1234").status_code == 404
    assert post(client, f"/appointments/{code}/check-in").status_code == 409  # a day early
    clock.set(datetime(2026, 3, 5, 8, 45, tzinfo=JAKARTA))
    checked = post(client, f"/appointments/{code}/check-in")
    assert checked.status_code == 201
    ticket = checked.json()
    assert (ticket["status"], ticket["appointment"], ticket["number"]) == ("waiting", True, "A-001")
    assert post(client, f"/appointments/{code}/check-in").status_code == 409
    assert post(client, f"/appointments/{code}/cancel").status_code == 409
    assert get(client, f"/appointments/{code}").json()["ticket_id"] == ticket["id"]


def test_appointment_cancel_over_http(client: Client, world: QueueWorld) -> None:
    AppointmentSlotConfigFactory(service=world.service)
    appointment = services.appointment_book(
        service=world.service,
        day=datetime(2026, 3, 5).date(),
        slot=datetime(2026, 3, 5, 10, 0).time(),
        name="Siti",
        phone="081234567890",
        nik=NIK,
    )
    response = post(client, f"/appointments/{appointment.code.lower()}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert post(client, f"/appointments/{appointment.code}/cancel").status_code == 409


def test_staff_list_the_days_appointments_others_do_not(
    client: Client, world: QueueWorld, officer_auth: dict[str, str]
) -> None:
    AppointmentSlotConfigFactory(service=world.service)
    services.appointment_book(
        service=world.service,
        day=datetime(2026, 3, 5).date(),
        slot=datetime(2026, 3, 5, 10, 0).time(),
        name="Siti Aminah",
        phone="081234567890",
        nik=NIK,
    )
    path = f"/appointments?mall={world.mall.slug}&date=2026-03-05"
    body = get(client, path, **officer_auth).json()
    assert body["count"] == 1
    (row,) = body["items"]
    assert (row["name"], row["phone"], row["nik"]) == (
        "Siti Aminah",
        "+6281234567890",
        "3471**********01",
    )
    assert NIK not in json.dumps(body)
    assert get(client, path).status_code == 401
    stranger = bearer(user_with_role(Role.COUNTER_OFFICER, mall=MallFactory()))
    assert get(client, path, **stranger).status_code == 404
    assert (
        get(client, f"/appointments?mall={world.mall.slug}&date=2026-03-06", **officer_auth).json()[
            "count"
        ]
        == 0
    )
