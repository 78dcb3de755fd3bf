"""Idempotency keys on taking a ticket and booking an appointment (API.md, "General rules"), on
the kiosk page, and under real concurrent connections on PostgreSQL."""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from satupintu.accounts.tests.factories import DeviceUserFactory, bearer
from satupintu.core.idempotency import idempotency_keys_purge
from satupintu.core.models import IdempotencyKey
from satupintu.core.tests.live_server import uvicorn_server
from satupintu.queueing.models import Appointment, Ticket, TicketEvent
from satupintu.queueing.tests.factories import AppointmentSlotConfigFactory, KioskFactory
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import Clock, QueueWorld

KEY = "HTTP_IDEMPOTENCY_KEY"


def take(client: Client, body: dict[str, Any], key: str | None = None, **headers: str) -> Any:
    if key is not None:
        headers[KEY] = key
    return client.post(
        "/api/v1/tickets", data=json.dumps(body), content_type="application/json", **headers
    )


@pytest.mark.django_db
def test_a_retry_with_the_same_key_answers_the_first_ticket_and_issues_none(
    world: QueueWorld,
) -> None:
    client = Client()
    device = bearer(DeviceUserFactory())
    key = str(uuid.uuid4())
    body = {"service_id": world.service.pk, "channel": "walk_in"}
    first = take(client, body, key, **device)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    retry = take(client, body, key, **device)
    assert retry.status_code == 201
    assert retry.content == first.content
    assert retry["Content-Type"] == first["Content-Type"]
    assert retry["Idempotent-Replayed"] == "true"
    # The same JSON written otherwise (order, spaces) is the same request.
    again = client.post(
        "/api/v1/tickets",
        data=f'{{ "channel" : "walk_in",  "service_id": {world.service.pk} }}',
        content_type="application/json",
        **{KEY: key},
        **device,
    )
    assert again.content == first.content
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.count() == 1
    # Without a key, or with a new one, each request is a new ticket.
    assert take(client, {"service_id": world.service.pk}, **device).json()["number"] == "A-002"
    fresh = take(client, {"service_id": world.service.pk}, str(uuid.uuid4()), **device)
    assert fresh.json()["number"] == "A-003"
    assert Ticket.objects.count() == 3


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_naming_the_header_and_changes_nothing(
    world: QueueWorld,
) -> None:
    client = Client()
    device = bearer(DeviceUserFactory())
    key = "kiosk-7-attempt-41"
    assert take(client, {"service_id": world.service.pk}, key, **device).status_code == 201
    other = take(client, {"service_id": world.other_service.pk}, key, **device)
    assert other.status_code == 422
    detail = other.json()["detail"]
    assert detail[0]["loc"] == ["header", "Idempotency-Key"]
    assert detail[0]["type"] == "idempotency_key_reused"
    # The same key on another endpoint is another request too.
    elsewhere = client.post(
        "/api/v1/appointments",
        data=json.dumps({"service_id": world.service.pk}),
        content_type="application/json",
        **{KEY: key},
        **device,
    )
    assert elsewhere.status_code == 422
    assert Ticket.objects.count() == 1
    assert not Ticket.objects.filter(service=world.other_service).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "with space", "x" * 256, "ключ"])
def test_a_malformed_key_is_422_naming_the_header(world: QueueWorld, key: str) -> None:
    response = take(Client(), {"service_id": world.service.pk}, key)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert not Ticket.objects.exists()
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_keys_belong_to_their_caller(world: QueueWorld) -> None:
    """Another device, or an anonymous visitor at another address, with the same key gets its
    own ticket, never the first caller's answer."""
    key = "same-key"
    one = take(Client(), {"service_id": world.service.pk}, key, **bearer(DeviceUserFactory()))
    two = take(Client(), {"service_id": world.service.pk}, key, **bearer(DeviceUserFactory()))
    anon_a = take(Client(REMOTE_ADDR="10.0.0.1"), {"service_id": world.service.pk}, key)
    anon_a_again = take(Client(REMOTE_ADDR="10.0.0.1"), {"service_id": world.service.pk}, key)
    anon_b = take(Client(REMOTE_ADDR="10.0.0.2"), {"service_id": world.service.pk}, key)
    numbers = [r.json()["number"] for r in (one, two, anon_a, anon_a_again, anon_b)]
    assert numbers == ["A-001", "A-002", "A-003", "A-003", "A-004"]
    assert Ticket.objects.count() == 4


@pytest.mark.django_db
def test_a_refused_request_keeps_no_answer_and_its_retry_is_tried_again(
    world: QueueWorld, clock: Clock
) -> None:
    device = bearer(DeviceUserFactory())
    key = "retry-after-opening"
    clock.advance(hours=-3)  # 07:00, before the mall opens
    closed = take(Client(), {"service_id": world.service.pk}, key, **device)
    assert closed.status_code == 409
    assert not IdempotencyKey.objects.exists()
    clock.advance(hours=3)
    opened = take(Client(), {"service_id": world.service.pk}, key, **device)
    assert opened.status_code == 201
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_keys_expire_and_the_purge_deletes_them(
    world: QueueWorld, clock: Clock, settings: Any
) -> None:
    settings.IDEMPOTENCY_KEY_HOURS = 24
    device = bearer(DeviceUserFactory())
    first = take(Client(), {"service_id": world.service.pk}, "old-key", **device)
    row = IdempotencyKey.objects.get()
    assert row.expires_at == row.created_at + timedelta(hours=24)
    assert idempotency_keys_purge() == 0
    assert idempotency_keys_purge(now=timezone.now() + timedelta(hours=24, seconds=1)) == 1
    assert not IdempotencyKey.objects.exists()
    # An expired key not yet purged is a new key: a new ticket, and a new answer kept.
    take(Client(), {"service_id": world.service.pk}, "late-key", **device)
    clock.advance(hours=25)  # Thursday 11:00
    later = take(Client(), {"service_id": world.service.pk}, "late-key", **device)
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_an_appointment_retry_books_once(world: QueueWorld) -> None:
    AppointmentSlotConfigFactory(service=world.service)
    booking = {
        "service_id": world.service.pk,
        "date": "2026-03-05",
        "slot": "09:00",
        "name": "Siti Aminah",
        "phone": "081234567890",
        "nik": "3471011203900001",
    }
    client = Client()

    def book() -> Any:
        return client.post(
            "/api/v1/appointments",
            data=json.dumps(booking),
            content_type="application/json",
            **{KEY: "booking-1"},
        )

    first, retry = book(), book()
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_the_openapi_document_declares_the_header_on_the_four_creations(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/tickets",
        "/api/v1/dossiers",
        "/api/v1/appointments",
        "/api/v1/complaints",
    ):
        params = schema["paths"][path]["post"]["parameters"]
        header = next(p for p in params if p["in"] == "header")
        assert header["name"] == "Idempotency-Key"
        assert header["required"] is False
        assert "first answer" in header["description"]
        rule = header["schema"]["anyOf"][0]
        assert (rule["minLength"], rule["maxLength"]) == (1, 255)
        assert "422" in schema["paths"][path]["post"]["responses"]


# --- the kiosk page ---------------------------------------------------------------------------


def _kiosk_service_url(world: QueueWorld) -> str:
    return reverse(
        "queueing:kiosk-service",
        kwargs={"mall_slug": world.mall.slug, "service_id": world.service.pk},
    )


@pytest.mark.django_db
def test_the_kiosk_page_carries_a_new_key_for_each_attempt_and_its_script(
    world: QueueWorld,
) -> None:
    client = Client()
    pages = [client.get(_kiosk_service_url(world)).text for _ in range(2)]
    keys = [re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', p) for p in pages]
    assert all(keys)
    assert keys[0].group(1) != keys[1].group(1)  # type: ignore[union-attr]
    assert "queueing/kiosk_service.js" in pages[0]


@pytest.mark.django_db
def test_a_kiosk_retry_shows_and_prints_the_first_ticket(world: QueueWorld) -> None:
    client = Client()
    url = _kiosk_service_url(world)
    form = {"priority": "elderly", "channel": "walk_in", "idempotency_key": "a" * 32}
    first = client.post(url, form)
    # The script's retry: the same form, the key as a header too.
    retry = client.post(url, form, **{KEY: "a" * 32})
    assert first.status_code == retry.status_code == 302
    assert retry["Location"] == first["Location"]
    assert Ticket.objects.count() == 1
    # Another choice under the same key is refused and issues nothing.
    other = client.post(url, {**form, "priority": "pregnant"})
    assert other.status_code == 422
    assert Ticket.objects.count() == 1
    # A new attempt (a new key) is a new ticket.
    client.post(url, {**form, "idempotency_key": "b" * 32})
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_a_kiosk_retry_prints_the_ticket_again(world: QueueWorld, monkeypatch: Any) -> None:
    """The answer of the first try was lost: maybe the paper too. The retry prints the same
    ticket (same number) again, outside the database transaction."""
    from satupintu.queueing import views

    printed: list[tuple[str, int]] = []
    outside = len(connection.atomic_blocks)  # the test's own transaction

    def fake_print(*, host: str, port: int, printout: Any) -> bool:
        printed.append((printout.number, len(connection.atomic_blocks)))
        return True

    monkeypatch.setattr(views, "ticket_print", fake_print)
    kiosk = KioskFactory(mall=world.mall, printer_host="192.0.2.10", printer_port=9100)
    client = Client()
    client.get(reverse("queueing:kiosk", args=[world.mall.slug]), {"kiosk": kiosk.pk})
    form = {"priority": "", "idempotency_key": "c" * 32}
    client.post(_kiosk_service_url(world), form)
    client.post(_kiosk_service_url(world), form)
    assert printed == [("A-001", outside), ("A-001", outside)]
    assert Ticket.objects.count() == 1


# --- real concurrency on PostgreSQL -------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_issue_one_ticket(world: QueueWorld) -> None:
    """Twelve connections post the same ticket with the same key at the same moment, to a real
    server: one ticket, twelve identical answers (eleven replayed). Another twelve with twelve
    keys at the same moment: twelve tickets."""
    headers = {
        "Authorization": bearer(DeviceUserFactory())["HTTP_AUTHORIZATION"],
        "Content-Type": "application/json",
    }
    body = json.dumps({"service_id": world.service.pk})
    count = 12

    def burst(base: str, keys: list[str]) -> list[httpx.Response]:
        barrier = threading.Barrier(count)
        answers: list[httpx.Response] = []
        errors: list[BaseException] = []

        def post(key: str) -> None:
            try:
                with httpx.Client(base_url=base, timeout=60) as http:
                    barrier.wait(timeout=30)
                    answers.append(
                        http.post(
                            "/api/v1/tickets",
                            content=body,
                            headers={**headers, "Idempotency-Key": key},
                        )
                    )
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=post, args=(k,)) for k in keys]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        assert not errors, errors
        return answers

    with uvicorn_server() as base:
        same = burst(base, ["one-key"] * count)
        assert [a.status_code for a in same] == [201] * count
        assert len({a.content for a in same}) == 1
        assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in same) == count - 1
        assert Ticket.objects.count() == 1
        assert TicketEvent.objects.count() == 1
        assert IdempotencyKey.objects.count() == 1

        distinct = burst(base, [f"key-{i}" for i in range(count)])
        assert [a.status_code for a in distinct] == [201] * count
        assert Ticket.objects.count() == 1 + count
        numbers = sorted(t.number for t in Ticket.objects.all())
        assert numbers == [f"A-{n:03d}" for n in range(1, count + 2)]
