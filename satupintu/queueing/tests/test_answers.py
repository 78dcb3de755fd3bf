"""The hot operations write their answers straight from the dictionary (`core/answers.py`):
the bytes are the ones ninja writes after validating the same dictionary against the response
schema, for tickets in every state the hot operations answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from ninja import Schema

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import DeviceUserFactory, MembershipFactory, bearer
from satupintu.core.answers import encode, schema_answer
from satupintu.queueing import selectors, services
from satupintu.queueing.models import Ticket
from satupintu.queueing.schemas import EstimateOut, TicketOut, TicketStaffOut
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import Clock, QueueWorld


def _ninja_way(schema: type[Schema], data: dict[str, Any]) -> bytes:
    """What ninja does with a dictionary answer: validate, dump, render."""
    return encode(schema.model_validate(data).model_dump())


def _tickets(world: QueueWorld, clock: Clock) -> list[Ticket]:
    waiting = services.ticket_issue(service=world.service, name="Siti Ñoño", phone="0812345678")
    priority = services.ticket_issue(service=world.service, priority="disabled")
    visit = services.ticket_issue(
        service=world.service, further_service_ids=[world.other_service.pk]
    )
    services.counter_open(counter=world.counter, actor=world.officer)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    clock.advance(minutes=2)
    serving = services.ticket_start(ticket=called.pk, actor=world.officer)
    clock.advance(minutes=5)
    done = services.ticket_finish(ticket=called.pk, actor=world.officer, outcome="served")
    return [waiting, priority, visit, called, serving, done]


@pytest.mark.django_db
def test_answers_are_the_bytes_ninja_writes(world: QueueWorld, clock: Clock) -> None:
    for ticket in _tickets(world, clock):
        fresh = Ticket.objects.get(pk=ticket.pk)
        for ticket_or_fresh in (ticket, fresh):
            staff = selectors.ticket_as_dict(ticket_or_fresh, include_personal=True)
            public = selectors.ticket_as_dict(ticket_or_fresh, include_personal=False)
            assert schema_answer(TicketStaffOut, staff).content == _ninja_way(TicketStaffOut, staff)
            assert schema_answer(TicketOut, public).content == _ninja_way(TicketOut, public)
            # Keys the schema does not declare are left out, missing defaults filled in.
            extra = {**public, "not_in_the_schema": 1}
            extra.pop("arrive_by", None)
            assert schema_answer(TicketOut, extra).content == _ninja_way(TicketOut, extra)


@pytest.mark.django_db
def test_a_missing_required_field_is_an_error_as_in_ninja(world: QueueWorld) -> None:
    estimate = {"minutes": 3, "minutes_low": 1, "minutes_high": 5, "people_ahead": 0}
    with pytest.raises(KeyError):
        schema_answer(EstimateOut, estimate)
    answer = schema_answer(EstimateOut, {**estimate, "reason": None}, status=201)
    assert answer.status_code == 201
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(answer.content) == {**estimate, "reason": None, "opens_at": None}


@pytest.mark.django_db(transaction=True)
def test_the_hot_operations_answer_what_the_schema_says(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    kiosk = DeviceUserFactory()
    MembershipFactory(user=kiosk, mall=world.mall, role=Role.KIOSK)
    as_kiosk, as_officer = bearer(kiosk), bearer(world.officer)

    def post(path: str, headers: dict[str, str], body: Any = None) -> Any:
        response = client.post(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            **headers,
        )
        assert response.status_code in (200, 201), response.content
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return response.json()

    post(f"/counters/{world.counter.pk}/open", as_officer)
    issued = post("/tickets", as_kiosk, {"service_id": world.service.pk, "priority": "elderly"})
    assert list(issued) == list(TicketOut.model_fields)
    assert issued["priority"] == "elderly"
    assert issued["position"] == 1
    called = post(f"/counters/{world.counter.pk}/call-next", as_officer)
    started = post(f"/tickets/{called['id']}/start", as_officer)
    finished = post(f"/tickets/{called['id']}/finish", as_officer, {"outcome": "served"})
    for answer, status in ((called, "called"), (started, "serving"), (finished, "done")):
        assert list(answer) == list(TicketStaffOut.model_fields)
        assert answer["status"] == status
        assert answer["id"] == issued["id"]
    assert TicketStaffOut.model_validate(finished).model_dump(mode="json") == finished
