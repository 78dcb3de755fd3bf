"""Layanan saya: claiming an earlier application with a code sent to its contact, the NIK
proven only by an officer's verification, documents asked again uploaded by the owner, the
result for its owner only, the staff side, and isolation between citizens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from satupintu.citizens.models import OneTimeCode, SignInEvent
from satupintu.citizens.tests.conftest import Gateway, last_message_code
from satupintu.dossiers import services as dossier_services
from satupintu.dossiers.models import Dossier
from satupintu.dossiers.tests.conftest import (
    PDF_BYTES,
    PNG_BYTES,
    World,
    make_dossier,
    tick_all_present,
)
from satupintu.dossiers.tests.result_factories import make_result

pytestmark = pytest.mark.django_db

Send = Callable[..., Any]


def _claim(client: Client, send: Send, tracking_code: str) -> Any:
    return send(
        lambda: client.post(
            "/api/v1/me/claim", {"tracking_code": tracking_code}, content_type="application/json"
        )
    )


def _claim_verify(client: Client, tracking_code: str, code: str) -> Any:
    return client.post(
        "/api/v1/me/claim/verify",
        {"tracking_code": tracking_code, "code": code},
        content_type="application/json",
    )


def test_claim_attaches_an_earlier_application_and_proves_the_nik_after_verification(
    world: World, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    dossier = make_dossier(world)  # walk-in at the counter, phone 081234567890
    siti = phone_citizen("081234567890")
    assert siti.get("/api/v1/me/dossiers").json() == {"items": [], "count": 0}

    response = _claim(siti, send, dossier.tracking_code)
    assert response.status_code == 202
    assert gateway.requests[-1]["json"]["to"] == "+6281234567890"
    assert dossier.tracking_code in gateway.requests[-1]["json"]["message"]
    code = last_message_code(gateway)
    response = _claim_verify(siti, dossier.tracking_code, code)
    assert response.status_code == 200, response.content
    assert response.json()["dossier_id"] == dossier.pk

    mine = siti.get("/api/v1/me/dossiers").json()
    assert mine["count"] == 1
    assert mine["items"][0]["tracking_code"] == dossier.tracking_code
    assert mine["items"][0]["result"] is None
    # Not verified by an officer yet: the NIK is not proven, whatever the application says.
    assert siti.get("/api/v1/me").json()["nik_proven"] is False
    tick_all_present(world, dossier)
    dossier_services.dossier_transition(actor=world.counter, dossier_id=dossier.pk, action="verify")
    me = siti.get("/api/v1/me").json()
    assert me["nik_proven"] is True
    assert me["nik_masked"] == dossier.applicant_nik_masked


def test_a_tracking_code_that_is_not_yours_reveals_and_changes_nothing(
    world: World, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    dossier = make_dossier(world)
    intruder = phone_citizen("081298765432", ip="10.2.0.1")
    before = len(gateway.requests)
    response = _claim(intruder, send, dossier.tracking_code)
    unknown = _claim(intruder, send, "7K3QW9ZMX")
    assert response.status_code == unknown.status_code == 202
    assert response.json() == unknown.json()
    # The code went to the application's phone, never to the intruder's.
    sent = gateway.requests[before:]
    assert [r["json"]["to"] for r in sent] == ["+6281234567890"]
    owner_code = last_message_code(gateway)
    for guess in ("000000", "123456"):
        if guess != owner_code:
            assert _claim_verify(intruder, dossier.tracking_code, guess).status_code == 401
    dossier.refresh_from_db()
    assert dossier.applicant_user_id is None
    # The owner's code is worthless to anyone who did not ask for it.
    siti = phone_citizen("081234567890", ip="10.2.0.2")
    assert _claim_verify(siti, dossier.tracking_code, owner_code).status_code == 401
    dossier.refresh_from_db()
    assert dossier.applicant_user_id is None
    assert SignInEvent.objects.filter(kind="claim_refused").exists()


def test_an_application_owned_by_someone_else_cannot_be_claimed(
    world: World, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    dossier = make_dossier(world)
    siti = phone_citizen("081234567890", ip="10.3.0.1")
    _claim(siti, send, dossier.tracking_code)
    assert _claim_verify(siti, dossier.tracking_code, last_message_code(gateway)).status_code == 200
    other = phone_citizen("081298765432", ip="10.3.0.2")
    sent_before = len(gateway.requests)
    assert _claim(other, send, dossier.tracking_code).status_code == 202
    assert len(gateway.requests) == sent_before  # nothing sent: it is somebody's already
    assert not OneTimeCode.objects.filter(requested_by__citizen__phone="+6281298765432").exists()
    dossier.refresh_from_db()
    assert dossier.applicant_user.citizen.phone == "+6281234567890"


def test_revision_upload_from_the_phone_and_result_only_for_its_owner(
    world: World, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    dossier = make_dossier(world)
    siti = phone_citizen("081234567890", ip="10.4.0.1")
    _claim(siti, send, dossier.tracking_code)
    _claim_verify(siti, dossier.tracking_code, last_message_code(gateway))
    dossier_services.document_check(
        actor=world.counter, dossier_id=dossier.pk, requirement_id=world.ktp.pk, status="present"
    )
    dossier_services.dossier_transition(
        actor=world.counter,
        dossier_id=dossier.pk,
        action="request_revision",
        comment="Pas foto tidak terbaca",
    )
    row = siti.get("/api/v1/me/dossiers").json()["items"][0]
    assert row["revision_requested"] is True
    assert row["can_resubmit"] is True
    asked = {d["requirement_id"] for d in row["requested_documents"]}
    assert asked == {world.photo.pk}
    # Upload from the phone (the dossiers API takes the owner's token), then send it back.
    upload = siti.post(
        f"/api/v1/dossiers/{dossier.pk}/documents",
        {"requirement_id": world.photo.pk, "file": SimpleUploadedFile("foto.png", PNG_BYTES)},
    )
    assert upload.status_code == 201, upload.content
    back = siti.post(
        f"/api/v1/dossiers/{dossier.pk}/transitions",
        {"action": "resubmit"},
        content_type="application/json",
    )
    assert back.status_code == 200, back.content
    assert back.json()["status"] == "submitted"

    make_result(dossier, signed_pdf=PDF_BYTES)
    row = siti.get("/api/v1/me/dossiers").json()["items"][0]
    assert row["result"]["download_url"] == f"/berkas/{dossier.pk}/hasil.pdf"
    # The owner downloads it on any device once signed in; others and the anonymous get 404.
    assert siti.get(f"/api/v1/dossiers/{dossier.pk}/result.pdf").status_code == 200
    stranger = phone_citizen("081298765432", ip="10.4.0.2")
    assert stranger.get(f"/api/v1/dossiers/{dossier.pk}/result.pdf").status_code == 404
    assert Client().get(f"/api/v1/dossiers/{dossier.pk}/result.pdf").status_code in (401, 404)
    assert Client().get(f"/berkas/{dossier.pk}/hasil.pdf").status_code == 404


def test_isolation_between_citizens(
    world: World, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    siti_dossier = make_dossier(world)
    budi_dossier = make_dossier(
        world, applicant={"nik": "3471014501900003", "name": "Budi", "phone": "081298765432"}
    )
    siti = phone_citizen("081234567890", ip="10.5.0.1")
    budi = phone_citizen("081298765432", ip="10.5.0.2")
    for client, dossier in ((siti, siti_dossier), (budi, budi_dossier)):
        _claim(client, send, dossier.tracking_code)
        assert (
            _claim_verify(client, dossier.tracking_code, last_message_code(gateway)).status_code
            == 200
        )
    siti_ids = [d["id"] for d in siti.get("/api/v1/me/dossiers").json()["items"]]
    budi_ids = [d["id"] for d in budi.get("/api/v1/me/dossiers").json()["items"]]
    assert siti_ids == [siti_dossier.pk]
    assert budi_ids == [budi_dossier.pk]
    assert siti.get(f"/api/v1/dossiers/{budi_dossier.pk}").status_code == 404
    assert siti.get(f"/api/v1/dossiers/{siti_dossier.pk}").status_code == 200
    upload = siti.post(
        f"/api/v1/dossiers/{budi_dossier.pk}/documents",
        {"requirement_id": world.photo.pk, "file": SimpleUploadedFile("foto.png", PNG_BYTES)},
    )
    assert upload.status_code == 404
    # A citizen's token opens no staff list.
    listed = siti.get("/api/v1/dossiers").json()
    assert [d["id"] for d in listed["items"]] == [siti_dossier.pk]
    assert siti.get(f"/api/v1/dossiers/{budi_dossier.pk}/owner").status_code == 404
    # The pages take a signed-in session, not a token: this is the way to the sign-in.
    assert siti.get(f"/saya/berkas/{budi_dossier.pk}/").status_code == 302


def test_staff_see_whether_the_owner_has_an_account_and_message_them(
    world: World, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    dossier = make_dossier(world)
    bo = world.client(world.bo)
    other_agency = world.client(world.other_bo)
    assert bo.get(f"/api/v1/dossiers/{dossier.pk}/owner").json() == {
        "dossier_id": dossier.pk,
        "has_account": False,
        "channels": [],
    }
    refused = send(
        lambda: bo.post(
            f"/api/v1/dossiers/{dossier.pk}/owner/message",
            {"text": "Mohon unggah ulang pas foto."},
            content_type="application/json",
        )
    )
    assert refused.status_code == 409
    siti = phone_citizen("081234567890", ip="10.6.0.1")
    _claim(siti, send, dossier.tracking_code)
    _claim_verify(siti, dossier.tracking_code, last_message_code(gateway))
    assert bo.get(f"/api/v1/dossiers/{dossier.pk}/owner").json()["has_account"] is True
    # An agency without a dossier of this citizen sees nothing at all.
    assert other_agency.get(f"/api/v1/dossiers/{dossier.pk}/owner").status_code == 404
    before = len(gateway.requests)
    denied = send(
        lambda: other_agency.post(
            f"/api/v1/dossiers/{dossier.pk}/owner/message",
            {"text": "Halo"},
            content_type="application/json",
        )
    )
    assert denied.status_code == 404
    assert len(gateway.requests) == before
    sent = send(
        lambda: bo.post(
            f"/api/v1/dossiers/{dossier.pk}/owner/message",
            {"text": "Mohon unggah ulang pas foto."},
            content_type="application/json",
        )
    )
    assert sent.status_code == 200
    assert gateway.requests[-1]["json"]["to"] == "+6281234567890"
    assert "Mohon unggah ulang pas foto." in gateway.requests[-1]["json"]["message"]


def test_my_services_pages_show_only_mine(
    world: World, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    dossier = make_dossier(world)
    browser = Client()
    response = send(lambda: browser.post("/saya/masuk/", {"address": "081234567890"}))
    assert response.status_code == 302
    browser.post("/saya/masuk/kode/", {"code": last_message_code(gateway)})
    page = send(lambda: browser.post("/saya/klaim/", {"tracking_code": dossier.tracking_code}))
    assert page.status_code == 200
    done = browser.post(
        "/saya/klaim/",
        {"tracking_code": dossier.tracking_code, "code": last_message_code(gateway)},
    )
    assert done.status_code == 302
    home = browser.get("/saya/").content.decode()
    assert dossier.tracking_code[:4] in home
    assert browser.get(f"/saya/berkas/{dossier.pk}/").status_code == 200
    other = make_dossier(world)
    assert browser.get(f"/saya/berkas/{other.pk}/").status_code == 404
    assert Dossier.objects.get(pk=other.pk).applicant_user_id is None


def test_staff_page_of_the_owner_account(
    world: World, gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    dossier = make_dossier(world)
    officer = Client()
    officer.force_login(world.bo)
    page = officer.get(f"/bo/berkas/{dossier.pk}/")
    assert f"/bo/berkas/{dossier.pk}/akun-pemohon/" in page.content.decode()
    without = officer.get(f"/bo/berkas/{dossier.pk}/akun-pemohon/").content.decode()
    assert 'id="owner-status"' in without
    assert 'name="text"' not in without  # nobody to write to
    siti = phone_citizen("081234567890", ip="10.6.1.1")
    _claim(siti, send, dossier.tracking_code)
    _claim_verify(siti, dossier.tracking_code, last_message_code(gateway))
    with_account = officer.get(f"/bo/berkas/{dossier.pk}/akun-pemohon/").content.decode()
    assert 'name="text"' in with_account
    before = len(gateway.requests)
    sent = send(
        lambda: officer.post(
            f"/bo/berkas/{dossier.pk}/akun-pemohon/", {"text": "Berkas Anda sudah kami terima."}
        )
    )
    assert sent.status_code == 200
    assert len(gateway.requests) == before + 1
    outsider = Client()
    outsider.force_login(world.other_bo)
    assert outsider.get(f"/bo/berkas/{dossier.pk}/akun-pemohon/").status_code == 404
    assert (
        send(
            lambda: outsider.post(f"/bo/berkas/{dossier.pk}/akun-pemohon/", {"text": "Halo"})
        ).status_code
        == 404
    )
    assert len(gateway.requests) == before + 1
