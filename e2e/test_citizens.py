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


def _sign_in_by_phone(
    page: Any,
    gateway: SmsGateway,
    next_path: str = "/saya/",
    typed: str = PHONE_TYPED,
    number: str = PHONE,
) -> None:
    page.goto(next_path)
    assert "/saya/masuk/" in page.url
    before = len(gateway.messages_to(number))
    page.fill("#c-address", typed)
    page.get_by_role("button", name="Kirimi saya kode").click()
    page.wait_for_url(re.compile(r"/saya/masuk/kode/"))
    code = gateway.wait_for_code(number, after=before)
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


PHONE2_TYPED = "0813-5555-0002"
PHONE2 = "+6281355550002"


def _tick() -> None:
    """The scheduler's job, run once against the server's database."""
    import subprocess
    import sys

    from e2e.conftest import ROOT, SERVER_ENV

    command = str(Path(sys.executable).parent / "satupintu")
    subprocess.run([command, "citizens_tick"], env=SERVER_ENV, cwd=ROOT, check=True)


def _serve_one(server: str, token: str, counter_id: int) -> str | None:
    """Call the next ticket at the counter and serve it; its number (None: nobody waits)."""
    called = _api(server, "POST", f"/counters/{counter_id}/call-next", token)
    if not called:
        return None
    for step, body in (("start", None), ("finish", {"outcome": "served"})):
        _api(server, "POST", f"/tickets/{called['id']}/{step}", token, body or {})
    return str(called["number"])


def test_remote_ticket_message_at_two_ahead_check_in_and_call(
    phone: Any, browser: Any, server: str, sms_gateway: SmsGateway
) -> None:
    services = _api(server, "GET", "/services?mall=yogyakarta&limit=200")["items"]
    service = next(s for s in services if s["code"] == "DUK-KTP-GANTI")
    for _walk_in in range(3):
        _api(server, "POST", "/tickets", body={"service_id": service["id"], "channel": "walk_in"})

    # From home: sign in, take today's ticket; the phone shows the number and the QR code.
    _sign_in_by_phone(phone, sms_gateway, next_path="/saya/", typed=PHONE2_TYPED, number=PHONE2)
    phone.select_option("#r-service", str(service["id"]))
    phone.get_by_role("button", name="Ambil tiket").click()
    phone.wait_for_load_state()
    ticket = phone.locator("article.ticket").first
    ticket_id = int(ticket.get_attribute("data-ticket") or 0)
    # The ticket's secret: anyone but the queue staff reads the ticket with it.
    ticket_token = ticket.get_attribute("data-token") or ""
    number = ticket.locator(".ticket-number").inner_text().strip()
    checkin_code = ticket.locator(".checkin-code").inner_text().strip()
    assert ticket.locator(".qr svg").count() == 1
    screenshot(phone, "citizen-remote-ticket")
    assert_accessible(phone)

    # A counter serves the queue until two people are ahead: the message arrives, once.
    admin = _staff_token(server, "mall.admin")
    counters = _api(server, "GET", "/counters?mall=yogyakarta&limit=200")["items"]
    counter_id = None
    for counter in counters:
        if service["id"] in counter["service_ids"] and counter["mode"] == "walk_in":
            try:
                _api(server, "POST", f"/counters/{counter['id']}/open", admin)
            except AssertionError:
                continue
            counter_id = counter["id"]
            break
    assert counter_id is not None
    before = len(sms_gateway.messages_to(PHONE2))
    for _round in range(50):
        ahead = _api(server, "GET", f"/tickets/{ticket_id}?token={ticket_token}")["people_ahead"]
        if ahead <= 2:
            break
        assert _serve_one(server, admin, counter_id) != number
    assert ahead == 2
    _tick()
    near = sms_gateway.messages_to(PHONE2)[before:]
    assert len(near) == 1, near
    assert number in near[0]
    assert "2" in near[0]
    _tick()
    assert len(sms_gateway.messages_to(PHONE2)) == before + 1

    # Checked in at the kiosk with the QR code's code, then called at the counter.
    kiosk = new_context_page(browser, server)
    from e2e.conftest import sign_in

    sign_in(kiosk, "kiosk-1")
    kiosk.goto("/antrian/check-in/")
    kiosk.fill("#c-code", checkin_code)
    kiosk.get_by_role("button", name="Check-in").click()
    kiosk.wait_for_load_state()
    assert number in kiosk.inner_text("main")
    kiosk.context.close()
    for _round in range(10):
        called = _api(server, "POST", f"/counters/{counter_id}/call-next", admin)
        assert called, "the queue ran dry before the remote ticket was called"
        if called["number"] == number:
            break
        for step, body in (("start", {}), ("finish", {"outcome": "served"})):
            _api(server, "POST", f"/tickets/{called['id']}/{step}", admin, body)
    assert called["id"] == ticket_id
    _tick()
    messages = sms_gateway.messages_to(PHONE2)[before:]
    assert len(messages) == 2, messages
    assert number in messages[1]
