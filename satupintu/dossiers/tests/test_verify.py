"""The public verification page /verify/<code> and the JSON API /api/v1/verify."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from satupintu.dossiers import signing
from satupintu.dossiers.models import ResultDocument
from satupintu.dossiers.pdf import render_result_pdf
from satupintu.dossiers.tests.result_factories import make_result

pytestmark = pytest.mark.django_db


def issue_signed_result(**extra: Any) -> tuple[ResultDocument, bytes]:
    """An issued result as the dossier service stores it: rendered, signed, file and checksum."""
    result = make_result(holder_name="Siti Aminah", **extra)
    signed, subject = signing.sign_pdf(render_result_pdf(result), agency=result.agency)
    result.sha256 = hashlib.sha256(signed).hexdigest()
    result.signer_subject = subject
    result.file.save(f"{result.verification_code}.pdf", ContentFile(signed), save=False)
    result.save()
    return result, signed


def tamper(data: bytes) -> bytes:
    position = data.index(b"/Producer") + 2
    changed = bytearray(data)
    changed[position] = ord("X")
    return bytes(changed)


def pdf_upload(data: bytes, name: str = "hasil.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


# --- the page ---------------------------------------------------------------------------------


def test_page_for_a_genuine_code_says_genuine_in_indonesian_with_masked_holder(
    client: Client,
) -> None:
    result, _signed = issue_signed_result(
        document_number="474.1/0042/2026", valid_until=dt.date(2099, 1, 1)
    )
    response = client.get(f"/verify/{result.verification_code}/", HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200
    page = response.content.decode()
    assert "ASLI" in page
    assert "TIDAK VALID" not in page
    assert "474.1/0042/2026" in page
    assert "S*** A*****" in page
    assert "Siti Aminah" not in page
    assert result.agency.name in page
    assert "1 Januari 2099" in page
    assert 'type="file"' in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_page_answers_without_the_trailing_slash_too(client: Client) -> None:
    result, _signed = issue_signed_result()
    response = client.get(f"/verify/{result.verification_code}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "GENUINE" in response.content.decode()


def test_code_is_matched_whatever_the_case(client: Client) -> None:
    result, _signed = issue_signed_result()
    response = client.get(f"/verify/{result.verification_code.lower()}/")
    assert response.status_code == 200


def test_revoked_result_is_shown_not_valid_in_words(client: Client) -> None:
    result, _signed = issue_signed_result()
    result.revoked_at = timezone.now()
    result.save()
    response = client.get(f"/verify/{result.verification_code}/", HTTP_ACCEPT_LANGUAGE="id")
    page = response.content.decode()
    assert response.status_code == 200
    assert "TIDAK VALID" in page
    assert "dicabut" in page


def test_expired_result_is_shown_as_expired(client: Client) -> None:
    result, _signed = issue_signed_result(valid_until=dt.date(2020, 1, 31))
    response = client.get(f"/verify/{result.verification_code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "GENUINE, BUT EXPIRED" in response.content.decode()


@pytest.mark.parametrize("code", ["NOPE123456", "x", "<script>alert(1)", "A" * 40])
def test_unknown_code_is_404_and_leaks_nothing(client: Client, code: str) -> None:
    result, _signed = issue_signed_result()
    response = client.get(f"/verify/{code}/", HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 404
    page = response.content.decode()
    assert "TIDAK DITEMUKAN" in page
    assert result.document_number not in page
    assert result.agency.name not in page
    assert "S*** A*****" not in page
    assert "<script>alert" not in page
    assert 'type="file"' not in page


def test_uploading_the_issued_pdf_says_genuine(client: Client) -> None:
    result, signed = issue_signed_result()
    response = client.post(
        f"/verify/{result.verification_code}/",
        {"file": pdf_upload(signed)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    page = response.content.decode()
    check = page.split('id="check-result"')[1]
    assert "GENUINE" in check
    assert "Electronic signature: valid, by a trusted authority." in check
    assert "File: unchanged since it was signed." in check
    assert "Same document as the one issued under this code." in check
    assert "✗" not in check


def test_uploading_a_tampered_pdf_says_not_valid(client: Client) -> None:
    result, signed = issue_signed_result()
    response = client.post(
        f"/verify/{result.verification_code}/",
        {"file": pdf_upload(tamper(signed))},
        HTTP_ACCEPT_LANGUAGE="id",
    )
    check = response.content.decode().split('id="check-result"')[1]
    assert "TIDAK VALID" in check
    assert "ASLI" not in check


def test_uploading_another_genuine_result_under_this_code_says_not_this_document(
    client: Client,
) -> None:
    result, _signed = issue_signed_result()
    _other, other_signed = issue_signed_result()
    response = client.post(
        f"/verify/{result.verification_code}/",
        {"file": pdf_upload(other_signed)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    check = response.content.decode().split('id="check-result"')[1]
    assert "NOT VALID" in check
    assert "Electronic signature: valid, by a trusted authority." in check
    assert "Not the document issued under this code." in check


def test_uploading_the_issued_pdf_of_a_revoked_result_is_not_valid(client: Client) -> None:
    result, signed = issue_signed_result()
    result.revoked_at = timezone.now()
    result.save()
    response = client.post(
        f"/verify/{result.verification_code}/",
        {"file": pdf_upload(signed)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    check = response.content.decode().split('id="check-result"')[1]
    assert "NOT VALID" in check
    assert "The issued document has been revoked." in check


def test_uploading_a_non_pdf_says_not_valid_with_the_reason(client: Client) -> None:
    result, _signed = issue_signed_result()
    response = client.post(
        f"/verify/{result.verification_code}/",
        {"file": SimpleUploadedFile("foto.jpg", b"\xff\xd8\xff\xe0 jpeg", "image/jpeg")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    check = response.content.decode().split('id="check-result"')[1]
    assert "NOT VALID" in check
    assert "not a PDF" in check


def test_posting_without_a_file_reshows_the_form_with_the_error(client: Client) -> None:
    result, _signed = issue_signed_result()
    response = client.post(f"/verify/{result.verification_code}/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    page = response.content.decode()
    assert "Choose a PDF file to check." in page
    assert 'aria-invalid="true"' in page


def test_page_is_rate_limited(client: Client, settings: Any) -> None:
    settings.RATELIMIT_PUBLIC = "3/m"
    result, _signed = issue_signed_result()
    statuses = [client.get(f"/verify/{result.verification_code}/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Unknown codes count too, so the limit also slows down guessing.
    assert client.get("/verify/NOPE123456/").status_code == 429


# --- the JSON API -----------------------------------------------------------------------------


def test_api_facts_of_an_issued_code(client: Client) -> None:
    result, _signed = issue_signed_result(valid_until=dt.date(2099, 1, 1))
    response = client.get(f"/api/v1/verify/{result.verification_code}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid"
    assert body["document_number"] == result.document_number
    assert body["holder_name_masked"] == "S*** A*****"
    assert body["agency"] == result.agency.name
    assert body["valid_until"] == "2099-01-01"
    assert body["revoked"] is False
    assert body["verification_url"].endswith(f"/verify/{result.verification_code}")
    assert "Siti Aminah" not in response.content.decode()


def test_api_unknown_code_is_404(client: Client) -> None:
    issue_signed_result()
    response = client.get("/api/v1/verify/NOPE123456")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_api_upload_of_the_issued_pdf_is_valid_and_matches(client: Client) -> None:
    result, signed = issue_signed_result()
    response = client.post("/api/v1/verify", {"file": pdf_upload(signed)})
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert body["intact"] is True
    assert body["trusted"] is True
    assert result.agency.name in body["signer_subject"]
    assert body["signed_at"]
    assert body["matches_issued"] is True
    assert body["genuine"] is True
    assert body["sha256"] == result.sha256
    assert body["document"]["document_number"] == result.document_number


def test_api_upload_with_one_byte_changed_is_invalid(client: Client) -> None:
    result, signed = issue_signed_result()
    response = client.post(
        "/api/v1/verify", {"file": pdf_upload(tamper(signed)), "code": result.verification_code}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert body["intact"] is False
    assert body["matches_issued"] is False
    assert body["genuine"] is False
    assert body["reason"]


def test_api_upload_signed_outside_the_trust_roots_is_untrusted(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    result = make_result()
    trusted = settings.SIGNING_DIR
    signing.demo_ca_ensure()
    settings.SIGNING_DIR = str(tmp_path / "rogue")
    forged, _subject = signing.sign_pdf(render_result_pdf(result), agency=result.agency)
    settings.SIGNING_DIR = trusted
    body = client.post("/api/v1/verify", {"file": pdf_upload(forged)}).json()
    assert body["intact"] is True
    assert body["trusted"] is False
    assert body["valid"] is False
    assert body["matches_issued"] is None
    assert body["document"] is None


def test_api_upload_without_file_is_422_naming_the_field(client: Client) -> None:
    response = client.post("/api/v1/verify", {})
    assert response.status_code == 422
    assert "file" in str(response.json()["detail"])


def test_api_upload_of_an_empty_file_is_422(client: Client) -> None:
    response = client.post("/api/v1/verify", {"file": pdf_upload(b"")})
    assert response.status_code == 422
    assert "file" in response.json()["detail"][0]["loc"]


def test_api_upload_with_an_unknown_code_is_404(client: Client) -> None:
    _result, signed = issue_signed_result()
    response = client.post("/api/v1/verify", {"file": pdf_upload(signed), "code": "NOPE123456"})
    assert response.status_code == 404


def test_api_is_rate_limited(client: Client, settings: Any) -> None:
    settings.RATELIMIT_PUBLIC = "2/m"
    result, _signed = issue_signed_result()
    statuses = [
        client.get(f"/api/v1/verify/{result.verification_code}").status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_code_typed_with_letter_o_for_zero_is_found(client: Client) -> None:
    result, _signed = issue_signed_result(verification_code="AB0CD1EF23")
    response = client.get("/verify/abocdief23/")
    assert response.status_code == 200
    assert result.document_number in response.content.decode()


# --- the page without a code -----------------------------------------------------------------


def test_index_page_offers_code_and_file_checks(client: Client) -> None:
    response = client.get("/verify/", HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="code"' in page
    assert 'type="file"' in page
    assert "Verifikasi dokumen" in page


def test_index_redirects_a_typed_code_to_its_page(client: Client) -> None:
    response = client.get("/verify/", {"code": " 7q2m9xk4tb "})
    assert response.status_code == 302
    assert response["Location"] == "/verify/7Q2M9XK4TB/"


def test_index_refuses_a_code_with_other_characters(client: Client) -> None:
    response = client.get("/verify/", {"code": "<b>"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "letters and digits only" in response.content.decode()


def test_index_upload_finds_the_issued_document_by_its_checksum(client: Client) -> None:
    result, signed = issue_signed_result()
    response = client.post("/verify/", {"file": pdf_upload(signed)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    check = response.content.decode().split('id="check-result"')[1]
    assert "GENUINE" in check
    assert "Exactly the file of a document issued here." in check
    assert result.document_number in check
    assert "S*** A*****" in check
    assert "Siti Aminah" not in check


def test_index_upload_of_a_signed_but_unknown_file_is_not_valid(client: Client) -> None:
    result, _signed = issue_signed_result()
    # Re-signed by the same agency key: a valid signature, but not the file that was issued.
    resigned, _subject = signing.sign_pdf(render_result_pdf(result), agency=result.agency)
    response = client.post("/verify/", {"file": pdf_upload(resigned)}, HTTP_ACCEPT_LANGUAGE="en")
    check = response.content.decode().split('id="check-result"')[1]
    assert "NOT VALID" in check
    assert "Electronic signature: valid, by a trusted authority." in check
    assert "Not the file of any document issued here." in check
    assert result.document_number not in check
