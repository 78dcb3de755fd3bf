"""Reads of "Layanan saya" (my services): only the signed-in citizen's own rows.

What is mine: dossiers whose `applicant_user` is my account (applied while signed in, or
claimed with a code sent to the application's contact); remote tickets I took; tickets,
appointments and complaints that give a phone number or e-mail address my account proved it
owns (by a one-time code); surveys I have not answered for my finished tickets and dossiers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from satupintu.citizens.models import CitizenProfile, RemoteQueueConfig, RemoteTicket
from satupintu.core.crypto import lookup_hashes
from satupintu.dossiers import selectors as dossier_selectors
from satupintu.dossiers.models import Dossier, DossierDocument, ResultDocument, WorkflowState
from satupintu.feedback.models import Complaint, Survey
from satupintu.queueing.models import Appointment, Ticket
from satupintu.queueing.selectors import ticket_as_dict, ticket_token

# Finished tickets and dossiers are offered a survey this long.
SURVEY_DAYS = 14


def profile_dict(profile: CitizenProfile) -> dict[str, Any]:
    user = profile.user
    return {
        "id": user.pk,
        "full_name": user.full_name,
        "phone": profile.phone or None,
        "email": profile.email or None,
        "nik_masked": profile.nik_masked or None,
        "nik_proven": bool(profile.nik_hash),
        "created_at": profile.created_at,
    }


def my_tickets(profile: CitizenProfile) -> list[dict[str, Any]]:
    """My tickets of today (each mall's today), with live position and the remote details."""
    since = timezone.localdate() - timedelta(days=1)
    match = Q(remote__citizen_id=profile.user_id)
    if profile.phone:
        match |= Q(phone=profile.phone)
    tickets = (
        Ticket.objects.filter(match, service_date__gte=since)
        .select_related("mall", "service", "current_service", "counter", "counter__floor")
        .order_by("-created_at", "-id")
    )
    remotes = {
        r.ticket_id: r
        for r in RemoteTicket.objects.filter(citizen_id=profile.user_id, service_date__gte=since)
    }
    rows = []
    for ticket in tickets:
        if ticket.service_date != ticket.mall.today():
            continue
        data = ticket_as_dict(ticket, include_personal=False)
        data["token"] = ticket_token(ticket)  # the holder's: GET /tickets/{id}?token=
        remote = remotes.get(ticket.pk)
        data["arrive_by"] = (
            timezone.localtime(remote.arrive_by, ticket.mall.zone).isoformat() if remote else None
        )
        data["remote"] = (
            {
                "id": remote.pk,
                "checkin_code": remote.checkin_code,
                "checked_in": remote.checked_in_at is not None,
                "outcome": remote.outcome or None,
            }
            if remote
            else None
        )
        rows.append(data)
    return rows


def _my_appointments_qs(profile: CitizenProfile) -> QuerySet[Appointment]:
    match = Q(pk__in=[])
    if profile.phone:
        match |= Q(phone=profile.phone)
    if profile.nik_hash:
        # The NIK the account proved, under every configured key.
        from satupintu.core.crypto import decrypt_personal

        nik = decrypt_personal(profile.nik_encrypted, purpose="nik")
        match |= Q(nik_hash__in=lookup_hashes(nik, purpose="nik"))
    return Appointment.objects.filter(match)


def my_appointments(profile: CitizenProfile) -> list[dict[str, Any]]:
    rows = []
    appointments = (
        _my_appointments_qs(profile)
        .filter(date__gte=timezone.localdate() - timedelta(days=30))
        .select_related("service", "mall")
        .order_by("-date", "-slot_start")
    )
    for a in appointments:
        rows.append(
            {
                "id": a.pk,
                "mall": a.mall.slug,
                "service_id": a.service_id,
                "service_name": a.service.name,
                "date": a.date,
                "slot": a.slot_start.strftime("%H:%M"),
                "status": a.status,
                "code": a.code,
                "nik_masked": a.nik_masked,
            }
        )
    return rows


def my_appointment(profile: CitizenProfile, appointment_id: int) -> Appointment:
    from satupintu.core.errors import NotFound

    appointment = (
        _my_appointments_qs(profile).filter(pk=appointment_id).select_related("service").first()
    )
    if appointment is None:
        raise NotFound(f"No appointment with id {appointment_id}")
    return appointment


def my_dossiers_qs(profile: CitizenProfile) -> QuerySet[Dossier]:
    return Dossier.objects.filter(applicant_user_id=profile.user_id)


def my_dossiers(profile: CitizenProfile) -> list[dict[str, Any]]:
    """My applications (a bundle's services each on their own row) with status, deadlines,
    what the back office asks me to send again, and the result when there is one."""
    dossiers = list(
        my_dossiers_qs(profile)
        .select_related("mall", "service", "agency", "workflow", "assignee", "parent", "bundle")
        .order_by("-submitted_at", "-id")
    )
    results = {
        r.dossier_id: r for r in ResultDocument.objects.filter(dossier__in=[d.pk for d in dossiers])
    }
    rows = []
    for dossier in dossiers:
        data = dossier_selectors.dossier_summary(dossier)
        state = dossier_selectors.dossier_state(dossier)
        revision = bool(state and state.pauses_sla)
        requested = []
        if dossier.service_id is not None:
            for row in dossier_selectors.dossier_requirement_rows(dossier):
                status = row.document.status if row.document else None
                asked_again = status in (
                    DossierDocument.Status.MISSING,
                    DossierDocument.Status.REJECTED,
                )
                if asked_again or (
                    revision
                    and row.requirement.mandatory
                    and status != DossierDocument.Status.PRESENT
                ):
                    requested.append(
                        {
                            "requirement_id": row.requirement.pk,
                            "name": row.requirement.name,
                            "status": status or "missing",
                            "reason": row.document.reason if row.document else "",
                        }
                    )
        result = results.get(dossier.pk)
        data.update(
            {
                "mall": dossier.mall.slug,
                "agency_name": dossier.agency.name
                if dossier.agency_id and dossier.agency
                else None,
                "bundle_parent_id": dossier.parent_id,
                "revision_requested": revision,
                "requested_documents": requested,
                "can_resubmit": revision
                and any(
                    a.code == "resubmit"
                    for a in dossier_selectors.dossier_allowed_actions(profile.user, dossier)
                ),
                "result": {
                    "document_number": result.document_number,
                    "download_url": reverse("dossiers:result", args=[dossier.pk]),
                }
                if result is not None and result.file
                else None,
            }
        )
        data.pop("assignee", None)
        rows.append(data)
    return rows


def my_complaints(profile: CitizenProfile) -> list[dict[str, Any]]:
    match = Q(pk__in=[])
    if profile.email:
        match |= Q(reporter_email__iexact=profile.email)
    if profile.phone:
        match |= Q(reporter_phone=profile.phone)
    complaints = (
        Complaint.objects.filter(match, is_anonymous=False)
        .select_related("mall")
        .order_by("-received_at", "-id")
    )
    return [
        {
            "id": c.pk,
            "code": c.code,
            "mall": c.mall.slug,
            "category": c.category,
            "status": c.status,
            "received_at": c.received_at,
            "first_response_due": c.first_response_due,
            "answer": c.answer or None,
            "answered_at": c.answered_at,
        }
        for c in complaints
    ]


def my_open_surveys(profile: CitizenProfile) -> list[dict[str, Any]]:
    """Finished tickets and dossiers of mine without a survey answer, newest first."""
    since = timezone.now() - timedelta(days=SURVEY_DAYS)
    rows: list[dict[str, Any]] = []
    dossiers = (
        my_dossiers_qs(profile)
        .filter(completed_at__gte=since, service__isnull=False)
        .exclude(pk__in=Survey.objects.filter(dossier__isnull=False).values("dossier_id"))
        .select_related("service")
        .order_by("-completed_at")
    )
    for d in dossiers:
        rows.append(
            {
                "kind": "dossier",
                "id": d.pk,
                "service_name": d.service.name if d.service else "",
                "finished_at": d.completed_at,
                "url": reverse("feedback:survey-dossier", args=[d.tracking_code]),
            }
        )
    match = Q(remote__citizen_id=profile.user_id)
    if profile.phone:
        match |= Q(phone=profile.phone)
    tickets = (
        Ticket.objects.filter(match, status=Ticket.Status.DONE, finished_at__gte=since)
        .exclude(pk__in=Survey.objects.filter(ticket__isnull=False).values("ticket_id"))
        .select_related("current_service")
        .order_by("-finished_at")
    )
    for t in tickets:
        rows.append(
            {
                "kind": "ticket",
                "id": t.pk,
                "service_name": t.current_service.name,
                "finished_at": t.finished_at,
                "url": reverse("feedback:survey-ticket", args=[t.pk, ticket_token(t)]),
            }
        )
    return rows


def remote_queue_services() -> list[dict[str, Any]]:
    configs = RemoteQueueConfig.objects.filter(
        is_active=True, service__is_active=True, service__offers_walk_in=True
    ).select_related("service", "service__mall")
    return [
        {
            "service_id": c.service_id,
            "service_name": c.service.name,
            "mall": c.service.mall.slug,
            "arrival_minutes": c.arrival_minutes,
        }
        for c in configs
    ]


def state_pauses(dossier: Dossier) -> bool:
    state: WorkflowState | None = dossier_selectors.dossier_state(dossier)
    return bool(state and state.pauses_sla)


def is_citizen(user: Any) -> bool:
    """Whether `user` is a signed-in citizen (has a citizen profile)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and CitizenProfile.objects.filter(user_id=user.pk).exists()
    )
