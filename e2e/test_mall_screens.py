"""Issue #12 at the mall, in the browser: the display board (every waiting service readable, no
overlap, sound from the start in a kiosk-mode browser, the call in Indonesian and English, the
ticker from the calendar), the kiosk (reset to Indonesian with a countdown, 80 mm printing,
most-used services first, one notice, a lost ticket shown again) and the counter console
("finish and call next", the held counter first on the staff home, Finish above the fold).

Screenshots at 360x800, 1366x768 and (boards) 1920x1080 go to screenshots/ (the suite's
artifacts). The tests leave the demo as they found it: their tickets are served and their
counters closed, so the other journeys of the suite see the same queue."""

from __future__ import annotations

import re
from typing import Any

import pytest

from e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    assert_accessible,
    new_context_page,
    record_speech,
    screenshot,
    sign_in,
    spoken,
    watch_csp,
)

pytestmark = pytest.mark.e2e

KIOSK = "/q/yogyakarta/kiosk/"
FLOOR_BOARD = "/q/display/1/"  # floor 1, Indonesian only
MALL_BOARD = "/q/display/2/"  # the whole mall, Indonesian and English (demo settings)
SIZES = {"phone": (360, 800), "laptop": (1366, 768), "tv": (1920, 1080)}


def _boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _visible_waiting(board: Any) -> list[str]:
    return list(
        board.evaluate(
            """() => Array.from(document.querySelectorAll('#waiting-list li'))
                 .filter(li => !li.hidden).map(li => li.textContent.replace(/\\s+/g, ' ').trim())"""
        )
    )


@pytest.mark.parametrize("size", ["laptop", "tv"])
def test_board_shows_every_waiting_service_in_turning_pages_without_overlap(
    browser: Any, server: str, size: str
) -> None:
    width, height = SIZES[size]
    board = new_context_page(browser, server, viewport={"width": width, "height": height})
    board.clock.install()
    board.goto(FLOOR_BOARD)
    every = board.evaluate(
        "() => Array.from(document.querySelectorAll('#waiting-list li'))"
        ".map(li => li.textContent.replace(/\\s+/g, ' ').trim())"
    )
    assert len(every) >= 6, every
    pages = int(board.get_attribute("#waiting-list", "data-pages") or "1")
    seen: list[str] = []
    for page_number in range(1, pages + 1):
        visible = _visible_waiting(board)
        assert visible, f"page {page_number} is empty"
        seen += visible
        # Every visible row lies inside the screen, above the ticker, clear of the sound button.
        ticker = board.locator(".board-ticker").bounding_box()
        button = board.locator("#board-sound")
        button_box = button.bounding_box() if button.is_visible() else None
        for item in board.locator("#waiting-list li:not([hidden])").all():
            box = item.bounding_box()
            assert box["y"] + box["height"] <= ticker["y"] + 1, (size, item.inner_text())
            assert box["x"] + box["width"] <= width
            if button_box:
                assert not _boxes_overlap(box, button_box)
        if button_box:
            for table in board.locator("table").all():
                assert not _boxes_overlap(table.bounding_box(), button_box)
        if page_number == 1:
            screenshot(board, f"board-{size}-{width}x{height}", full_page=False)
            assert_accessible(board)
        if pages > 1:
            assert board.inner_text("#waiting-page") == f"{page_number}/{pages}"
        board.clock.run_for(8_000)
    assert sorted(seen) == sorted(every)
    # The ticker says the configured hours (the demo's test mall opens around the clock).
    ticker_text = board.inner_text("#board-ticker-text")
    assert "Jam layanan: Senin-Minggu 00:00-23:59 WIB" in ticker_text
    assert "08.00-15.00" not in ticker_text
    board.context.close()


def test_board_on_a_phone_lists_every_waiting_service(browser: Any, server: str) -> None:
    board = new_context_page(browser, server, viewport={"width": 360, "height": 800})
    board.goto(FLOOR_BOARD)
    assert board.get_attribute("#waiting-list", "data-pages") == "1"
    screenshot(board, "board-phone-360x800", full_page=True)
    board.context.close()


def test_board_in_a_kiosk_mode_browser_speaks_from_the_start(browser: Any, server: str) -> None:
    """Chromium started as the README says for a wall TV: no click is needed for sound."""
    tv = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--kiosk", "--autoplay-policy=no-user-gesture-required"],
    )
    try:
        context = watch_csp(
            tv.new_context(
                base_url=server, locale="id-ID", viewport={"width": 1920, "height": 1080}
            )
        )
        board = context.new_page()
        board.goto(FLOOR_BOARD)
        assert board.get_attribute("#board", "data-sound") == "on"
        assert not board.locator("#board-sound").is_visible()
    finally:
        tv.close()


def test_board_without_autoplay_offers_the_sound_button(browser: Any, server: str) -> None:
    """An ordinary browser (a laptop): the button in the header turns the sound on."""
    board = new_context_page(browser, server, viewport={"width": 1366, "height": 768})
    board.goto(FLOOR_BOARD)
    if board.get_attribute("#board", "data-sound") == "off":
        button = board.locator("#board-sound")
        assert button.is_visible()
        header = board.locator(".board-head").bounding_box()
        box = button.bounding_box()
        assert header["y"] <= box["y"]
        assert box["y"] + box["height"] <= header["y"] + header["height"]
        screenshot(board, "board-sound-button-1366x768", full_page=False)
        button.click()
    assert board.get_attribute("#board", "data-sound") == "on"
    assert not board.locator("#board-sound").is_visible()
    board.context.close()


def _take_ticket(page: Any, query: str, service_name: str) -> str:
    """At the kiosk: search, choose the service, no priority; returns the number on screen."""
    page.goto(f"{KIOSK}?q={query}")
    page.get_by_role("link", name=re.compile(re.escape(service_name))).first.click()
    page.get_by_role("button", name=re.compile("Reguler", re.I)).click()
    page.wait_for_url(re.compile(r"/kiosk/ticket/"))
    return page.locator(".kiosk-ticket .q-number").inner_text().strip()


def test_bilingual_board_says_each_call_in_indonesian_then_english(
    page: Any, browser: Any, server: str
) -> None:
    from satupintu.queueing.numbers import spell_ticket_number

    board = new_context_page(browser, server, viewport={"width": 1920, "height": 1080})
    record_speech(board)
    board.goto(MALL_BOARD)
    assert board.get_attribute("#board", "data-voice-langs") == "id-ID en-US"
    number = _take_ticket(page, "paspor", "Paspor Baru atau Penggantian")

    officer = new_context_page(browser, server, viewport={"width": 1366, "height": 768})
    sign_in(officer, "mall.admin")
    officer.goto("/q/counter/11/")  # Loket Imigrasi 2
    officer.locator("button[value=open]").click()
    officer.locator("button[value=call_next]").click()
    assert officer.locator("#current-ticket .q-number").inner_text().strip() == number
    board.locator("#now-number", has_text=number).wait_for()
    assert board.inner_text("#now-counter").strip() == "Loket Imigrasi 2"
    board.wait_for_function("() => window.__spoken.length >= 2", timeout=10_000)
    digits = str(int(number.split("-")[1]))
    assert spoken(board) == [
        f"Nomor antrian {spell_ticket_number(number)}, silakan menuju Loket Imigrasi dua",
        f"Queue number {number.split('-')[0]} {digits}, please go to Loket Imigrasi 2",
    ]
    screenshot(board, "board-bilingual-call-1920x1080", full_page=False)
    assert_accessible(board)
    # Leave the queue as it was: serve the ticket, close the counter.
    officer.locator("button[value=start]").click()
    officer.locator("#finish-form button[value=finish]").click()
    officer.locator("button[value=close]").click()
    board.context.close()
    officer.context.close()


def test_console_finish_and_call_next_fits_at_768_and_staff_home_shows_the_held_counter(
    page: Any, browser: Any, server: str
) -> None:
    first = _take_ticket(page, "kepabeanan", "Konsultasi Kepabeanan")
    second = _take_ticket(page, "kepabeanan", "Konsultasi Kepabeanan")
    officer = new_context_page(browser, server, viewport={"width": 1366, "height": 768})
    sign_in(officer, "mall.admin")
    officer.goto("/q/counter/12/")  # Loket Bea Cukai
    officer.locator("button[value=open]").click()
    officer.locator("button[value=call_next]").click()
    assert officer.locator("#current-ticket .q-number").inner_text().strip() == first
    # "Did not come" looks like neither the main action nor the secondary ones.
    styles = officer.evaluate(
        """() => ['start', 'recall', 'no_show'].map(v => {
             const s = getComputedStyle(document.querySelector(`button[value=${v}]`));
             return [s.backgroundColor, s.borderTopStyle, s.color].join(' ');
           })"""
    )
    assert len(set(styles)) == 3, styles
    screenshot(officer, "console-called-1366x768", full_page=False)
    assert_accessible(officer)
    officer.locator("button[value=start]").click()
    # Serving: both finish buttons are above the fold at 768 px.
    for value in ("finish_next", "finish"):
        box = officer.locator(f"#finish-form button[value={value}]").bounding_box()
        assert box["y"] + box["height"] <= 768, (value, box)
    screenshot(officer, "console-serving-1366x768", full_page=False)
    assert_accessible(officer)

    # The staff home: the held counter first, with its queue, before the list of consoles.
    officer.goto("/staff/")
    held = officer.locator("#held-counter")
    assert "Loket Bea Cukai" in held.inner_text()
    assert (
        held.bounding_box()["y"]
        < officer.get_by_role("heading", name="Peran Anda").bounding_box()["y"]
    )
    screenshot(officer, "staff-home-held-counter-1366x768", full_page=False)
    assert_accessible(officer)
    # Opening a second counter says which one is held, with a link back to it.
    officer.goto("/q/counter/19/")
    officer.locator("button[value=open]").click()
    link = officer.locator("#held-counter-link")
    assert "Loket Bea Cukai" in link.inner_text()
    screenshot(officer, "console-second-counter-1366x768", full_page=False)
    link.click()
    officer.wait_for_url(re.compile(r"/q/counter/12/$"))

    # One key: L finishes this visitor and calls the next.
    with officer.expect_navigation():
        officer.keyboard.press("l")
    assert officer.locator("#current-ticket .q-number").inner_text().strip() == second
    officer.locator("button[value=start]").click()
    officer.locator("#finish-form button[value=finish]").click()
    officer.locator("button[value=close]").click()
    officer.context.close()


def test_console_and_staff_home_on_a_phone(browser: Any, server: str) -> None:
    phone = new_context_page(browser, server, viewport={"width": 360, "height": 800})
    sign_in(phone, "loket2")
    phone.goto("/staff/")
    assert phone.locator("#held-counter").is_visible()
    screenshot(phone, "staff-home-held-counter-360x800", full_page=False)
    assert_accessible(phone)
    phone.goto("/q/counter/6/")
    screenshot(phone, "console-360x800", full_page=False)
    assert_accessible(phone)
    phone.context.close()


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_kiosk_start_screen_most_used_first_and_fits_a_laptop_screen(
    browser: Any, server: str, size: str
) -> None:
    width, height = SIZES[size]
    kiosk = new_context_page(browser, server, viewport={"width": width, "height": height})
    kiosk.goto(KIOSK)
    assert kiosk.locator(".kiosk-popular li").count() >= 4
    assert kiosk.locator(".kiosk-agencies .agency-mark").count() >= 20
    screenshot(kiosk, f"kiosk-home-{size}-{width}x{height}", full_page=False)
    if size == "laptop":
        # The whole start screen, every agency included, without scrolling.
        assert kiosk.evaluate("document.documentElement.scrollHeight") <= height
    assert_accessible(kiosk)
    kiosk.context.close()


def test_kiosk_resets_to_indonesian_prints_80mm_and_finds_a_lost_ticket(
    browser: Any, server: str
) -> None:
    kiosk = new_context_page(browser, server, viewport={"width": 1366, "height": 768})
    kiosk.clock.install()
    kiosk.goto(KIOSK)
    kiosk.locator("button[name=language][value=en]").click()
    kiosk.wait_for_load_state()
    kiosk.goto(f"{KIOSK}?q=PDAM")
    kiosk.get_by_role("link", name=re.compile("Sambungan Baru Air Minum")).first.click()
    kiosk.fill("#phone", "081355577799")
    kiosk.get_by_role("button", name=re.compile("Elderly", re.I)).click()
    kiosk.wait_for_url(re.compile(r"/kiosk/ticket/"))
    number = kiosk.locator(".kiosk-ticket .q-number").inner_text().strip()
    ticket_url = kiosk.url
    assert kiosk.locator(".ticket-tag").inner_text().strip().lower().endswith("elderly")
    assert "15" in kiosk.inner_text("#kiosk-countdown")
    kiosk.clock.run_for(5_000)
    assert "10" in kiosk.inner_text("#kiosk-countdown")
    screenshot(kiosk, "kiosk-ticket-countdown-1366x768", full_page=False)
    assert_accessible(kiosk)
    # 80 mm paper: the service name on one or two lines, not a word per line.
    kiosk.emulate_media(media="print")
    kiosk.set_viewport_size({"width": 302, "height": 1100})  # 80 mm at 96 dpi
    service = kiosk.locator(".kiosk-ticket .ticket-service")
    lines = service.evaluate(
        "e => Math.round(e.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(e).lineHeight || 20))"
    )
    assert lines <= 2, lines
    screenshot(kiosk, "kiosk-ticket-print-80mm", full_page=True)
    kiosk.emulate_media(media="screen")
    kiosk.set_viewport_size({"width": 1366, "height": 768})
    # 15 s after the ticket: back to the start screen, in Indonesian for the next visitor.
    with kiosk.expect_navigation():
        kiosk.clock.run_for(11_000)
    kiosk.wait_for_url(re.compile(r"/kiosk/$"))
    assert kiosk.get_by_role("heading", name="Ambil nomor antrian").is_visible()

    # The visitor lost the paper: the phone number shows it again, ready to print.
    kiosk.get_by_role("link", name="Tiket hilang?").click()
    screenshot(kiosk, "kiosk-lost-ticket-1366x768", full_page=False)
    assert_accessible(kiosk)
    kiosk.fill("#lookup", "0813 5557 7799")
    kiosk.get_by_role("button", name="Tampilkan tiket saya").click()
    kiosk.wait_for_url(re.compile(r"/kiosk/ticket/"))
    assert kiosk.locator(".kiosk-ticket .q-number").inner_text().strip() == number
    assert kiosk.url.split("?")[0] == ticket_url.split("?")[0]
    kiosk.context.close()
    # Leave the queue as it was: serve this ticket at the water company's counter.
    officer = new_context_page(browser, server)
    sign_in(officer, "mall.admin")
    officer.goto("/q/counter/16/")
    officer.locator("button[value=open]").click()
    officer.locator("button[value=call_next]").click()
    assert officer.locator("#current-ticket .q-number").inner_text().strip() == number
    officer.locator("button[value=start]").click()
    officer.locator("#finish-form button[value=finish]").click()
    officer.locator("button[value=close]").click()
    officer.context.close()
