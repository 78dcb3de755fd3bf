"""Dossier journeys in the browser: an online application with uploads, verified by the front
office, decided by the back office, downloaded by the citizen and called genuine by the
verification page; a birth bundle through Disdukcapil and BPJS Kesehatan."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from e2e.conftest import (
    assert_accessible,
    new_context_page,
    screenshot,
    sign_in,
    small_pdf,
    small_png,
    switch_to_english,
)

pytestmark = pytest.mark.e2e

NIK = "3471014501900001"


def _fill_applicant(page: Any, name: str) -> None:
    page.fill("#id_nik", NIK)
    page.fill("#id_name", name)
    page.fill("#id_phone", "081234567890")
    page.fill("#id_email", "warga@example.org")


def _fill_form_fields(page: Any) -> None:
    """Whatever the service asks beyond the applicant: dates get a date, the rest a text."""
    for field in page.locator("main input[name^=form_], main textarea[name^=form_]").all():
        kind = field.get_attribute("type") or "text"
        if kind == "date":
            field.fill("2026-11-20")
        elif kind == "number":
            field.fill("1")
        else:
            field.fill("Arjuna Pratama")
    for select in page.locator("main select[name^=form_]").all():
        select.select_option(index=1)


def _attach_every_document(page: Any, tmp_path: Path) -> int:
    inputs = page.locator("main input[type=file]").all()
    for number, upload in enumerate(inputs):
        if number % 2:
            path = tmp_path / f"dokumen-{number}.png"
            path.write_bytes(small_png())
        else:
            path = tmp_path / f"dokumen-{number}.pdf"
            path.write_bytes(small_pdf(f"Dokumen {number}"))
        upload.set_input_files(str(path))
    return len(inputs)


def _act(page: Any, action: str) -> None:
    """Press a workflow action on the dossier page (htmx swaps the panel in place)."""
    form = page.locator(f"form.action-form:has(input[name=action][value={action}])")
    assert form.count() == 1, f"action {action} not offered:\n{page.inner_text('main')[:3000]}"
    with page.expect_response(re.compile(r"/aksi/$")):
        form.locator("button[type=submit]").click()
    page.wait_for_timeout(200)


def _mark_documents_present(page: Any) -> None:
    rows = page.locator("tr.req-row").count()
    for index in range(rows):
        row = page.locator("tr.req-row").nth(index)
        select = row.locator("select[name=status]")
        if not select.count():
            continue
        select.select_option("present")
        with page.expect_response(re.compile(r"/periksa|/check|/dokumen|/berkas/")):
            row.locator("button[type=submit]", has_text=re.compile("Simpan|Save")).click()
        page.wait_for_timeout(100)


def test_online_application_to_a_genuine_signed_result(
    page: Any, browser: Any, server: str, tmp_path: Path
) -> None:
    # The citizen applies online for a birth certificate, with every document attached.
    page.goto("/m/yogyakarta/ajukan/DUK-AKTA-LAHIR/")
    assert "Akta Kelahiran" in page.inner_text("h1")
    _fill_applicant(page, "Dewi Lestari")
    _fill_form_fields(page)
    attached = _attach_every_document(page, tmp_path)
    assert attached >= 2
    screenshot(page, "apply-online-form")
    assert_accessible(page)
    page.get_by_role("button", name="Kirim permohonan saya").click()
    page.wait_for_url(re.compile(r"/berkas/\d+/terkirim/"))
    dossier_id = re.search(r"/berkas/(\d+)/", page.url).group(1)  # type: ignore[union-attr]
    code = page.locator(".tracking-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]", code), code
    screenshot(page, "apply-online-sent")
    assert_accessible(page)

    page.locator("main a[href*='/lacak/']").first.click()
    assert code in page.inner_text("main")
    assert "Akta Kelahiran" in page.inner_text("main")
    screenshot(page, "tracking-submitted")
    assert_accessible(page)

    # The front office checks the documents and verifies the application.
    front = new_context_page(browser, server)
    sign_in(front, "loket1")
    front.goto(f"/bo/berkas/{dossier_id}/")
    assert code in front.inner_text("h1")
    _mark_documents_present(front)
    assert front.locator("tr.req-row .badge-green").count() == front.locator("tr.req-row").count()
    _act(front, "verify")
    assert "Lengkap, menunggu back office" in front.inner_text("main")
    front.context.close()

    # The back office of Disdukcapil processes, approves and issues the signed result.
    back = new_context_page(browser, server)
    sign_in(back, "dukcapil.bo")
    back.goto("/bo/")
    assert code in back.inner_text("main")
    screenshot(back, "back-office-worklist")
    assert_accessible(back)
    back.goto(f"/bo/berkas/{dossier_id}/")
    for action in ("process", "approve", "issue_result"):
        _act(back, action)
    panel = back.inner_text("main")
    verification_link = back.locator("main a[href*='/verify/']").first.get_attribute("href")
    assert verification_link, panel
    screenshot(back, "back-office-dossier-issued")
    assert_accessible(back)
    back.context.close()

    # The citizen downloads the signed result from the tracking page.
    page.goto(f"/lacak/?code={quote(code)}")
    assert "selesai" in page.inner_text("main").lower() or "siap" in page.inner_text("main")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Unduh hasil")).click()
    archive = download_info.value.path()
    with zipfile.ZipFile(archive) as package:
        pdf_names = [n for n in package.namelist() if n.endswith(".pdf")]
        assert pdf_names, package.namelist()
        signed = package.read(pdf_names[0])
    assert signed.startswith(b"%PDF")
    screenshot(page, "tracking-result-ready")
    assert_accessible(page)

    # The verification page calls the code genuine, and the downloaded file too.
    page.goto(verification_link)
    verdict = page.inner_text("#verdict-title")
    assert "ASLI" in verdict.upper()
    screenshot(page, "verify-genuine")
    assert_accessible(page)
    result_pdf = tmp_path / "hasil.pdf"
    result_pdf.write_bytes(signed)
    page.set_input_files("#verify-file", str(result_pdf))
    page.get_by_role("button", name="Periksa berkas").click()
    checked = page.inner_text("main")
    assert "ASLI" in checked, checked
    assert "TIDAK VALID" not in checked, checked
    tampered = tmp_path / "diubah.pdf"
    tampered.write_bytes(signed.replace(b"/Type", b"/Type ", 1))
    page.goto(verification_link)
    page.set_input_files("#verify-file", str(tampered))
    page.get_by_role("button", name="Periksa berkas").click()
    checked = page.inner_text("main")
    assert "TIDAK VALID" in checked, checked
    assert "diubah setelah ditandatangani" in checked, checked
    screenshot(page, "verify-tampered-file")
    switch_to_english(page)
    assert "Document verification" in page.inner_text("main")


def test_birth_bundle_runs_through_two_agencies_in_dependency_order(
    page: Any, browser: Any, server: str, tmp_path: Path
) -> None:
    page.goto("/m/yogyakarta/ajukan/BND-LAHIR/")
    assert "Paket Kelahiran" in page.inner_text("h1")
    _fill_applicant(page, "Rina Wulandari")
    _fill_form_fields(page)
    _attach_every_document(page, tmp_path)
    page.get_by_role("button", name="Kirim permohonan saya").click()
    page.wait_for_url(re.compile(r"/berkas/\d+/terkirim/"))
    parent_id = re.search(r"/berkas/(\d+)/", page.url).group(1)  # type: ignore[union-attr]
    code = page.locator(".tracking-code").inner_text().strip()
    page.locator("main a[href*='/lacak/']").first.click()
    services = page.locator("main table tbody tr")
    assert services.count() == 4
    text = page.inner_text("main table")
    for name in ("Akta Kelahiran", "Kartu Keluarga", "Kartu Identitas Anak", "JKN"):
        assert name in text, text
    # Only the birth certificate can start: the others wait for the services before them.
    waiting = [r for r in services.all() if "menunggu layanan sebelumnya" in r.inner_text()]
    assert len(waiting) == 3, text
    screenshot(page, "tracking-bundle")
    assert_accessible(page)

    # The front office checks the shared documents once, on the bundle's page.
    front = new_context_page(browser, server)
    sign_in(front, "loket1")
    front.goto(f"/bo/berkas/{parent_id}/")
    assert code in front.inner_text("h1")
    _mark_documents_present(front)
    children = {
        link.inner_text().strip(): link.get_attribute("href")
        for link in front.locator("section[aria-labelledby=h-children] table a").all()
    }
    assert len(children) == 4, children

    def child(name: str) -> str:
        return next(href for label, href in children.items() if name in label)

    # Kartu Keluarga waits for the birth certificate: verifying it is refused with a message.
    front.goto(child("Kartu Keluarga"))
    assert front.locator(".badge-amber").count() > 0
    if front.locator("form.action-form:has(input[value=verify])").count():
        _act(front, "verify")
        assert front.locator("[role=alert]").count() > 0
    screenshot(front, "bundle-child-on-hold")
    assert_accessible(front)

    duk = new_context_page(browser, server)
    sign_in(duk, "dukcapil.bo")
    bpjs = new_context_page(browser, server)
    sign_in(bpjs, "bpjs.bo")

    def run_to_result(name: str, back: Any) -> None:
        front.goto(child(name))
        assert front.locator(".badge-amber").count() == 0, f"{name} still waits"
        _act(front, "verify")
        back.goto(child(name))
        for action in ("process", "approve", "issue_result"):
            _act(back, action)
        assert back.locator("main a[href*='/verify/']").count() > 0

    run_to_result("Akta Kelahiran", duk)
    # Kartu Keluarga and KIA may start now; BPJS still waits for Kartu Keluarga.
    page.reload()
    rows = {r.locator("td").first.inner_text(): r.inner_text() for r in services.all()}
    bpjs_row = next(v for k, v in rows.items() if "JKN" in k)
    assert "menunggu layanan sebelumnya" in bpjs_row, rows
    run_to_result("Kartu Identitas Anak", duk)
    run_to_result("Kartu Keluarga", duk)
    # BPJS Kesehatan's officer cannot open Disdukcapil's dossiers (404), only its own.
    response = bpjs.goto(child("Akta Kelahiran"))
    assert response is not None
    assert response.status == 404
    run_to_result("JKN", bpjs)

    page.reload()
    text = page.inner_text("main table")
    assert "menunggu layanan sebelumnya" not in text
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Unduh hasil")).click()
    with zipfile.ZipFile(download_info.value.path()) as package:
        assert len([n for n in package.namelist() if n.endswith(".pdf")]) == 4
    screenshot(page, "tracking-bundle-done")
    switch_to_english(page)
    assert "Services of this bundle" in page.inner_text("main")
    for context_page in (front, duk, bpjs):
        context_page.context.close()
