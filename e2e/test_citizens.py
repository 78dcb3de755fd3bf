"""The citizen's own account in the browser: apply online on a laptop without an account; days
later sign in on a phone with a code sent by WhatsApp/SMS (the local gateway), add the earlier
application with a second code, upload the document the officer asked for again, and download
the signed result; another device gets 404 for the result until it signs in too."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import (
    DEMO_PASSWORD,
    SmsGateway,
    assert_accessible,
    new_context_page,
    screenshot,
    small_pdf,
    small_png,
)

pytestmark = pytest.mark.e2e

NIK = "3471014501900001"
PHONE_TYPED = "0813-5555-0001"
PHONE = "+6281355550001"


def _api(server: str, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{server}/api/v1{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from exc


def _staff_token(server: str, username: str) -> str:
    body = {"username": username, "password": DEMO_PASSWORD}
    return str(_api(server, "POST", "/auth/token", body=body)["token"])


def _sign_in_by_phone(page: Any, gateway: SmsGateway, next_path: str = "/saya/") -> None:
    page.goto(next_path)
    assert "/saya/masuk/" in page.url
    before = len(gateway.messages_to(PHONE))
    page.fill("#c-address", PHONE_TYPED)
    page.get_by_role("button", name="Kirimi saya kode").click()
    page.wait_for_url(re.compile(r"/saya/masuk/kode/"))
    code = gateway.wait_for_code(PHONE, after=before)
    page.fill("#c-code", code)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_apply_on_a_laptop_then_finish_and_download_on_a_phone(
    page: Any, phone: Any, browser: Any, server: str, sms_gateway: SmsGateway, tmp_path: Path
) -> None:
    # On a laptop, without an account: an online application with every document.
    page.goto("/m/yogyakarta/ajukan/DUK-AKTA-LAHIR/")
    page.fill("#id_nik", NIK)
    page.fill("#id_name", "Dewi Lestari")
    page.fill("#id_phone", PHONE_TYPED)
    page.fill("#id_email", "dewi@example.org")
    for field in page.locator("main input[name^=form_], main textarea[name^=form_]").all():
        kind = field.get_attribute("type") or "text"
        field.fill({"date": "2026-11-20", "number": "1"}.get(kind, "Arjuna Pratama"))
    for select in page.locator("main select[name^=form_]").all():
        select.select_option(index=1)
    for number, upload in enumerate(page.locator("main input[type=file]").all()):
        path = tmp_path / f"dokumen-{number}.pdf"
        path.write_bytes(small_pdf(f"Dokumen {number}"))
        if number % 2:
            path = tmp_path / f"dokumen-{number}.png"
            path.write_bytes(small_png())
        upload.set_input_files(str(path))
    page.get_by_role("button", name="Kirim permohonan saya").click()
    page.wait_for_url(re.compile(r"/berkas/\d+/terkirim/"))
    dossier_id = int(re.search(r"/berkas/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    tracking = page.locator(".tracking-code").inner_text().strip()

    # The front office finds one document unreadable and asks for it again.
    front = _staff_token(server, "loket1")
    detail = _api(server, "GET", f"/dossiers/{dossier_id}", front)
    asked = detail["requirements"][0]
    for requirement in detail["requirements"]:
        status = "rejected" if requirement is asked else "present"
        _api(
            server,
            "POST",
            f"/dossiers/{dossier_id}/documents/{requirement['requirement_id']}/check",
            front,
            {"status": status, "reason": "Tidak terbaca" if status == "rejected" else ""},
        )
    _api(
        server,
        "POST",
        f"/dossiers/{dossier_id}/transitions",
        front,
        {"action": "request_revision", "comment": "Mohon unggah ulang dokumen yang tidak terbaca."},
    )

    # Days later, on a phone: sign in with the code sent to the phone, add the application.
    _sign_in_by_phone(phone, sms_gateway)
    screenshot(phone, "citizen-my-services-empty")
    assert_accessible(phone)
    phone.get_by_role("link", name="Tambahkan permohonan sebelumnya").click()
    before = len(sms_gateway.messages_to(PHONE))
    phone.fill("#c-tracking", tracking)
    phone.get_by_role("button", name="Kirim kode").click()
    code = sms_gateway.wait_for_code(PHONE, after=before)
    phone.fill("#c-code", code)
    phone.get_by_role("button", name="Tambahkan ke akun saya").click()
    phone.wait_for_url(re.compile(r"/saya/$"))
    assert tracking in phone.inner_text("main")
    assert "dokumen diminta ulang" in phone.inner_text("main")
    screenshot(phone, "citizen-my-services")
    assert_accessible(phone)

    # Upload the document asked again from the phone, and send the application back.
    phone.get_by_role("link", name=tracking).click()
    assert "Dokumen yang diminta ulang" in phone.inner_text("main")
    replacement = tmp_path / "ulang.pdf"
    replacement.write_bytes(small_pdf("Dokumen ulang"))
    phone.set_input_files(f"#doc-{asked['requirement_id']}", str(replacement))
    phone.get_by_role("button", name="Unggah").click()
    phone.wait_for_load_state()
    assert "Dokumen sudah diunggah." in phone.inner_text("main")
    phone.get_by_role("button", name="Kirim kembali ke petugas").click()
    phone.wait_for_load_state()
    assert "Sudah dikirim kembali ke petugas." in phone.inner_text("main")
    screenshot(phone, "citizen-dossier-resubmitted")
    assert_accessible(phone)

    # The office completes it and issues the signed result.
    _api(
        server,
        "POST",
        f"/dossiers/{dossier_id}/documents/{asked['requirement_id']}/check",
        front,
        {"status": "present"},
    )
    _api(server, "POST", f"/dossiers/{dossier_id}/transitions", front, {"action": "verify"})
    back = _staff_token(server, "dukcapil.bo")
    for action in ("process", "approve", "issue_result"):
        _api(server, "POST", f"/dossiers/{dossier_id}/transitions", back, {"action": action})

    # The phone downloads the signed PDF from its account.
    phone.goto(f"/saya/berkas/{dossier_id}/")
    link = phone.locator("#result-link")
    href = link.get_attribute("href")
    assert href == f"/berkas/{dossier_id}/hasil.pdf"
    answer = phone.request.get(href)
    assert answer.status == 200
    assert answer.body().startswith(b"%PDF")

    # Another device: 404 for the result before signing in, the PDF after.
    desk = new_context_page(browser, server)
    assert desk.request.get(href).status == 404
    assert desk.request.get(f"/api/v1/dossiers/{dossier_id}/result.pdf").status in (401, 404)
    _sign_in_by_phone(desk, sms_gateway, next_path=f"/saya/berkas/{dossier_id}/")
    again = desk.request.get(href)
    assert again.status == 200
    assert again.body() == answer.body()
    desk.context.close()
