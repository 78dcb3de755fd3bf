"""Issue #12 in the browser, on a phone (360x800) and a laptop (1366x768): the back office's
dossier page and worklist, tracking a finished application and a bundle, the online form, the
jemput bola form and its status page, the reports' 12-month dashboard, IKM and transparency
pages, and the demo's own links (favicon, search words, the fee rule)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from e2e.conftest import assert_accessible, mall_today, new_context_page, screenshot, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 360, "height": 800}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}
SIZES = {"360x800": PHONE, "1366x768": LAPTOP}


def _at_each_size(browser: Any, server: str, user: str | None = None) -> list[tuple[str, Any]]:
    tabs = []
    for label, options in SIZES.items():
        tab = new_context_page(browser, server, **options)
        if user:
            sign_in(tab, user)
        tabs.append((label, tab))
    return tabs


def _close(tabs: list[tuple[str, Any]]) -> None:
    for _label, tab in tabs:
        tab.context.close()


def _fits(tab: Any) -> None:
    """Nothing wider than the screen (no sideways scrolling)."""
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.viewport_size["width"] + 1, width


def _dossiers(tab: Any) -> list[dict[str, Any]]:
    response = tab.request.get("/api/v1/dossiers?limit=200")
    assert response.ok, response.text()
    return list(response.json()["items"])


def test_dossier_page_and_worklist_speak_to_people(browser: Any, server: str) -> None:
    for label, tab in _at_each_size(browser, server, "dukcapil.bo"):
        tab.goto("/bo/")
        legend = tab.locator("ul.legend li")
        assert legend.count() == 4
        colours = [
            tab.evaluate("e => getComputedStyle(e).borderLeftColor", legend.nth(i).element_handle())
            for i in range(4)
        ]
        assert len(set(colours)) == 4, colours
        screenshot(tab, f"mall-details-worklist-{label}")
        assert_accessible(tab)
        row = next(d for d in _dossiers(tab) if d["applicant_name"] == "Bambang Wijaya")
        tab.goto(f"/bo/berkas/{row['id']}/")
        main = tab.inner_text("main")
        assert "Nama anak" in main
        assert "nama_anak" not in main
        assert "20 November 2026" in main
        assert "2026-11-20" not in main
        actions = tab.locator(".history-action").all_inner_texts()
        assert "Diajukan" in actions
        assert "submit" not in actions
        reject = tab.locator("form.action-form button", has_text="Tolak")
        approve = tab.locator("form.action-form button", has_text="Setujui")
        red = reject.evaluate("e => getComputedStyle(e).backgroundColor")
        blue = approve.evaluate("e => getComputedStyle(e).backgroundColor")
        assert red != blue, (red, blue)
        assert red == "rgb(180, 35, 24)", red
        screenshot(tab, f"mall-details-dossier-{label}")
        assert_accessible(tab)
        tab.context.close()


def test_tracking_a_finished_application_and_a_bundle(browser: Any, server: str) -> None:
    staff = new_context_page(browser, server)
    sign_in(staff, "supervisor")
    rows = _dossiers(staff)
    finished = next(d for d in rows if d["applicant_name"] == "Sri Wahyuni")
    staff.context.close()
    for label, tab in _at_each_size(browser, server):
        tab.goto(f"/lacak/{finished['tracking_code']}/")
        main = tab.inner_text("main")
        assert "Perkiraan selesai" not in main
        assert "Hasil Anda sudah siap" in main
        for words in (
            "Tempat pengambilan",
            "Waktu pengambilan",
            "Yang perlu dibawa",
            "KTP-el asli",
        ):
            assert words in main, words
        assert tab.locator("a.survey-link, .survey-link a").count() == 1
        if label == "360x800":
            _fits(tab)
        screenshot(tab, f"mall-details-tracking-finished-{label}")
        assert_accessible(tab)
        tab.context.close()
    # The bundle's services at 360 px: one card per service, nothing cut off.
    supervisor = new_context_page(browser, server)
    sign_in(supervisor, "supervisor")
    child = next(d for d in _dossiers(supervisor) if d["applicant_name"] == "Fitri Handayani")
    parent_id = supervisor.request.get(f"/api/v1/dossiers/{child['id']}").json()["parent_id"]
    code = supervisor.request.get(f"/api/v1/dossiers/{parent_id}").json()["tracking_code"]
    supervisor.context.close()
    for label, tab in _at_each_size(browser, server):
        tab.goto(f"/lacak/{code}/")
        assert tab.locator("table.stack-table tbody tr").count() >= 3
        if label == "360x800":
            _fits(tab)
        screenshot(tab, f"mall-details-tracking-bundle-{label}")
        assert_accessible(tab)
        tab.context.close()


def test_online_form_for_a_person_on_a_phone(browser: Any, server: str) -> None:
    for label, tab in _at_each_size(browser, server):
        tab.goto("/m/yogyakarta/ajukan/DUK-AKTA-LAHIR/")
        business = tab.locator("#id_business_name")
        assert not business.is_visible()  # a person has no business name
        assert "2 MB" in tab.inner_text("main")
        assert "2048 KB" not in tab.inner_text("main")
        upload = tab.locator("main input[type=file]").first
        assert upload.bounding_box()["height"] >= 44
        if label == "360x800":
            _fits(tab)
        screenshot(tab, f"mall-details-apply-person-{label}")
        assert_accessible(tab)
        tab.select_option("#id_kind", "business")
        assert business.is_visible()
        assert_accessible(tab)
        tab.context.close()


def test_jemput_bola_large_targets_and_its_status_page(browser: Any, server: str) -> None:
    tab = new_context_page(browser, server, **PHONE)
    tab.goto("/m/yogyakarta/jemput-bola/")
    boxes = tab.locator("label.choice input[type=checkbox], label.choice input[type=radio]")
    assert boxes.count() > 5
    for i in range(boxes.count()):
        box = boxes.nth(i).bounding_box()
        assert box["width"] >= 32, box
        assert box["height"] >= 32, box
        row = boxes.nth(i).locator("xpath=..").bounding_box()
        assert row["height"] >= 48, row
    tab.fill("input[name=person_name]", "Mbah Karto")
    tab.fill("input[name=phone]", "081298765400")
    tab.check("input[name=reason][value=disabled]")
    tab.fill("textarea[name=address]", "Jl. Sawo 3")
    tab.select_option("select[name=kecamatan]", "Gondokusuman")
    tab.select_option("select[name=kelurahan]", "Baciro")
    tab.get_by_role("checkbox", name=re.compile("KTP-el Baru")).check()
    tab.fill("input[name=date_1]", mall_today())
    tab.check("input[name=requested_by][value=family]")
    tab.fill("input[name=requester_name]", "Sari (anak)")
    _fits(tab)
    screenshot(tab, "mall-details-jemput-bola-form-360x800")
    assert_accessible(tab)
    tab.get_by_role("button", name="Kirim permohonan").click()
    number = re.search(r"JB-[0-9A-Z]+", tab.inner_text("main")).group(0)  # type: ignore[union-attr]
    tab.get_by_role("link", name="Pantau permohonan ini").click()
    main = tab.inner_text("main")
    assert number in main
    assert "Mbah Karto" not in main
    assert "Jl. Sawo" not in main
    _fits(tab)
    screenshot(tab, "mall-details-jemput-bola-status-360x800")
    assert_accessible(tab)
    tab.context.close()
    laptop = new_context_page(browser, server, **LAPTOP)
    laptop.goto("/m/yogyakarta/jemput-bola/status/")
    laptop.fill("#jb-ref", number.lower())
    laptop.get_by_role("button", name="Periksa status").click()
    assert number in laptop.inner_text("main")
    screenshot(laptop, "mall-details-jemput-bola-status-1366x768")
    assert_accessible(laptop)
    laptop.context.close()


def test_reports_name_their_period_and_a_year_is_quick(browser: Any, server: str) -> None:
    for label, tab in _at_each_size(browser, server, "pimpinan"):
        started = time.monotonic()
        tab.goto("/laporan/yogyakarta/?preset=12m")
        seconds = time.monotonic() - started
        print(f"12-month dashboard at {label}: {seconds:.2f} s")
        assert seconds < 10  # well under 1 s server-side; this shared machine runs other suites
        assert tab.locator(".tile .ikm-period").count() == 1
        assert tab.locator("#report-loading").is_hidden()
        screenshot(tab, f"mall-details-dashboard-12m-{label}")
        assert_accessible(tab)
        tab.goto("/laporan/ikm/yogyakarta/")
        assert re.search(r"Periode .+ · \d+ responden", tab.inner_text("main"))
        screenshot(tab, f"mall-details-ikm-{label}")
        assert_accessible(tab)
        tab.context.close()
    for label, tab in _at_each_size(browser, server):
        tab.goto("/transparansi/yogyakarta/")
        assert "dilayani sampai selesai" in tab.inner_text("main")
        screenshot(tab, f"mall-details-transparency-{label}")
        assert_accessible(tab)
        tab.context.close()


def test_demo_links_search_words_and_fee_rule(browser: Any, server: str) -> None:
    tab = new_context_page(browser, server, **PHONE)
    assert tab.request.get("/favicon.ico").headers["content-type"] == "image/x-icon"
    tab.goto("/m/yogyakarta/layanan/?q=pajak+motor")
    assert "Pajak Kendaraan Tahunan" in tab.inner_text("main")
    assert "opsen 66%" in tab.inner_text("main")
    screenshot(tab, "mall-details-search-pajak-motor-360x800")
    assert_accessible(tab)
    tab.goto("/m/yogyakarta/layanan/?q=e-ktp")
    assert "KTP-el Baru" in tab.inner_text("main")
    tab.goto("/m/yogyakarta/layanan/SAMSAT-PKB/")
    fee = tab.locator("#fee-heading + p").inner_text()
    assert "Gratis" not in fee
    assert "0,9%" in fee
    # the QR of a kiosk ticket and every link point at this server, not port 8000
    assert tab.evaluate("location.port") == server.rsplit(":", 1)[1]
    tab.context.close()


def test_jemput_bola_outcome_asks_the_application_form(browser: Any, server: str) -> None:
    citizen = new_context_page(browser, server, **LAPTOP)
    citizen.goto("/m/yogyakarta/jemput-bola/")
    citizen.fill("input[name=person_name]", "Ibu Parmi")
    citizen.fill("input[name=nik]", "3471014501900001")
    citizen.fill("input[name=phone]", "081298765411")
    citizen.check("input[name=reason][value=sick]")
    citizen.fill("textarea[name=address]", "Jl. Melati 7")
    citizen.select_option("select[name=kecamatan]", "Gondokusuman")
    citizen.select_option("select[name=kelurahan]", "Baciro")
    citizen.get_by_role("checkbox", name=re.compile("Akta Kelahiran")).check()
    today = mall_today()
    citizen.fill("input[name=date_1]", today)
    citizen.check("input[name=requested_by][value=self]")
    citizen.get_by_role("button", name="Kirim permohonan").click()
    number = re.search(r"JB-[0-9A-Z]+", citizen.inner_text("main")).group(0)  # type: ignore[union-attr]
    citizen.context.close()

    officer = new_context_page(browser, server, **LAPTOP)
    sign_in(officer, "outreach")
    officer.goto("/m/yogyakarta/outreach/")
    officer.locator("main a", has_text=number).first.click()
    officer.select_option("select[name=priority]", "high")
    officer.get_by_role("button", name="Simpan triase").click()
    schedule = officer.locator("form[action$='/schedule/']")
    schedule.locator("input[name=date]").fill(today)
    schedule.locator("input[name=window_start]").fill("21:00")
    schedule.locator("input[name=window_end]").fill("21:45")
    schedule.locator("input[name=team]").first.check()
    schedule.locator("button[type=submit]").click()
    outcome_url = officer.get_by_role("link", name="Catat hasil kunjungan").get_attribute("href")
    officer.context.close()
    for label, tab in _at_each_size(browser, server, "outreach"):
        tab.goto(outcome_url)
        fieldset = tab.locator("fieldset.service-form")
        assert fieldset.count() == 1
        assert "Nama anak" in fieldset.inner_text()
        tab.check("input[name=outcome][value=completed]")
        tab.locator("input[name=delivered]").first.check()
        tab.get_by_role("button", name="Simpan hasil").click()
        # Not saved: the form names what is missing and the visit stays open.
        assert "Kunjungan tetap terbuka" in tab.inner_text("main")
        if label == "360x800":
            _fits(tab)
        screenshot(tab, f"mall-details-jemput-bola-outcome-form-{label}")
        assert_accessible(tab)
        if label == "1366x768":
            for field in fieldset.locator("input:not([type=hidden])").all():
                kind = field.get_attribute("type") or "text"
                field.fill(today if kind == "date" else ("1" if kind == "number" else "Bima"))
            tab.get_by_role("button", name="Simpan hasil").click()
            main = tab.inner_text("main")
            assert "Kunjungan tetap terbuka" not in main, main[:1500]
            screenshot(tab, f"mall-details-jemput-bola-outcome-recorded-{label}")
        tab.context.close()
