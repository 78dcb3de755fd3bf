"""The counter console's one action between two visitors ("finish and call next", page and
API, with its denials), the link to the counter the officer already holds, and the staff home
that puts the held counter first with its queue (issue #12)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from satupintu.accounts.tests.factories import bearer
from satupintu.catalog.tests.factories import CounterFactory
from satupintu.queueing import services
from satupintu.queueing.models import CounterSession, Ticket
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import QueueWorld

pytestmark = pytest.mark.django_db


def _act(client: Client, counter_id: int, action: str, **fields: Any) -> Any:
    return client.post(
        reverse("queueing:counter-action", args=[counter_id]), {"action": action, **fields}
    )


def _state(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (ticket.status, ticket.counter_id, ticket.outcome, ticket.events.count())


def test_finish_and_call_next_is_one_action_on_the_console(world: QueueWorld) -> None:
    first = services.ticket_issue(service=world.service)
    second = services.ticket_issue(service=world.service)
    client = Client()
    client.force_login(world.officer)
    _act(client, world.counter.pk, "open")
    _act(client, world.counter.pk, "call_next")
    _act(client, world.counter.pk, "start", ticket_id=first.pk)
    page = client.get(reverse("queueing:counter", args=[world.counter.pk])).content.decode()
    assert 'value="finish_next" data-key="l"' in page
    assert "<kbd>L</kbd>" in page
    # The separate steps stay.
    assert 'value="finish" data-key="f"' in page
    assert 'class="button button-no-show"' not in page  # only for a called ticket

    response = _act(
        client, world.counter.pk, "finish_next", ticket_id=first.pk, outcome="served", note="ok"
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.outcome) == (Ticket.Status.DONE, "served")
    assert (second.status, second.counter_id) == (Ticket.Status.CALLED, world.counter.pk)
    page = client.get(reverse("queueing:counter", args=[world.counter.pk])).content.decode()
    assert second.number in page
    assert 'class="button button-no-show"' in page  # "did not come" has its own style

    # Nobody waits any more: the finish is done, and the console says nobody is waiting.
    _act(client, world.counter.pk, "start", ticket_id=second.pk)
    response = _act(client, world.counter.pk, "finish_next", ticket_id=second.pk, outcome="served")
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Ticket.Status.DONE
    follow = client.get(response["Location"]).content.decode()
    assert "Tidak ada yang menunggu untuk layanan loket ini." in follow


def test_finish_and_call_next_refused_changes_nothing(world: QueueWorld) -> None:
    ticket = services.ticket_issue(service=world.service)
    waiting = services.ticket_issue(service=world.service)
    services.counter_open(counter=world.counter, actor=world.officer)
    services.counter_call_next(counter=world.counter, actor=world.officer)
    before = (_state(ticket), _state(waiting))
    # Another officer of the mall does not hold the counter: 409, nothing changed.
    other = Client()
    other.force_login(world.other_officer)
    refused = _act(other, world.counter.pk, "finish_next", ticket_id=ticket.pk, outcome="served")
    assert refused.status_code == 409
    # A bad outcome names the field.
    mine = Client()
    mine.force_login(world.officer)
    bad = _act(mine, world.counter.pk, "finish_next", ticket_id=ticket.pk, outcome="maybe")
    assert bad.status_code == 422
    assert "outcome" in bad.content.decode()
    assert (_state(ticket), _state(waiting)) == before


def test_finish_and_call_next_through_the_api(client: Client, world: QueueWorld) -> None:
    first = services.ticket_issue(service=world.service)
    second = services.ticket_issue(service=world.service)
    services.counter_open(counter=world.counter, actor=world.officer)
    services.counter_call_next(counter=world.counter, actor=world.officer)
    services.ticket_start(ticket=first.pk, actor=world.officer)
    path = f"/api/v1/counters/{world.counter.pk}/finish-and-call-next"
    headers = bearer(world.officer)
    missing = client.post(
        path, json.dumps({"outcome": "served"}), content_type="application/json", **headers
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "ticket_id"]
    answer = client.post(
        path,
        json.dumps({"ticket_id": first.pk, "outcome": "served"}),
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["finished"]["id"] == first.pk
    assert body["finished"]["status"] == "done"
    assert body["called"]["id"] == second.pk
    assert body["called"]["status"] == "called"
    # Nobody waits: the finish is done and `called` is null.
    services.ticket_start(ticket=second.pk, actor=world.officer)
    last = client.post(
        path,
        json.dumps({"ticket_id": second.pk, "outcome": "not_served"}),
        content_type="application/json",
        **headers,
    )
    assert last.status_code == 200
    assert last.json()["called"] is None
    # Without credentials: 401.
    assert Client().post(path, "{}", content_type="application/json").status_code == 401


def test_a_second_counter_says_which_one_is_held_with_a_link(world: QueueWorld) -> None:
    other_counter = CounterFactory(
        mall=world.mall, floor=world.counter.floor, number=2, services=[world.service]
    )
    services.counter_open(counter=world.counter, actor=world.officer)
    client = Client()
    client.force_login(world.officer)
    refused = _act(client, other_counter.pk, "open")
    assert refused.status_code == 409
    html = refused.content.decode()
    link = re.search(r'<a class="button" href="([^"]+)" id="held-counter-link">([^<]+)</a>', html)
    assert link
    assert link.group(1) == reverse("queueing:counter", args=[world.counter.pk])
    assert world.counter.name in link.group(2)
    assert not CounterSession.objects.filter(counter=other_counter).exists()


def test_staff_home_shows_the_held_counter_first_with_its_queue(world: QueueWorld) -> None:
    CounterFactory(mall=world.mall, floor=world.counter.floor, number=0, name="Loket Awal")
    services.ticket_issue(service=world.service)
    services.ticket_issue(service=world.other_service)
    services.counter_open(counter=world.counter, actor=world.officer)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.officer)
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    held = html.index('id="held-counter"')
    assert held < html.index("Your roles")
    section = html[held : html.index("</section>", held)]
    assert f"Your counter: {world.counter.name}" in section
    assert "2 people waiting" in section
    assert world.service.name in section
    assert reverse("queueing:counter", args=[world.counter.pk]) in section
    # In the list of consoles, the held counter comes first (before "Loket Awal", number 0).
    links = re.findall(r"Console of ([^<]+)</a>", html)
    assert links[0] == world.counter.name
    # Someone who holds no counter gets no such section.
    other = Client()
    other.force_login(world.other_officer)
    assert 'id="held-counter"' not in other.get("/staff/").content.decode()
