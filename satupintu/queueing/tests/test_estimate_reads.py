"""The estimate where visitors see it: the API's ticket answers, the phone page, the kiosk's
ticket; from the real call order (shared counters, priorities) and without a statement more on
the issuing path."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import DeviceUserFactory, MembershipFactory, bearer
from satupintu.queueing import selectors, services
from satupintu.queueing.models import Ticket
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import JAKARTA, Clock, QueueWorld

pytestmark = pytest.mark.django_db(transaction=True)


def _issue(client: Client, headers: dict[str, str], **body: Any) -> Any:
    response = client.post(
        "/api/v1/tickets", data=json.dumps(body), content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_priority_ticket_of_another_service_at_the_shared_counter_counts_ahead(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    # The counter serves both services and is busy; a disabled visitor of the other service
    # waits: the elderly visitor is not next, and never "0 minutes".
    services.counter_open(counter=world.counter, actor=world.officer)
    services.ticket_issue(service=world.service)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    services.ticket_start(ticket=called, actor=world.officer)
    services.ticket_issue(service=world.other_service, priority="disabled")
    elderly = services.ticket_issue(service=world.service, priority="elderly")
    # The old count looked at its own service only.
    assert selectors.people_ahead(elderly) == 0
    answer = client.get(
        f"/api/v1/tickets/{elderly.pk}?token={selectors.ticket_token(elderly)}"
    ).json()
    assert answer["people_ahead"] == 1
    assert answer["position"] == 2
    estimate = answer["estimate"]
    assert estimate["reason"] is None
    assert estimate["minutes"] >= 2
    assert estimate["minutes_low"] <= estimate["minutes"] <= estimate["minutes_high"]


def test_the_issuing_answer_uses_the_stored_picture_without_a_statement_more(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    kiosk = DeviceUserFactory()
    MembershipFactory(user=kiosk, mall=world.mall, role=Role.KIOSK)
    as_kiosk = bearer(kiosk)
    services.counter_open(counter=world.counter, actor=world.officer)
    services.ticket_issue(service=world.service)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    services.ticket_start(ticket=called, actor=world.officer)
    services.ticket_issue(service=world.other_service, priority="disabled")
    # Warm the caches (tokens, catalog rows) and store the picture with a read.
    first = _issue(client, as_kiosk, service_id=world.service.pk, priority="elderly")
    client.get(f"/api/v1/tickets/{first['id']}?token={first['token']}")
    with CaptureQueriesContext(connection) as captured:
        answer = _issue(client, as_kiosk, service_id=world.service.pk, priority="elderly")
    expected = 1 if connection.vendor == "postgresql" else 7  # test_hot_path's counts
    assert len(captured.captured_queries) == expected
    # The disabled visitor of the other service and the first elderly visitor go first.
    assert answer["people_ahead"] == 2
    assert answer["estimate"]["minutes"] >= 2


def test_the_phone_page_says_when_the_counters_open(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    clock.set(datetime(2026, 3, 4, 7, 30, tzinfo=JAKARTA))
    ticket = Ticket.objects.create(
        mall=world.mall,
        service=world.service,
        current_service=world.service,
        queue_prefix="A",
        serial=1,
        number="A-001",
        service_date=clock.current.date(),
        arrival_at=clock(),
    )
    url = reverse(
        "queueing:ticket-status",
        kwargs={"ticket_id": ticket.pk, "token": selectors.ticket_token(ticket)},
    )
    page = client.get(url).content.decode()
    assert "Loket belum buka; buka pukul 08:00" in page  # the page speaks Indonesian
    token = selectors.ticket_token(ticket)
    estimate = client.get(f"/api/v1/tickets/{ticket.pk}?token={token}").json()["estimate"]
    assert (estimate["reason"], estimate["opens_at"]) == ("no_counter_open", "08:00")
    assert estimate["minutes"] >= 30


def test_the_capacity_cut_off_stops_walk_ins_when_the_day_is_full(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    from satupintu.core.errors import Conflict
    from satupintu.queueing.models import Ticket as TicketModel
    from satupintu.queueing.tests.factories import AppointmentSlotConfigFactory

    world.service.duration_value = 12
    world.service.duration_unit = "minutes"
    world.service.save()
    AppointmentSlotConfigFactory(service=world.service)
    clock.set(datetime(2026, 3, 4, 15, 20, tzinfo=JAKARTA))  # 40 minutes before closing
    services.counter_open(counter=world.counter, actor=world.officer)
    for _ in range(3):
        services.ticket_issue(service=world.service)
    # Off by default: a fourth ticket is taken although the day is full.
    services.ticket_issue(service=world.service)
    world.service.capacity_cutoff = True
    world.service.save()
    before = TicketModel.objects.count()
    with pytest.raises(Conflict) as refused:
        services.ticket_issue(service=world.service)
    assert refused.value.code == "capacity_reached"
    assert "16:00" in refused.value.message
    assert "Next free appointment: 05-03-2026 08:00" in refused.value.message
    assert TicketModel.objects.count() == before
    # The kiosk says why and offers the slot.
    page = client.post(
        reverse("queueing:kiosk-service", args=[world.mall.slug, world.service.pk]),
        {"priority": "", "channel": "walk_in"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    assert "Next free appointment" in page.content.decode()
    assert TicketModel.objects.count() == before
    # Another service at the same counter is judged on the same queue: full too.
    world.other_service.capacity_cutoff = True
    world.other_service.save()
    with pytest.raises(Conflict):
        services.ticket_issue(service=world.other_service)


def test_the_kiosk_list_tells_the_wait_of_a_ticket_taken_now(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    url = reverse("queueing:kiosk", args=[world.mall.slug]) + f"?agency={world.service.agency_id}"
    services.ticket_issue(service=world.service)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Loket belum buka" in page or "Counter not open yet" in page
    services.counter_open(counter=world.counter, actor=world.officer)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Counter not open yet" not in page
    assert "min" in page
