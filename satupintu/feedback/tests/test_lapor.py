"""The SP4N-LAPOR! exchange, both ways, against a real local HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import bearer, user_with_role
from satupintu.catalog.tests.factories import AgencyFactory, MallFactory, ServiceFactory
from satupintu.core.models import OutboxMessage
from satupintu.core.outbox import outbox_process_due
from satupintu.feedback import lapor
from satupintu.feedback.models import Complaint, ComplaintEvent

pytestmark = pytest.mark.django_db

LAPOR_CHANNELS = ("lapor.forward", "lapor.answer")
SECRET = "lapor-shared-secret"
TOKEN = "lapor-token-123"


class FakeLapor:
    """A LAPOR endpoint: records every request; answers forwards with a new reference."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                outer.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                if outer.fail:
                    self.send_response(503)
                    self.end_headers()
                    return
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self.send_response(401)
                    self.end_headers()
                    return
                answer = b"{}"
                if self.path == "/api/complaints":
                    answer = json.dumps({"reference": f"LAPOR-{len(outer.requests):05d}"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_lapor(settings) -> Iterator[FakeLapor]:
    server = FakeLapor()
    settings.LAPOR_BASE_URL = server.url
    settings.LAPOR_TOKEN = TOKEN
    settings.LAPOR_WEBHOOK_SECRET = SECRET
    settings.LAPOR_TIMEOUT_SECONDS = 5
    yield server
    server.close()


@pytest.fixture
def world():
    mall = MallFactory(slug="lapor-mall")
    agency = AgencyFactory(mall=mall, slug="disdukcapil")
    service = ServiceFactory(agency=agency, mall=mall, code="DUK-KTP-BARU")
    return mall, agency, service


def inbound(client, payload: dict[str, Any], *, secret: str = SECRET, signature: str | None = None):
    body = json.dumps(payload).encode()
    headers = {"HTTP_X_LAPOR_SIGNATURE": signature or lapor.sign(body, secret)}
    return client.post("/api/v1/lapor/inbound", body, content_type="application/json", **headers)


LAPOR_COMPLAINT = {
    "reference": "LPR-2026-000123",
    "mall": "lapor-mall",
    "service_code": "DUK-KTP-BARU",
    "category": "waiting_time",
    "title": "KTP belum selesai",
    "text": "Sudah tiga minggu KTP saya belum jadi.",
    "reporter": {"name": "Warga", "email": "warga@example.test"},
    "confidential": True,
}


def test_inbound_complaint_lands_with_its_reference_and_is_idempotent(client, world, fake_lapor):
    _mall, agency, _service = world
    first = inbound(client, LAPOR_COMPLAINT)
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["reference"] == "LPR-2026-000123"
    assert body["created"] is True
    complaint = Complaint.objects.get()
    assert complaint.origin == "lapor"
    assert complaint.agency_id == agency.pk
    assert complaint.is_confidential
    assert complaint.text.startswith("KTP belum selesai")
    again = inbound(client, LAPOR_COMPLAINT)
    assert again.status_code == 200
    assert again.json()["code"] == body["code"]
    assert again.json()["created"] is False
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize("signature", ["sha256=deadbeef", "", None])
def test_inbound_with_a_wrong_signature_is_401_and_nothing_stored(
    client, world, fake_lapor, signature
):
    if signature is None:
        response = client.post(
            "/api/v1/lapor/inbound", json.dumps(LAPOR_COMPLAINT), content_type="application/json"
        )
    elif signature == "":
        response = inbound(client, LAPOR_COMPLAINT, secret="another-secret")
    else:
        response = inbound(client, LAPOR_COMPLAINT, signature=signature)
    assert response.status_code == 401
    assert Complaint.objects.count() == 0
    assert ComplaintEvent.objects.count() == 0


def test_inbound_refused_when_no_secret_is_configured(client, world, settings):
    settings.LAPOR_WEBHOOK_SECRET = ""
    body = json.dumps(LAPOR_COMPLAINT).encode()
    response = client.post(
        "/api/v1/lapor/inbound",
        body,
        content_type="application/json",
        HTTP_X_LAPOR_SIGNATURE=lapor.sign(body, ""),
    )
    assert response.status_code == 401
    assert Complaint.objects.count() == 0


def test_inbound_bad_payload_is_422(client, world, fake_lapor):
    response = inbound(client, {**LAPOR_COMPLAINT, "text": ""})
    assert response.status_code == 422
    response = inbound(client, {**LAPOR_COMPLAINT, "reference": ""})
    assert response.status_code == 422
    assert Complaint.objects.count() == 0


def test_answer_goes_back_to_lapor(client, world, fake_lapor, django_capture_on_commit_callbacks):
    mall, agency, _service = world
    code = inbound(client, LAPOR_COMPLAINT).json()["code"]
    officer = user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=agency)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/complaints/{code}/transitions",
            {"to": "answered", "note": "KTP sudah bisa diambil di loket 3."},
            content_type="application/json",
            **bearer(officer),
        )
    assert response.status_code == 200, response.content
    assert len(fake_lapor.requests) == 1
    sent = fake_lapor.requests[0]
    assert sent["path"] == "/api/complaints/LPR-2026-000123/responses"
    assert sent["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert sent["headers"]["X-Lapor-Signature"] == lapor.sign(sent["body"], SECRET)
    payload = json.loads(sent["body"])
    assert payload["answer"] == "KTP sudah bisa diambil di loket 3."
    assert payload["reference"] == "LPR-2026-000123"
    delivery = OutboxMessage.objects.get(channel="lapor.answer")
    assert delivery.status == "sent"
    assert sent["headers"]["Idempotency-Key"] == delivery.dedupe_key
    assert ComplaintEvent.objects.filter(kind="lapor_response_sent").count() == 1


def test_failed_answer_is_kept_and_retried(
    client, world, fake_lapor, django_capture_on_commit_callbacks
):
    mall, agency, _service = world
    code = inbound(client, LAPOR_COMPLAINT).json()["code"]
    fake_lapor.fail = True
    officer = user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=agency)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/api/v1/complaints/{code}/transitions",
            {"to": "answered", "note": "Jawaban"},
            content_type="application/json",
            **bearer(officer),
        )
    delivery = OutboxMessage.objects.get(channel="lapor.answer")
    assert delivery.status == "pending"  # waits for its retry
    assert "503" in delivery.error
    assert ComplaintEvent.objects.filter(kind="lapor_failed").count() == 1
    fake_lapor.fail = False
    later = timezone.now() + timedelta(hours=1)
    assert outbox_process_due(now=later, channels=LAPOR_CHANNELS).sent == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert delivery.attempts == 2
    assert outbox_process_due(now=later, channels=LAPOR_CHANNELS).sent == 0
    assert len(fake_lapor.requests) == 2


def test_our_complaint_is_forwarded_to_lapor(
    client, world, fake_lapor, django_capture_on_commit_callbacks
):
    mall, _agency, service = world
    code = client.post(
        "/api/v1/complaints",
        {
            "mall": mall.slug,
            "text": "Pelayanan lambat",
            "service_id": service.pk,
            "confidential": True,
            "name": "Rahasia",
        },
        content_type="application/json",
    ).json()["code"]
    operator = user_with_role(Role.MALL_ADMIN, mall=mall)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/complaints/{code}/forward-to-lapor", **bearer(operator))
    assert response.status_code == 202, response.content
    assert len(fake_lapor.requests) == 1
    sent = fake_lapor.requests[0]
    assert sent["path"] == "/api/complaints"
    payload = json.loads(sent["body"])
    assert payload["tracking_code"] == code
    assert payload["text"] == "Pelayanan lambat"
    assert "reporter" not in payload  # confidential: the identity does not leave the mall
    complaint = Complaint.objects.get(code=code)
    assert complaint.lapor_reference == "LAPOR-00001"
    assert complaint.lapor_forwarded_at is not None
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="lapor_forwarded").exists()
    twice = client.post(f"/api/v1/complaints/{code}/forward-to-lapor", **bearer(operator))
    assert twice.status_code == 409
    assert len(fake_lapor.requests) == 1


def test_the_answer_to_a_complaint_we_forwarded_goes_back_to_lapor(
    client, world, fake_lapor, django_capture_on_commit_callbacks
):
    """Issue #12: both directions carry the answer. Our complaint, forwarded to LAPOR, answered
    here: the answer goes to LAPOR's reference for it, through the outbox."""
    mall, _agency, service = world
    code = client.post(
        "/api/v1/complaints",
        {"mall": mall.slug, "text": "Antrean lama", "service_id": service.pk},
        content_type="application/json",
    ).json()["code"]
    operator = user_with_role(Role.MALL_ADMIN, mall=mall)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/complaints/{code}/forward-to-lapor", **bearer(operator))
    reference = Complaint.objects.get(code=code).lapor_reference
    assert reference == "LAPOR-00001"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/complaints/{code}/transitions",
            {"to": "answered", "note": "Loket tambahan dibuka mulai Senin."},
            content_type="application/json",
            **bearer(operator),
        )
    assert response.status_code == 200, response.content
    assert [r["path"] for r in fake_lapor.requests] == [
        "/api/complaints",
        f"/api/complaints/{reference}/responses",
    ]
    answer = json.loads(fake_lapor.requests[1]["body"])
    assert answer["reference"] == reference
    assert answer["answer"] == "Loket tambahan dibuka mulai Senin."
    assert answer["tracking_code"] == code
    assert OutboxMessage.objects.get(channel="lapor.answer").status == "sent"
    complaint = Complaint.objects.get(code=code)
    assert complaint.events.filter(kind="lapor_response_sent").count() == 1


def test_an_answer_given_before_the_forward_went_through_waits_for_the_reference(
    client, world, fake_lapor, django_capture_on_commit_callbacks
):
    mall, _agency, service = world
    code = client.post(
        "/api/v1/complaints",
        {"mall": mall.slug, "text": "Antrean lama", "service_id": service.pk},
        content_type="application/json",
    ).json()["code"]
    operator = user_with_role(Role.MALL_ADMIN, mall=mall)
    fake_lapor.fail = True  # LAPOR is down: the forward waits in the outbox
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/complaints/{code}/forward-to-lapor", **bearer(operator))
        client.post(
            f"/api/v1/complaints/{code}/transitions",
            {"to": "answered", "note": "Sudah ditangani."},
            content_type="application/json",
            **bearer(operator),
        )
    answer = OutboxMessage.objects.get(channel="lapor.answer")
    assert answer.status == "pending"
    assert len(fake_lapor.requests) == 1  # the forward's failed try; the answer had no reference
    fake_lapor.fail = False
    run = outbox_process_due(now=timezone.now() + timedelta(hours=1), channels=LAPOR_CHANNELS)
    assert run.sent == 2  # the forward first (oldest), then the answer to its reference
    assert [r["path"] for r in fake_lapor.requests[1:]] == [
        "/api/complaints",
        "/api/complaints/LAPOR-00002/responses",
    ]


def test_a_lapor_answer_is_never_posted_twice_by_concurrent_runs(
    client, world, fake_lapor, django_capture_on_commit_callbacks
):
    """The delivery task and the periodic job both see the same due message: sent once."""
    from satupintu.core.tasks import outbox_deliver

    mall, agency, _service = world
    code = inbound(client, LAPOR_COMPLAINT).json()["code"]
    fake_lapor.fail = True
    officer = user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=agency)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/api/v1/complaints/{code}/transitions",
            {"to": "answered", "note": "Jawaban"},
            content_type="application/json",
            **bearer(officer),
        )
    fake_lapor.fail = False
    delivery = OutboxMessage.objects.get(channel="lapor.answer")
    later = timezone.now() + timedelta(hours=1)
    assert outbox_process_due(now=later, channels=LAPOR_CHANNELS).sent == 1
    assert outbox_deliver.call(delivery.pk) == "nothing to do"
    assert outbox_process_due(now=later, channels=LAPOR_CHANNELS).sent == 0
    assert len(fake_lapor.requests) == 2


def test_forward_without_configuration_is_409(client, world, settings):
    settings.LAPOR_BASE_URL = ""
    mall, *_ = world
    code = client.post(
        "/api/v1/complaints", {"mall": mall.slug, "text": "x"}, content_type="application/json"
    ).json()["code"]
    operator = user_with_role(Role.MALL_ADMIN, mall=mall)
    response = client.post(f"/api/v1/complaints/{code}/forward-to-lapor", **bearer(operator))
    assert response.status_code == 409
    assert not OutboxMessage.objects.filter(channel__startswith="lapor.").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_lapor_reference_store_one_complaint(settings):
    import threading

    from django.db import connection
    from django.test import Client

    settings.LAPOR_WEBHOOK_SECRET = SECRET
    mall = MallFactory(slug="lapor-mall")
    ServiceFactory(agency=AgencyFactory(mall=mall), mall=mall, code="DUK-KTP-BARU")
    body = json.dumps(LAPOR_COMPLAINT).encode()
    signature = lapor.sign(body, SECRET)
    barrier = threading.Barrier(5)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def deliver() -> None:
        try:
            barrier.wait()
            response = Client().post(
                "/api/v1/lapor/inbound",
                body,
                content_type="application/json",
                HTTP_X_LAPOR_SIGNATURE=signature,
            )
            with lock:
                results.append((response.status_code, response.json().get("code", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in results) == [200, 200, 200, 200, 201]
    assert len({complaint_code for _, complaint_code in results}) == 1
    assert Complaint.objects.filter(lapor_reference="LPR-2026-000123").count() == 1
    assert ComplaintEvent.objects.count() == 1
