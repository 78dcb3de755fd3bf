"""Complaints: intake, routing, deadline across holidays, lifecycle, agency scoping, escalation."""

from __future__ import annotations

import threading
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import bearer, user_with_role
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    ClosureDayFactory,
    MallFactory,
    ServiceFactory,
)
from satupintu.core.models import AuditEntry
from satupintu.feedback import services
from satupintu.feedback.models import Complaint, ComplaintEvent
from satupintu.feedback.tests.helpers import make_dossier

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def world():
    mall = MallFactory(slug="aduan-mall")
    agency = AgencyFactory(mall=mall, name="Disdukcapil Uji")
    other = AgencyFactory(mall=mall, name="Dinas Lain")
    service = ServiceFactory(agency=agency, mall=mall)
    return mall, agency, other, service


def submit(client, **body):
    return client.post("/api/v1/complaints", body, content_type="application/json")


def test_anonymous_complaint_gets_a_code_and_public_status(client, world):
    mall, agency, _other, service = world
    response = submit(
        client,
        mall=mall.slug,
        text="Petugas meminta uang tambahan.",
        category="fees",
        service_id=service.pk,
        anonymous=True,
        name="Budi",
        phone="081234567890",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("ADU-")
    assert body["status"] == "received"
    assert body["agency"] == agency.name
    complaint = Complaint.objects.get()
    assert complaint.agency_id == agency.pk
    # Anonymous: identity typed in is not kept.
    assert complaint.reporter_name == ""
    assert complaint.reporter_phone == ""
    status = client.get(f"/api/v1/complaints/{body['code']}")
    assert status.status_code == 200
    assert status.json()["history"][0]["to_status"] == "received"


def test_public_status_shows_no_identity(client, world):
    mall, _agency, _other, _service = world
    code = submit(
        client, mall=mall.slug, text="Antrian lama", name="Siti Rahayu", email="siti@example.test"
    ).json()["code"]
    content = client.get(f"/api/v1/complaints/{code}").content.decode()
    assert "Siti" not in content
    assert "siti@example.test" not in content
    assert client.get("/api/v1/complaints/ADU-XXXX-XXXX").status_code == 404


@pytest.mark.parametrize("text", ["", "   "])
def test_complaint_without_text_is_422_and_nothing_stored(client, world, text):
    mall, *_ = world
    response = submit(client, mall=mall.slug, text=text)
    assert response.status_code == 422
    assert ["body", "text"] in [d["loc"] for d in response.json()["detail"]]
    assert Complaint.objects.count() == 0
    assert ComplaintEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "nonsense"}, "category"),
        ({"service_id": 999999}, "service_id"),
        ({"tracking_code": "NOPE"}, "tracking_code"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_bad_complaint_fields_are_422(client, world, body, field):
    mall, *_ = world
    response = submit(client, mall=mall.slug, text="Keluhan", **body)
    assert response.status_code == 422, response.content
    assert ["body", field] in [d["loc"] for d in response.json()["detail"]]
    assert Complaint.objects.count() == 0


def test_routing_from_dossier_and_to_operator(client, world):
    mall, agency, _other, service = world
    dossier = make_dossier(service)
    by_dossier = submit(
        client, mall=mall.slug, text="Berkas lama", tracking_code=dossier.tracking_code
    )
    assert by_dossier.status_code == 201
    assert Complaint.objects.get(code=by_dossier.json()["code"]).agency_id == agency.pk
    general = submit(client, mall=mall.slug, text="Parkir penuh", category="facilities")
    assert Complaint.objects.get(code=general.json()["code"]).agency_id is None


def test_first_response_due_skips_nyepi_and_idul_fitri(world):
    mall, *_ = world
    complaint = services.complaint_submit(
        mall=mall, text="Keluhan", received_at=datetime(2026, 3, 17, 10, 0, tzinfo=JAKARTA)
    )
    # 18 cuti bersama Nyepi, 19 Nyepi, 20 cuti bersama Idul Fitri, 21-22 weekend (Idul Fitri),
    # 23-24 cuti bersama: the three working days are 25, 26 and 27 March.
    assert complaint.first_response_due == date(2026, 3, 27)


def test_first_response_due_skips_mall_closure_and_counts_local_day(world):
    mall, *_ = world
    ClosureDayFactory(mall=mall, date=date(2026, 3, 26), reason="Perbaikan listrik")
    # 2026-03-16 17:30 UTC is already 17 March in Jakarta.
    complaint = services.complaint_submit(
        mall=mall, text="Keluhan", received_at=datetime(2026, 3, 16, 17, 30, tzinfo=ZoneInfo("UTC"))
    )
    assert complaint.first_response_due == date(2026, 3, 30)


def test_lifecycle_with_history(client, world):
    mall, agency, _other, service = world
    officer = user_with_role(Role.BACK_OFFICE_OFFICER, mall=mall, agency=agency)
    headers = bearer(officer)
    code = submit(client, mall=mall.slug, text="KTP belum jadi", service_id=service.pk).json()[
        "code"
    ]
    url = f"/api/v1/complaints/{code}/transitions"
    step = client.post(
        url, {"to": "in_progress", "note": "Dicek"}, content_type="application/json", **headers
    )
    assert step.status_code == 200, step.content
    no_answer = client.post(url, {"to": "answered"}, content_type="application/json", **headers)
    assert no_answer.status_code == 422
    answered = client.post(
        url,
        {"to": "answered", "note": "KTP sudah dicetak."},
        content_type="application/json",
        **headers,
    )
    assert answered.status_code == 200
    closed = client.post(url, {"to": "closed"}, content_type="application/json", **headers)
    assert closed.json()["status"] == "closed"
    again = client.post(url, {"to": "in_progress"}, content_type="application/json", **headers)
    assert again.status_code == 409
    history = closed.json()["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("", "received"),
        ("received", "in_progress"),
        ("in_progress", "answered"),
        ("answered", "closed"),
    ]
    assert history[1]["by"] == officer.username
    public = client.get(f"/api/v1/complaints/{code}").json()
    assert public["answer"] == "KTP sudah dicetak."
    # Internal notes stay internal.
    assert all(h["note"] != "Dicek" for h in public["history"])
    complaint = Complaint.objects.get(code=code)
    assert complaint.first_responded_at is not None
    assert complaint.closed_at is not None


def test_events_are_append_only(world):
    mall, *_ = world
    complaint = services.complaint_submit(mall=mall, text="Keluhan")
    event = complaint.events.get()
    event.note = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_other_agency_gets_404_and_nothing_changes(client, world):
    mall, agency, other, service = world
    code = submit(client, mall=mall.slug, text="Keluhan KTP", service_id=service.pk).json()["code"]
    stranger = user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=other)
    headers = bearer(stranger)
    assert client.get(f"/api/v1/complaints/{code}/detail", **headers).status_code == 404
    for path, body in [
        ("transitions", {"to": "answered", "note": "Bukan urusan kami"}),
        ("notes", {"note": "Mengintip"}),
        ("route", {"agency_id": other.pk}),
        ("forward-to-lapor", {}),
    ]:
        response = client.post(
            f"/api/v1/complaints/{code}/{path}", body, content_type="application/json", **headers
        )
        assert response.status_code == 404, path
    listing = client.get("/api/v1/complaints", **headers).json()
    assert listing == {"items": [], "count": 0}
    complaint = Complaint.objects.get(code=code)
    assert complaint.status == "received"
    assert complaint.agency_id == agency.pk
    assert complaint.events.count() == 1
    # The operator's queue is not visible to agency staff either.
    general = submit(client, mall=mall.slug, text="Toilet kotor").json()["code"]
    own = user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=agency)
    assert client.get(f"/api/v1/complaints/{general}/detail", **bearer(own)).status_code == 404
    assert client.get(f"/api/v1/complaints/{code}/detail", **bearer(own)).status_code == 200
    assert client.get(f"/api/v1/complaints/{code}/detail").status_code == 401


def test_confidential_identity_hidden_from_agency_and_view_audited(client, world):
    mall, agency, _other, service = world
    code = submit(
        client,
        mall=mall.slug,
        text="Pungli di loket",
        service_id=service.pk,
        confidential=True,
        name="Pelapor Rahasia",
        phone="081234567890",
    ).json()["code"]
    agency_admin = user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=agency)
    seen_by_agency = client.get(f"/api/v1/complaints/{code}/detail", **bearer(agency_admin))
    assert seen_by_agency.json()["reporter"]["visible"] is False
    assert "Pelapor Rahasia" not in seen_by_agency.content.decode()
    assert "81234567890" not in seen_by_agency.content.decode()
    assert not AuditEntry.objects.filter(action="view").exists()
    mall_admin = user_with_role(Role.MALL_ADMIN, mall=mall)
    seen_by_admin = client.get(f"/api/v1/complaints/{code}/detail", **bearer(mall_admin)).json()
    assert seen_by_admin["reporter"]["name"] == "Pelapor Rahasia"
    assert seen_by_admin["reporter"]["phone"] == "+6281234567890"
    assert AuditEntry.objects.filter(action="view", actor=mall_admin).count() == 1


def test_operator_routes_a_general_complaint(client, world):
    mall, agency, _other, _service = world
    code = submit(client, mall=mall.slug, text="Tidak tahu harus ke mana").json()["code"]
    operator = user_with_role(Role.MALL_ADMIN, mall=mall)
    routed = client.post(
        f"/api/v1/complaints/{code}/route",
        {"agency_id": agency.pk},
        content_type="application/json",
        **bearer(operator),
    )
    assert routed.status_code == 200, routed.content
    assert routed.json()["agency_id"] == agency.pk
    officer = user_with_role(Role.BACK_OFFICE_OFFICER, mall=mall, agency=agency)
    assert client.get(f"/api/v1/complaints/{code}/detail", **bearer(officer)).status_code == 200
    # An agency officer cannot route.
    assert (
        client.post(
            f"/api/v1/complaints/{code}/route",
            {"agency_id": None},
            content_type="application/json",
            **bearer(officer),
        ).status_code
        == 404
    )


def _overdue_complaint(mall, service, **kwargs):
    return services.complaint_submit(
        mall=mall,
        text="Belum ada jawaban",
        service_id=service.pk,
        received_at=datetime(2026, 3, 2, 9, 0, tzinfo=JAKARTA),  # due 2026-03-05
        **kwargs,
    )


def test_escalation_happens_once(world, django_capture_on_commit_callbacks):
    mall, _agency, _other, service = world
    user_with_role(Role.SUPERVISOR, mall=mall, username="spv", email="spv@example.test")
    overdue = _overdue_complaint(mall, service)
    answered = _overdue_complaint(mall, service)
    services.complaint_transition(
        complaint=answered, actor=None, to_status="answered", note="Sudah dijawab"
    )
    not_yet = services.complaint_submit(
        mall=mall, text="Baru", received_at=datetime(2026, 3, 4, 9, 0, tzinfo=JAKARTA)
    )  # due 2026-03-09
    on_due_day = datetime(2026, 3, 5, 16, 0, tzinfo=JAKARTA)
    assert services.complaints_escalate_overdue(now=on_due_day) == []
    day_after = datetime(2026, 3, 6, 7, 0, tzinfo=JAKARTA)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.complaints_escalate_overdue(now=day_after)
    assert [c.pk for c in first] == [overdue.pk]
    with django_capture_on_commit_callbacks(execute=True):
        second = services.complaints_escalate_overdue(
            now=datetime(2026, 3, 7, 7, 0, tzinfo=JAKARTA)
        )
    assert second == []
    assert ComplaintEvent.objects.filter(kind="escalated").count() == 1
    assert ComplaintEvent.objects.get(kind="escalated").complaint_id == overdue.pk
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["spv@example.test"]
    assert overdue.code in mail.outbox[0].subject
    not_yet.refresh_from_db()
    assert not_yet.escalated_at is None


def test_escalation_command(world):
    mall, _agency, _other, service = world
    complaint = _overdue_complaint(mall, service)
    out = StringIO()
    call_command("complaints_escalate", stdout=out)
    assert f"escalated {complaint.code}" in out.getvalue()
    out = StringIO()
    call_command("complaints_escalate", stdout=out)
    assert "0 complaint(s) escalated" in out.getvalue()
    assert ComplaintEvent.objects.filter(kind="escalated").count() == 1


def test_escalation_task_runs(world):
    from satupintu.feedback.tasks import complaints_escalate

    mall, _agency, _other, service = world
    _overdue_complaint(mall, service)
    result = complaints_escalate.enqueue()
    assert result.return_value == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_escalation_runs_escalate_once():
    mall = MallFactory()
    service = ServiceFactory(agency__mall=mall, mall=mall)
    complaints = [_overdue_complaint(mall, service) for _ in range(5)]
    barrier = threading.Barrier(4)
    counts: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            done = services.complaints_escalate_overdue(
                now=datetime(2026, 3, 10, 9, 0, tzinfo=JAKARTA)
            )
            with lock:
                counts.append(len(done))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 5
    for complaint in complaints:
        assert complaint.events.filter(kind="escalated").count() == 1


def test_complaint_about_a_ticket_goes_to_its_service_agency(client, world):
    from satupintu.feedback.tests.helpers import make_ticket

    mall, agency, _other, service = world
    ticket = make_ticket(service)
    response = submit(
        client, mall=mall.slug, text="Dipanggil tapi loket kosong", ticket_id=ticket.pk
    )
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get()
    assert complaint.ticket_id == ticket.pk
    assert complaint.agency_id == agency.pk
    assert complaint.service_id == service.pk
    unknown = submit(client, mall=mall.slug, text="x", ticket_id=987654321)
    assert unknown.status_code == 422
    assert Complaint.objects.count() == 1


def test_a_complaint_retried_with_its_idempotency_key_is_filed_once(client, world):
    mall, _agency, _other, service = world
    body = {"mall": mall.slug, "text": "Antrean tidak dipanggil.", "service_id": service.pk}

    def send(key, text=body["text"]):
        return client.post(
            "/api/v1/complaints",
            {**body, "text": text},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    first, retry = send("complaint-1"), send("complaint-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1
    changed = send("complaint-1", text="Another complaint.")
    assert changed.status_code == 422
    assert changed.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert Complaint.objects.count() == 1
    assert ComplaintEvent.objects.count() == 1
