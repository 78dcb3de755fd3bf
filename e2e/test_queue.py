"""Queue journeys in the browser: kiosk → counter console → display board (with its voice) →
phone status page → survey; an appointment checked in at the kiosk; the drive-thru lane; the
console driven from the keyboard alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from e2e.conftest import (
    DEMO_PASSWORD,
    assert_accessible,
    mall_now,
    new_context_page,
    record_speech,
    screenshot,
    sign_in,
    spoken,
    switch_to_english,
)

pytestmark = pytest.mark.e2e

KIOSK = "/q/yogyakarta/kiosk/"
# Floor 1's board (every demo counter is on floor 1).
DISPLAY = "/q/display/1/"
# "Loket Imigrasi 1" serves IMI-PASPOR and nobody else holds it in the demo data.
IMMIGRATION_COUNTER = "/q/counter/10/"


def _take_ticket(page: Any, query: str, service_name: str, priority_label: str) -> str:
    """At the kiosk: search, choose the service, press the priority; returns the number."""
    page.goto(KIOSK)
    page.fill("#kiosk-q", query)
    page.get_by_role("button", name="Cari").click()
    page.get_by_role("link", name=re.compile(re.escape(service_name))).first.click()
    page.get_by_role("button", name=re.compile(priority_label, re.I)).click()
    page.wait_for_url(re.compile(r"/kiosk/ticket/"))
    return page.locator(".q-number").inner_text().strip()


def test_priority_ticket_is_called_announced_served_and_rated(
    page: Any, browser: Any, server: str
) -> None:
    # The display board: its own browser, recording what it hands to the speech engine.
    board = new_context_page(browser, server, viewport={"width": 1920, "height": 1080})
    record_speech(board)
    board.goto(DISPLAY)
    assert board.locator("#now-label").inner_text().strip() == "Sedang dipanggil"
    assert_accessible(board)

    # Somebody without priority is already waiting for a passport.
    regular = _take_ticket(page, "paspor", "Paspor Baru atau Penggantian", "Reguler")

    # A visitor with a small child takes a priority ticket for a passport.
    page.goto(KIOSK)
    assert page.get_by_role("heading", name="Ambil nomor antrian").is_visible()
    screenshot(page, "kiosk-home")
    assert_accessible(page)
    page.fill("#kiosk-q", "paspor")
    page.get_by_role("button", name="Cari").click()
    page.get_by_role("link", name=re.compile("Paspor Baru atau Penggantian")).first.click()
    assert page.get_by_role(
        "heading", name="Apakah Anda memerlukan layanan prioritas?"
    ).is_visible()
    screenshot(page, "kiosk-priority")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("anak", re.I)).click()
    page.wait_for_url(re.compile(r"/kiosk/ticket/"))
    number = page.locator(".kiosk-ticket .q-number").inner_text().strip()
    assert number != regular
    facts = page.inner_text(".kiosk-ticket")
    assert "Paspor Baru atau Penggantian" in facts
    assert "Membawa anak atau balita" in facts
    assert re.search(r"Antrian di depan\s+0", facts), facts  # ahead of the regular ticket
    assert re.search(r"Lantai 1 .*Loket Imigrasi 1, Loket Imigrasi 2", facts), facts
    screenshot(page, "kiosk-ticket")
    assert_accessible(page)
    # The QR code carries the phone status page: drawing that address's QR code the same way
    # gives exactly the printed one.
    status_path = _status_path_from_kiosk(page)
    printed_qr = page.locator(".kiosk-ticket .qr svg path.qrline").get_attribute("d")
    assert printed_qr == _qr_path(server + status_path)

    # The officer: loket1 leaves the demo counter it holds (finishing its visitor first), then
    # opens the immigration counter and calls the next ticket.
    officer = new_context_page(browser, server)
    sign_in(officer, "loket1")
    officer.goto("/q/counter/1/")
    if officer.locator("button[value=start]").count():
        officer.locator("button[value=start]").click()
    if officer.locator("button[value=finish]").count():
        officer.locator("button[value=finish]").click()
    officer.locator("button[value=close]").click()
    officer.goto(IMMIGRATION_COUNTER)
    officer.locator("button[value=open]").click()
    assert "Buka" in officer.locator(".session-state").inner_text()
    officer.locator("button[value=call_next]").click()
    current = officer.locator("#current-ticket")
    assert current.locator(".q-number").inner_text().strip() == number
    assert "Paspor Baru atau Penggantian" in current.inner_text()
    screenshot(officer, "counter-console-called")
    assert_accessible(officer)

    # The board shows the number at once and speaks the call in Indonesian.
    board.locator("#now-number", has_text=number).wait_for()
    assert "Loket Imigrasi 1" in board.locator("#now-counter").inner_text()
    assert board.locator("#calls-body tr").first.inner_text().startswith(number)
    board.wait_for_function("() => window.__spoken.length > 0", timeout=10_000)
    from satupintu.queueing.numbers import spell_ticket_number

    # The counter is called by the name the board shows, its number in words.
    expected = f"Nomor antrian {spell_ticket_number(number)}, silakan menuju Loket Imigrasi satu"
    assert spoken(board) == [expected]
    assert re.fullmatch(
        r"Nomor antrian [A-Z] [a-z ]+, silakan menuju Loket Imigrasi satu", expected
    )
    screenshot(board, "display-board", full_page=False)
    assert_accessible(board)

    # The visitor follows the QR code to the phone status page: called, go to the counter.
    page.goto(status_path)
    assert "Nomor Anda dipanggil" in page.inner_text("#status-box")
    assert "Loket Imigrasi 1" in page.inner_text("#status-box")
    screenshot(page, "ticket-status-called")
    assert_accessible(page)

    # The officer starts and finishes.
    officer.locator("button[value=start]").click()
    assert "Sedang dilayani" in officer.locator("#current-ticket").inner_text()
    officer.locator("#finish-form button[value=finish]").click()
    assert "Tidak ada tiket di loket." in officer.locator("#current-ticket").inner_text()
    # The regular ticket comes after it; it did not come.
    officer.locator("button[value=call_next]").click()
    assert officer.locator("#current-ticket .q-number").inner_text().strip() == regular
    officer.locator("button[value=no_show]").click()

    # The status page says done and offers the survey (SKM).
    page.reload()
    assert "Selesai. Terima kasih atas kunjungan Anda." in page.inner_text("#status-box")
    page.get_by_role("link", name=re.compile("Beri penilaian")).click()
    assert page.get_by_role("heading", name="Survei Kepuasan Masyarakat").is_visible()
    assert "Paspor Baru atau Penggantian" in page.inner_text("main")
    screenshot(page, "survey-form")
    assert_accessible(page)
    for unsur in range(1, 10):
        page.check(f"#u{unsur}-4")
    page.select_option("#gender", index=1)
    page.fill("#age", "34")
    page.select_option("#education", index=3)
    page.select_option("#occupation", index=1)
    page.fill("#suggestion", "Petugas ramah, antrean jelas.")
    page.get_by_role("button", name="Kirim jawaban saya").click()
    assert "Terima kasih" in page.inner_text("main")
    screenshot(page, "survey-thanks")

    # English on the board and on the console after switching.
    switch_to_english(officer)
    assert officer.get_by_role("heading", name="Current ticket").is_visible()
    assert "No ticket at the counter." in officer.locator("#current-ticket").inner_text()
    officer.locator("button[value=close]").click()
    assert "Closed" in officer.locator(".session-state").inner_text()
    board.context.close()
    officer.context.close()


def _status_path_from_kiosk(page: Any) -> str:
    """The phone status address of the kiosk ticket on screen (same ticket id and token)."""
    match = re.search(r"/kiosk/ticket/(\d+)/([^/]+)/", page.url)
    assert match, page.url
    return f"/q/ticket/{match.group(1)}/{match.group(2)}/"


def _qr_path(content: str) -> str:
    """The SVG path of `content`'s QR code as the kiosk draws it (segno, error level M)."""
    import segno

    svg = segno.make(content, error="m").svg_inline(scale=4, border=2, omitsize=True)
    match = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg)
    assert match, svg
    return match.group(1)


def test_appointment_booked_on_the_portal_is_checked_in_at_the_kiosk(page: Any) -> None:
    page.goto("/q/yogyakarta/booking/")
    assert page.get_by_role("heading", name="Pesan janji temu").is_visible()
    option = page.locator("#service option", has_text="KTP-el Baru").first
    page.select_option("#service", value=option.get_attribute("value"))
    today = page.get_attribute("#date", "min")
    assert today
    page.fill("#date", today)
    page.get_by_role("button", name="Tampilkan slot kosong").click()
    free = page.locator("input[name=slot]:not([disabled])")
    if not free.count() and mall_now().hour == 23:
        # The test mall opens around the clock, but once its last slot of the day has begun
        # (23:30 WIB) there is nothing left to book for today, and check-in needs today's.
        pytest.skip("the mall's last appointment slot of the day has begun (after 23:30 WIB)")
    assert free.count() > 0, page.inner_text("main")
    free.first.check()
    page.fill("#name", "Siti Rahmawati")
    page.fill("#phone", "081234567890")
    page.fill("#nik", "3471014501900001")
    screenshot(page, "booking-form")
    assert_accessible(page)
    page.get_by_role("button", name="Pesan", exact=True).click()
    page.wait_for_url(re.compile(r"/booking/[A-Z0-9-]+/$"))
    code = page.url.rstrip("/").rsplit("/", 1)[-1]
    body = page.inner_text("main")
    assert code in body
    assert "Siti" not in body
    assert "3471014501900001" not in body
    screenshot(page, "booking-done")
    assert_accessible(page)

    page.goto(f"{KIOSK}check-in/")
    page.fill("input[name=code]", "XXXX-0000")
    page.locator("main form button[type=submit]").click()
    assert page.locator("main [role=alert]").count() > 0
    page.fill("input[name=code]", code.lower())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/kiosk/ticket/"))
    assert "KTP-el Baru" in page.inner_text(".kiosk-ticket")
    screenshot(page, "kiosk-check-in-ticket")
    switch_to_english(page)
    assert "Wait at" in page.inner_text(".kiosk-ticket")


def test_drive_thru_ticket_carries_the_plate_and_a_bad_plate_is_refused(page: Any) -> None:
    page.goto(f"{KIOSK}?q=SIM")
    page.get_by_role("link", name=re.compile("SIM A")).first.click()
    page.check("input[name=channel][value=drive_thru]")
    page.fill("#plate_number", "12345")
    page.get_by_role("button", name=re.compile("Reguler", re.I)).click()
    error = page.locator("#plate-error")
    error.wait_for()  # the kiosk's script posts, and on a refusal lets the browser post again
    assert error.is_visible()
    assert "plat" in error.inner_text().lower() or "nomor" in error.inner_text().lower()
    assert page.get_attribute("#plate_number", "aria-invalid") == "true"
    screenshot(page, "kiosk-drive-thru-bad-plate")
    assert_accessible(page)

    page.check("input[name=channel][value=drive_thru]")
    page.fill("#plate_number", "ab 1234 cd")
    page.get_by_role("button", name=re.compile("Reguler", re.I)).click()
    page.wait_for_url(re.compile(r"/kiosk/ticket/"))
    facts = page.inner_text(".kiosk-ticket")
    assert "AB 1234 CD" in facts
    # the two drive-thru lanes, by the names the board calls them
    assert re.search(r"Tunggu di\s+.*Drive-thru Lajur 1, Drive-thru Lajur 2", facts), facts
    screenshot(page, "kiosk-drive-thru-ticket")
    switch_to_english(page)
    assert "Vehicle plate" in page.inner_text(".kiosk-ticket")


def _tab_to(page: Any, selector: str, presses: int = 30) -> None:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def press_and_wait(page: Any, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def test_counter_console_works_from_the_keyboard_alone(page: Any) -> None:
    """loket2 holds counter 6 (SKCK) in the demo data with a ticket called: start, finish, call
    the next, pause and resume, close: Tab, Enter and the documented single keys only."""
    page.goto("/accounts/login/?next=/q/counter/6/")
    _tab_to(page, "#id_username")
    page.keyboard.type("loket2")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    press_and_wait(page, "Enter")
    assert page.url.endswith("/q/counter/6/"), page.url
    current = page.locator("#current-ticket")
    first = current.locator(".q-number").inner_text().strip()
    assert "Dipanggil" in current.inner_text()
    press_and_wait(page, "s")
    assert "Sedang dilayani" in page.locator("#current-ticket").inner_text()
    # Finish: Tab to the outcome radios is possible, but F presses the Finish button directly.
    press_and_wait(page, "f")
    assert "Tidak ada tiket di loket." in page.locator("#current-ticket").inner_text()
    # The Call next button has the focus (autofocus): Enter presses it.
    focused = page.evaluate("document.activeElement && document.activeElement.value")
    assert focused == "call_next"
    press_and_wait(page, "Enter")
    second = page.locator("#current-ticket .q-number").inner_text().strip()
    assert second
    assert second != first
    # Tab through the page reaches every action; pressing Enter on "Call again" recalls.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.value") == "recall":
            break
    else:
        pytest.fail("Tab never reached the 'Call again' button")
    press_and_wait(page, "Enter")
    assert "dipanggil ulang 1 kali" in page.locator("#current-ticket").inner_text()
    press_and_wait(page, "m")  # did not come
    assert "Tidak ada tiket di loket." in page.locator("#current-ticket").inner_text()
    press_and_wait(page, "p")
    assert "Dijeda" in page.locator(".session-state").inner_text()
    screenshot(page, "counter-console-keyboard")
    assert_accessible(page)
    press_and_wait(page, "o")
    assert "Buka" in page.locator(".session-state").inner_text()
