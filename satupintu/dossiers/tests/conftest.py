"""Fixtures of the dossier tests: one mall, two agencies, a back-office service with two
document requirements and a form, and one person for each role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.models import Role, User
from satupintu.accounts.tests.factories import UserFactory, bearer, user_with_role
from satupintu.catalog.models import Mall, Service, ServiceRequirement
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    MallFactory,
    ServiceFactory,
    ServiceRequirementFactory,
)
from satupintu.dossiers.models import Dossier, FormField

VALID_NIK = "3471014501900003"  # Kota Yogyakarta, a woman born 05-01-1990
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class World:
    mall: Mall
    service: Service
    ktp: ServiceRequirement
    photo: ServiceRequirement
    counter: User
    bo: User
    other_bo: User
    supervisor: User
    cashier: User
    viewer: User
    citizen: User

    def client(self, user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.defaults.update(bearer(user))
        return client


@pytest.fixture
def world(db: Any) -> World:
    mall = MallFactory(slug="yogyakarta-test")
    agency = AgencyFactory(mall=mall, slug="disdukcapil", name="Disdukcapil")
    other_agency = AgencyFactory(mall=mall, slug="dpmptsp", name="DPMPTSP")
    service = ServiceFactory(
        agency=agency,
        mall=mall,
        code="DUK-KK",
        name="Kartu Keluarga",
        duration_value=5,
        offers_online=True,
        fee=0,
    )
    ktp = ServiceRequirementFactory(
        service=service, name="KTP-el", key="ktp", mandatory=True, accepted_types="pdf,jpg,png"
    )
    photo = ServiceRequirementFactory(
        service=service,
        name="Pas foto",
        key="pas-foto",
        mandatory=True,
        accepted_types="png,jpg",
        max_size_kb=1,
    )
    FormField.objects.create(service=service, name="kk_number", label="Nomor KK", kind="text")
    FormField.objects.create(
        service=service,
        name="reason",
        label="Alasan",
        kind="choice",
        choices=["baru", "perubahan"],
        print_on_result=True,
    )
    return World(
        mall=mall,
        service=service,
        ktp=ktp,
        photo=photo,
        counter=user_with_role(Role.COUNTER_OFFICER, mall=mall),
        bo=user_with_role(Role.BACK_OFFICE_OFFICER, mall=mall, agency=agency),
        other_bo=user_with_role(Role.BACK_OFFICE_OFFICER, mall=mall, agency=other_agency),
        supervisor=user_with_role(Role.SUPERVISOR, mall=mall),
        cashier=user_with_role(Role.CASHIER, mall=mall),
        viewer=user_with_role(Role.VIEWER, mall=mall),
        citizen=UserFactory(),
    )


def applicant_payload(**overrides: Any) -> dict[str, Any]:
    data = {
        "nik": VALID_NIK,
        "name": "Siti Aminah",
        "phone": "081234567890",
        "email": "siti@example.test",
    }
    data.update(overrides)
    return data


def create_payload(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service_id": world.service.pk,
        "channel": "walk_in",
        "applicant": applicant_payload(),
        "form": {"kk_number": "3471010101010001", "reason": "baru"},
    }
    data.update(overrides)
    return data


def make_dossier(world: World, **overrides: Any) -> Dossier:
    from satupintu.dossiers.services import dossier_create

    payload = create_payload(world, **overrides)
    return dossier_create(
        actor=world.counter,
        channel=payload["channel"],
        applicant=payload["applicant"],
        form=payload["form"],
        service_id=payload["service_id"],
    )


def tick_all_present(world: World, dossier: Dossier) -> None:
    from satupintu.dossiers.services import document_check

    for requirement in (world.ktp, world.photo):
        document_check(
            actor=world.counter,
            dossier_id=dossier.pk,
            requirement_id=requirement.pk,
            status="present",
        )
