"""Reads of the feedback app, and who may see what."""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from satupintu.accounts.models import Role
from satupintu.accounts.roles import roles_with, scope_for
from satupintu.accounts.selectors import memberships_of
from satupintu.catalog.models import Agency, Mall, Service
from satupintu.core.audit import audit_record
from satupintu.core.errors import InvalidInput, NotFound
from satupintu.feedback import ikm, links
from satupintu.feedback.models import (
    Complaint,
    ComplaintEvent,
    Education,
    Gender,
    Occupation,
    Survey,
)
from satupintu.feedback.unsur import UNSUR, UNSUR_CODES

IKM_REPORT_ROLES = tuple(roles_with("survey", "view"))
# Roles that see and answer complaints: agency roles for their agency, mall-wide roles for all.
COMPLAINT_ROLES = tuple(roles_with("complaint", "view"))
# Mall-wide roles that may see a confidential reporter's identity and route complaints.
COMPLAINT_MANAGER_ROLES = (Role.MALL_ADMIN, Role.SUPERVISOR)

AGE_BRACKETS = ((12, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 120))


# --- IKM ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IkmScope:
    mall: Mall
    agency: Agency | None
    service: Service | None


def _is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def access_ikm_scope(
    *, user: Any, mall: Mall, agency_id: int | None, service_id: int | None
) -> IkmScope:
    """What part of the mall's IKM `user` may read. Mall-wide supervisors, mall admins and
    viewers see all; an agency admin (or agency-bound viewer) only their agency, which becomes
    the default filter. Anything else is "not found"."""
    service = None
    if service_id is not None:
        service = Service.objects.filter(pk=service_id, mall=mall).select_related("agency").first()
        if service is None:
            raise NotFound(f"No service {service_id} in this mall")
        if agency_id is not None and service.agency_id != agency_id:
            raise InvalidInput("The service belongs to another agency.", field="query.service")
        agency_id = service.agency_id
    agency_id = scope_for(user, "survey", "view").narrow(mall_id=mall.pk, agency_id=agency_id)
    agency = None
    if agency_id is not None:
        agency = Agency.objects.filter(pk=agency_id, mall=mall).first()
        if agency is None:
            raise NotFound(f"No agency {agency_id} in this mall")
    return IkmScope(mall=mall, agency=agency, service=service)


def _local_range(mall: Mall, start: date | None, end: date | None) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in the mall's time zone; open ends far away."""
    zone = mall.zone
    first = start or date(2000, 1, 1)
    last = end or date(2999, 12, 30)
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


def survey_queryset(
    *, scope: IkmScope, date_from: date | None, date_to: date | None
) -> QuerySet[Survey]:
    start, end = _local_range(scope.mall, date_from, date_to)
    qs = Survey.objects.filter(mall=scope.mall, submitted_at__gte=start, submitted_at__lt=end)
    if scope.agency is not None:
        qs = qs.filter(agency=scope.agency)
    if scope.service is not None:
        qs = qs.filter(service=scope.service)
    return qs


def _decimal_number(value: Decimal | None) -> float | None:
    # JSON numbers at the edge only: the arithmetic stays decimal, and a 2- or 4-place decimal
    # converts to the nearest double, which prints back as the same digits.
    return None if value is None else float(value)


def ikm_report(
    *,
    scope: IkmScope,
    date_from: date | None = None,
    date_to: date | None = None,
    population: int | None = None,
) -> dict[str, Any]:
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("'from' must not be after 'to'.", field="query.from")
    qs = survey_queryset(scope=scope, date_from=date_from, date_to=date_to)
    aggregates = qs.aggregate(
        respondents=Count("pk"), **{f"sum_{code}": Sum(code) for code in UNSUR_CODES}
    )
    respondents = aggregates["respondents"]
    totals = {code: (aggregates[f"sum_{code}"] or 0, respondents) for code in UNSUR_CODES}
    result = ikm.compute_ikm(UNSUR_CODES, totals)

    population_source = "query"
    sources: list[str] = []
    if population is None:
        start, end = _local_range(scope.mall, date_from, date_to)
        population, sources = links.served_population(
            mall_id=scope.mall.pk,
            agency_id=scope.agency.pk if scope.agency else None,
            service_id=scope.service.pk if scope.service else None,
            start=start,
            end=end,
        )
        population_source = "+".join(sources)
    elif population < 0:
        raise InvalidInput("The population cannot be negative.", field="query.population")
    min_sample = ikm.minimum_sample(population)
    unsur_rows = []
    for unsur in UNSUR:
        score = result.unsur[unsur.code]
        unsur_rows.append(
            {
                "code": unsur.code,
                "title": str(unsur.title),
                "sum": score.total,
                "answers": score.answers,
                "nrr": _decimal_number(score.nrr_rounded),
                "grade": score.grade,
                "weighted": _decimal_number(
                    None
                    if score.nrr is None
                    else (score.nrr / 9).quantize(ikm.FOUR_PLACES, rounding="ROUND_HALF_UP")
                ),
            }
        )
    return {
        "mall": scope.mall.slug,
        "agency_id": scope.agency.pk if scope.agency else None,
        "service_id": scope.service.pk if scope.service else None,
        "from": date_from,
        "to": date_to,
        "respondents": respondents,
        "nrr": {row["code"]: row["nrr"] for row in unsur_rows},
        "unsur": unsur_rows,
        "ikm_unconverted": _decimal_number(result.ikm_rounded),
        "ikm": _decimal_number(result.converted),
        "grade": result.grade,
        "performance": result.performance,
        "weakest_unsur": result.weakest,
        "population": population,
        "population_source": population_source,
        "min_sample": min_sample,
        "sample_sufficient": respondents >= min_sample if population else None,
        "profile": survey_profile(qs),
    }


def survey_profile(qs: QuerySet[Survey]) -> dict[str, list[dict[str, Any]]]:
    """The respondents by gender, age bracket, education and occupation (every code listed)."""

    def counts(field: str, choices: Any) -> list[dict[str, Any]]:
        found = dict(qs.order_by().values_list(field).annotate(n=Count("pk")))
        return [
            {"code": code, "label": str(label), "count": found.get(code, 0)}
            for code, label in choices
        ]

    ages = Tally[str]()
    for age, n in qs.order_by().values_list("age").annotate(n=Count("pk")):
        for low, high in AGE_BRACKETS:
            if low <= age <= high:
                ages[f"{low}-{high}"] += n
                break
    return {
        "gender": counts("gender", Gender.choices),
        "age": [
            {
                "code": f"{low}-{high}",
                "label": f"{low}-{high}" if high < 120 else f"≥ {low}",
                "count": ages.get(f"{low}-{high}", 0),
            }
            for low, high in AGE_BRACKETS
        ],
        "education": counts("education", Education.choices),
        "occupation": counts("occupation", Occupation.choices),
    }


# --- complaints ---------------------------------------------------------------------------------


def complaint_public_get(*, code: str) -> Complaint:
    complaint = (
        Complaint.objects.filter(code=(code or "").strip().upper()[:20])
        .select_related("mall", "agency", "service")
        .first()
    )
    if complaint is None:
        raise NotFound(f"No complaint with code '{code}'")
    return complaint


def complaint_public_history(complaint: Complaint) -> list[ComplaintEvent]:
    """What the public status page shows: status changes and public answers, no staff names."""
    return list(
        complaint.events.filter(
            Q(kind__in=[ComplaintEvent.Kind.RECEIVED, ComplaintEvent.Kind.TRANSITION])
        ).order_by("at", "id")
    )


def complaints_visible_to(user: Any, action: str = "view") -> QuerySet[Complaint]:
    """The complaints `user` may see or handle: `Complaint.objects.visible_to` (agency roles
    their agency's, mall-wide roles the mall's, the operator's own queue included)."""
    return Complaint.objects.visible_to(user, action).select_related("mall", "agency", "service")


def access_complaint(*, user: Any, code: str) -> Complaint:
    """The complaint if `user` may handle it; "not found" otherwise, existing or not."""
    complaint = complaints_visible_to(user).filter(code=(code or "").strip().upper()[:20]).first()
    if complaint is None:
        raise NotFound()
    return complaint


def complaint_list(
    *,
    user: Any,
    mall: Mall | None = None,
    status: str | None = None,
    agency_id: int | None = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
) -> QuerySet[Complaint]:
    qs = complaints_visible_to(user)
    if mall is not None:
        qs = qs.filter(mall=mall)
    if status:
        if status not in Complaint.Status.values:
            raise InvalidInput("Unknown status.", field="query.status")
        qs = qs.filter(status=status)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    if escalated is not None:
        qs = qs.filter(escalated_at__isnull=not escalated)
    if overdue:
        from django.utils import timezone

        qs = qs.filter(first_responded_at__isnull=True, first_response_due__lt=timezone.localdate())
    return qs.order_by("-received_at", "-id")


def handles_complaints_in(user: Any, mall_id: int) -> bool:
    """Whether `user` handles some of the mall's complaints (the role table's "complaint"
    row, mall-wide or for an agency of the mall)."""
    scope = scope_for(user, "complaint", "view")
    return scope.covers(mall_id=mall_id) or bool(scope.agencies_in(mall_id))


def can_manage_complaints(user: Any, mall_id: int) -> bool:
    if _is_superuser(user):
        return True
    return (
        memberships_of(user, COMPLAINT_MANAGER_ROLES)
        .filter(mall_id=mall_id, agency__isnull=True)
        .exists()
    )


def complaint_identity(*, user: Any, complaint: Complaint, request: Any = None) -> dict[str, Any]:
    """The reporter's identity as `user` may see it. A confidential complaint's identity is
    hidden from the agency and shown only to the mall's managers, and each such view is
    written to the audit trail."""
    if complaint.is_anonymous:
        return {"visible": False, "reason": "anonymous", "name": "", "email": "", "phone": ""}
    if complaint.is_confidential and not can_manage_complaints(user, complaint.mall_id):
        return {"visible": False, "reason": "confidential", "name": "", "email": "", "phone": ""}
    if complaint.is_confidential:
        audit_record(
            actor=user,
            action="view",
            obj=complaint,
            summary=f"confidential reporter of {complaint.code}",
            request=request,
        )
    return {
        "visible": True,
        "reason": "",
        "name": complaint.reporter_name,
        "email": complaint.reporter_email,
        "phone": complaint.reporter_phone,
    }


def complaint_allowed_actions(*, user: Any, complaint: Complaint) -> list[str]:
    from satupintu.feedback.services import ALLOWED_TRANSITIONS

    actions = list(ALLOWED_TRANSITIONS[complaint.status])
    if complaint.status != Complaint.Status.CLOSED and can_manage_complaints(
        user, complaint.mall_id
    ):
        actions.append("route")
        if not complaint.lapor_reference and complaint.origin != Complaint.Origin.LAPOR:
            actions.append("forward_to_lapor")
    actions.append("note")
    return actions


def survey_exists(*, ticket_id: int | None = None, dossier: Any = None) -> bool:
    """Whether the ticket (or the dossier) was rated already: one survey each."""
    if ticket_id is not None:
        return Survey.objects.filter(ticket_id=ticket_id).exists()
    return Survey.objects.filter(dossier=dossier).exists()
