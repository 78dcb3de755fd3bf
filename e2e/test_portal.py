"""A visitor reads the public catalog: mall home, search, a service's standard, on a phone too."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import assert_accessible, screenshot, switch_to_english

pytestmark = pytest.mark.e2e


def test_visitor_finds_a_service_and_reads_what_to_bring(page: Any) -> None:
    page.goto("/")
    assert "MPP Kota Yogyakarta" in page.content()
    screenshot(page, "portal-mall-home")
    assert_accessible(page)

    page.goto("/m/yogyakarta/layanan/?q=SKCK")
    assert page.get_by_text("SKCK").first.is_visible()
    screenshot(page, "portal-service-search")
    assert_accessible(page)

    page.goto("/m/yogyakarta/layanan/POL-SKCK/")
    body = page.inner_text("main")
    assert "Yang perlu dibawa" in body
    assert "Rp30.000" in body
    screenshot(page, "portal-service-standard")
    assert_accessible(page)


def test_service_page_reads_on_a_cheap_phone_and_switches_to_english(phone: Any) -> None:
    phone.goto("/m/yogyakarta/layanan/DUK-AKTA-LAHIR/")
    assert "Gratis" in phone.inner_text("main")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px phone"
    screenshot(phone, "portal-service-phone")
    switch_to_english(phone)
    assert "What to bring" in phone.inner_text("main")
    assert "Free" in phone.inner_text("main")
