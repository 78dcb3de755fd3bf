"""The leaks of issue #10, each as the attacker or the new client found it, on the demo mall:
every test here failed before the one visibility layer (`accounts/roles.py`, the scoped
QuerySets) and the "closed means closed" checks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.tests.demo_world import DemoWorld, dossier_body
from satupintu.catalog.models import Floor, Partnership, Service
from satupintu.dossiers.models import Dossier, DossierDocument, DossierEvent
from satupintu.queueing.models import CounterSession, Ticket, TicketEvent
from satupintu.queueing.tests.factories import TicketFactory

API = "/api/v1"


def _call(world: DemoWorld, who: str | None, method: str, path: str, body: Any = None) -> Any:
    client = Client()
    kwargs: dict[str, Any] = world.headers(who)
    if method == "get":
        return client.get(API + path, **kwargs)
    return client.post(
        API + path, data=body if body is not None else {}, content_type="application/json",
        **kwargs,
    )  # fmt: skip


def test_agency_admin_reads_no_personal_data_of_another_agencys_ticket(world: DemoWorld) -> None:
    lane = Service.objects.filter(agency=world.agencies["other"], offers_drive_thru=True).first()
    assert lane is not None
    ticket = TicketFactory(
        service=lane, channel="drive_thru", name="Joko Susilo", plate_number="AB 1234 XY"
    )
    answer = _call(world, "dukcapil.admin", "get", f"/tickets/{ticket.pk}")
    assert answer.status_code == 404  # not theirs, and no ticket token
    body = answer.json()
    assert body.get("name") is None
    assert not body.get("plate_number")
    # The agency's own tickets, and the mall's queue staff, still see them in full.
    own = _call(world, "dukcapil.admin", "get", f"/tickets/{world.rows['ticket']['own'].pk}")
    assert own.json()["name"] == "Tamu Own"
    staff = _call(world, "loket1", "get", f"/tickets/{ticket.pk}").json()
    assert staff["plate_number"] == "AB 1234 XY"


def test_agency_admin_cannot_cancel_another_agencys_ticket(world: DemoWorld) -> None:
    bpjs = Service.objects.filter(agency__slug="bpjs-kesehatan", mall=world.mall).first()
    ticket = TicketFactory(service=bpjs)
    events = TicketEvent.objects.count()
    answer = _call(world, "dukcapil.admin", "post", f"/tickets/{ticket.pk}/cancel")
    assert answer.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert TicketEvent.objects.count() == events
    own = world.rows["ticket"]["own"]
    assert _call(world, "dukcapil.admin", "post", f"/tickets/{own.pk}/cancel").status_code == 200


def test_agency_admin_lists_only_its_agencys_appointments(world: DemoWorld) -> None:
    answer = _call(world, "dukcapil.admin", "get", "/appointments?mall=yogyakarta&date=2026-12-09")
    assert answer.status_code == 200
    codes = {item["code"] for item in answer.json()["items"]}
    assert world.rows["appointment"]["own"].code in codes
    assert world.rows["appointment"]["other"].code not in codes
    names = {item["name"] for item in answer.json()["items"]}
    assert "Janji Other" not in names
    everyone = _call(world, "loket1", "get", "/appointments?mall=yogyakarta&date=2026-12-09")
    assert world.rows["appointment"]["other"].code in {i["code"] for i in everyone.json()["items"]}


def test_a_superuser_sees_every_dossier_it_created(world: DemoWorld) -> None:
    created = _call(
        world,
        "admin",
        "post",
        "/dossiers",
        dossier_body(world.services["own"]),
    )  # fmt: skip
    assert created.status_code == 201, created.content
    dossier_id = created.json()["id"]
    assert _call(world, "admin", "get", f"/dossiers/{dossier_id}").status_code == 200
    listed = _call(world, "admin", "get", "/dossiers?limit=1000").json()
    assert listed["count"] >= 4  # every mall's open dossiers: the demo's and the world's
    assert dossier_id in {item["id"] for item in listed["items"]}
    assert world.rows["dossier"]["foreign"].pk in {item["id"] for item in listed["items"]}


@pytest.mark.parametrize("who", ["kasir", "outreach"])
def test_cashier_and_outreach_officer_read_no_walk_in_dossier(world: DemoWorld, who: str) -> None:
    dossier = world.rows["dossier"]["own"]
    assert _call(world, who, "get", f"/dossiers/{dossier.pk}").status_code == 404
    listed = _call(world, who, "get", "/dossiers?limit=1000").json()
    assert dossier.pk not in {item["id"] for item in listed.get("items", [])}


def test_outreach_officer_cannot_reject_another_dossiers_documents(world: DemoWorld) -> None:
    dossier = world.rows["dossier"]["other"]
    row = DossierDocument.objects.filter(dossier=dossier).select_related("requirement").first()
    assert row is not None
    before = (row.status, row.reason, DossierEvent.objects.filter(dossier=dossier).count())
    answer = _call(
        world,
        "outreach",
        "post",
        f"/dossiers/{dossier.pk}/documents/{row.requirement_id}/check",
        {"status": "rejected", "reason": "palsu"},
    )
    assert answer.status_code == 404
    row.refresh_from_db()
    assert (row.status, row.reason, DossierEvent.objects.filter(dossier=dossier).count()) == before


def test_a_document_check_leaves_an_event_row(world: DemoWorld) -> None:
    dossier = world.rows["dossier"]["own"]
    row = DossierDocument.objects.filter(dossier=dossier).first()
    assert row is not None
    answer = _call(
        world,
        "loket1",
        "post",
        f"/dossiers/{dossier.pk}/documents/{row.requirement_id}/check",
        {"status": "rejected", "reason": "buram"},
    )
    assert answer.status_code == 200, answer.content
    event = DossierEvent.objects.filter(dossier=dossier).order_by("-id").first()
    assert event is not None
    assert event.action == "document_rejected"
    assert event.actor_label == "loket1"
    assert "buram" in event.comment


def test_a_deactivated_agencys_service_takes_no_dossier(world: DemoWorld) -> None:
    agency = world.agencies["own"]
    agency.is_active = False
    agency.save()
    count = Dossier.objects.count()
    answer = _call(
        world,
        "loket1",
        "post",
        "/dossiers",
        dossier_body(world.services["own"]),
    )  # fmt: skip
    assert answer.status_code == 404
    assert Dossier.objects.count() == count


@pytest.mark.parametrize("status", ["expired", "drafted", "invited", "ended"])
def test_an_agency_whose_partnership_is_not_in_force_gets_no_ticket(
    world: DemoWorld, status: str
) -> None:
    Partnership.objects.filter(agency=world.agencies["other"]).update(status=status)
    # `.update` sends no signal: a save does, and drops the cached look-up.
    Partnership.objects.filter(agency=world.agencies["other"]).first().save()  # type: ignore[union-attr]
    count = Ticket.objects.count()
    for who in ("kiosk-1", None):
        answer = _call(world, who, "post", "/tickets", {"service_id": world.services["other"].pk})
        assert answer.status_code == 409, answer.content
        assert answer.json()["code"] == "agency_not_serving"
    assert Ticket.objects.count() == count
    dossiers = Dossier.objects.count()
    answer = _call(
        world,
        "loket1",
        "post",
        "/dossiers",
        dossier_body(world.services["other"]),
    )  # fmt: skip
    assert answer.status_code == 409
    assert answer.json()["code"] == "agency_not_serving"
    assert Dossier.objects.count() == dossiers
    # An agency in force still does.
    own = _call(world, "kiosk-1", "post", "/tickets", {"service_id": world.services["own"].pk})
    assert own.status_code == 201


def test_a_counter_on_a_planned_floor_neither_opens_nor_calls(world: DemoWorld) -> None:
    counter = world.rows["counter"]["own"]
    floor = counter.floor
    floor.status = Floor.Status.PLANNED
    floor.save()
    sessions = CounterSession.objects.count()
    answer = _call(world, "loket1", "post", f"/counters/{counter.pk}/open")
    assert answer.status_code == 409
    assert answer.json()["code"] == "counter_closed"
    assert CounterSession.objects.count() == sessions
    # A session left open from before the floor was closed calls nobody either.
    CounterSession.objects.filter(counter=counter).delete()
    CounterSession.objects.create(
        counter=counter,
        officer=world.users["loket1"],
        status="open",
        opened_at=floor.mall.local_now(),
    )
    waiting = Ticket.objects.filter(status="waiting").count()
    answer = _call(world, "loket1", "post", f"/counters/{counter.pk}/call-next")
    assert answer.status_code == 409
    assert answer.json()["code"] == "counter_closed"
    assert Ticket.objects.filter(status="waiting").count() == waiting
