"""Builders of rows owned by other apps (tickets, dossiers) for the feedback tests."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from django.utils import timezone

from satupintu.catalog.models import Service
from satupintu.dossiers.models import Dossier
from satupintu.queueing.models import Ticket

_serial = itertools.count(1)


def make_dossier(service: Service, *, completed: bool = True, **fields: Any) -> Dossier:
    n = next(_serial)
    return Dossier.objects.create(
        mall_id=service.mall_id,
        service=service,
        agency_id=service.agency_id,
        channel="walk_in",
        status="completed" if completed else "submitted",
        tracking_code=fields.pop("tracking_code", f"TRK{n:08d}"),
        applicant_nik_encrypted="encrypted",
        applicant_nik_hash=f"{n:064d}",
        applicant_nik_masked="3471********0001",
        applicant_name="Pemohon Uji",
        completed_at=timezone.now() if completed else None,
        **fields,
    )


def make_ticket(service: Service, *, status: str = "done", finished_at: datetime | None = None):
    n = next(_serial)
    now = timezone.now()
    return Ticket.objects.create(
        mall_id=service.mall_id,
        service=service,
        current_service=service,
        queue_prefix="A",
        serial=n,
        number=f"A-{n:03d}",
        service_date=timezone.localdate(),
        status=status,
        arrival_at=now,
        finished_at=finished_at or (now if status == "done" else None),
        outcome="served" if status == "done" else "",
    )
