"""The hot operations stay cheap: the statements each one sends, counted through the API with
bearer tokens as kiosks and counter consoles call it, in autocommit as in production (so BEGIN
and COMMIT are counted where they are sent). On PostgreSQL each operation is one round trip; on
SQLite the same steps are a few statements in one IMMEDIATE transaction (in-process, no round
trips). A change that adds a statement to an operation fails here and must say why.

Also: the position counted by the issuing statement equals the ORM's count, a refused
operation writes nothing, and the cached look-ups the operations read are dropped on change."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from satupintu.accounts.models import Membership, Role
from satupintu.accounts.tests.factories import DeviceUserFactory, MembershipFactory, bearer
from satupintu.catalog.models import ClosureDay
from satupintu.core.errors import Conflict, NotFound
from satupintu.queueing import selectors, services
from satupintu.queueing.models import Ticket, TicketEvent
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import Clock, QueueWorld

pytestmark = pytest.mark.django_db(transaction=True)


def _post(client: Client, path: str, headers: dict[str, str], body: Any = None) -> Any:
    response = client.post(
        f"/api/v1{path}",
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        **headers,
    )
    assert response.status_code in (200, 201), response.content
    return response.json()


def _statements(client: Client, path: str, headers: dict[str, str], body: Any = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        _post(client, path, headers, body)
    return len(captured.captured_queries)


def test_each_hot_operation_sends_the_statements_it_needs_and_no_more(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    kiosk = DeviceUserFactory()
    MembershipFactory(user=kiosk, mall=world.mall, role=Role.KIOSK)
    as_kiosk, as_officer = bearer(kiosk), bearer(world.officer)
    counter = world.counter.pk
    ticket_body = {"service_id": world.service.pk}
    _post(client, f"/counters/{counter}/open", as_officer)
    # A first cycle fills the caches (tokens, catalog rows, memberships, the service's pace).
    _post(client, "/tickets", as_kiosk, ticket_body)
    first = _post(client, f"/counters/{counter}/call-next", as_officer)
    _post(client, f"/tickets/{first['id']}/start", as_officer)
    _post(client, f"/tickets/{first['id']}/finish", as_officer, {"outcome": "served"})

    on_postgres = connection.vendor == "postgresql"
    # PostgreSQL: one function call per operation. SQLite: BEGIN IMMEDIATE, the steps (lock
    # check, read, update, event, re-read, waiting count; the mean service time for a finish),
    # COMMIT.
    expected = (
        {"issue": 1, "call": 1, "start": 1, "finish": 1, "recall": 1, "no_show": 1}
        if on_postgres
        else {"issue": 7, "call": 8, "start": 8, "finish": 9, "recall": 8, "no_show": 8}
    )
    # The finish stored the service's new mean service time (counted by the finishing
    # statement): the estimate in the next issue's answer reads it from the cache.
    assert _statements(client, "/tickets", as_kiosk, ticket_body) == expected["issue"]
    assert _statements(client, "/tickets", as_kiosk, ticket_body) == expected["issue"]
    called = _post(client, f"/counters/{counter}/call-next", as_officer)
    _post(client, f"/tickets/{called['id']}/start", as_officer)
    _post(client, f"/tickets/{called['id']}/finish", as_officer, {"outcome": "served"})
    assert _statements(client, f"/counters/{counter}/call-next", as_officer) == expected["call"]
    waiting = Ticket.objects.filter(status="called").get()
    assert _statements(client, f"/tickets/{waiting.pk}/recall", as_officer) == expected["recall"]
    assert _statements(client, f"/tickets/{waiting.pk}/start", as_officer) == expected["start"]
    assert (
        _statements(client, f"/tickets/{waiting.pk}/finish", as_officer, {"outcome": "served"})
        == expected["finish"]
    )
    _post(client, "/tickets", as_kiosk, ticket_body)
    missed = _post(client, f"/counters/{counter}/call-next", as_officer)
    assert (
        _statements(client, f"/tickets/{missed['id']}/no-show", as_officer) == (expected["no_show"])
    )
    # "Finish and call next" is the two hot operations back to back and nothing else: two
    # statements on PostgreSQL, the finish's and the call's steps on SQLite.
    _post(client, "/tickets", as_kiosk, ticket_body)
    _post(client, "/tickets", as_kiosk, ticket_body)
    serving = _post(client, f"/counters/{counter}/call-next", as_officer)
    _post(client, f"/tickets/{serving['id']}/start", as_officer)
    path = f"/counters/{counter}/finish-and-call-next"
    body = {"ticket_id": serving["id"], "outcome": "served"}
    assert _statements(client, path, as_officer, body) == expected["finish"] + expected["call"]


def test_the_position_counted_at_issue_equals_the_orm_count(
    world: QueueWorld, clock: Clock
) -> None:
    for priority in ["", "elderly", "", "disabled", "", "pregnant", "elderly", ""]:
        ticket = services.ticket_issue(service=world.service, priority=priority or None)
        counted = getattr(ticket, "people_ahead_at_issue")  # noqa: B009
        assert counted == selectors.people_ahead(ticket), priority
    lane = services.ticket_issue(
        service=world.service, channel="walk_in", priority="child_or_infant"
    )
    assert getattr(lane, "people_ahead_at_issue") == selectors.people_ahead(lane)  # noqa: B009


def test_a_refused_transition_writes_nothing_and_names_the_reason(
    world: QueueWorld, clock: Clock
) -> None:
    services.counter_open(counter=world.counter, actor=world.officer)
    ticket = services.ticket_issue(service=world.service)
    events = TicketEvent.objects.count()
    with pytest.raises(Conflict) as refused:
        services.ticket_start(ticket=ticket.pk, actor=world.officer)
    assert refused.value.code == "invalid_transition"
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    with pytest.raises(Conflict) as refused:
        services.ticket_start(ticket=called.pk, actor=world.other_officer)
    assert refused.value.code == "counter_not_held"
    stranger = DeviceUserFactory()
    with pytest.raises(NotFound):
        services.ticket_start(ticket=called.pk, actor=stranger)
    called.refresh_from_db()
    assert called.status == "called"
    assert called.started_at is None
    assert TicketEvent.objects.count() == events + 1  # the call only


def test_cached_look_ups_are_dropped_as_soon_as_their_rows_change(
    world: QueueWorld, clock: Clock
) -> None:
    assert selectors.service_for_queue(service_id=world.service.pk).name == world.service.name
    world.service.name = "Layanan baru"
    world.service.save()
    assert selectors.service_for_queue(service_id=world.service.pk).name == "Layanan baru"
    world.service.agency.is_active = False
    world.service.agency.save()
    with pytest.raises(NotFound):
        selectors.service_for_queue(service_id=world.service.pk)

    assert selectors.may_work_counter(world.officer, world.counter)
    assert selectors.access_counter_for_officer(world.officer, world.counter.pk) == world.counter
    Membership.objects.filter(user=world.officer).delete()
    assert not selectors.may_work_counter(world.officer, world.counter)
    with pytest.raises(NotFound):
        selectors.access_counter_for_officer(world.officer, world.counter.pk)

    assert selectors.mall_closed_reason(world.mall) is None
    ClosureDay.objects.create(mall=world.mall, date=clock().date(), reason="Banjir")
    assert "Banjir" in (selectors.mall_closed_reason(world.mall) or "")
