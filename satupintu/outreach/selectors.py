"""Reads of the outreach app and the access helpers.

Only outreach officers of a mall (and superusers) see its outreach requests at all: every other
account, and the public, gets "not found". Reading the sensitive notes or the NIK leaves an audit
entry (action "view") each time."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import HttpRequest

from satupintu.accounts.models import Membership, Role, User
from satupintu.accounts.roles import roles_with, scope_for
from satupintu.catalog.models import Mall, Service
from satupintu.core.audit import audit_record
from satupintu.core.errors import InvalidInput, NotFound
from satupintu.outreach.areas import KOTA_YOGYAKARTA
from satupintu.outreach.models import (
    Equipment,
    OutreachEvent,
    OutreachRequest,
    OutreachSensitiveNote,
    Vehicle,
    Visit,
)

OUTREACH_ROLES = roles_with("outreach_request", "view")


def is_outreach_staff(user: Any, mall_id: int) -> bool:
    return scope_for(user, "outreach_request", "view").covers(mall_id=mall_id)


def access_outreach_mall(*, user: Any, mall: Mall) -> Mall:
    if not is_outreach_staff(user, mall.pk):
        raise NotFound()
    return mall


def _request_qs(user: Any, action: str = "view") -> QuerySet[OutreachRequest]:
    return OutreachRequest.objects.visible_to(user, action)


def access_outreach_request(*, user: Any, request_id: int) -> OutreachRequest:
    """The request if `user` is on the outreach staff of its mall; "not found" otherwise."""
    found = (
        _request_qs(user)
        .select_related("mall", "assigned_to", "created_by")
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.select_related("agency")),
            Prefetch(
                "visits",
                queryset=Visit.objects.select_related("vehicle").prefetch_related(
                    "team", "equipment", "services_done__service"
                ),
            ),
            Prefetch("events", queryset=OutreachEvent.objects.select_related("actor")),
        )
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise NotFound(f"No outreach request with id {request_id}")
    return found


def access_visit(*, user: Any, visit_id: int) -> Visit:
    """A visit of an outreach request `user` may see (the request's visibility decides)."""
    qs = (
        Visit.objects.filter(request__in=_request_qs(user))
        .select_related("request", "mall", "vehicle")
        .prefetch_related(
            "team", "equipment", Prefetch("request__services", queryset=Service.objects.all())
        )
    )
    visit = qs.filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(f"No visit with id {visit_id}")
    return visit


def outreach_request_list(
    *, user: Any, mall: Mall, status: str | None = None
) -> QuerySet[OutreachRequest]:
    access_outreach_mall(user=user, mall=mall)
    qs = (
        OutreachRequest.objects.filter(mall=mall)
        .select_related("assigned_to")
        .prefetch_related("services")
    )
    if status:
        if status not in OutreachRequest.Status.values:
            raise InvalidInput(
                f"Unknown status '{status}'; use one of {', '.join(OutreachRequest.Status.values)}",
                field="query.status",
            )
        qs = qs.filter(status=status)
    # Most urgent first, then by the first date the person can receive us.
    rank = Case(
        When(priority=OutreachRequest.Priority.URGENT, then=Value(0)),
        When(priority=OutreachRequest.Priority.HIGH, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(priority_rank=rank).order_by("priority_rank", "first_preferred_date", "id")


def outreach_personal_data_read(
    *, user: Any, outreach_request: OutreachRequest, request: HttpRequest | None = None
) -> dict[str, str]:
    """NIK and the disability and health notes, for an outreach officer of the request's mall.

    The caller has passed `access_outreach_request`; this checks again (defence in depth) and
    records the read in the audit trail, as UU 27/2022 asks."""
    if not is_outreach_staff(user, outreach_request.mall_id):
        raise NotFound()
    note = OutreachSensitiveNote.objects.filter(request=outreach_request).first()
    audit_record(
        actor=user,
        action="view",
        obj=outreach_request,
        summary=f"read NIK and sensitive notes of {outreach_request.reference}",
        request=request,
    )
    return {
        "nik": outreach_request.nik,
        "disability": note.disability if note else "",
        "health": note.health if note else "",
    }


def outreach_services(*, mall: Mall) -> QuerySet[Service]:
    return (
        Service.objects.filter(
            mall=mall, is_active=True, agency__is_active=True, offers_outreach=True
        )
        .select_related("agency")
        .order_by("agency__name", "name")
    )


def outreach_officers(*, mall: Mall) -> QuerySet[User]:
    ids = Membership.objects.filter(mall=mall, role=Role.OUTREACH_OFFICER).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


def outreach_vehicles(*, mall: Mall) -> QuerySet[Vehicle]:
    return Vehicle.objects.filter(mall=mall, is_active=True)


def outreach_equipment(*, mall: Mall) -> QuerySet[Equipment]:
    return Equipment.objects.filter(mall=mall, is_active=True)


def outreach_day_plan(*, user: Any, mall: Mall, day: date) -> list[dict[str, Any]]:
    """The visits of one day grouped by kecamatan, then kelurahan, in time order."""
    access_outreach_mall(user=user, mall=mall)
    visits = (
        Visit.objects.filter(mall=mall, date=day)
        .exclude(status=Visit.Status.CANCELLED)
        .select_related("request", "vehicle")
        .prefetch_related("team", "equipment", "request__services")
        .order_by("request__kecamatan", "request__kelurahan", "window_start", "id")
    )
    groups: OrderedDict[str, OrderedDict[str, list[Visit]]] = OrderedDict()
    for visit in visits:
        by_kelurahan = groups.setdefault(visit.request.kecamatan, OrderedDict())
        by_kelurahan.setdefault(visit.request.kelurahan, []).append(visit)
    return [
        {
            "kecamatan": kecamatan,
            "kelurahan": [{"name": name, "visits": items} for name, items in by_kel.items()],
        }
        for kecamatan, by_kel in groups.items()
    ]


def outreach_areas() -> list[dict[str, Any]]:
    return [{"kecamatan": k, "kelurahan": list(v)} for k, v in KOTA_YOGYAKARTA.items()]


def visit_service_form_fields(services: list[Any]) -> dict[int, list[Any]]:
    """The application form fields of each service that a visit turns into a dossier (a
    service taking working days), by service id, in the form's order."""
    from satupintu.dossiers.models import FormField

    ids = [s.pk for s in services if s.duration_unit == "working_days"]
    result: dict[int, list[Any]] = {}
    for field in FormField.objects.filter(service_id__in=ids).order_by("position", "id"):
        result.setdefault(field.service_id, []).append(field)
    return result


def outreach_public_status(*, mall: Any, reference: str) -> dict[str, Any]:
    """What anyone holding a JB number may see: the request's progress, the planned visit and
    the codes of what it became; never the person, the address or the notes."""
    from satupintu.core.errors import NotFound
    from satupintu.outreach.models import OutreachRequest, Visit, VisitService

    normalised = "".join(reference.upper().split())
    if not normalised.startswith("JB-"):
        normalised = "JB-" + normalised.removeprefix("JB")
    item = (
        OutreachRequest.objects.filter(mall=mall, reference=normalised)
        .prefetch_related("services")
        .first()
    )
    if item is None:
        raise NotFound("No home-visit request with this number", field="path.reference")
    planned = item.visits.filter(status=Visit.Status.SCHEDULED).order_by("date").first()
    done = list(
        VisitService.objects.filter(visit__request=item)
        .select_related("service", "visit")
        .order_by("visit__date", "pk")
    )
    return {
        "reference": item.reference,
        "status": item.status,
        "status_label": item.get_status_display(),
        "requested_on": mall.today(item.created_at),
        "services": [s.name for s in item.services.order_by("name")],
        "visit": {
            "date": planned.date,
            "window_start": planned.window_start,
            "window_end": planned.window_end,
        }
        if planned
        else None,
        "results": [
            {
                "service": row.service.name,
                "delivered": row.delivered,
                "reference": row.reference,
                "tracking": bool(row.dossier_id and row.reference),
                "visit_date": row.visit.date,
            }
            for row in done
        ],
        "steps": _status_steps(item.status),
    }


def _status_steps(status: str) -> list[dict[str, Any]]:
    """The request's path, each step marked done, current or to come."""
    from satupintu.outreach.models import OutreachRequest

    S = OutreachRequest.Status
    order = [S.REQUESTED, S.TRIAGED, S.SCHEDULED, S.VISITED, S.DONE]
    if status == S.CANCELLED:
        return [{"label": S.CANCELLED.label, "state": "current"}]
    position = order.index(S(status)) if status in order else 0
    return [
        {
            "label": step.label,
            "state": "done" if i < position else "current" if i == position else "todo",
        }
        for i, step in enumerate(order)
    ]
