"""A small two-mall world for the catalog API tests."""

from __future__ import annotations

from datetime import time

import pytest

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import UserFactory, user_with_role
from satupintu.catalog.models import Agency, Floor, Partnership, Service
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    CounterFactory,
    FloorFactory,
    MallFactory,
    OpeningHoursFactory,
    PartnershipFactory,
    ServiceFactory,
    ServiceRequirementFactory,
)
from satupintu.queueing.tests.factories import DisplayFactory


@pytest.fixture
def world(db):
    mall = MallFactory(slug="yk", name="MPP Kota Yogyakarta")
    for weekday in range(5):
        OpeningHoursFactory(mall=mall, weekday=weekday, opens=time(8), closes=time(15))
    floor1 = FloorFactory(mall=mall, number=1, name="Lantai 1", status=Floor.Status.OPEN)
    FloorFactory(mall=mall, number=2, name="Lantai 2", status=Floor.Status.PLANNED)
    dukcapil = AgencyFactory(mall=mall, slug="disdukcapil", name="Disdukcapil")
    polres = AgencyFactory(
        mall=mall, slug="polresta", name="Polresta", kind=Agency.Kind.CENTRAL_GOVERNMENT
    )
    AgencyFactory(mall=mall, slug="tutup", name="Agency closed", is_active=False)
    PartnershipFactory(agency=polres, status=Partnership.Status.INVITED)
    PartnershipFactory(
        agency=polres,
        status=Partnership.Status.ACTIVE,
        mou_number="MOU/1/2026",
        signed_on="2026-01-05",
    )
    ktp = ServiceFactory(agency=dukcapil, code="DUK-KTP-BARU", name="KTP-el baru", fee=0)
    req_kk = ServiceRequirementFactory(service=ktp, name="Kartu Keluarga", position=0)
    req_kuasa = ServiceRequirementFactory(
        service=ktp, name="Surat kuasa", position=1, mandatory=False, document=True
    )
    sim = ServiceFactory(
        agency=polres,
        code="POL-SIM-A",
        name="Perpanjangan SIM A",
        offers_drive_thru=True,
        fee=80000,
        quota_drive_thru=100,
        queue_prefix="S",
    )
    skck = ServiceFactory(
        agency=polres, code="POL-SKCK", name="SKCK", fee=30000, offers_online=True
    )
    retired = ServiceFactory(agency=polres, code="POL-OLD", name="Layanan lama", is_active=False)
    loket1 = CounterFactory(mall=mall, floor=floor1, number=1, name="Loket 1", services=[ktp])
    lane = CounterFactory(
        mall=mall,
        floor=floor1,
        number=9,
        name="Drive-thru 1",
        mode="drive_thru",
        services=[sim, retired],
    )
    CounterFactory(
        mall=mall, floor=floor1, number=10, name="Loket lama", is_active=False, services=[skck]
    )
    display = DisplayFactory(mall=mall, name="Papan lobi", floor=floor1)

    solo = MallFactory(slug="solo", name="MPP Kota Surakarta")
    solo_agency = AgencyFactory(mall=solo, slug="disdukcapil", name="Disdukcapil Solo")
    solo_service = ServiceFactory(agency=solo_agency, code="DUK-KTP-BARU", name="KTP Solo")
    MallFactory(slug="mati", name="MPP nonaktif", is_active=False)

    people = {
        "mall_admin": user_with_role(Role.MALL_ADMIN, mall=mall, username="mall.admin"),
        "dukcapil_admin": user_with_role(
            Role.AGENCY_ADMIN, mall=mall, agency=dukcapil, username="dukcapil.admin"
        ),
        "polres_admin": user_with_role(
            Role.AGENCY_ADMIN, mall=mall, agency=polres, username="polres.admin"
        ),
        "counter_officer": user_with_role(Role.COUNTER_OFFICER, mall=mall, username="loket1"),
        "back_office": user_with_role(
            Role.BACK_OFFICE_OFFICER, mall=mall, agency=dukcapil, username="dukcapil.bo"
        ),
        "supervisor": user_with_role(Role.SUPERVISOR, mall=mall, username="supervisor"),
        "solo_admin": user_with_role(Role.MALL_ADMIN, mall=solo, username="solo.admin"),
        "root": UserFactory(username="root", is_superuser=True, is_staff=True),
    }
    return {
        "mall": mall,
        "solo": solo,
        "floor1": floor1,
        "dukcapil": dukcapil,
        "polres": polres,
        "ktp": ktp,
        "req_kk": req_kk,
        "req_kuasa": req_kuasa,
        "sim": sim,
        "skck": skck,
        "retired": retired,
        "loket1": loket1,
        "lane": lane,
        "display": display,
        "solo_service": solo_service,
        "people": people,
        "Service": Service,
    }
