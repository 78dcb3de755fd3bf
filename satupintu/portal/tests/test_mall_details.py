"""Issue #12 on the portal: the home page before opening, search by the words people use, the
fee rule of a tax-paying service, /favicon.ico, and links that follow the demo's address."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import Client

from satupintu.catalog.tests.factories import (
    AgencyFactory,
    MallFactory,
    OpeningHoursFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


def test_home_says_when_it_opens_before_opening_time() -> None:
    mall = MallFactory(slug="pagi")
    now = mall.local_now()
    if now.time() >= time(23, 58):
        pytest.skip("no 'later today' left at this minute")
    OpeningHoursFactory(mall=mall, weekday=now.weekday(), opens=time(23, 58), closes=time(23, 59))
    text = Client().get("/m/pagi/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Buka pukul 23:58" in text
    assert "Tutup sekarang" not in text


def test_search_finds_services_by_their_keywords_and_the_fee_rule_is_headlined() -> None:
    mall = MallFactory(slug="cari")
    samsat = AgencyFactory(mall=mall, name="Samsat", short_name="Samsat")
    ServiceFactory(
        agency=samsat,
        code="SAMSAT-PKB",
        name="Pajak Kendaraan Tahunan dan Pengesahan STNK",
        keywords="pajak motor, pajak mobil",
        fee=0,
        fee_rule="Pajak sesuai notice: tarif dasar 0,9% + opsen 66%, ditambah SWDKLLJ",
    )
    ServiceFactory(
        agency=AgencyFactory(mall=mall, name="Disdukcapil"),
        code="DUK-KTP-BARU",
        name="KTP-el Baru (Perekaman)",
        keywords="e-ktp, ektp, ktp elektronik",
    )
    ServiceFactory(agency=samsat, code="LAIN", name="Layanan Lain")
    client = Client()
    found = client.get("/m/cari/layanan/", {"q": "pajak motor"}, HTTP_ACCEPT_LANGUAGE="id")
    text = found.content.decode()
    assert "Pajak Kendaraan Tahunan" in text
    assert "Layanan Lain" not in text
    assert "opsen 66%" in text
    assert "Gratis" not in text
    ktp = client.get("/m/cari/layanan/", {"q": "e-ktp"}).content.decode()
    assert "KTP-el Baru" in ktp
    detail = client.get("/m/cari/layanan/SAMSAT-PKB/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "opsen 66%" in detail


def test_favicon_is_served() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"


def test_public_links_follow_the_request_host_unless_configured(settings: object) -> None:
    from satupintu.core.public_url import public_base_url

    settings.PUBLIC_BASE_URL_CONFIGURED = False  # type: ignore[attr-defined]
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8100"  # type: ignore[attr-defined]
    settings.ALLOWED_HOSTS = ["*"]  # type: ignore[attr-defined]
    assert public_base_url() == "http://127.0.0.1:8100"  # no request: this machine on PORT
    mall = MallFactory(slug="tautan")
    ServiceFactory(agency=AgencyFactory(mall=mall), code="ON-1", offers_online=True)
    page = Client().get("/verify/", HTTP_HOST="mpp.lan:8100")
    assert page.status_code in (200, 302)
    # the request's host wins while it is handled, and only then
    from django.test import RequestFactory

    from satupintu.core.public_url import public_base_url_middleware

    seen: list[str] = []
    handler = public_base_url_middleware(lambda request: seen.append(public_base_url()) or None)
    handler(RequestFactory().get("/", HTTP_HOST="mpp.lan:8100"))
    assert seen == ["http://mpp.lan:8100"]
    assert public_base_url() == "http://127.0.0.1:8100"
    settings.PUBLIC_BASE_URL_CONFIGURED = True  # type: ignore[attr-defined]
    settings.PUBLIC_BASE_URL = "https://mpp.example.go.id/"  # type: ignore[attr-defined]
    seen.clear()
    handler(RequestFactory().get("/", HTTP_HOST="mpp.lan:8100"))
    assert seen == ["https://mpp.example.go.id"]


def test_settings_default_base_url_follows_port() -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"}
    env.update({"PORT": "8100", "DJANGO_SETTINGS_MODULE": "satupintu.settings_test"})
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.PUBLIC_BASE_URL, settings.PUBLIC_BASE_URL_CONFIGURED)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["http://127.0.0.1:8100", "False"]
