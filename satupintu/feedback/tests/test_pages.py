"""The pages: survey (kiosk, ticket QR, notification link), IKM report, complaint pages."""

from __future__ import annotations

import pytest

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.tests.factories import AgencyFactory, MallFactory, ServiceFactory
from satupintu.feedback.models import Complaint, Survey
from satupintu.feedback.tests.factories import answers, surveys_with_total
from satupintu.feedback.tests.helpers import make_dossier, make_ticket
from satupintu.queueing.selectors import ticket_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mall = MallFactory(slug="halaman")
    agency = AgencyFactory(mall=mall, name="Disdukcapil Halaman")
    other = AgencyFactory(mall=mall, name="Dinas Lain Halaman")
    service = ServiceFactory(agency=agency, mall=mall, name="Perekaman KTP")
    other_service = ServiceFactory(agency=other, mall=mall, name="Layanan Lain")
    return mall, agency, other, service, other_service


def form_data(**extra):
    return {
        **{k: str(v) for k, v in answers(3).items()},
        "gender": "male",
        "age": "41",
        "education": "sma",
        "occupation": "wirausaha",
        **extra,
    }


def test_kiosk_survey_journey(client, world):
    mall, _agency, _other, service, _other_service = world
    start = client.get(f"/survei/{mall.slug}/?kiosk=1")
    assert start.status_code == 200
    assert "Perekaman KTP" in start.content.decode()
    url = f"/survei/{mall.slug}/layanan/{service.pk}/?kiosk=1"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('type="radio"') == 36
    assert "<legend>" in html
    assert 'data-stepper="1"' in html  # one question per screen on the tablet
    assert 'data-stepper="1"' not in client.get(url.replace("?kiosk=1", "")).content.decode()
    done = client.post(url, form_data(kiosk="1"))
    assert done.status_code == 302
    assert "terima-kasih" in done["Location"]
    survey = Survey.objects.get()
    assert survey.source == "kiosk"
    assert survey.u5 == 3
    thanks = client.get(done["Location"])
    assert 'http-equiv="refresh"' in thanks.content.decode()


def test_survey_form_with_a_missing_answer_is_shown_again(client, world):
    mall, _agency, _other, service, _other_service = world
    data = form_data()
    del data["u6"]
    response = client.post(f"/survei/{mall.slug}/layanan/{service.pk}/", data)
    assert response.status_code == 422
    assert 'id="err-u6"' in response.content.decode()
    # The answers given are kept checked.
    assert 'value="3" required\n          checked' in response.content.decode() or "checked" in (
        response.content.decode()
    )
    assert Survey.objects.count() == 0


def test_survey_from_the_ticket_qr_once(client, world):
    _mall, _agency, _other, service, _other_service = world
    ticket = make_ticket(service)
    url = f"/survei/t/{ticket.pk}/{ticket_token(ticket)}/"
    assert client.get(f"/survei/t/{ticket.pk}/not-the-token/").status_code == 404
    assert client.get(url).status_code == 200
    assert client.post(url, form_data()).status_code == 302
    survey = Survey.objects.get()
    assert survey.ticket_id == ticket.pk
    assert survey.source == "ticket_qr"
    again = client.get(url)
    assert again.status_code == 409
    assert client.post(url, form_data()).status_code == 409
    assert Survey.objects.count() == 1
    assert client.get("/survei/t/99999999/x/").status_code == 404


def test_survey_from_the_notification_link(client, world):
    _mall, _agency, _other, service, _other_service = world
    dossier = make_dossier(service)
    url = f"/survei/k/{dossier.tracking_code}/"
    assert client.get(url).status_code == 200
    assert client.post(url, form_data()).status_code == 302
    assert Survey.objects.get().dossier_id == dossier.pk
    assert client.get(url).status_code == 409


def test_ikm_report_page_for_supervisor(client, world):
    mall, _agency, _other, service, _other_service = world
    surveys_with_total(service, respondents=24, total=763)
    client.force_login(user_with_role(Role.SUPERVISOR, mall=mall))
    page = client.get(f"/laporan/ikm/{mall.slug}/?population=100")
    assert page.status_code == 200
    html = page.content.decode()
    assert "88.31" in html or "88,31" in html
    assert "chart-4.6.1.umd.min.js" in html
    assert 'id="nrr-data"' in html
    assert "<table" in html
    assert "Disdukcapil Halaman" in html
    assert "Dinas Lain Halaman" in html


def test_ikm_report_page_scoping(client, world):
    mall, agency, other, _service, _other_service = world
    assert client.get(f"/laporan/ikm/{mall.slug}/").status_code == 302  # to the login page
    agency_admin = user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=agency)
    client.force_login(agency_admin)
    own = client.get(f"/laporan/ikm/{mall.slug}/")
    assert own.status_code == 200
    assert "Dinas Lain Halaman" not in own.content.decode()
    assert client.get(f"/laporan/ikm/{mall.slug}/?agency={other.pk}").status_code == 404
    client.force_login(user_with_role(Role.COUNTER_OFFICER, mall=mall))
    assert client.get(f"/laporan/ikm/{mall.slug}/").status_code == 404


def test_complaint_form_and_status_page(client, world):
    mall, agency, _other, service, _other_service = world
    url = f"/pengaduan/{mall.slug}/"
    assert client.get(url).status_code == 200
    empty = client.post(url, {"category": "other", "text": "  "})
    assert empty.status_code == 422
    assert Complaint.objects.count() == 0
    sent = client.post(
        url,
        {
            "category": "staff_conduct",
            "text": "Petugas tidak ramah",
            "service": str(service.pk),
            "name": "Rina Wati",
            "confidential": "on",
        },
    )
    assert sent.status_code == 302, sent.content.decode()[:2000]
    complaint = Complaint.objects.get()
    assert complaint.agency_id == agency.pk
    assert complaint.is_confidential
    status = client.get(sent["Location"])
    html = status.content.decode()
    assert complaint.code in html
    assert "Rina" not in html
    assert client.get(f"/status-pengaduan/?code={complaint.code.lower()}").status_code == 302
    assert client.get("/status-pengaduan/ADU-NONE-NONE/").status_code == 404


def test_staff_pages_scoped_to_the_agency(client, world):
    mall, agency, other, service, _other_service = world
    sent = client.post(
        f"/pengaduan/{mall.slug}/",
        {"category": "other", "text": "Keluhan KTP", "service": str(service.pk)},
    )
    client.get(sent["Location"])  # shows (and so consumes) the "thank you" message
    complaint = Complaint.objects.get()
    stranger = user_with_role(Role.BACK_OFFICE_OFFICER, mall=mall, agency=other)
    client.force_login(stranger)
    inbox = client.get(f"/staf/pengaduan/{mall.slug}/")
    assert inbox.status_code == 200
    assert complaint.code not in inbox.content.decode()
    detail_url = f"/staf/aduan/{complaint.code}/"
    assert client.get(detail_url).status_code == 404
    denied = client.post(detail_url, {"action": "transition", "to": "answered", "note": "x"})
    assert denied.status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == "received"
    assert complaint.events.count() == 1

    officer = user_with_role(Role.BACK_OFFICE_OFFICER, mall=mall, agency=agency)
    client.force_login(officer)
    assert complaint.code in client.get(f"/staf/pengaduan/{mall.slug}/").content.decode()
    assert client.get(detail_url).status_code == 200
    no_answer = client.post(detail_url, {"action": "transition", "to": "answered", "note": ""})
    assert no_answer.status_code == 422
    answered = client.post(
        detail_url, {"action": "transition", "to": "answered", "note": "Sudah selesai."}
    )
    assert answered.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "answered"
    # Routing is for the mall's managers only.
    assert client.post(detail_url, {"action": "route", "agency": str(other.pk)}).status_code == 404
    complaint.refresh_from_db()
    assert complaint.agency_id == agency.pk
