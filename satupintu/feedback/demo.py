"""Demo data of the feedback app: a few hundred surveys over the last months and a dozen
complaints in every state, so that the IKM report and the complaint pages look alive.

Idempotent: surveys are made only while the mall has none from the demo, complaints only when
the one with the same text is missing. Deterministic: one seeded random generator."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from satupintu.accounts.models import User
from satupintu.catalog.models import Mall, Service
from satupintu.catalog.selectors import mall_closures
from satupintu.core.workdays import is_working_day
from satupintu.dossiers.models import Dossier
from satupintu.feedback import services
from satupintu.feedback.models import (
    Complaint,
    Education,
    Gender,
    Occupation,
    Survey,
)
from satupintu.feedback.unsur import UNSUR_CODES
from satupintu.queueing.models import Ticket

SURVEY_COUNT = 360
SURVEY_DAYS = 120
SEED = 20260314

# How each unsur tends to score (weights of answers 1..4): waiting time and facilities are the
# usual weak spots of a busy mall; fees are mostly free of charge.
UNSUR_WEIGHTS = {
    "u1": (2, 6, 52, 40),
    "u2": (2, 8, 55, 35),
    "u3": (5, 17, 50, 28),
    "u4": (1, 3, 26, 70),
    "u5": (2, 6, 54, 38),
    "u6": (1, 5, 50, 44),
    "u7": (1, 3, 42, 54),
    "u8": (4, 10, 56, 30),
    "u9": (3, 12, 55, 30),
}

COMPLAINTS: list[dict[str, Any]] = [
    {
        "text": "Antrian perekaman KTP-el sangat panjang, saya menunggu lebih dari dua jam.",
        "category": "waiting_time",
        "service": "DUK-KTP-BARU",
        "days_ago": 1,
        "steps": [],
    },
    {
        "text": "Informasi persyaratan akta kelahiran di website berbeda dengan di loket.",
        "category": "requirements",
        "service": "DUK-AKTA-LAHIR",
        "days_ago": 12,  # overdue: escalated by the demo run
        "steps": [],
    },
    {
        "text": "Petugas loket SKCK kurang ramah saat menjelaskan berkas yang kurang.",
        "category": "staff_conduct",
        "service": "POL-SKCK",
        "days_ago": 3,
        "steps": [("in_progress", "polresta", "Kami sedang mengonfirmasi kepada petugas.")],
    },
    {
        "text": "Mesin antrian di lantai 1 sering macet dan tidak mencetak nomor.",
        "category": "facilities",
        "service": None,
        "days_ago": 6,
        "steps": [
            (
                "answered",
                "supervisor",
                "Printer anjungan telah diganti. Terima kasih atas laporannya.",
            ),
        ],
    },
    {
        "text": "Status berkas PBG saya tidak berubah sejak dua minggu.",
        "category": "waiting_time",
        "service": "DPM-PBG",
        "days_ago": 9,
        "steps": [
            ("in_progress", "dpmptsp.bo", "Berkas sedang diverifikasi tim teknis."),
            ("answered", "dpmptsp.bo", "Verifikasi selesai; PBG terbit hari ini."),
            ("closed", "dpmptsp.bo", ""),
        ],
    },
    {
        "text": "Mohon disediakan kursi roda di pintu masuk untuk lansia.",
        "category": "suggestion",
        "service": None,
        "days_ago": 20,
        "steps": [
            ("answered", "mall.admin", "Dua kursi roda kini tersedia di meja informasi."),
            ("closed", "mall.admin", ""),
        ],
    },
    {
        "text": "Ada oknum yang menawarkan jasa percepatan dengan bayaran di area parkir.",
        "category": "fees",
        "service": "DUK-KK",
        "days_ago": 2,
        "confidential": True,
        "name": "Pelapor Demo",
        "steps": [("in_progress", "dukcapil.admin", "Ditindaklanjuti bersama pengamanan.")],
    },
    {
        "text": "Pendaftaran BPJS Kesehatan untuk bayi baru lahir ditolak tanpa penjelasan.",
        "category": "service_quality",
        "service": "BPJSKES-DAFTAR",
        "days_ago": 5,
        "anonymous": True,
        "steps": [
            (
                "answered",
                "bpjs.bo",
                "Pendaftaran bayi memerlukan KK yang sudah diperbarui; silakan bawa KK baru.",
            )
        ],
    },
    {
        "text": "Aplikasi pendaftaran online tidak bisa mengunggah file PDF lebih dari 1 MB.",
        "category": "online_system",
        "service": "DPM-NIB",
        "days_ago": 15,  # overdue: escalated by the demo run
        "steps": [],
    },
    {
        "text": "Toilet di lantai 2 tidak ada air sejak pagi.",
        "category": "facilities",
        "service": None,
        "days_ago": 0,
        "steps": [],
    },
    {
        "text": "Pembayaran pajak kendaraan di drive-thru lama karena sistem offline.",
        "category": "waiting_time",
        "service": "SAMSAT-PKB",
        "days_ago": 4,
        "lapor": "LPR-DEMO-0001",
        "steps": [("in_progress", "mall.admin", "Diteruskan ke Samsat untuk klarifikasi.")],
    },
    {
        "text": "Terima kasih, pelayanan paspor cepat dan petugas sangat membantu.",
        "category": "suggestion",
        "service": "IMI-PASPOR",
        "days_ago": 25,
        "steps": [
            ("answered", "mall.admin", "Terima kasih atas apresiasinya."),
            ("closed", "mall.admin", ""),
        ],
    },
]


def seed(mall: Mall, log: Callable[[str], None]) -> None:
    made = _seed_surveys(mall)
    log(f"feedback: {made} surveys added" if made else "feedback: surveys already there")
    made = _seed_complaints(mall)
    log(f"feedback: {made} complaints added" if made else "feedback: complaints already there")


def _pick(rng: random.Random, weights: tuple[int, ...]) -> int:
    return rng.choices((1, 2, 3, 4), weights=weights)[0]


def _seed_surveys(mall: Mall) -> int:
    if Survey.objects.filter(mall=mall).exists():
        return 0
    rng = random.Random(SEED)
    all_services = list(
        Service.objects.filter(mall=mall, is_active=True).select_related("agency").order_by("code")
    )
    if not all_services:
        return 0
    zone = mall.zone
    today = timezone.now().astimezone(zone).date()
    hours = {h.weekday: (h.opens, h.closes) for h in mall.opening_hours.all()}
    if not hours:
        return 0
    closures = mall_closures(mall=mall)
    # Completed applications and served tickets of the demo get their survey first.
    dossiers = list(
        Dossier.objects.filter(mall=mall, completed_at__isnull=False, service__isnull=False)
        .exclude(surveys__isnull=False)
        .order_by("pk")[:40]
    )
    tickets = list(Ticket.objects.filter(mall=mall, status="done").order_by("pk")[:40])
    rows = []
    for i in range(SURVEY_COUNT):
        service = rng.choice(all_services)
        dossier = None
        ticket_id = None
        if i < len(dossiers):
            dossier = dossiers[i]
            service = dossier.service or service
        elif i - len(dossiers) < len(tickets):
            ticket = tickets[i - len(dossiers)]
            ticket_id = ticket.pk
            service = Service.objects.get(pk=ticket.current_service_id)
        # Inside the opening hours of a day the mall was open (no weekend, holiday or closure).
        day = today - timedelta(days=rng.randrange(SURVEY_DAYS))
        while day.weekday() not in hours or not is_working_day(day, closures):
            day -= timedelta(days=1)
        opens, closes = hours[day.weekday()]
        open_minutes = int(
            (datetime.combine(day, closes) - datetime.combine(day, opens)).total_seconds() // 60
        )
        moment = datetime.combine(day, opens, tzinfo=zone) + timedelta(
            minutes=rng.randrange(max(1, open_minutes))
        )
        rows.append(
            Survey(
                mall=mall,
                agency_id=service.agency_id,
                service=service,
                dossier=dossier,
                ticket_id=ticket_id,
                source=rng.choice(["kiosk", "kiosk", "ticket_qr", "web", "notification"]),
                gender=rng.choice(Gender.values),
                age=max(17, min(80, int(rng.gauss(36, 12)))),
                education=rng.choices(Education.values, weights=(3, 8, 35, 14, 30, 8, 2))[0],
                occupation=rng.choices(Occupation.values, weights=(12, 2, 2, 30, 22, 18, 14))[0],
                submitted_at=moment,
                **{code: _pick(rng, UNSUR_WEIGHTS[code]) for code in UNSUR_CODES},
            )
        )
    Survey.objects.bulk_create(rows)
    return len(rows)


def _seed_complaints(mall: Mall) -> int:
    zone = mall.zone
    now = timezone.now()
    made = 0
    for spec in COMPLAINTS:
        if Complaint.objects.filter(mall=mall, text=spec["text"]).exists():
            continue
        service = (
            Service.objects.filter(mall=mall, code=spec["service"]).first()
            if spec["service"]
            else None
        )
        received = (now - timedelta(days=spec["days_ago"])).astimezone(zone)
        received = received.replace(hour=9 + spec["days_ago"] % 6, minute=15)
        complaint = services.complaint_submit(
            mall=mall,
            text=spec["text"],
            category=spec["category"],
            service_id=service.pk if service else None,
            anonymous=spec.get("anonymous", False),
            confidential=spec.get("confidential", False),
            name=spec.get("name", ""),
            origin=Complaint.Origin.LAPOR if spec.get("lapor") else Complaint.Origin.WEB,
            lapor_reference=spec.get("lapor"),
            received_at=min(received, now),
        )
        for to_status, username, note in spec["steps"]:
            actor = User.objects.filter(username=username).first()
            complaint = services.complaint_transition(
                complaint=complaint, actor=actor, to_status=to_status, note=note
            )
        made += 1
    if made:
        services.complaints_escalate_overdue()
    return made
