"""The public catalog pages: they render in Indonesian by default and in English after the
language switch, search and filters work with and without htmx, and unknown rows are 404s."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.models import Floor, Service
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    BundleItemFactory,
    ClosureDayFactory,
    CounterFactory,
    FloorFactory,
    MallFactory,
    OpeningHoursFactory,
    ServiceBundleFactory,
    ServiceFactory,
    ServiceRequirementFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mall():
    mall = MallFactory(
        slug="yogya", name="MPP Kota Uji", address="Jl. Kenari No. 56", city="Yogyakarta"
    )
    for weekday in range(5):
        OpeningHoursFactory(mall=mall, weekday=weekday, opens=time(8), closes=time(15))
    FloorFactory(mall=mall, number=1, name="Lantai 1", status=Floor.Status.OPEN)
    FloorFactory(mall=mall, number=2, name="Lantai 2", status=Floor.Status.PLANNED)
    return mall


@pytest.fixture
def catalog(mall):
    dukcapil = AgencyFactory(mall=mall, slug="disdukcapil", name="Disdukcapil Kota Uji")
    polres = AgencyFactory(mall=mall, slug="polresta", name="Polresta Uji")
    ktp = ServiceFactory(
        agency=dukcapil,
        code="DUK-KTP-BARU",
        name="Perekaman KTP-el baru",
        name_en="New electronic ID card",
        duration_value=1,
        fee=0,
        procedure=["Ambil nomor antrian", "Perekaman sidik jari", "Terima KTP-el"],
        legal_basis="UU 24/2013",
    )
    ServiceRequirementFactory(service=ktp, name="Kartu Keluarga asli", mandatory=True)
    ServiceRequirementFactory(service=ktp, name="Surat kuasa bermeterai", mandatory=False)
    sim = ServiceFactory(
        agency=polres,
        code="POL-SIM-A",
        name="Perpanjangan SIM A",
        offers_drive_thru=True,
        fee=80000,
        duration_value=30,
        duration_unit=Service.DurationUnit.MINUTES,
    )
    skck = ServiceFactory(agency=polres, code="POL-SKCK", name="SKCK baru", fee=30000)
    hidden = ServiceFactory(agency=polres, code="POL-OLD", name="Layanan lama", is_active=False)
    floor = mall.floors.get(number=1)
    CounterFactory(mall=mall, floor=floor, number=1, name="Loket 1", services=[ktp])
    CounterFactory(mall=mall, floor=floor, number=9, name="Lajur Drive-thru", services=[sim])
    bundle = ServiceBundleFactory(mall=mall, code="BND-LAHIR", name="Paket kelahiran")
    BundleItemFactory(bundle=bundle, service=ktp)
    return {"ktp": ktp, "sim": sim, "skck": skck, "hidden": hidden, "polres": polres}


def english(client: Client) -> Client:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def test_root_redirects_to_the_only_mall(client, mall) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/m/yogya/"


def test_root_lists_the_malls_when_there_are_several(client, mall) -> None:
    MallFactory(slug="solo", name="MPP Kota Solo")
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "MPP Kota Uji" in body
    assert "MPP Kota Solo" in body
    assert 'href="/m/solo/"' in body


def test_mall_home_in_indonesian(client, mall, catalog) -> None:
    response = client.get("/m/yogya/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="id">' in body
    assert "MPP Kota Uji" in body
    assert "Jl. Kenari No. 56" in body
    assert "Layanan apa yang Anda perlukan?" in body  # the big search box
    assert "Jam buka minggu ini" in body
    assert "Disdukcapil Kota Uji" in body
    assert 'href="/m/yogya/instansi/polresta/"' in body
    assert "2 layanan" in body  # Polresta: SIM A and SKCK; the inactive one does not count
    assert "Lantai 2" in body
    assert "direncanakan" in body
    assert "Lantatur" in body  # the four service models
    assert "Paket kelahiran" in body


def test_mall_home_in_english_after_the_language_switch(client, mall, catalog) -> None:
    english(client)
    body = client.get("/m/yogya/").content.decode()
    assert '<html lang="en">' in body
    assert "What service do you need?" in body
    assert "Opening hours this week" in body
    assert "Agencies in this mall" in body
    assert "planned" in body


def test_mall_home_shows_a_coming_closure_day(client, mall) -> None:
    today = timezone.localdate()
    # The next weekday at least two days ahead, so that it is in the week and the list.
    day = today + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    ClosureDayFactory(mall=mall, date=day, reason="Pemeliharaan listrik")
    body = client.get("/m/yogya/").content.decode()
    assert "Pemeliharaan listrik" in body
    assert "penutupan mal" in body


def test_mall_home_links_of_missing_apps_render_nothing(client, mall) -> None:
    body = client.get("/m/yogya/").content.decode()
    # The services list always exists; the other apps' pages appear only once they exist.
    assert 'href="/m/yogya/layanan/"' in body
    assert 'href=""' not in body


def test_unknown_mall_is_404(client, mall) -> None:
    assert client.get("/m/atlantis/").status_code == 404
    assert client.get("/m/atlantis/layanan/").status_code == 404
    assert client.get("/m/atlantis/layanan/DUK-KTP-BARU/").status_code == 404
    assert client.get("/m/atlantis/instansi/polresta/").status_code == 404


def test_inactive_mall_is_404(client) -> None:
    MallFactory(slug="tutup", is_active=False)
    assert client.get("/m/tutup/").status_code == 404


def test_service_page_shows_the_six_delivery_components(client, mall, catalog) -> None:
    response = client.get("/m/yogya/layanan/DUK-KTP-BARU/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Perekaman KTP-el baru" in body
    for heading in (
        "Yang perlu dibawa",
        "Prosedur",
        "Jangka waktu penyelesaian",
        "Biaya",
        "Produk layanan",
        "Pengaduan, saran",
    ):
        assert heading in body, heading
    assert "Kartu Keluarga asli" in body
    assert "wajib" in body
    assert "tidak wajib" in body
    assert '<ol class="steps">' in body
    assert "Perekaman sidik jari" in body
    assert "1 hari kerja" in body
    assert "Gratis" in body
    assert "<details" in body
    assert "UU 24/2013" in body
    assert "Loket 1" in body


def test_service_page_fee_and_minutes(client, mall, catalog) -> None:
    body = client.get("/m/yogya/layanan/POL-SIM-A/").content.decode()
    assert "Rp80.000" in body
    assert "30 menit" in body


def test_service_page_in_english(client, mall, catalog) -> None:
    english(client)
    body = client.get("/m/yogya/layanan/DUK-KTP-BARU/").content.decode()
    assert "New electronic ID card" in body
    assert "What to bring" in body
    assert "1 working day" in body
    assert "Free" in body
    assert "mandatory" in body


def test_unknown_or_inactive_service_is_404(client, mall, catalog) -> None:
    assert client.get("/m/yogya/layanan/NOPE/").status_code == 404
    assert client.get("/m/yogya/layanan/POL-OLD/").status_code == 404
    other = MallFactory(slug="solo")
    ServiceFactory(agency__mall=other, mall=other, code="SOLO-1")
    # A service of another mall is not found under this mall's address.
    assert client.get("/m/yogya/layanan/SOLO-1/").status_code == 404


def test_agency_page_lists_its_services_and_counters(client, mall, catalog) -> None:
    response = client.get("/m/yogya/instansi/polresta/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Polresta Uji" in body
    assert "Perpanjangan SIM A" in body
    assert "SKCK baru" in body
    assert "Layanan lama" not in body
    assert "Perekaman KTP-el baru" not in body
    assert "Lajur Drive-thru" in body
    assert client.get("/m/yogya/instansi/nope/").status_code == 404


def test_services_list_search_and_filters(client, mall, catalog) -> None:
    body = client.get("/m/yogya/layanan/").content.decode()
    assert "3 layanan ditemukan" in body
    assert "Layanan lama" not in body
    assert '<form role="search"' in body
    assert 'method="get"' in body

    body = client.get("/m/yogya/layanan/", {"q": "sim"}).content.decode()
    assert "Perpanjangan SIM A" in body
    assert "SKCK baru" not in body

    body = client.get("/m/yogya/layanan/", {"channel": "drive_thru"}).content.decode()
    assert "1 layanan ditemukan" in body
    assert "Perpanjangan SIM A" in body

    body = client.get("/m/yogya/layanan/", {"agency": "disdukcapil"}).content.decode()
    assert "Perekaman KTP-el baru" in body
    assert "SKCK baru" not in body

    body = client.get("/m/yogya/layanan/", {"q": "zzz-tidak-ada"}).content.decode()
    assert "0 layanan ditemukan" in body


def test_services_list_ignores_unknown_filter_values(client, mall, catalog) -> None:
    response = client.get(
        "/m/yogya/layanan/", {"channel": "teleport", "agency": "nope", "q": "a\x00" * 80}
    )
    assert response.status_code == 200


def test_services_list_htmx_returns_only_the_results(client, mall, catalog) -> None:
    response = client.get("/m/yogya/layanan/", {"q": "skck"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "SKCK baru" in body
    assert "Perpanjangan SIM A" not in body
    assert 'hx-swap-oob="innerHTML"' in body  # the live status line is updated too


def test_staff_home_needs_sign_in(client) -> None:
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_staff_home_lists_roles(client, mall, catalog) -> None:
    user = user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=catalog["polres"])
    client.force_login(user)
    body = client.get("/staff/").content.decode()
    assert "Polresta Uji" in body
    assert "admin instansi" in body.lower()
    assert 'href="/m/yogya/"' in body


def test_staff_home_without_roles(client) -> None:
    user = user_with_role(Role.VIEWER, mall=MallFactory())
    user.memberships.all().delete()
    client.force_login(user)
    body = client.get("/staff/").content.decode()
    assert "Anda belum memiliki peran" in body


def test_week_marks_national_holiday_closed(mall) -> None:
    from satupintu.portal.selectors import mall_upcoming_closures, mall_week

    week = mall_week(mall, today=date(2026, 3, 16))  # Monday before Nyepi 2026
    by_day = {d.day: d for d in week}
    assert by_day[date(2026, 3, 16)].is_open
    assert not by_day[date(2026, 3, 18)].is_open  # cuti bersama Nyepi
    assert not by_day[date(2026, 3, 19)].is_open  # Nyepi
    assert by_day[date(2026, 3, 19)].closed_reason
    closures = [c.day for c in mall_upcoming_closures(mall, today=date(2026, 3, 16))]
    assert date(2026, 3, 18) in closures
    assert date(2026, 3, 19) in closures
    # Saturday 21 March (Idul Fitri) is not a day the mall opens: not listed as a closure.
    assert date(2026, 3, 21) not in closures


def test_staff_home_gives_a_counter_officer_the_consoles_of_the_mall(client, mall, catalog) -> None:
    from django.urls import NoReverseMatch, reverse

    officer = user_with_role(Role.COUNTER_OFFICER, mall=mall)
    client.force_login(officer)
    body = client.get("/staff/").content.decode()
    counter = mall.counters.get(number=1)
    try:
        console = reverse("queueing:counter", args=[counter.pk])
    except NoReverseMatch:
        console = None  # the queue app has no console page yet: no link, and no error
    if console:
        assert f'href="{console}"' in body
    assert "Loket 1" in body or console is None
