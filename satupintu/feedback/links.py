"""Look-ups of the tickets and dossiers a survey or complaint refers to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from satupintu.dossiers.models import Dossier
from satupintu.queueing.models import Ticket


@dataclass(frozen=True)
class TicketInfo:
    id: int
    mall_id: int
    service_id: int
    current_service_id: int
    status: str
    finished: bool


def ticket_find(ticket_id: int) -> TicketInfo | None:
    """The ticket, or None when it does not exist."""
    row = Ticket.objects.filter(pk=ticket_id).first()
    if row is None:
        return None
    return TicketInfo(
        id=row.pk,
        mall_id=row.mall_id,
        service_id=row.service_id,
        current_service_id=row.current_service_id or row.service_id,
        status=row.status,
        finished=row.status == Ticket.Status.DONE,
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
    dossiers completed. Also names the sources counted."""
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
    total += Ticket.objects.filter(ticket_filter).count()
    sources.append("tickets_served")
    return total, sources
