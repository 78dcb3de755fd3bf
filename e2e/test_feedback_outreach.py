"""A complaint and its answer; an outreach (jemput bola) request to a recorded visit."""

from __future__ import annotations

import re
from typing import Any

import pytest

from e2e.conftest import (
    assert_accessible,
    mall_today,
    new_context_page,
    screenshot,
    sign_in,
    switch_to_english,
)

pytestmark = pytest.mark.e2e


def test_complaint_is_answered_and_the_public_status_shows_the_answer(
    page: Any, browser: Any, server: str
) -> None:
    page.goto("/pengaduan/yogyakarta/")
    assert page.get_by_role("heading", name="Pengaduan, saran, dan masukan").is_visible()
    screenshot(page, "complaint-form")
    assert_accessible(page)
    # Too short a text is refused with a message next to the field, nothing recorded.
    page.select_option("select[name=category]", "waiting_time")
    page.fill("textarea[name=text]", "")
    page.get_by_role("button", name="Kirim").click()
    assert page.locator("main .field-error, main .errorlist, main [role=alert]").count() > 0
    text = "Antrean SKCK hari ini sangat lama, lebih dari dua jam tanpa informasi."
    page.fill("textarea[name=text]", text)
    option = page.locator("select[name=service] option", has_text="SKCK Baru").first
    page.select_option("select[name=service]", value=option.get_attribute("value"))
    page.fill("input[name=name]", "Budi Santoso")
    page.fill("input[name=email]", "budi@example.org")
    page.get_by_role("button", name="Kirim").click()
    page.wait_for_url(re.compile(r"/status-pengaduan/[^/]+/$"))
    code = page.url.rstrip("/").rsplit("/", 1)[-1]
    status = page.inner_text("main")
    assert code in status
    assert "diterima" in status.lower()
    screenshot(page, "complaint-status-received")
    assert_accessible(page)

    staff = new_context_page(browser, server)
    sign_in(staff, "supervisor")
    staff.goto("/staf/pengaduan/yogyakarta/")
    assert code in staff.inner_text("main")
    screenshot(staff, "complaints-inbox")
    assert_accessible(staff)
    staff.locator("main a", has_text=code).first.click()
    assert text in staff.inner_text("main")
    answer = "Mohon maaf. Mulai besok loket SKCK kedua dibuka pukul 08.00."
    staff.select_option("select[name=to]", "answered")
    staff.fill("#answer-note", answer)
    staff.locator("form:has(input[name=action][value=transition]) button[type=submit]").click()
    assert "dijawab" in staff.inner_text("main").lower()
    screenshot(staff, "complaint-staff-answered")
    assert_accessible(staff)
    staff.context.close()

    page.goto("/status-pengaduan/")
    page.fill("input[name=code]", code)
    page.get_by_role("button", name="Periksa").click()
    status = page.inner_text("main")
    assert "dijawab" in status.lower()
    assert answer in status
    screenshot(page, "complaint-status-answered")
    assert_accessible(page)
    switch_to_english(page)
    assert "answered" in page.inner_text("main").lower()
    assert "Complaint status" in page.inner_text("main")


def test_outreach_request_becomes_a_recorded_visit(page: Any, browser: Any, server: str) -> None:
    page.goto("/m/yogyakarta/jemput-bola/")
    assert "jemput bola" in page.inner_text("h1")
    page.fill("input[name=person_name]", "Mbah Sastro")
    page.fill("input[name=phone]", "081298765432")
    page.check("input[name=reason][value=elderly]")
    page.fill("textarea[name=address]", "Jl. Kenari 12, RT 03 RW 01")
    page.select_option("select[name=kecamatan]", "Gondokusuman")
    page.select_option("select[name=kelurahan]", "Baciro")
    page.get_by_role("checkbox", name=re.compile("KTP-el Baru")).check()
    today = mall_today()
    page.fill("input[name=date_1]", today)
    page.check("input[name=requested_by][value=family]")
    page.fill("input[name=requester_name]", "Wulan (cucu)")
    screenshot(page, "outreach-request-form")
    assert_accessible(page)
    page.get_by_role("button", name="Kirim permohonan").click()
    body = page.inner_text("main")
    match = re.search(r"JB-[0-9A-Z]+", body)
    assert match, body
    number = match.group(0)
    screenshot(page, "outreach-request-sent")
    assert_accessible(page)

    officer = new_context_page(browser, server)
    sign_in(officer, "outreach")
    officer.goto("/m/yogyakarta/outreach/")
    officer.locator("main a", has_text=number).first.click()
    assert "Mbah Sastro" in officer.inner_text("main")
    officer.select_option("select[name=priority]", "high")
    officer.select_option("select[name=assigned_to]", index=1)
    officer.fill("textarea[name=note]", "Lansia, tidak bisa ke mal.")
    officer.get_by_role("button", name="Simpan triase").click()
    assert "ditriase" in officer.inner_text("main")
    schedule = officer.locator("form[action$='/schedule/']")
    schedule.locator("input[name=date]").fill(today)
    # Late in the evening: the demo team's visits of today are in the daytime.
    schedule.locator("input[name=window_start]").fill("22:00")
    schedule.locator("input[name=window_end]").fill("23:30")
    schedule.locator("input[name=team]").first.check()
    schedule.locator("input[name=equipment]").first.check()
    schedule.locator("button[type=submit]").click()
    assert "dijadwalkan" in officer.inner_text("main"), officer.inner_text("main")[:2000]
    screenshot(officer, "outreach-request-scheduled")
    assert_accessible(officer)
    officer.get_by_role("link", name="Catat hasil kunjungan").click()
    officer.check("input[name=outcome][value=completed]")
    officer.locator("input[name=delivered]").first.check()
    officer.fill("textarea[name=note]", "Perekaman KTP-el selesai di rumah.")
    officer.get_by_role("button", name="Simpan hasil").click()
    detail = officer.inner_text("main")
    assert "sudah dikunjungi" in detail or "selesai" in detail, detail[:2000]
    screenshot(officer, "outreach-visit-recorded")
    assert_accessible(officer)
    switch_to_english(officer)
    assert "visited" in officer.inner_text("main") or "done" in officer.inner_text("main")
    officer.context.close()
