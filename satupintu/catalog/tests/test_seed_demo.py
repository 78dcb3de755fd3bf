from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import sys
import types
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from satupintu.accounts.models import Membership, Role, User
from satupintu.catalog.demo_data import ACCOUNTS, DEMO_PASSWORD, DEVICES, MALL_SLUG
from satupintu.catalog.demo_data.loader import seed_accounts, seed_catalog
from satupintu.catalog.models import (
    Agency,
    BundleItem,
    Counter,
    Floor,
    Mall,
    Partnership,
    Service,
    ServiceBundle,
    ServiceRequirement,
)
from satupintu.queueing.models import Display, Kiosk

pytestmark = pytest.mark.django_db

REQUIRED_CODES = [
    "DUK-KTP-BARU", "DUK-KTP-GANTI", "DUK-KK", "DUK-AKTA-LAHIR", "DUK-AKTA-MATI", "DUK-KIA",
    "DUK-PINDAH", "DUK-IKD", "POL-SKCK", "POL-SIM-A", "POL-SIM-C", "BPJSKES-DAFTAR",
    "BPJSTK-JHT", "KUA-NIKAH", "IMI-PASPOR", "SAMSAT-PKB", "DPM-PBG", "DPM-SLF", "DPM-REKLAME",
    "DPM-SIP", "DPM-NIB",
]  # fmt: skip
REQUIRED_AGENCIES = [
    "dpmptsp", "disdukcapil", "polresta", "bpjs-kesehatan", "bpjs-ketenagakerjaan", "kemenag",
    "imigrasi", "samsat",
]  # fmt: skip
STANDARD_TEXT_FIELDS = [
    "product", "complaint_handling", "legal_basis", "facilities", "staff_competence",
    "internal_supervision", "service_guarantee", "security_guarantee", "performance_evaluation",
]  # fmt: skip

# Models whose every field (timestamps included) must be untouched by a second run.
CHECKSUMMED = [
    Mall, Floor, Agency, Partnership, Service, ServiceRequirement, Counter, ServiceBundle,
    BundleItem, User, Membership, Display, Kiosk,
]  # fmt: skip


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def seed_catalog_only() -> None:
    """The catalog and accounts part of seed_demo, without the other apps' demo data: enough for
    the tests that check the catalog, and much faster."""
    mall = seed_catalog(lambda _message: None)
    seed_accounts(mall, lambda _message: None)


def project_row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("satupintu.")
    }


def _row(obj: models.Model) -> dict[str, Any]:
    row: dict[str, Any] = {
        f.attname: str(getattr(obj, f.attname)) for f in obj._meta.concrete_fields
    }
    for m2m in obj._meta.many_to_many:
        row[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
    return row


def checksum() -> str:
    digest = hashlib.sha256()
    for model in CHECKSUMMED:
        rows = [_row(obj) for obj in model._default_manager.order_by("pk")]
        digest.update(json.dumps([model._meta.label, rows], sort_keys=True).encode())
    return digest.hexdigest()


def test_second_run_changes_nothing() -> None:
    seed()
    counts, digest = project_row_counts(), checksum()
    hashes = dict(User.objects.values_list("username", "password"))
    output = seed()
    assert project_row_counts() == counts
    assert checksum() == digest
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert "(0 created, 0 updated)" in output


def test_rerun_repairs_a_changed_row_but_keeps_a_changed_password() -> None:
    seed_catalog_only()
    Service.objects.filter(code="DUK-KK").update(fee=99)
    user = User.objects.get(username="loket1")
    user.set_password("a-new-secret-9")
    user.save()
    seed_catalog_only()
    assert Service.objects.get(code="DUK-KK").fee == 0
    assert User.objects.get(username="loket1").check_password("a-new-secret-9")


def test_demo_mall_is_complete() -> None:
    seed_catalog_only()
    mall = Mall.objects.get(slug=MALL_SLUG)
    assert mall.name == "MPP Kota Yogyakarta"
    assert mall.timezone == "Asia/Jakarta"
    assert "Jl. Kenari" in mall.address
    assert "Umbulharjo" in mall.address
    assert mall.operator == "DPMPTSP Kota Yogyakarta"
    assert mall.opened_on is not None
    assert mall.opened_on.year == 2021
    hours = list(mall.opening_hours.values_list("weekday", "opens", "closes"))
    assert [h[0] for h in hours] == [0, 1, 2, 3, 4]
    assert {(h[1].hour, h[2].hour) for h in hours} == {(8, 15)}
    assert list(mall.floors.values_list("number", "status")) == [
        (1, "open"),
        (2, "planned"),
        (3, "planned"),
    ]

    agencies = mall.agencies.all()
    assert agencies.count() >= 20
    assert {a.kind for a in agencies} == set(Agency.Kind.values)
    assert set(REQUIRED_AGENCIES) <= {a.slug for a in agencies}

    services = Service.objects.filter(mall=mall)
    assert services.count() >= 60
    assert set(REQUIRED_CODES) <= set(services.values_list("code", flat=True))
    assert Counter.objects.filter(mall=mall).count() >= 20


def test_every_service_has_a_complete_standard() -> None:
    seed_catalog_only()
    for service in Service.objects.prefetch_related("requirements"):
        requirements = list(service.requirements.all())
        assert requirements, service.code
        assert all(r.key and r.name for r in requirements), service.code
        assert len({r.key for r in requirements}) == len(requirements), service.code
        assert len(service.procedure) >= 2, service.code
        assert service.duration_value > 0, service.code
        assert service.staff_count > 0, service.code
        for name in STANDARD_TEXT_FIELDS:
            assert getattr(service, name).strip(), f"{service.code}.{name}"
        assert service.channels, service.code
        assert service.queue_prefix
        service.full_clean()
    # Fees in rupiah where SERVICES.md gives them.
    fees = dict(Service.objects.values_list("code", "fee"))
    assert fees["POL-SKCK"] == 30_000
    assert fees["POL-SIM-A"] == 80_000
    assert fees["POL-SIM-C"] == 75_000
    assert fees["IMI-PASPOR"] == 350_000
    assert fees["DUK-KTP-BARU"] == 0
    assert Service.objects.filter(quota_walk_in__isnull=False).count() >= 5


def test_same_document_shares_its_key_across_services() -> None:
    seed_catalog_only()
    for key in ("kk", "ktp-el", "akta-lahir"):
        services = ServiceRequirement.objects.filter(key=key).values("service").distinct()
        assert services.count() >= 3, key
        names = set(ServiceRequirement.objects.filter(key=key).values_list("name", flat=True))
        assert len(names) == 1, key


def test_counters_and_bundles() -> None:
    seed_catalog_only()
    shared = Counter.objects.get(name="Loket Tim Teknis")
    shared_agencies = set(shared.services.values_list("agency__slug", flat=True))
    assert {"dpmptsp", "dinkes", "disdag", "dlh", "dpupkp", "dishub"} <= shared_agencies
    assert "disdukcapil" not in shared_agencies
    assert (
        not Counter.objects.exclude(pk=shared.pk).filter(services__agency__slug="dinkes").exists()
    )
    drive_thru = Counter.objects.filter(mode=Counter.Mode.DRIVE_THRU)
    assert drive_thru.count() == 2
    for counter in drive_thru:
        assert set(counter.services.values_list("code", flat=True)) == {
            "POL-SIM-A",
            "POL-SIM-C",
            "SAMSAT-PKB",
        }
        assert all(s.offers_drive_thru for s in counter.services.all())
    assert all(c.area for c in Counter.objects.all())

    def deps(bundle: str) -> dict[str, set[str]]:
        items = BundleItem.objects.filter(bundle__code=bundle).prefetch_related("depends_on")
        return {i.service.code: {d.service.code for d in i.depends_on.all()} for i in items}

    assert deps("BND-LAHIR") == {
        "DUK-AKTA-LAHIR": set(),
        "DUK-KK": {"DUK-AKTA-LAHIR"},
        "DUK-KIA": {"DUK-AKTA-LAHIR"},
        "BPJSKES-DAFTAR": {"DUK-KK"},
    }
    assert deps("BND-RUMAH") == {"DPM-PBG": set(), "DPM-SLF": {"DPM-PBG"}}
    assert set(deps("BND-USAHA")) == {"DPM-NIB", "DPM-REKLAME"}


def test_partnerships_cover_every_partner_and_some_expire_soon() -> None:
    from datetime import timedelta

    from django.utils import timezone

    seed_catalog_only()
    mall = Mall.objects.get(slug=MALL_SLUG)
    partners = mall.agencies.exclude(slug="dpmptsp")
    assert set(Partnership.objects.values_list("agency", flat=True)) == set(
        partners.values_list("pk", flat=True)
    )
    statuses = set(Partnership.objects.values_list("status", flat=True))
    assert {"invited", "drafted", "active"} <= statuses
    today = timezone.localdate()
    soon = Partnership.objects.filter(
        status="active", ends_on__gte=today, ends_on__lte=today + timedelta(days=60)
    )
    assert soon.count() >= 2
    for partnership in Partnership.objects.all():
        partnership.full_clean()


def test_accounts_devices_and_memberships() -> None:
    seed_catalog_only()
    mall = Mall.objects.get(slug=MALL_SLUG)
    for username, (_name, role, agency, is_staff, is_superuser) in ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD), username
        assert user.is_staff == is_staff
        assert user.is_superuser == is_superuser
        membership = Membership.objects.get(user=user, role=role)
        assert membership.mall == mall
        assert (membership.agency.slug if membership.agency else None) == agency
    assert Membership.objects.get(user__username="dukcapil.admin").role == Role.AGENCY_ADMIN
    for username, (_name, role, _floor) in DEVICES.items():
        device = User.objects.get(username=username)
        assert device.is_device
        assert Membership.objects.filter(user=device, role=role, mall=mall).exists()


def test_calls_app_demo_modules_and_prints_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    module = types.ModuleType("satupintu.outreach.demo")

    def fake_seed(mall: Mall, log: Any) -> None:
        calls.append(mall.slug)
        log("outreach demo seeded")

    module.seed = fake_seed  # type: ignore[attr-defined]
    module.__spec__ = importlib.util.spec_from_loader("satupintu.outreach.demo", loader=None)
    monkeypatch.setitem(sys.modules, "satupintu.outreach.demo", module)
    output = seed()
    assert calls == [MALL_SLUG]
    assert "outreach demo seeded" in output
    for expected in ("http://127.0.0.1:", "/admin/", "/api/v1/docs", "mall.admin", DEMO_PASSWORD):
        assert expected in output
