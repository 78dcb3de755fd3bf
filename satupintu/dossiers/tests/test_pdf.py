"""Receipt and result PDFs: they open as PDFs, carry the facts they promise and the QR target."""

from __future__ import annotations

import base64
import contextlib
import re
import zlib

import pytest
import segno
from django.utils import translation

from satupintu.dossiers import pdf
from satupintu.dossiers.tests.result_factories import make_dossier, make_result

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages: every content stream inflated, the strings of Tj/TJ joined."""
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\s*endstream", data, re.DOTALL):
        raw = match.group(1).strip()
        if raw.endswith(b"~>"):
            raw = (
                base64.a85decode(raw, adobe=True)
                if raw.startswith(b"<~")
                else base64.a85decode(raw[:-2])
            )
        with contextlib.suppress(zlib.error):
            raw = zlib.decompress(raw)
        chunks.append(raw)
    content = b"\n".join(chunks)
    strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)", content)
    return " ".join(s.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for s in strings)


def drawn_qr_payloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    original = segno.make

    def spy(content: str, *args: object, **kwargs: object) -> segno.QRCode:
        made.append(content)
        return original(content, *args, **kwargs)

    monkeypatch.setattr(pdf.segno, "make", spy)
    return made


def test_receipt_lists_code_service_applicant_documents_dates_and_tracking_qr(
    settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PUBLIC_BASE_URL = "https://mpp.example.go.id"  # type: ignore[attr-defined]
    qr_payloads = drawn_qr_payloads(monkeypatch)
    dossier = make_dossier(applicant_name="Siti Aminah", tracking_code="YK7Q-M3XP")

    with translation.override("en"):
        data = pdf.render_receipt_pdf(dossier)

    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "YK7Q-M3XP" in text
    assert "Akta Kelahiran" in text
    assert "Siti Aminah" in text
    assert "Kartu Keluarga" in text
    assert "Surat keterangan lahir" in text
    assert "8 December 2026" in text  # the due date
    assert qr_payloads == ["https://mpp.example.go.id/lacak/YK7Q-M3XP/"]


def test_receipt_in_indonesian_names_dates_in_indonesian() -> None:
    dossier = make_dossier()
    with translation.override("id"):
        text = pdf_text(pdf.render_receipt_pdf(dossier))
    assert "8 Desember 2026" in text


def test_result_carries_title_number_holder_details_validity_agency_and_verify_qr(
    settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    settings.PUBLIC_BASE_URL = "https://mpp.example.go.id/"  # type: ignore[attr-defined]
    qr_payloads = drawn_qr_payloads(monkeypatch)
    result = make_result(
        document_number="474.1/0042/2026",
        verification_code="ABCDE12345",
        holder_name="Siti Aminah",
        valid_until=dt.date(2027, 6, 30),
    )

    with translation.override("en"):
        data = pdf.render_result_pdf(result)

    text = pdf_text(data)
    assert "KUTIPAN AKTA KELAHIRAN" in text
    assert "474.1/0042/2026" in text
    assert "Siti Aminah" in text
    assert "Budi Santoso" in text
    assert "Yogyakarta" in text
    assert "30 June 2027" in text
    assert result.agency.name in text
    assert qr_payloads == ["https://mpp.example.go.id/verify/ABCDE12345"]


def test_licensing_result_prints_its_legal_basis() -> None:
    dossier = make_dossier()
    dossier.service.kind = "licensing"
    dossier.service.legal_basis = "Perwal Yogyakarta 93/2019"
    dossier.service.save()
    result = make_result(dossier)
    with translation.override("en"):
        text = pdf_text(pdf.render_result_pdf(result))
    assert "Perwal Yogyakarta 93/2019" in text
    assert "grants" in text


def test_text_with_markup_characters_is_printed_not_interpreted() -> None:
    dossier = make_dossier(applicant_name="Tono <b>& Sons")
    text = pdf_text(pdf.render_receipt_pdf(dossier))
    # ReportLab draws the escaped characters as separate runs; all of them are there, literally.
    assert "Tono<b>&Sons" in text.replace(" ", "")


def test_receipt_prints_the_tracking_code_grouped_and_links_the_raw_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    qr_payloads = drawn_qr_payloads(monkeypatch)
    dossier = make_dossier(tracking_code="7K3QW9ZMX")
    text = pdf_text(pdf.render_receipt_pdf(dossier))
    assert "7K3Q-W9ZM-X" in text
    assert qr_payloads[0].endswith("/lacak/7K3QW9ZMX/")
