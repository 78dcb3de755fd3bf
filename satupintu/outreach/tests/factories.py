from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.models import Mall, Service
from satupintu.catalog.tests.factories import AgencyFactory, MallFactory, ServiceFactory
from satupintu.outreach import services
from satupintu.outreach.models import Equipment, OutreachRequest, Vehicle

VALID_NIK = "3471014501900003"  # Kota Yogyakarta, woman born 05-01-90


def outreach_setup() -> dict[str, Any]:
    mall = MallFactory(slug="yk-test")
    agency = AgencyFactory(mall=mall, slug="disdukcapil")
    ktp = ServiceFactory(
        mall=mall,
        agency=agency,
        code="DUK-KTP-BARU",
        offers_outreach=True,
        duration_value=30,
        duration_unit=Service.DurationUnit.MINUTES,
    )
    kk = ServiceFactory(mall=mall, agency=agency, code="DUK-KK", offers_outreach=True)
    walk_only = ServiceFactory(mall=mall, agency=agency, code="DUK-PINDAH")
    officer = user_with_role(Role.OUTREACH_OFFICER, mall=mall, username="jb1")
    officer2 = user_with_role(Role.OUTREACH_OFFICER, mall=mall, username="jb2")
    vehicle = Vehicle.objects.create(mall=mall, name="Mobil Jemput Bola 1", plate_number="AB 1 JB")
    kit = Equipment.objects.create(mall=mall, code="ktp-kit", name="Perekaman KTP-el keliling")
    return {
        "mall": mall,
        "agency": agency,
        "ktp": ktp,
        "kk": kk,
        "walk_only": walk_only,
        "officer": officer,
        "officer2": officer2,
        "vehicle": vehicle,
        "kit": kit,
    }


def make_request(
    mall: Mall, service_ids: list[int], *, today: date | None = None, **overrides: Any
) -> OutreachRequest:
    today = today or mall.today()
    fields: dict[str, Any] = {
        "person_name": "Sri Wahyuni",
        "nik": VALID_NIK,
        "phone": "081234567890",
        "address": "Jl. Kusumanegara 12",
        "kecamatan": "Umbulharjo",
        "kelurahan": "Semaki",
        "service_ids": service_ids,
        "preferred_dates": [today + timedelta(days=3)],
        "requested_by": "family",
        "requester_name": "Andi (anak)",
        "reason": "disabled",
        "disability_note": "Pengguna kursi roda, tuna daksa",
        "health_note": "Pasca stroke",
    }
    fields.update(overrides)
    return services.outreach_request_create(
        mall=mall, data=services.NewOutreachRequest(**fields), actor=None, today=today
    )


def plan(day: date, team_ids: list[int], **overrides: Any) -> services.VisitPlan:
    fields: dict[str, Any] = {
        "date": day,
        "window_start": time(9, 0),
        "window_end": time(10, 30),
        "team_ids": team_ids,
    }
    fields.update(overrides)
    return services.VisitPlan(**fields)
