from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from satupintu.dossiers.models import WorkflowAction, WorkflowState, workflow_graph_errors
from satupintu.dossiers.services import workflow_copy_for_service, workflow_template_ensure
from satupintu.dossiers.workflow_templates import DEFAULT_TEMPLATE, INSTANT_TEMPLATE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    # The messages are compared in English, their msgids.
    with translation.override("en"):
        yield


def _graph(template: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    states = [dict(s) for s in template["states"]]
    actions = [
        {"code": a["code"], "from_state": a["from"], "to_state": a["to"], "roles": a["roles"]}
        for a in template["actions"]
    ]
    return states, actions


@pytest.mark.parametrize("template", [DEFAULT_TEMPLATE, INSTANT_TEMPLATE])
def test_the_templates_are_valid(template: dict[str, Any]) -> None:
    assert workflow_graph_errors(*_graph(template)) == []


def test_default_template_uses_the_action_names_of_the_contract() -> None:
    codes = {a["code"] for a in DEFAULT_TEMPLATE["actions"]}
    assert codes == {
        "verify",
        "request_revision",
        "resubmit",
        "process",
        "approve",
        "reject",
        "issue_result",
        "collect",
    }


def test_an_unreachable_state_is_named() -> None:
    states, actions = _graph(DEFAULT_TEMPLATE)
    states.append({"code": "limbo", "is_terminal": True})
    errors = workflow_graph_errors(states, actions)
    assert any("cannot be reached" in e and "limbo" in e for e in errors)


def test_a_state_with_no_way_to_an_end_is_named() -> None:
    states, actions = _graph(DEFAULT_TEMPLATE)
    states.append({"code": "trap"})
    actions.append(
        {"code": "fall", "from_state": "submitted", "to_state": "trap", "roles": ["supervisor"]}
    )
    errors = workflow_graph_errors(states, actions)
    assert any("No terminal state" in e and "trap" in e for e in errors)


def test_an_action_without_a_role_is_refused() -> None:
    states, actions = _graph(DEFAULT_TEMPLATE)
    actions[0]["roles"] = []
    errors = workflow_graph_errors(states, actions)
    assert any("no role" in e and "verify" in e for e in errors)


def test_unknown_roles_two_initial_states_and_overshare_are_refused() -> None:
    states, actions = _graph(DEFAULT_TEMPLATE)
    actions[0]["roles"] = ["janitor"]
    states[2]["is_initial"] = True
    states[3]["sla_share_percent"] = 95
    errors = workflow_graph_errors(states, actions)
    assert any("janitor" in e for e in errors)
    assert any("exactly one initial" in e for e in errors)
    assert any("more than 100" in e for e in errors)


def test_saved_workflow_validation_sees_a_broken_edit(world: Any) -> None:
    workflow = workflow_copy_for_service(service=world.service)
    workflow.validate()
    WorkflowAction.objects.filter(workflow=workflow, code="collect").delete()
    with pytest.raises(ValidationError) as info:
        workflow.validate()
    assert "result_issued" in str(info.value)


def test_copy_is_independent_of_the_template(world: Any) -> None:
    template = workflow_template_ensure(code="default")
    workflow = workflow_copy_for_service(service=world.service)
    assert workflow.pk != template.pk
    assert workflow.states.count() == template.states.count()
    assert workflow.actions.count() == template.actions.count()
    WorkflowState.objects.filter(workflow=workflow, code="in_process").update(sla_share_percent=40)
    assert template.states.get(code="in_process").sla_share_percent == 50
    assert workflow_copy_for_service(service=world.service).pk == workflow.pk
