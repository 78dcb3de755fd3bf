"""Loads the demo mall into the database, idempotently.

Every row is found by its natural key (slug, code, number, username, name) and written only when
a field differs, so a second run performs no write at all: no `updated_at` moves, no password
hash changes, no audit noise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from satupintu.accounts.models import Membership, User
from satupintu.catalog import demo_data
from satupintu.catalog.demo_data.services import (
    DOCUMENTS,
    FEE_RULES,
    KEYWORDS,
    RESULT_KEYS,
    SERVICES,
    ServiceSpec,
)
from satupintu.catalog.models import (
    Agency,
    BundleItem,
    ClosureDay,
    Counter,
    Floor,
    Mall,
    OpeningHours,
    Partnership,
    Service,
    ServiceBundle,
    ServiceRequirement,
)

M = TypeVar("M", bound=models.Model)
Log = Callable[[str], None]

CHANNEL_LETTERS = {
    "w": "offers_walk_in",
    "d": "offers_drive_thru",
    "o": "offers_online",
    "x": "offers_outreach",
}


class Tally:
    """Counts what a run created and changed, for the summary line and the tests."""

    def __init__(self) -> None:
        self.created = 0
        self.updated = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated"


def upsert(
    model: type[M],
    tally: Tally,
    *,
    lookup: dict[str, Any],
    values: dict[str, Any],
    create_only: dict[str, Any] | None = None,
) -> M:
    """The row matching `lookup`, created or brought to `values`; saved only if something
    differs. `create_only` values are used when creating and never overwrite later edits."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values, **(create_only or {}))
        obj.full_clean()
        obj.save()
        tally.created += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save(update_fields=changed)
        tally.updated += 1
    return obj


def set_m2m(manager: Any, wanted: list[Any], tally: Tally) -> None:
    current = {obj.pk for obj in manager.all()}
    if current != {obj.pk for obj in wanted}:
        manager.set(wanted)
        tally.updated += 1


def standard_defaults(agency: Agency) -> dict[str, str]:
    """The manufacturing components (8 of the 14) that an agency words the same way for all of
    its services; each service adds its own legal basis and staff count."""
    name = agency.short_name or agency.name
    return {
        "complaint_handling": (
            f"Pengaduan, saran, dan masukan dapat disampaikan langsung ke meja pengaduan MPP, "
            f"kotak saran, e-mail atau WhatsApp {name}, serta SP4N-LAPOR! (lapor.go.id). "
            f"Tanggapan awal diberikan paling lambat 3 hari kerja."
        ),
        "facilities": (
            "Ruang tunggu ber-AC, anjungan antrian, papan informasi antrian, loket prioritas "
            "bagi penyandang disabilitas, lansia, ibu hamil, dan orang dengan bayi; kursi roda, "
            "ramp dan jalur pemandu, toilet difabel, ruang laktasi, musala, area bermain anak, "
            "Wi-Fi, dan parkir."
        ),
        "staff_competence": (
            f"Petugas {name} yang memahami peraturan layanan ini, terlatih pelayanan prima dan "
            f"etika pelayanan, serta mampu mengoperasikan aplikasi layanan."
        ),
        "internal_supervision": (
            f"Pengawasan melekat oleh atasan langsung di {name}, pemantauan harian oleh "
            f"pengelola MPP (DPMPTSP), dan pemeriksaan oleh aparat pengawas internal."
        ),
        "service_guarantee": (
            "Layanan diberikan sesuai standar pelayanan ini dan maklumat pelayanan yang dipasang "
            "di loket; bila waktu penyelesaian terlampaui, pemohon berhak meminta penjelasan dan "
            "menyampaikan pengaduan."
        ),
        "security_guarantee": (
            "Data pribadi pemohon dijaga kerahasiaannya sesuai UU 27/2022; berkas disimpan di "
            "ruang arsip terkunci dan sistem dengan hak akses terbatas; area layanan diawasi "
            "CCTV dan petugas keamanan; jalur evakuasi dan APAR tersedia."
        ),
        "performance_evaluation": (
            "Evaluasi kinerja pelaksana setiap bulan oleh atasan langsung, serta Survei Kepuasan "
            "Masyarakat (SKM) sekurang-kurangnya sekali setahun sesuai PermenPANRB 14/2017."
        ),
    }


def _service_values(spec: ServiceSpec, agency: Agency) -> dict[str, Any]:
    values: dict[str, Any] = {
        "agency": agency,
        "name": spec.name,
        "name_en": spec.name_en,
        "description": spec.description,
        "kind": spec.kind,
        "queue_prefix": spec.prefix,
        "procedure": list(spec.procedure),
        "duration_value": spec.duration[0],
        "duration_unit": spec.duration[1],
        "fee": spec.fee,
        "fee_note": spec.fee_note,
        "fee_rule": FEE_RULES.get(spec.code, ""),
        "keywords": KEYWORDS.get(spec.code, ""),
        "result_key": RESULT_KEYS.get(spec.code, ""),
        "product": spec.product,
        "legal_basis": spec.legal_basis,
        "staff_count": spec.staff_count,
        "is_active": True,
    }
    for letter, field in CHANNEL_LETTERS.items():
        values[field] = letter in spec.channels
    for channel in ("walk_in", "drive_thru", "online", "outreach"):
        values[f"quota_{channel}"] = spec.quotas.get(channel)
    values.update(standard_defaults(agency))
    if spec.facilities_extra:
        values["facilities"] = f"{values['facilities']} {spec.facilities_extra}"
    return values


def _sync_requirements(service: Service, spec: ServiceSpec, tally: Tally) -> None:
    keys: list[str] = []
    for position, item in enumerate(spec.requirements, start=1):
        if isinstance(item, str):
            key = item
            name, document, mandatory = DOCUMENTS[key]
        else:
            key, name, document, mandatory = item
        keys.append(key)
        upsert(
            ServiceRequirement,
            tally,
            lookup={"service": service, "key": key},
            values={
                "position": position,
                "name": name,
                "document": document,
                "mandatory": mandatory,
            },
        )
    stale = service.requirements.exclude(key__in=keys)
    if stale.exists():
        tally.updated += stale.delete()[0]


def seed_catalog(log: Log) -> Mall:
    """Mall, floors, agencies, partnerships, services, counters, bundles. One transaction."""
    tally = Tally()
    with transaction.atomic():
        mall = upsert(Mall, tally, lookup={"slug": demo_data.MALL_SLUG}, values=demo_data.MALL)
        for weekday, opens, closes in demo_data.OPENING_HOURS:
            upsert(
                OpeningHours,
                tally,
                lookup={"mall": mall, "weekday": weekday},
                values={"opens": opens, "closes": closes},
            )
        for day, reason in demo_data.CLOSURE_DAYS:
            upsert(ClosureDay, tally, lookup={"mall": mall, "date": day}, values={"reason": reason})
        floors: dict[int, Floor] = {}
        for number, name, status, opens_on in demo_data.FLOORS:
            floors[number] = upsert(
                Floor,
                tally,
                lookup={"mall": mall, "number": number},
                values={"name": name, "status": status, "opens_on": opens_on},
            )

        agencies: dict[str, Agency] = {}
        for slug, (name, short, kind, description, website) in demo_data.AGENCIES.items():
            agencies[slug] = upsert(
                Agency,
                tally,
                lookup={"mall": mall, "slug": slug},
                values={
                    "name": name,
                    "short_name": short,
                    "kind": kind,
                    "description": description,
                    "website": website,
                    "is_active": True,
                },
            )

        today = timezone.localdate()
        for slug, (status, mou_number, signed, starts, ends) in demo_data.PARTNERSHIPS.items():
            values: dict[str, Any] = {
                "status": status,
                "mou_number": mou_number,
                "signed_on": signed,
                "starts_on": starts,
            }
            create_only: dict[str, Any] = {}
            if isinstance(ends, int):
                # Relative to the first seeding, and never moved afterwards (see demo_data).
                create_only["ends_on"] = today + timedelta(days=ends)
            else:
                values["ends_on"] = ends
            upsert(
                Partnership,
                tally,
                lookup={"mall": mall, "agency": agencies[slug]},
                values=values,
                create_only=create_only,
            )

        services: dict[str, Service] = {}
        for spec in SERVICES:
            agency = agencies[spec.agency]
            service = upsert(
                Service,
                tally,
                lookup={"mall": mall, "code": spec.code},
                values=_service_values(spec, agency),
            )
            _sync_requirements(service, spec, tally)
            services[spec.code] = service

        for number, name, area, mode, agency_slugs, codes in demo_data.COUNTERS:
            counter = upsert(
                Counter,
                tally,
                lookup={"mall": mall, "number": number},
                values={
                    "floor": floors[1],
                    "name": name,
                    "area": area,
                    "mode": mode,
                    "is_active": True,
                },
            )
            served = [s for s in services.values() if s.agency.slug in agency_slugs]
            served += [services[code] for code in codes]
            set_m2m(counter.services, served, tally)

        for code, (name, description, items) in demo_data.BUNDLES.items():
            bundle = upsert(
                ServiceBundle,
                tally,
                lookup={"mall": mall, "code": code},
                values={"name": name, "description": description, "is_active": True},
            )
            by_code: dict[str, BundleItem] = {}
            for position, service_code, _after in items:
                by_code[service_code] = upsert(
                    BundleItem,
                    tally,
                    lookup={"bundle": bundle, "service": services[service_code]},
                    values={"position": position},
                )
            for _position, service_code, after in items:
                set_m2m(by_code[service_code].depends_on, [by_code[code] for code in after], tally)
    log(
        f"Catalog of {mall.name}: {mall.agencies.count()} agencies, {mall.services.count()} "
        f"services, {mall.counters.count()} counters, {mall.bundles.count()} bundles "
        f"({tally})."
    )
    return mall


def _user(username: str, full_name: str, tally: Tally, **flags: Any) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, email=f"{username}@demo.satupintu.id")
        for name, value in flags.items():
            setattr(user, name, value)
        # The password is set once, when the account is made: a re-run keeps the hash (and any
        # password someone chose since).
        user.set_password(demo_data.DEMO_PASSWORD)
        user.save()
        tally.created += 1
        return user
    changed = [name for name, value in flags.items() if getattr(user, name) != value]
    if user.full_name != full_name:
        user.full_name = full_name
        changed.append("full_name")
    for name in changed:
        if name in flags:
            setattr(user, name, flags[name])
    if changed:
        user.save(update_fields=changed)
        tally.updated += 1
    return user


def _membership(user: User, mall: Mall, role: str, agency: Agency | None, tally: Tally) -> None:
    _obj, created = Membership.objects.get_or_create(user=user, mall=mall, agency=agency, role=role)
    if created:
        tally.created += 1


def seed_accounts(mall: Mall, log: Log) -> None:
    """Staff accounts and device accounts (queueing/demo.py gives the devices their display board
    or kiosk). One transaction."""
    tally = Tally()
    with transaction.atomic():
        agencies = {a.slug: a for a in mall.agencies.all()}
        for username, (
            full_name,
            role,
            agency_slug,
            is_staff,
            is_superuser,
        ) in demo_data.ACCOUNTS.items():
            user = _user(
                username,
                full_name,
                tally,
                is_staff=is_staff,
                is_superuser=is_superuser,
                is_active=True,
            )
            agency = agencies[agency_slug] if agency_slug else None
            _membership(user, mall, role, agency, tally)
        for username, (name, role, _floor_number) in demo_data.DEVICES.items():
            device = _user(username, name, tally, is_device=True, is_active=True)
            _membership(device, mall, role, None, tally)
    log(
        f"Accounts: {len(demo_data.ACCOUNTS)} staff and {len(demo_data.DEVICES)} device accounts "
        f"({tally})."
    )
