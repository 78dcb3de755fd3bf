from __future__ import annotations

import io
import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from reportlab.pdfgen import canvas

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import bearer, user_with_role
from satupintu.catalog import partners
from satupintu.catalog.models import Partnership, PartnershipEvent, PartnershipReminder
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    CounterFactory,
    MallFactory,
    PartnershipFactory,
    ServiceFactory,
)
from satupintu.core.errors import Conflict, InvalidInput
from satupintu.core.models import AuditEntry
from satupintu.core.outbox import outbox_process_due

TODAY = date(2026, 3, 2)


def _pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "Nota Kesepakatan")
    pdf.save()
    return buffer.getvalue()


@pytest.fixture
def env(db: Any) -> dict[str, Any]:
    mall = MallFactory(slug="yk-partners")
    agency = AgencyFactory(mall=mall, name="Disdukcapil")
    admin = user_with_role(Role.MALL_ADMIN, mall=mall, username="madmin", email="admin@mpp.test")
    return {"mall": mall, "agency": agency, "admin": admin}


def _active(agency: Any, ends_on: date, starts_on: date = date(2024, 1, 1)) -> Partnership:
    return PartnershipFactory(
        agency=agency,
        status=Partnership.Status.ACTIVE,
        mou_number="180/MOU/2024",
        signed_on=starts_on,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def _transition(client: Client, pk: int, headers: dict[str, str], **body: Any) -> Any:
    return client.post(
        f"/api/v1/partnerships/{pk}/transitions", body, content_type="application/json", **headers
    )


# --- lifecycle ----------------------------------------------------------------------------------


def test_full_lifecycle_with_history_and_audit(env: dict[str, Any]) -> None:
    admin = env["admin"]
    p = partners.partnership_invite(actor=admin, agency=env["agency"])
    p = partners.partnership_transition(
        actor=admin, partnership=p, to_status="drafted", today=TODAY
    )
    p = partners.partnership_transition(
        actor=admin,
        partnership=p,
        to_status="signed",
        terms=partners.TransitionTerms(mou_number="180/12/MOU/2026", signed_on=TODAY),
        today=TODAY,
    )
    p = partners.partnership_transition(
        actor=admin,
        partnership=p,
        to_status="active",
        terms=partners.TransitionTerms(starts_on=TODAY, ends_on=TODAY + timedelta(days=730)),
        today=TODAY,
    )
    p = partners.partnership_transition(
        actor=admin, partnership=p, to_status="ended", note="instansi keluar", today=TODAY
    )
    events = list(PartnershipEvent.objects.filter(partnership=p).order_by("id"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "invited"),
        ("invited", "drafted"),
        ("drafted", "signed"),
        ("signed", "active"),
        ("active", "ended"),
    ]
    assert all(e.actor == admin for e in events)
    assert AuditEntry.objects.filter(object_type="catalog.partnership").count() == 5


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("invited", "signed"),
        ("invited", "active"),
        ("drafted", "active"),
        ("signed", "expired"),
        ("ended", "active"),
        ("ended", "invited"),
    ],
)
def test_refused_transitions_are_409_and_change_nothing(
    env: dict[str, Any], start: str, target: str
) -> None:
    p = PartnershipFactory(agency=env["agency"], status=start)
    response = _transition(
        Client(),
        p.pk,
        bearer(env["admin"]),
        to_status=target,
        mou_number="X/1",
        signed_on="2026-01-01",
        starts_on="2026-01-01",
        ends_on="2030-01-01",
    )
    assert response.status_code == 409, response.content
    p.refresh_from_db()
    assert p.status == start
    assert p.mou_number == ""
    assert not PartnershipEvent.objects.filter(partnership=p).exists()
    assert not AuditEntry.objects.filter(object_type="catalog.partnership").exists()


def test_signing_needs_number_and_date_and_activation_needs_dates(env: dict[str, Any]) -> None:
    headers = bearer(env["admin"])
    p = PartnershipFactory(agency=env["agency"], status="drafted")
    no_number = _transition(Client(), p.pk, headers, to_status="signed", signed_on="2026-01-05")
    assert no_number.status_code == 422
    assert no_number.json()["detail"][0]["loc"] == ["body", "mou_number"]
    no_date = _transition(Client(), p.pk, headers, to_status="signed", mou_number="1/MOU")
    assert no_date.status_code == 422
    assert no_date.json()["detail"][0]["loc"] == ["body", "signed_on"]
    p.refresh_from_db()
    assert (p.status, p.mou_number) == ("drafted", "")
    ok = _transition(
        Client(), p.pk, headers, to_status="signed", mou_number="1/MOU", signed_on="2026-01-05"
    )
    assert ok.status_code == 200, ok.content
    no_end = _transition(Client(), p.pk, headers, to_status="active", starts_on="2026-01-06")
    assert no_end.status_code == 422
    assert no_end.json()["detail"][0]["loc"] == ["body", "ends_on"]
    p.refresh_from_db()
    assert p.status == "signed"
    assert p.starts_on is None


def test_transitions_are_for_the_mall_admin_only(env: dict[str, Any]) -> None:
    p = PartnershipFactory(agency=env["agency"], status="invited")
    mall = env["mall"]
    for user in (
        user_with_role(Role.SUPERVISOR, mall=mall),
        user_with_role(Role.VIEWER, mall=mall),
        user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=env["agency"]),
        user_with_role(Role.MALL_ADMIN, mall=MallFactory()),
    ):
        response = _transition(Client(), p.pk, bearer(user), to_status="drafted")
        assert response.status_code == 404
    assert _transition(Client(), p.pk, {}, to_status="drafted").status_code == 401
    p.refresh_from_db()
    assert p.status == "invited"


# --- documents ----------------------------------------------------------------------------------


def test_mou_document_must_be_a_real_pdf(env: dict[str, Any]) -> None:
    p = PartnershipFactory(agency=env["agency"], status="drafted")
    headers = bearer(env["admin"])
    fake = SimpleUploadedFile("mou.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = Client().post(f"/api/v1/partnerships/{p.pk}/document", {"file": fake}, **headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["file"]
    broken = SimpleUploadedFile("mou.pdf", b"%PDF-1.4\ngarbage\n%%EOF\n")
    response = Client().post(f"/api/v1/partnerships/{p.pk}/document", {"file": broken}, **headers)
    assert response.status_code == 422
    p.refresh_from_db()
    assert not p.document
    real = SimpleUploadedFile("scan.bin", _pdf_bytes(), content_type="application/octet-stream")
    response = Client().post(f"/api/v1/partnerships/{p.pk}/document", {"file": real}, **headers)
    assert response.status_code == 200, response.content
    p.refresh_from_db()
    assert p.document.name.endswith(".pdf")
    assert PartnershipEvent.objects.filter(partnership=p, action="document").count() == 1


# --- reminders and expiry -----------------------------------------------------------------------


@pytest.fixture
def run_reminders(django_capture_on_commit_callbacks: Any) -> Any:
    """Run the daily check as the worker does: the mail tasks run once the rows commit."""

    def run(day: date) -> partners.ReminderRun:
        with django_capture_on_commit_callbacks(execute=True):
            return partners.partnership_reminders_run(today=day)

    return run


def test_reminder_sent_once_per_threshold_not_every_day(
    env: dict[str, Any], settings: Any, run_reminders: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ends_on = TODAY + timedelta(days=60)
    p = _active(env["agency"], ends_on)
    run_reminders(TODAY)
    run_reminders(TODAY + timedelta(days=1))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["admin@mpp.test"]
    assert "60 hari" in mail.outbox[0].subject
    # Days 59..31: nothing new.
    for offset in range(2, 30):
        run_reminders(TODAY + timedelta(days=offset))
    assert len(mail.outbox) == 1
    run_reminders(ends_on - timedelta(days=30))
    run_reminders(ends_on - timedelta(days=29))
    assert len(mail.outbox) == 2
    assert "30 hari" in mail.outbox[1].subject
    reminders = PartnershipReminder.objects.filter(partnership=p)
    assert sorted(reminders.values_list("days_before", flat=True)) == [30, 60]
    assert all(r.sent_at is not None for r in reminders)


def test_management_command_runs_the_reminders_on_two_consecutive_days(
    env: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _active(env["agency"], TODAY + timedelta(days=30))
    out = io.StringIO()
    for day in (TODAY, TODAY + timedelta(days=1)):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("mou_reminders", "--date", day.isoformat(), stdout=out)
    assert len(mail.outbox) == 1
    assert "30 hari" in mail.outbox[0].subject
    assert "1 reminder(s) created" in out.getvalue()


def test_renewed_mou_is_reminded_again_for_its_new_end_date(
    env: dict[str, Any], settings: Any, run_reminders: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    p = _active(env["agency"], TODAY + timedelta(days=60))
    run_reminders(TODAY)
    Partnership.objects.filter(pk=p.pk).update(ends_on=TODAY + timedelta(days=400))
    run_reminders(TODAY + timedelta(days=340))
    assert len(mail.outbox) == 2


def test_expiry_flips_status_with_history(
    env: dict[str, Any], settings: Any, run_reminders: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    p = _active(env["agency"], TODAY - timedelta(days=1))
    still = _active(AgencyFactory(mall=env["mall"]), TODAY)
    run = run_reminders(TODAY)
    assert run.expired == [p.pk]
    p.refresh_from_db()
    still.refresh_from_db()
    assert p.status == "expired"
    assert still.status == "active"  # ends today: still valid today
    event = PartnershipEvent.objects.get(partnership=p)
    assert (event.from_status, event.to_status, event.actor) == ("active", "expired", None)
    assert run_reminders(TODAY).expired == []


def test_expired_mou_is_renewed_with_new_terms(env: dict[str, Any], run_reminders: Any) -> None:
    p = _active(env["agency"], TODAY - timedelta(days=10))
    run_reminders(TODAY)
    with pytest.raises(InvalidInput):
        partners.partnership_transition(
            actor=env["admin"], partnership=p, to_status="active", today=TODAY
        )
    renewed = partners.partnership_transition(
        actor=env["admin"],
        partnership=p,
        to_status="active",
        terms=partners.TransitionTerms(
            mou_number="2/MOU/2026",
            signed_on=TODAY,
            starts_on=TODAY,
            ends_on=TODAY + timedelta(days=365),
        ),
        today=TODAY,
    )
    assert renewed.status == "active"
    with pytest.raises(Conflict):
        partners.partnership_transition(
            actor=env["admin"], partnership=renewed, to_status="expired", today=TODAY
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reminder_runs_send_one_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mall = MallFactory(slug="yk-race")
    user_with_role(Role.MALL_ADMIN, mall=mall, email="race@mpp.test")
    today = date.today()
    _active(AgencyFactory(mall=mall), today + timedelta(days=30))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        from django.db import connection

        try:
            barrier.wait()
            partners.partnership_reminders_run(today=today)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert PartnershipReminder.objects.count() == 1
    assert len(mail.outbox) == 1


# --- partners page and list scoping -------------------------------------------------------------


def test_partner_list_api_is_scoped_to_the_mall(env: dict[str, Any]) -> None:
    mall = env["mall"]
    _active(env["agency"], TODAY + timedelta(days=900))
    other_mall = MallFactory()
    _active(AgencyFactory(mall=other_mall, name="Samsat Lain"), TODAY + timedelta(days=900))
    for role in (Role.MALL_ADMIN, Role.SUPERVISOR, Role.VIEWER):
        user = user_with_role(role, mall=mall)
        response = Client().get(f"/api/v1/partnerships?mall={mall.slug}", **bearer(user))
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 1
        assert [row["agency_name"] for row in body["items"]] == ["Disdukcapil"]
        assert body["items"][0]["status"] == "active"
    for user in (
        user_with_role(Role.COUNTER_OFFICER, mall=mall),
        user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=env["agency"]),
        user_with_role(Role.MALL_ADMIN, mall=other_mall),
    ):
        response = Client().get(f"/api/v1/partnerships?mall={mall.slug}", **bearer(user))
        assert response.status_code == 404


def test_partners_page_shows_status_counters_services_and_totals(env: dict[str, Any]) -> None:
    mall, agency = env["mall"], env["agency"]
    today = mall.today()
    _active(agency, today + timedelta(days=20))
    services = [ServiceFactory(mall=mall, agency=agency) for _ in range(3)]
    ServiceFactory(mall=mall, agency=agency, is_active=False)
    CounterFactory(mall=mall, services=services[:2])
    pending = AgencyFactory(mall=mall, name="Imigrasi")
    PartnershipFactory(agency=pending, status="drafted")
    ServiceFactory(mall=mall, agency=pending)
    other = MallFactory()
    AgencyFactory(mall=other, name="Rahasia Mall Lain")

    client = Client()
    client.force_login(user_with_role(Role.VIEWER, mall=mall))
    response = client.get(f"/m/{mall.slug}/mitra/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Disdukcapil" in html
    assert "Imigrasi" in html
    assert "Rahasia Mall Lain" not in html
    assert "expiring-soon" in html
    overview = response.context["overview"]
    assert overview["agencies_joined"] == 1
    assert overview["services_joined"] == 3
    row = next(r for r in overview["rows"] if r.agency == agency)
    assert (row.counters, row.live_services) == (1, 3)
    assert "1 instansi dan 3 layanan bergabung" in html or "1 agencies and 3 services" in html


def test_partners_page_is_404_for_other_roles_and_login_for_anonymous(env: dict[str, Any]) -> None:
    mall = env["mall"]
    anonymous = Client().get(f"/m/{mall.slug}/mitra/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    for user in (
        user_with_role(Role.COUNTER_OFFICER, mall=mall),
        user_with_role(Role.OUTREACH_OFFICER, mall=mall),
        user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=env["agency"]),
        user_with_role(Role.MALL_ADMIN, mall=MallFactory()),
    ):
        client = Client()
        client.force_login(user)
        assert client.get(f"/m/{mall.slug}/mitra/").status_code == 404


def test_transition_form_on_the_page_for_the_admin_only(env: dict[str, Any]) -> None:
    p = PartnershipFactory(agency=env["agency"], status="invited")
    viewer = Client()
    viewer.force_login(user_with_role(Role.VIEWER, mall=env["mall"]))
    url = f"/m/{env['mall'].slug}/mitra/{p.pk}/transition/"
    assert viewer.post(url, {"to_status": "drafted"}).status_code == 404
    p.refresh_from_db()
    assert p.status == "invited"
    admin = Client()
    admin.force_login(env["admin"])
    response = admin.post(url, {"to_status": "drafted", "note": "draf dikirim"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "drafted"
    refused = admin.post(url, {"to_status": "active"}, follow=True)
    assert refused.status_code == 200
    p.refresh_from_db()
    assert p.status == "drafted"


def test_a_reminder_whose_mail_failed_is_sent_on_the_next_run(
    env: dict[str, Any], settings: Any, run_reminders: Any
) -> None:
    import socket

    with socket.socket() as probe:  # a local port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    p = _active(env["agency"], TODAY + timedelta(days=30))
    run_reminders(TODAY)
    reminder = PartnershipReminder.objects.get(partnership=p)
    assert reminder.sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_reminders(TODAY + timedelta(days=1))  # a new run creates no second reminder
    assert len(mail.outbox) == 0
    # The outbox tries the e-mail again once its backoff has passed (the scheduler does it).
    later = timezone.now() + timedelta(hours=1)
    assert outbox_process_due(now=later).sent == 1
    assert outbox_process_due(now=later).sent == 0
    reminder.refresh_from_db()
    assert reminder.sent_at is not None
    assert len(mail.outbox) == 1


def test_invite_through_the_api_then_walk_the_lifecycle(env: dict[str, Any]) -> None:
    headers = bearer(env["admin"])
    created = Client().post(
        "/api/v1/partnerships",
        {"agency_id": env["agency"].pk, "note": "undangan bergabung"},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "invited"
    again = Client().post(
        "/api/v1/partnerships",
        {"agency_id": env["agency"].pk},
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 409
    today = env["mall"].today()
    steps = [
        {"to_status": "drafted"},
        {"to_status": "signed", "mou_number": "180/7/MOU", "signed_on": today.isoformat()},
        {
            "to_status": "active",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=45)).isoformat(),
        },
    ]
    for step in steps:
        response = _transition(Client(), pk, headers, **step)
        assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "active"
    assert body["expiring_soon"] is True
    assert body["days_left"] == 45
    assert [h["to_status"] for h in body["history"]] == ["invited", "drafted", "signed", "active"]
    listing = (
        Client()
        .get(f"/api/v1/partnerships?mall={env['mall'].slug}&status=active", **headers)
        .json()
    )
    assert listing["count"] == 1
