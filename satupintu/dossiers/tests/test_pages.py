"""The pages: worklist, dossier page with htmx actions, intake at the counter, online
application, tracking and the cashier."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from satupintu.core.models import AuditEntry
from satupintu.dossiers.models import Bill, Dossier, DossierDocument
from satupintu.dossiers.tests.conftest import (
    PDF_BYTES,
    PNG_BYTES,
    VALID_NIK,
    World,
    make_dossier,
    tick_all_present,
)

pytestmark = pytest.mark.django_db


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_worklist_shows_only_the_officers_agency(world: World) -> None:
    dossier = make_dossier(world)
    page = _login(world.bo).get("/bo/")
    assert page.status_code == 200
    assert dossier.applicant_name in page.content.decode()
    other = _login(world.other_bo).get("/bo/")
    assert dossier.applicant_name not in other.content.decode()
    assert _login(world.other_bo).get(f"/bo/berkas/{dossier.pk}/").status_code == 404
    rows = _login(world.bo).get("/bo/?overdue=1", HTTP_HX_REQUEST="true")
    assert rows.status_code == 200
    assert "<html" not in rows.content.decode()


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    response = Client().get("/bo/")
    assert response.status_code == 302


def test_dossier_page_acts_through_htmx_and_shows_errors(world: World) -> None:
    dossier = make_dossier(world)
    client = _login(world.counter)
    page = client.get(f"/bo/berkas/{dossier.pk}/")
    assert page.status_code == 200
    assert VALID_NIK not in page.content.decode()
    refused = client.post(
        f"/bo/berkas/{dossier.pk}/aksi/", {"action": "verify"}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 200
    assert "KTP-el" in refused.content.decode()  # the missing documents are named
    tick_all_present(world, dossier)
    done = client.post(
        f"/bo/berkas/{dossier.pk}/aksi/", {"action": "verify"}, HTTP_HX_REQUEST="true"
    )
    assert done.status_code == 200
    dossier.refresh_from_db()
    assert dossier.status == "verified"
    stranger = _login(world.other_bo).post(f"/bo/berkas/{dossier.pk}/aksi/", {"action": "process"})
    assert stranger.status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == "verified"


def test_back_office_reveals_the_nik_and_it_is_audited(world: World) -> None:
    dossier = make_dossier(world)
    response = _login(world.bo).post(f"/bo/berkas/{dossier.pk}/nik/")
    assert VALID_NIK in response.content.decode()
    assert AuditEntry.objects.filter(action="view", actor=world.bo).count() == 1
    assert _login(world.counter).post(f"/bo/berkas/{dossier.pk}/nik/").status_code == 404


def test_take_assigns_to_me_and_a_supervisor_assigns_others(world: World) -> None:
    dossier = make_dossier(world)
    _login(world.bo).post(f"/bo/berkas/{dossier.pk}/ambil/", HTTP_HX_REQUEST="true")
    dossier.refresh_from_db()
    assert dossier.assignee == world.bo
    page = _login(world.supervisor).get(f"/bo/berkas/{dossier.pk}/").content.decode()
    assert f'value="{world.bo.pk}"' in page
    assert f'value="{world.other_bo.pk}"' not in page  # another agency's officer
    refused = _login(world.supervisor).post(
        f"/bo/berkas/{dossier.pk}/tugaskan/", {"assignee": world.other_bo.pk}
    )
    assert refused.status_code == 200
    dossier.refresh_from_db()
    assert dossier.assignee == world.bo
    _login(world.supervisor).post(f"/bo/berkas/{dossier.pk}/tugaskan/", {"assignee": ""})
    dossier.refresh_from_db()
    assert dossier.assignee is None
    assert _login(world.other_bo).post(f"/bo/berkas/{dossier.pk}/tugaskan/").status_code == 404


def test_counter_intake_creates_dossier_with_uploads_and_ticks(world: World) -> None:
    client = _login(world.counter)
    choose = client.get("/loket/berkas/baru/")
    assert choose.status_code == 200
    from satupintu.queueing.tests.factories import TicketFactory

    ticket = TicketFactory(service=world.service)
    url = (
        f"/loket/berkas/baru/?mall={world.mall.slug}&service={world.service.pk}&ticket={ticket.pk}"
    )
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "person",
            "nik": VALID_NIK,
            "name": "Budi Santoso",
            "phone": "081234567890",
            "form_kk_number": "3471010101010001",
            "form_reason": "baru",
            f"file_{world.ktp.pk}": SimpleUploadedFile("ktp.pdf", PDF_BYTES),
            f"tick_{world.ktp.pk}": "missing",
            f"tick_{world.photo.pk}": "present",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get(applicant_name="Budi Santoso")
    assert dossier.ticket == ticket
    assert dossier.channel == "walk_in"
    statuses = dict(
        DossierDocument.objects.filter(dossier=dossier).values_list("requirement_id", "status")
    )
    assert statuses == {world.ktp.pk: "present", world.photo.pk: "present"}
    receipt = client.get(f"/berkas/{dossier.pk}/bukti.pdf")
    assert receipt.status_code == 200
    assert receipt.content.startswith(b"%PDF-")


def test_intake_with_a_bad_nik_or_file_shows_the_error_and_saves_nothing(world: World) -> None:
    client = _login(world.counter)
    url = f"/loket/berkas/baru/?service={world.service.pk}"
    base = {"kind": "person", "name": "Budi", "form_kk_number": "1", "form_reason": "baru"}
    bad_nik = client.post(url, {**base, "nik": "1234"})
    assert bad_nik.status_code == 200
    assert "NIK" in bad_nik.content.decode()
    bad_file = client.post(
        url,
        {
            **base,
            "nik": VALID_NIK,
            f"file_{world.photo.pk}": SimpleUploadedFile("a.png", PDF_BYTES),
        },
    )
    assert bad_file.status_code == 200
    assert "pdf" in bad_file.content.decode()
    assert "jpg, png" in bad_file.content.decode()
    assert Dossier.objects.count() == 0


def test_online_application_then_tracking(world: World) -> None:
    client = Client()
    index = client.get(f"/m/{world.mall.slug}/ajukan/")
    assert world.service.name in index.content.decode()
    url = f"/m/{world.mall.slug}/ajukan/{world.service.code}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "person",
            "nik": VALID_NIK,
            "name": "Rina Wati",
            "email": "rina@example.test",
            "form_kk_number": "3471010101010001",
            "form_reason": "perubahan",
            f"file_{world.photo.pk}": SimpleUploadedFile("foto.png", PNG_BYTES),
        },
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get(applicant_name="Rina Wati")
    assert dossier.channel == "online"
    assert DossierDocument.objects.get(dossier=dossier, requirement=world.photo).status == "pending"
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert client.get(f"/berkas/{dossier.pk}/bukti.pdf").status_code == 200
    assert Client().get(f"/berkas/{dossier.pk}/bukti.pdf").status_code == 404
    tracked = client.get(f"/lacak/{dossier.tracking_code}/")
    assert tracked.status_code == 200
    text = tracked.content.decode()
    assert "Rina" not in text
    assert VALID_NIK not in text
    assert client.get("/lacak/", {"code": dossier.tracking_code.lower()}).status_code == 302
    assert client.get("/lacak/", {"code": "XXXX"}).status_code == 200
    assert client.get("/lacak/00000000Z/").status_code in (404, 422)


def test_cashier_page_marks_paid(world: World) -> None:
    world.service.fee = 25_000
    world.service.save()
    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    from satupintu.dossiers.services import dossier_transition

    dossier_transition(actor=world.counter, dossier_id=dossier.pk, action="verify")
    bill = Bill.objects.get(dossier=dossier)
    client = _login(world.cashier)
    assert bill.payment_code in client.get("/kasir/").content.decode()
    client.post("/kasir/", {"payment_code": bill.payment_code})
    bill.refresh_from_db()
    assert bill.status == "paid"
    assert _login(world.counter).get("/kasir/").status_code == 404
