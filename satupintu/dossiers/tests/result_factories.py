"""Small builders of dossiers and result documents for the PDF, signing and verification tests
(kept apart from the workflow factories so the two can evolve independently)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from satupintu.catalog.models import Agency, Mall, Service
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    MallFactory,
    ServiceFactory,
    ServiceRequirementFactory,
)
from satupintu.dossiers.models import Dossier, DossierDocument, ResultDocument


def make_dossier(
    *,
    service: Service | None = None,
    mall: Mall | None = None,
    agency: Agency | None = None,
    applicant_name: str = "Siti Aminah",
    requirements: tuple[str, ...] = ("Kartu Keluarga", "Surat keterangan lahir"),
    **extra: Any,
) -> Dossier:
    if service is None:
        mall = mall or MallFactory(slug=f"mall-{secrets.token_hex(3)}", name="MPP Kota Test")
        agency = agency or AgencyFactory(mall=mall, name="Dinas Kependudukan dan Pencatatan Sipil")
        service = ServiceFactory(mall=mall, agency=agency, name="Akta Kelahiran")
        for name in requirements:
            ServiceRequirementFactory(service=service, name=name)
    dossier = Dossier.objects.create(
        mall=service.mall,
        service=service,
        agency=service.agency,
        channel="walk_in",
        status="received",
        tracking_code=extra.pop("tracking_code", f"T{secrets.token_hex(4).upper()}"),
        applicant_nik_encrypted="not-a-real-ciphertext",
        applicant_nik_hash=secrets.token_hex(16),
        applicant_nik_masked="3471**********01",
        applicant_name=applicant_name,
        applicant_email=extra.pop("applicant_email", "siti@example.org"),
        applicant_phone=extra.pop("applicant_phone", "+6281234567890"),
        sla_days=extra.pop("sla_days", 6),
        sla_due=extra.pop("sla_due", dt.date(2026, 12, 8)),
        **extra,
    )
    for requirement in service.requirements.all():
        DossierDocument.objects.create(
            dossier=dossier,
            requirement=requirement,
            status=DossierDocument.Status.PRESENT,
            original_name=f"{requirement.name}.pdf",
        )
    return dossier


def make_result(
    dossier: Dossier | None = None,
    *,
    signed_pdf: bytes | None = None,
    revoked: bool = False,
    **extra: Any,
) -> ResultDocument:
    """A ResultDocument row; with `signed_pdf` its file and checksum are that PDF."""
    dossier = dossier or make_dossier()
    result = ResultDocument(
        dossier=dossier,
        agency=dossier.agency,
        document_number=extra.pop("document_number", f"474.1/{secrets.token_hex(3).upper()}/2026"),
        verification_code=extra.pop("verification_code", secrets.token_hex(5).upper()),
        holder_name=extra.pop("holder_name", dossier.applicant_name),
        details=extra.pop(
            "details",
            {
                "service": dossier.service.name if dossier.service else "",
                "product": "Kutipan Akta Kelahiran",
                "fields": [
                    {"label": "Nama anak", "value": "Budi Santoso"},
                    {"label": "Tempat lahir", "value": "Yogyakarta"},
                ],
            },
        ),
        issued_at=extra.pop("issued_at", timezone.now()),
        valid_until=extra.pop("valid_until", None),
        revoked_at=timezone.now() if revoked else None,
        **extra,
    )
    if signed_pdf is not None:
        result.sha256 = hashlib.sha256(signed_pdf).hexdigest()
        result.file.save(f"{result.verification_code}.pdf", ContentFile(signed_pdf), save=False)
    result.save()
    return result
