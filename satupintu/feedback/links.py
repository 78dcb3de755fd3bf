"""Defensive look-ups of the tickets and dossiers a survey or complaint refers to.

`queueing.Ticket` was not committed when this app's tables were made, so tickets are kept as
plain ids and found through the app registry: when the model is there, an id is checked against
it; when it is not, the id is kept as given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import Model, Q

from satupintu.dossiers.models import Dossier


@dataclass(frozen=True)
class TicketInfo:
    id: int
    mall_id: int
    service_id: int
    current_service_id: int
    status: str
    finished: bool


def ticket_model() -> type[Model] | None:
    try:
        return apps.get_model("queueing", "Ticket")
    except LookupError:
        return None


def ticket_find(ticket_id: int) -> TicketInfo | None:
    """The ticket, or None when it does not exist. Raises LookupError without a Ticket model."""
    model = ticket_model()
    if model is None:
        raise LookupError("queueing.Ticket is not installed")
    row: Any = model._default_manager.filter(pk=ticket_id).first()
    if row is None:
        return None
    status = str(getattr(row, "status", ""))
    return TicketInfo(
        id=row.pk,
        mall_id=row.mall_id,
        service_id=row.service_id,
        current_service_id=getattr(row, "current_service_id", None) or row.service_id,
        status=status,
        finished=status == "done",
    )


def dossier_find(tracking_code: str) -> Dossier | None:
    code = (tracking_code or "").strip().upper()
    if not code or len(code) > 40:
        return None
    return Dossier.objects.filter(tracking_code=code).select_related("service").first()


def served_population(
    *,
    mall_id: int,
    agency_id: int | None,
    service_id: int | None,
    start: datetime,
    end: datetime,
) -> tuple[int, list[str]]:
    """How many visitors the unit served in [start, end): tickets finished as served plus
    dossiers completed. Also names the sources counted (tickets only when the model exists)."""
    sources: list[str] = []
    total = 0
    dossier_filter = Q(mall_id=mall_id, completed_at__gte=start, completed_at__lt=end)
    dossier_filter &= Q(service__isnull=False)  # a bundle's parent is counted by its children
    if agency_id is not None:
        dossier_filter &= Q(service__agency_id=agency_id)
    if service_id is not None:
        dossier_filter &= Q(service_id=service_id)
    total += Dossier.objects.filter(dossier_filter).count()
    sources.append("dossiers_completed")
    model = ticket_model()
    if model is not None:
        ticket_filter = Q(
            mall_id=mall_id,
            status="done",
            outcome="served",
            finished_at__gte=start,
            finished_at__lt=end,
        )
        if agency_id is not None:
            ticket_filter &= Q(current_service__agency_id=agency_id)
        if service_id is not None:
            ticket_filter &= Q(current_service_id=service_id)
        total += model._default_manager.filter(ticket_filter).count()
        sources.append("tickets_served")
    return total, sources
