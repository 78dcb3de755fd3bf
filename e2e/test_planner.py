"""The supervisor plans tomorrow's counters: the staffing planner page at a laptop's and a
phone's width, a what-if recomputed, the CSV export; accessible and under the CSP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import assert_accessible, new_context_page, screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (360, 800)])
def test_the_supervisor_plans_the_counters(
    browser: Any, server: str, width: int, height: int
) -> None:
    page = new_context_page(browser, server, viewport={"width": width, "height": height})
    sign_in(page, "supervisor")
    page.goto("/staff/")
    page.get_by_role("link", name="Perencana petugas loket").first.click()
    page.wait_for_url("**/perencanaan/yogyakarta/")
    assert page.locator("h1").inner_text() == "Perencana petugas loket"
    # The demo has no history yet: the plan says so and falls back to the standard times.
    notes = page.locator(".plan-notes").inner_text()
    assert "riwayat" in notes
    first = page.locator(".plan-group").first
    assert first.locator("tbody tr").count() >= 8
    screenshot(page, f"planner-{width}", full_page=False)
    assert_accessible(page)

    # What if one counter of the first group is open at 10:00: recomputed, the cell marked.
    cell = page.locator("input[id^='p-0-10']")
    cell.fill("1")
    with page.expect_navigation():
        page.get_by_role("button", name="Hitung ulang").click()
    assert page.locator("input[id^='p-0-10']").input_value() == "1"
    assert (
        page.locator("tr.plan-edited").count() >= 1
        or page.locator("input[id^='p-0-10']").get_attribute("value") == "1"
    )

    # The CSV of the plan.
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh CSV").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("date,hour,group,services")
    assert len(lines) > 8
    page.context.close()


def test_a_counter_officer_has_no_planner(browser: Any, server: str) -> None:
    page = new_context_page(browser, server)
    sign_in(page, "loket1")
    response = page.goto("/perencanaan/yogyakarta/")
    assert response is not None
    assert response.status == 404
    page.context.close()
