"""Demo data of jemput bola: a vehicle, the mobile KTP-el kit, and requests in every state,
with visits today and tomorrow. Idempotent: each demo request has a fixed reference, and one
that exists is left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

from satupintu.accounts.models import Role, User
from satupintu.catalog.models import Mall, Service
from satupintu.outreach import services
from satupintu.outreach.models import Equipment, OutreachRequest, Vehicle

DEMO_REQUESTS: list[dict[str, Any]] = [
    {
        "ref": "JB-DEMO0001",
        "stage": "requested",
        "person_name": "Sumarni",
        "nik": "3471055505480001",
        "address": "Jl. Kemasan 21, RT 02 RW 05",
        "kecamatan": "Kotagede",
        "kelurahan": "Purbayan",
        "reason": "elderly",
        "requested_by": "family",
        "requester_name": "Dwi (cucu)",
        "codes": ["DUK-KTP-BARU", "DUK-IKD"],
        "health": "Lansia 78 tahun, sulit berjalan jauh",
    },
    {
        "ref": "JB-DEMO0002",
        "stage": "triaged",
        "person_name": "Bagus Prasetyo",
        "nik": "3471021203010002",
        "address": "Jl. Sidobali 7",
        "kecamatan": "Umbulharjo",
        "kelurahan": "Mujamuju",
        "reason": "disabled",
        "requested_by": "self",
        "codes": ["DUK-KTP-BARU"],
        "disability": "Tuna daksa, pengguna kursi roda",
    },
    {
        "ref": "JB-DEMO0003",
        "stage": "scheduled_today",
        "person_name": "Suharti",
        "nik": "3471016404550003",
        "address": "Jl. Gowongan Kidul 14",
        "kecamatan": "Jetis",
        "kelurahan": "Gowongan",
        "reason": "sick",
        "requested_by": "officer_phone",
        "requester_name": "Pak RT 04",
        "codes": ["DUK-KTP-BARU", "DUK-KK"],
        "health": "Pasca stroke, terbaring di tempat tidur",
    },
    {
        "ref": "JB-DEMO0004",
        "stage": "scheduled_tomorrow",
        "person_name": "Agus Widodo",
        "nik": "3471031507700004",
        "address": "Jl. Tamansiswa 30",
        "kecamatan": "Mergangsan",
        "kelurahan": "Wirogunan",
        "reason": "disabled",
        "requested_by": "family",
        "requester_name": "Rina (istri)",
        "codes": ["DUK-KTP-BARU"],
        "disability": "Tuna netra",
    },
    {
        "ref": "JB-DEMO0005",
        "stage": "visited",
        "person_name": "Mbah Karto",
        "nik": "3471080101400005",
        "address": "Jl. Ngasem 3",
        "kecamatan": "Kraton",
        "kelurahan": "Patehan",
        "reason": "elderly",
        "requested_by": "family",
        "requester_name": "Sri (anak)",
        "codes": ["DUK-KTP-BARU"],
        "health": "Lansia 85 tahun",
    },
    {
        "ref": "JB-DEMO0006",
        "stage": "done",
        "person_name": "Lestari Handayani",
        "nik": "3471126810820006",
        "address": "Jl. Magelang 120",
        "kecamatan": "Tegalrejo",
        "kelurahan": "Karangwaru",
        "reason": "disabled",
        "requested_by": "self",
        "codes": ["DUK-IKD"],
        "disability": "Tuna rungu; komunikasi tertulis",
    },
    {
        "ref": "JB-DEMO0007",
        "stage": "cancelled",
        "person_name": "Joko Susilo",
        "nik": "",
        "address": "Jl. Kaliurang km 1",
        "kecamatan": "Gondokusuman",
        "kelurahan": "Terban",
        "reason": "other",
        "requested_by": "self",
        "codes": ["DUK-KK"],
    },
]


def seed(mall: Mall, log: Callable[[str], None]) -> None:
    officers = list(
        User.objects.filter(
            memberships__mall=mall, memberships__role=Role.OUTREACH_OFFICER
        ).order_by("username")
    )
    if not officers:
        log("outreach: no outreach officer in the demo mall; skipped")
        return
    officer = officers[0]
    vehicle, _ = Vehicle.objects.get_or_create(
        mall=mall,
        name="Mobil Jemput Bola 1",
        defaults={"plate_number": "AB 1234 JB", "seats": 6},
    )
    kit, _ = Equipment.objects.get_or_create(
        mall=mall, code="ktp-el-kit", defaults={"name": "Perekaman KTP-el keliling"}
    )
    Equipment.objects.get_or_create(
        mall=mall, code="printer-portable", defaults={"name": "Printer dokumen portabel"}
    )
    offered = {
        s.code: s.pk
        for s in Service.objects.filter(mall=mall, offers_outreach=True, is_active=True)
    }
    if not offered:
        log("outreach: no service offers outreach; skipped")
        return
    today = mall.today()
    created = 0
    for spec in DEMO_REQUESTS:
        if OutreachRequest.objects.filter(reference=spec["ref"]).exists():
            continue
        ids = [offered[c] for c in spec["codes"] if c in offered] or [next(iter(offered.values()))]
        _seed_one(spec, mall=mall, officer=officer, ids=ids, vehicle=vehicle, kit=kit, today=today)
        created += 1
    log(f"outreach: {created} demo request(s) created, {len(DEMO_REQUESTS) - created} kept")


def _seed_one(
    spec: dict[str, Any],
    *,
    mall: Mall,
    officer: User,
    ids: list[int],
    vehicle: Vehicle,
    kit: Equipment,
    today: Any,
) -> None:
    stage = spec["stage"]
    preferred = today + timedelta(days=1 if stage != "scheduled_today" else 0)
    item = services.outreach_request_create(
        mall=mall,
        actor=officer if spec["requested_by"] == "officer_phone" else None,
        today=today,
        data=services.NewOutreachRequest(
            person_name=spec["person_name"],
            nik=spec["nik"],
            phone="081227000" + spec["ref"][-3:],
            address=spec["address"],
            kecamatan=spec["kecamatan"],
            kelurahan=spec["kelurahan"],
            service_ids=ids,
            preferred_dates=[preferred, preferred + timedelta(days=2)],
            requested_by=spec["requested_by"],
            requester_name=spec.get("requester_name", ""),
            reason=spec["reason"],
            disability_note=spec.get("disability", ""),
            health_note=spec.get("health", ""),
        ),
    )
    OutreachRequest.objects.filter(pk=item.pk).update(reference=spec["ref"])
    item.refresh_from_db()
    if stage == "requested":
        return
    if stage == "cancelled":
        services.outreach_request_cancel(
            actor=officer, outreach_request=item, reason="Keluarga sudah datang sendiri ke MPP"
        )
        return
    services.outreach_request_triage(
        actor=officer,
        outreach_request=item,
        priority="urgent" if spec["reason"] == "sick" else "high",
        assigned_to_id=officer.pk,
        note="Perlu perekaman KTP-el di rumah",
    )
    if stage == "triaged":
        return
    day = today + timedelta(days=1) if stage == "scheduled_tomorrow" else today
    slot = {
        "scheduled_today": (time(9, 0), time(10, 0)),
        "visited": (time(10, 30), time(11, 30)),
        "done": (time(13, 0), time(14, 0)),
        "scheduled_tomorrow": (time(9, 0), time(10, 30)),
    }[stage]
    visit = services.visit_schedule(
        actor=officer,
        outreach_request=item,
        today=today,
        plan=services.VisitPlan(
            date=day,
            window_start=slot[0],
            window_end=slot[1],
            team_ids=[officer.pk],
            vehicle_id=vehicle.pk,
            equipment_ids=[kit.pk],
            note="Bawa alat perekaman KTP-el",
        ),
    )
    if stage in {"scheduled_today", "scheduled_tomorrow"}:
        return
    services.visit_record(
        actor=officer,
        visit=visit,
        met=True,
        services=[services.ServiceOutcome(service_id=i) for i in ids],
        result_delivery_home=True,
        note="Perekaman berhasil; hasil diantar ke rumah",
    )
    if stage == "done":
        services.outreach_request_complete(
            actor=officer, outreach_request=item, note="Hasil sudah diantar ke rumah"
        )
