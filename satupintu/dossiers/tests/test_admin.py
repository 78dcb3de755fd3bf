"""The workflow admin refuses a broken graph as a whole, before anything is saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.tests.factories import UserFactory
from satupintu.dossiers.models import Workflow, WorkflowAction
from satupintu.dossiers.services import workflow_copy_for_service
from satupintu.dossiers.tests.conftest import World

pytestmark = pytest.mark.django_db

STATE_FIELDS = [
    "position", "code", "name", "actor_role", "sla_share_percent",
    "requires_mandatory_documents", "required_document_keys", "is_initial", "is_terminal",
    "outcome", "pauses_sla", "stops_sla",
]  # fmt: skip
FLAGS = ["comment_required", "starts_sla", "requires_payment", "issues_result", "is_destructive"]


def _post_data(workflow: Workflow) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": workflow.code,
        "name": workflow.name,
        "service": workflow.service_id or "",
    }
    states = list(workflow.states.all())
    actions = list(workflow.actions.select_related("from_state", "to_state"))
    for prefix, rows in (("states", states), ("actions", actions)):
        data[f"{prefix}-TOTAL_FORMS"] = len(rows)
        data[f"{prefix}-INITIAL_FORMS"] = len(rows)
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
    for i, state in enumerate(states):
        data[f"states-{i}-id"] = state.pk
        data[f"states-{i}-workflow"] = workflow.pk
        for name in STATE_FIELDS:
            value = getattr(state, name)
            if isinstance(value, bool):
                if value:
                    data[f"states-{i}-{name}"] = "on"
            elif name == "required_document_keys":
                data[f"states-{i}-{name}"] = "[]"
            else:
                data[f"states-{i}-{name}"] = value
    for i, action in enumerate(actions):
        data[f"actions-{i}-id"] = action.pk
        data[f"actions-{i}-workflow"] = workflow.pk
        data[f"actions-{i}-position"] = action.position
        data[f"actions-{i}-code"] = action.code
        data[f"actions-{i}-name"] = action.name
        data[f"actions-{i}-from_code"] = action.from_state.code
        data[f"actions-{i}-to_code"] = action.to_state.code
        data[f"actions-{i}-roles"] = list(action.roles)
        for flag in FLAGS:
            if getattr(action, flag):
                data[f"actions-{i}-{flag}"] = "on"
    return data


def test_admin_saves_a_valid_workflow_and_refuses_a_broken_one(world: World) -> None:
    workflow = workflow_copy_for_service(service=world.service)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/dossiers/workflow/{workflow.pk}/change/"
    assert client.get(url).status_code == 200
    data = _post_data(workflow)
    ok = client.post(url, data)
    assert ok.status_code == 302, ok.content.decode()[:3000]

    collect = next(
        i for i in range(data["actions-TOTAL_FORMS"]) if data[f"actions-{i}-code"] == "collect"
    )
    broken = {**data, f"actions-{collect}-DELETE": "on"}
    response = client.post(url, broken)
    assert response.status_code == 200
    assert "result_issued" in response.content.decode()
    assert WorkflowAction.objects.filter(workflow=workflow, code="collect").exists()

    no_role = {**data, "actions-0-roles": []}
    response = client.post(url, no_role)
    assert response.status_code == 200
    assert WorkflowAction.objects.get(workflow=workflow, code="verify").roles
