from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from satupintu.dossiers.models import DossierDocument
from satupintu.dossiers.tests.conftest import PDF_BYTES, PNG_BYTES, World, make_dossier

pytestmark = pytest.mark.django_db


def _upload(
    world: World, user: object, dossier_id: int, requirement_id: int, name: str, data: bytes
):  # type: ignore[no-untyped-def]
    return world.client(user).post(  # type: ignore[arg-type]
        f"/api/v1/dossiers/{dossier_id}/documents",
        data={"requirement_id": requirement_id, "file": SimpleUploadedFile(name, data)},
    )


def test_upload_is_checked_by_content_and_stored_with_its_checksum(world: World) -> None:
    dossier = make_dossier(world)
    response = _upload(world, world.counter, dossier.pk, world.ktp.pk, "ktp.bin", PDF_BYTES)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "application/pdf"
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert body["status"] == "present"  # staff upload the original they hold: ticked present
    row = DossierDocument.objects.get(dossier=dossier, requirement=world.ktp)
    assert default_storage.exists(row.file.name)
    with default_storage.open(row.file.name, "rb") as stored:
        assert stored.read() == PDF_BYTES


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("fake.pdf", b"MZ\x90\x00 this is an executable", "file_type"),
        ("photo.png", PDF_BYTES, "file_type"),  # a PDF where only PNG/JPEG are accepted
        ("photo.png", PNG_BYTES + b"\x00" * 2048, "file_too_large"),  # limit is 1 KB
        ("empty.png", b"", "file_empty"),
    ],
)
def test_bad_upload_is_422_and_nothing_is_stored(
    world: World, name: str, data: bytes, code: str
) -> None:
    dossier = make_dossier(world)
    response = _upload(world, world.counter, dossier.pk, world.photo.pk, name, data)
    assert response.status_code == 422, response.content
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "file"
    assert detail["type"] == code
    row = DossierDocument.objects.get(dossier=dossier, requirement=world.photo)
    assert not row.file
    assert row.status == "pending"
    assert row.sha256 == ""


def test_requirement_of_another_service_is_422(world: World) -> None:
    from satupintu.catalog.tests.factories import ServiceRequirementFactory

    stranger = ServiceRequirementFactory()
    dossier = make_dossier(world)
    response = _upload(world, world.counter, dossier.pk, stranger.pk, "a.pdf", PDF_BYTES)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "requirement_id"


def test_applicant_upload_waits_for_the_front_office_tick(world: World) -> None:
    dossier = make_dossier(world, channel="online")
    dossier.applicant_user = world.citizen
    dossier.save(update_fields=["applicant_user"])
    response = _upload(world, world.citizen, dossier.pk, world.photo.pk, "me.jpg", PNG_BYTES)
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    other = _upload(world, world.other_bo, dossier.pk, world.photo.pk, "x.png", PNG_BYTES)
    assert other.status_code == 404


def test_front_office_ticks_present_missing_or_rejected_with_reason(world: World) -> None:
    dossier = make_dossier(world)
    client = world.client(world.counter)
    url = f"/api/v1/dossiers/{dossier.pk}/documents/{world.ktp.pk}/check"
    response = client.post(url, data={"status": "rejected"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "reason"
    response = client.post(
        url,
        data={"status": "rejected", "reason": "Foto buram"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["reason"] == "Foto buram"
    detail = client.get(f"/api/v1/dossiers/{dossier.pk}").json()
    ktp = next(r for r in detail["requirements"] if r["requirement_id"] == world.ktp.pk)
    assert (ktp["status"], ktp["reason"]) == ("rejected", "Foto buram")
    assert (
        world.client(world.cashier)
        .post(url, data={"status": "present"}, content_type="application/json")
        .status_code
        == 404
    )
