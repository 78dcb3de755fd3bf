"""Every action of the default workflow, tried by every kind of person: allowed exactly for
the roles the template names, refused (409, or 404 for another agency) with nothing changed."""

from __future__ import annotations

import json

import pytest

from satupintu.dossiers.models import APPLICANT, Dossier, DossierEvent
from satupintu.dossiers.services import workflow_copy_for_service
from satupintu.dossiers.tests.conftest import World, make_dossier, tick_all_present
from satupintu.dossiers.workflow_templates import DEFAULT_TEMPLATE

pytestmark = pytest.mark.django_db

PEOPLE = ["counter", "bo", "supervisor", "cashier", "viewer", "applicant", "other_bo"]
ROLE_OF = {
    "counter": "counter_officer",
    "bo": "back_office_officer",
    "supervisor": "supervisor",
    "cashier": "cashier",
    "viewer": "viewer",
    "applicant": APPLICANT,
    "other_bo": None,
}
CASES = [
    (action["code"], action["from"], person)
    for action in DEFAULT_TEMPLATE["actions"]
    for person in PEOPLE
]
NEEDS_COMMENT = {
    (a["code"], a["from"]) for a in DEFAULT_TEMPLATE["actions"] if a.get("comment_required")
}


def _dossier_in(world: World, state: str) -> Dossier:
    dossier = make_dossier(world, channel="online")
    Dossier.objects.filter(pk=dossier.pk).update(applicant_user=world.citizen)
    tick_all_present(world, dossier)
    workflow_copy_for_service(service=world.service)
    Dossier.objects.filter(pk=dossier.pk).update(status=state)
    return Dossier.objects.get(pk=dossier.pk)


@pytest.mark.parametrize(("action", "from_state", "person"), CASES)
def test_default_action_allowed_only_for_its_roles(
    world: World, action: str, from_state: str, person: str
) -> None:
    dossier = _dossier_in(world, from_state)
    user = world.citizen if person == "applicant" else getattr(world, person)
    allowed_roles = next(
        a["roles"]
        for a in DEFAULT_TEMPLATE["actions"]
        if a["code"] == action and a["from"] == from_state
    )
    events_before = DossierEvent.objects.filter(dossier=dossier).count()
    response = world.client(user).post(
        f"/api/v1/dossiers/{dossier.pk}/transitions",
        data=json.dumps({"action": action, "comment": "checked"}),
        content_type="application/json",
    )
    role = ROLE_OF[person]
    dossier.refresh_from_db()
    if role is not None and role in [str(r) for r in allowed_roles]:
        assert response.status_code == 200, response.content
        target = next(
            a["to"]
            for a in DEFAULT_TEMPLATE["actions"]
            if a["code"] == action and a["from"] == from_state
        )
        assert response.json()["status"] == target
        assert dossier.status == target
        event = DossierEvent.objects.filter(dossier=dossier).order_by("-id").first()
        assert event is not None
        assert (event.action, event.from_status, event.to_status) == (action, from_state, target)
        assert event.actor == user
    else:
        # Cashiers work from bills and see no dossier (the role table, issue #10).
        expected = 404 if person in {"other_bo", "viewer", "cashier"} else 409
        assert response.status_code == expected, (person, response.content)
        assert dossier.status == from_state
        assert DossierEvent.objects.filter(dossier=dossier).count() == events_before


def test_an_action_from_the_wrong_state_is_409(world: World) -> None:
    dossier = make_dossier(world)
    response = world.client(world.bo).post(
        f"/api/v1/dossiers/{dossier.pk}/transitions",
        data=json.dumps({"action": "approve"}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert (
        world.client(world.bo)
        .post(
            f"/api/v1/dossiers/{dossier.pk}/transitions",
            data=json.dumps({"action": "teleport"}),
            content_type="application/json",
        )
        .status_code
        == 409
    )


def test_a_required_comment_is_422_and_changes_nothing(world: World) -> None:
    dossier = make_dossier(world)
    response = world.client(world.counter).post(
        f"/api/v1/dossiers/{dossier.pk}/transitions",
        data=json.dumps({"action": "request_revision", "comment": "  "}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "comment"
    dossier.refresh_from_db()
    assert dossier.status == "submitted"


def test_verify_needs_every_mandatory_document_present(world: World) -> None:
    dossier = make_dossier(world)
    client = world.client(world.counter)
    response = client.post(
        f"/api/v1/dossiers/{dossier.pk}/transitions",
        data=json.dumps({"action": "verify"}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "KTP-el" in response.content.decode()
    tick_all_present(world, dossier)
    response = client.post(
        f"/api/v1/dossiers/{dossier.pk}/transitions",
        data=json.dumps({"action": "verify"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["sla_due"] is not None
