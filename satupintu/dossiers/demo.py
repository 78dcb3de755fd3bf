"""Demo data of dossiers for `satupintu seed_demo`: a workflow for every service (the default
template for services measured in working days, the instant one for services done at the
counter), a few form fields, and dossiers in various states. Idempotent: each demo dossier is
recognised by its applicant's (fictitious) NIK and service, and skipped when present."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from satupintu.accounts.models import User
from satupintu.catalog.models import Agency, Channel, Mall, Service, ServiceBundle
from satupintu.core.crypto import lookup_hashes
from satupintu.dossiers import services as dossier_services
from satupintu.dossiers.models import Dossier, FormField, ServiceConfig
from satupintu.dossiers.selectors import dossier_requirement_rows

FORM_FIELDS: dict[str, list[dict[str, Any]]] = {
    "DUK-KK": [
        {"name": "alasan", "label": "Alasan permohonan", "kind": "choice",
         "choices": ["KK baru", "Perubahan data", "Penambahan anggota", "Hilang/rusak"],
         "print_on_result": True},
        {"name": "nomor_kk_lama", "label": "Nomor KK lama (bila ada)", "required": False},
    ],
    "DUK-AKTA-LAHIR": [
        {"name": "nama_anak", "label": "Nama anak", "print_on_result": True},
        {"name": "tanggal_lahir", "label": "Tanggal lahir anak", "kind": "date",
         "print_on_result": True},
        {"name": "tempat_lahir", "label": "Tempat lahir anak", "print_on_result": True},
    ],
    "DPM-NIB": [
        {"name": "nama_usaha", "label": "Nama usaha", "print_on_result": True},
        {"name": "kbli", "label": "Kode KBLI", "print_on_result": True},
    ],
    "DPM-PBG": [
        {"name": "alamat_bangunan", "label": "Alamat bangunan", "print_on_result": True},
        {"name": "luas_m2", "label": "Luas bangunan (m²)", "kind": "number",
         "print_on_result": True},
    ],
    "POL-SKCK": [
        {"name": "keperluan", "label": "Keperluan SKCK", "print_on_result": True},
    ],
}  # fmt: skip

# Services that are paid before the back office starts (a fee and a bank counter in the mall).
PAY_FIRST = ["POL-SKCK", "IMI-PASPOR", "DISHUB-KIR"]

# (demo NIK, name, service code or bundle code, channel, actions to run, who runs them)
DEMO_DOSSIERS: list[tuple[str, str, str, str, list[tuple[str, str]]]] = [
    ("3471010101900001", "Agus Setiawan", "DUK-KK", Channel.WALK_IN, []),
    ("3471014202850002", "Dewi Lestari", "DUK-KK", Channel.ONLINE, [("verify", "loket1")]),
    ("3471011503880003", "Bambang Wijaya", "DUK-AKTA-LAHIR", Channel.WALK_IN,
     [("verify", "loket1"), ("process", "dukcapil.bo")]),
    ("3471015407920004", "Sri Wahyuni", "DUK-AKTA-MATI", Channel.WALK_IN,
     [("verify", "loket1"), ("process", "dukcapil.bo"), ("approve", "dukcapil.bo"),
      ("issue_result", "dukcapil.bo")]),
    ("3471012008800005", "Hendra Gunawan", "DPM-NIB", Channel.ONLINE,
     [("verify", "loket2"), ("process", "dpmptsp.bo"), ("approve", "dpmptsp.bo")]),
    ("3471016110750006", "Ratna Sari", "DPM-PBG", Channel.ONLINE,
     [("verify", "loket2"), ("process", "dpmptsp.bo")]),
    ("3471010305950007", "Yoga Pratama", "POL-SKCK", Channel.WALK_IN, [("verify", "loket1")]),
    ("3471014812900008", "Fitri Handayani", "BND-LAHIR", Channel.WALK_IN, []),
]  # fmt: skip

DEMO_FORMS: dict[str, dict[str, Any]] = {
    "DUK-KK": {"alasan": "Perubahan data"},
    "DUK-AKTA-LAHIR": {
        "nama_anak": "Putri Ayu",
        "tanggal_lahir": "2026-11-20",
        "tempat_lahir": "Yogyakarta",
    },
    "DPM-NIB": {"nama_usaha": "Warung Gudeg Bu Hendra", "kbli": "56102"},
    "DPM-PBG": {"alamat_bangunan": "Jl. Kaliurang Km 5, Yogyakarta", "luas_m2": 120},
    "POL-SKCK": {"keperluan": "Melamar pekerjaan"},
    "BND-LAHIR": {
        "nama_anak": "Bima Satria",
        "tanggal_lahir": "2026-11-22",
        "tempat_lahir": "Yogyakarta",
        "alasan": "Penambahan anggota",
    },
}


def seed(mall: Mall, log: Callable[[str], None]) -> None:
    workflows = 0
    for service in Service.objects.filter(mall=mall).order_by("code"):
        if not hasattr(service, "workflow"):
            workflows += 1
        dossier_services.workflow_copy_for_service(service=service)
        for position, spec in enumerate(FORM_FIELDS.get(service.code, [])):
            FormField.objects.get_or_create(
                service=service,
                name=spec["name"],
                defaults={**{k: v for k, v in spec.items() if k != "name"}, "position": position},
            )
        if service.code in PAY_FIRST:
            ServiceConfig.objects.get_or_create(
                service=service, defaults={"payment_before_processing": True}
            )
    log(f"dossiers: {workflows} new service workflows")
    # The demo agencies sign their results with certificates of the demo CA, so that the back
    # office can issue signed results at once (production installs each agency's PKCS#12).
    from satupintu.dossiers.signing import agency_certificate_ensure

    new_certificates = sum(
        1 for agency in Agency.objects.filter(mall=mall) if agency_certificate_ensure(agency)[1]
    )
    log(f"dossiers: {new_certificates} new demo signing certificates")
    created = 0
    for nik, name, code, channel, steps in DEMO_DOSSIERS:
        if _seed_dossier(mall, nik=nik, name=name, code=code, channel=channel, steps=steps):
            created += 1
    log(f"dossiers: {created} new demo dossiers")


def _seed_dossier(
    mall: Mall, *, nik: str, name: str, code: str, channel: str, steps: list[tuple[str, str]]
) -> bool:
    service = Service.objects.filter(mall=mall, code=code).first()
    bundle = None if service else ServiceBundle.objects.filter(mall=mall, code=code).first()
    if service is None and bundle is None:
        return False
    existing = Dossier.objects.filter(
        mall=mall, applicant_nik_hash__in=lookup_hashes(nik, purpose="nik"), parent__isnull=True
    )
    existing = existing.filter(service=service) if service else existing.filter(bundle=bundle)
    if existing.exists():
        return False
    users = {u.username: u for u in User.objects.filter(username__in=_usernames())}
    front = users.get("loket1")
    if front is None:
        return False
    dossier = dossier_services.dossier_create(
        actor=front,
        channel=channel if channel != Channel.ONLINE else Channel.ONLINE,
        applicant={
            "nik": nik,
            "name": name,
            "phone": "081200000" + nik[-3:],
            "email": f"{name.split()[0].lower()}@contoh.test",
        },
        form=DEMO_FORMS.get(code, {}),
        service_id=service.pk if service else None,
        bundle_id=bundle.pk if bundle else None,
    )
    for row in dossier_requirement_rows(dossier):
        if row.requirement.mandatory:
            dossier_services.document_check(
                actor=front,
                dossier_id=dossier.pk,
                requirement_id=row.requirement.pk,
                status="present",
            )
    for action, username in steps:
        actor = users.get(username) or users.get("supervisor")
        if actor is None:
            break
        dossier_services.dossier_transition(actor=actor, dossier_id=dossier.pk, action=action)
    return True


def _usernames() -> list[str]:
    return ["loket1", "loket2", "dukcapil.bo", "dpmptsp.bo", "bpjs.bo", "supervisor", "kasir"]
