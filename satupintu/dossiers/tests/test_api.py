from __future__ import annotations

import json
from typing import Any

import pytest

from satupintu.core.crypto import decrypt_personal, lookup_hash
from satupintu.core.models import AuditEntry
from satupintu.dossiers.models import Dossier, DossierEvent
from satupintu.dossiers.tests.conftest import (
    VALID_NIK,
    World,
    applicant_payload,
    create_payload,
    make_dossier,
    tick_all_present,
)

pytestmark = pytest.mark.django_db


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_counter_officer_creates_a_walk_in_dossier(world: World) -> None:
    response = _post(world.client(world.counter), "/api/v1/dossiers", create_payload(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {"id", "tracking_code", "status", "sla_due"}
    assert body["status"] == "submitted"
    assert body["sla_due"] is None  # the clock starts when the front office verifies
    dossier = Dossier.objects.get(pk=body["id"])
    assert dossier.tracking_code == body["tracking_code"]
    assert dossier.applicant_nik_masked == "3471**********03"
    assert VALID_NIK not in dossier.applicant_nik_encrypted
    assert decrypt_personal(dossier.applicant_nik_encrypted, purpose="nik") == VALID_NIK
    assert dossier.applicant_nik_hash == lookup_hash(VALID_NIK, purpose="nik")
    assert dossier.applicant_phone == "+6281234567890"
    assert dossier.documents.count() == 2
    assert list(dossier.events.values_list("action", "to_status")) == [("submit", "submitted")]


@pytest.mark.parametrize(
    "nik",
    ["123", "3471014501900000", "9971014501900003", "3471013201900003", "34710145019000AB"],
)
def test_invalid_nik_is_422_naming_nik_and_nothing_is_saved(world: World, nik: str) -> None:
    payload = create_payload(world, applicant=applicant_payload(nik=nik))
    response = _post(world.client(world.counter), "/api/v1/dossiers", payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "nik"
    assert Dossier.objects.count() == 0


def test_form_is_validated_against_the_service_fields(world: World) -> None:
    client = world.client(world.counter)
    bad_choice = create_payload(world, form={"kk_number": "1", "reason": "lainnya"})
    response = _post(client, "/api/v1/dossiers", bad_choice)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "form", "reason"]
    missing = create_payload(world, form={"reason": "baru"})
    assert _post(client, "/api/v1/dossiers", missing).json()["detail"][0]["loc"][-1] == "kk_number"
    unknown = create_payload(world, form={"kk_number": "1", "reason": "baru", "x": 1})
    assert _post(client, "/api/v1/dossiers", unknown).status_code == 422
    assert Dossier.objects.count() == 0


def test_walk_in_needs_the_front_office_but_online_is_open(world: World) -> None:
    citizen = world.client(world.citizen)
    response = _post(citizen, "/api/v1/dossiers", create_payload(world))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "channel"
    response = _post(citizen, "/api/v1/dossiers", create_payload(world, channel="online"))
    assert response.status_code == 201
    dossier = Dossier.objects.get(pk=response.json()["id"])
    assert dossier.applicant_user == world.citizen
    assert not dossier.assisted
    # The applicant sees their own dossier and may resubmit, but not verify.
    detail = citizen.get(f"/api/v1/dossiers/{dossier.pk}").json()
    assert detail["allowed_actions"] == []
    # An officer submitting online does so for someone else: assisted digital.
    response = _post(
        world.client(world.counter), "/api/v1/dossiers", create_payload(world, channel="online")
    )
    assert Dossier.objects.get(pk=response.json()["id"]).assisted


def test_anonymous_online_application_is_accepted_but_cannot_read_back(world: World) -> None:
    from django.test import Client

    response = _post(Client(), "/api/v1/dossiers", create_payload(world, channel="online"))
    assert response.status_code == 201
    assert Client().get(f"/api/v1/dossiers/{response.json()['id']}").status_code == 401


def test_get_shows_status_history_and_allowed_actions(world: World) -> None:
    dossier = make_dossier(world)
    body = world.client(world.counter).get(f"/api/v1/dossiers/{dossier.pk}").json()
    assert body["status"] == "submitted"
    assert [a["code"] for a in body["allowed_actions"]] == ["verify", "request_revision"]
    assert body["history"][0]["action"] == "submit"
    assert body["applicant"]["nik_masked"] == "3471**********03"
    assert VALID_NIK not in json.dumps(body)
    assert body["result"] is None
    bo_body = world.client(world.bo).get(f"/api/v1/dossiers/{dossier.pk}").json()
    assert bo_body["allowed_actions"] == []


def test_other_agency_officer_gets_404_and_changes_nothing(world: World) -> None:
    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    client = world.client(world.other_bo)
    before_events = DossierEvent.objects.count()
    assert client.get(f"/api/v1/dossiers/{dossier.pk}").status_code == 404
    assert client.get(f"/api/v1/dossiers/{dossier.pk + 999}").status_code == 404
    for action in ("verify", "process", "approve"):
        response = _post(client, f"/api/v1/dossiers/{dossier.pk}/transitions", {"action": action})
        assert response.status_code == 404
    assert _post(client, f"/api/v1/dossiers/{dossier.pk}/take", {}).status_code == 404
    assert client.get(f"/api/v1/dossiers/{dossier.pk}/nik").status_code == 404
    assert client.get(f"/api/v1/dossiers/{dossier.pk}/result.pdf").status_code == 404
    listed = client.get("/api/v1/dossiers").json()
    assert listed["count"] == 0
    dossier.refresh_from_db()
    assert dossier.status == "submitted"
    assert dossier.assignee is None
    assert DossierEvent.objects.count() == before_events


def test_full_nik_only_for_the_back_office_and_every_read_is_audited(world: World) -> None:
    dossier = make_dossier(world)
    assert world.client(world.counter).get(f"/api/v1/dossiers/{dossier.pk}/nik").status_code == 404
    assert AuditEntry.objects.filter(action="view").count() == 0
    response = world.client(world.bo).get(f"/api/v1/dossiers/{dossier.pk}/nik")
    assert response.status_code == 200
    assert response.json() == {"nik": VALID_NIK}
    entry = AuditEntry.objects.get(action="view")
    assert entry.actor == world.bo
    assert entry.object_id == str(dossier.pk)


def test_public_tracking_has_no_nik_no_name_no_documents(world: World) -> None:
    from django.test import Client

    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    _post(
        world.client(world.counter),
        f"/api/v1/dossiers/{dossier.pk}/transitions",
        {"action": "verify"},
    )
    response = Client().get(f"/api/v1/track/{dossier.tracking_code.lower()}")
    assert response.status_code == 200
    text = response.content.decode()
    body = response.json()
    assert body["status"] == "verified"
    assert body["service"]["code"] == "DUK-KK"
    assert body["sla_due"]
    assert [h["status"] for h in body["history"]] == ["submitted", "verified"]
    for secret in (
        VALID_NIK,
        "3471**********03",
        "Siti",
        "Aminah",
        "081234567890",
        "siti@",
        "KTP-el",
    ):
        assert secret not in text
    assert "nik" not in text.lower()


def test_tracking_refuses_a_mistyped_code_and_answers_404_for_unknown(world: World) -> None:
    from django.test import Client

    dossier = make_dossier(world)
    code = dossier.tracking_code
    typo = ("1" if code[0] != "1" else "2") + code[1:]
    assert Client().get(f"/api/v1/track/{typo}").status_code == 422
    from satupintu.core.codes import crockford_check as check_symbol

    other = "00000000" + check_symbol("00000000")
    assert Client().get(f"/api/v1/track/{other}").status_code == 404


def test_tracking_is_rate_limited(world: World, settings: Any) -> None:
    from django.test import Client

    settings.RATELIMIT_PUBLIC = "3/m"
    dossier = make_dossier(world)
    client = Client()
    codes = [client.get(f"/api/v1/track/{dossier.tracking_code}").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[-1] == 429


def test_list_filters_for_the_worklist(world: World) -> None:
    first = make_dossier(world)
    make_dossier(world)
    client = world.client(world.bo)
    assert client.get("/api/v1/dossiers").json()["count"] == 2
    page = client.get("/api/v1/dossiers?limit=1&offset=1").json()
    assert (page["count"], len(page["items"])) == (2, 1)
    assert client.get("/api/v1/dossiers?status=verified").json()["count"] == 0
    _post(client, f"/api/v1/dossiers/{first.pk}/take", {})
    mine = client.get("/api/v1/dossiers?mine=true").json()
    assert [d["id"] for d in mine["items"]] == [first.pk]


def test_a_dossier_links_to_the_queue_ticket_of_its_mall(world: World) -> None:
    from satupintu.queueing.tests.factories import TicketFactory

    ticket = TicketFactory(service=world.service)
    elsewhere = TicketFactory()
    client = world.client(world.counter)
    response = _post(client, "/api/v1/dossiers", create_payload(world, ticket_id=elsewhere.pk))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "ticket_id"
    response = _post(client, "/api/v1/dossiers", create_payload(world, ticket_id=ticket.pk))
    assert response.status_code == 201
    detail = client.get(f"/api/v1/dossiers/{response.json()['id']}").json()
    assert (detail["ticket_id"], detail["ticket_number"]) == (ticket.pk, ticket.number)


def test_a_dossier_retried_with_its_idempotency_key_is_created_once(world: World) -> None:
    client = world.client(world.counter)

    def send(payload: dict[str, Any]) -> Any:
        return client.post(
            "/api/v1/dossiers",
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="dossier-attempt-1",
        )

    first, retry = send(create_payload(world)), send(create_payload(world))
    assert first.status_code == retry.status_code == 201, first.content
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1
    assert DossierEvent.objects.count() == 1
    other = send(create_payload(world, channel="online"))
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert Dossier.objects.count() == 1
