"""JSON API of jemput bola under /api/v1/outreach/. Creating a request is public (rate limited);
everything else is for the outreach officers of the request's mall, and answers 404 to anyone
else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status

from satupintu.accounts.auth import public_auth
from satupintu.catalog.selectors import mall_get
from satupintu.core.schemas import Id, Slug, paginated
from satupintu.outreach import selectors, services
from satupintu.outreach.models import OutreachRequest, Visit
from satupintu.outreach.schemas import (
    AreaOut,
    CancelIn,
    DayPlanOut,
    NoteIn,
    OutreachRequestCreatedOut,
    OutreachRequestDetailOut,
    OutreachRequestIn,
    OutreachRequestOut,
    ResourcesOut,
    ScheduleIn,
    TriageIn,
    VisitOut,
    VisitOutcomeIn,
)

router = Router(tags=["outreach"])


class MappedPage:
    """A queryset the paginator slices and counts, turning only the page's rows into dicts."""

    def __init__(self, qs: QuerySet[Any], fn: Callable[[Any], dict[str, Any]]) -> None:
        self.qs = qs
        self.fn = fn

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [self.fn(item) for item in self.qs[page]]


def request_out(item: OutreachRequest) -> dict[str, Any]:
    return {
        "id": item.pk,
        "reference": item.reference,
        "mall": item.mall.slug,
        "person_name": item.person_name,
        "phone": item.phone,
        "address": item.address,
        "kecamatan": item.kecamatan,
        "kelurahan": item.kelurahan,
        "services": [{"id": s.pk, "code": s.code, "name": s.name} for s in item.services.all()],
        "preferred_dates": item.preferred_dates,
        "requested_by": item.requested_by,
        "requester_name": item.requester_name,
        "reason": item.reason,
        "status": item.status,
        "priority": item.priority,
        "assigned_to_id": item.assigned_to_id,
        "created_at": item.created_at,
    }


def visit_out(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "request_id": visit.request_id,
        "date": visit.date,
        "window_start": visit.window_start,
        "window_end": visit.window_end,
        "team_ids": sorted(u.pk for u in visit.team.all()),
        "vehicle_id": visit.vehicle_id,
        "equipment_ids": sorted(e.pk for e in visit.equipment.all()),
        "status": visit.status,
        "plan_note": visit.plan_note,
        "outcome_note": visit.outcome_note,
        "result_delivery_home": visit.result_delivery_home,
        "services": [
            {
                "service_id": row.service_id,
                "delivered": row.delivered,
                "note": row.note,
                "ticket_id": row.ticket_id,
                "dossier_id": row.dossier_id,
                "reference": row.reference,
            }
            for row in visit.services_done.all()
        ],
    }


def _detail(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    item = selectors.access_outreach_request(user=request.user, request_id=request_id)
    return {
        **request_out(item),
        "triage_note": item.triage_note,
        "personal_data": selectors.outreach_personal_data_read(
            user=request.user, outreach_request=item, request=request
        ),
        "visits": [visit_out(v) for v in item.visits.all()],
        "history": [
            {
                "at": e.at,
                "actor": e.actor.get_username() if e.actor else None,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "visit_id": e.visit_id,
            }
            for e in item.events.all()
        ],
        "allowed_actions": services.allowed_actions(item),
    }


@router.get(
    "/outreach/areas", response=list[AreaOut], auth=public_auth("outreach-areas", rate="120/m")
)
def areas(request: HttpRequest) -> list[dict[str, Any]]:
    """The 14 kecamatan and 45 kelurahan of Kota Yogyakarta that outreach visits."""
    return selectors.outreach_areas()


@router.post(
    "/outreach/requests",
    response={201: OutreachRequestCreatedOut},
    auth=public_auth("outreach.request"),
)
def request_create(request: HttpRequest, payload: OutreachRequestIn) -> Status:
    mall = mall_get(slug=payload.mall)
    created = services.outreach_request_create(
        mall=mall,
        actor=request.user,
        data=services.NewOutreachRequest(
            person_name=payload.person_name,
            nik=payload.nik,
            phone=payload.phone,
            address=payload.address,
            kecamatan=payload.kecamatan,
            kelurahan=payload.kelurahan,
            service_ids=payload.service_ids,
            preferred_dates=payload.preferred_dates,
            requested_by=payload.requested_by,
            requester_name=payload.requester_name,
            reason=payload.reason,
            disability_note=payload.disability_note,
            health_note=payload.health_note,
        ),
    )
    return Status(201, created)


@router.get("/outreach/requests", response=list[OutreachRequestOut])
@paginated
def request_list(
    request: HttpRequest,
    mall: Slug,
    status: OutreachRequest.Status | None = None,
) -> list[dict[str, Any]]:
    qs = selectors.outreach_request_list(user=request.user, mall=mall_get(slug=mall), status=status)
    return MappedPage(qs.select_related("mall"), request_out)  # type: ignore[return-value]


@router.get("/outreach/requests/{request_id}", response=OutreachRequestDetailOut)
def request_detail(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    """One request with its NIK and sensitive notes; every call is recorded in the audit trail."""
    return _detail(request, request_id)


@router.post("/outreach/requests/{request_id}/triage", response=OutreachRequestOut)
def request_triage(request: HttpRequest, request_id: Id, payload: TriageIn) -> dict[str, Any]:
    item = selectors.access_outreach_request(user=request.user, request_id=request_id)
    updated = services.outreach_request_triage(
        actor=request.user,
        outreach_request=item,
        priority=payload.priority,
        assigned_to_id=payload.assigned_to_id,
        note=payload.note,
    )
    return request_out(updated)


@router.post("/outreach/requests/{request_id}/schedule", response={201: VisitOut})
def request_schedule(request: HttpRequest, request_id: Id, payload: ScheduleIn) -> Status:
    item = selectors.access_outreach_request(user=request.user, request_id=request_id)
    visit = services.visit_schedule(
        actor=request.user,
        outreach_request=item,
        plan=services.VisitPlan(
            date=payload.date,
            window_start=payload.window_start,
            window_end=payload.window_end,
            team_ids=payload.team_ids,
            vehicle_id=payload.vehicle_id,
            equipment_ids=payload.equipment_ids,
            note=payload.note,
        ),
    )
    return Status(201, visit_out(visit))


@router.post("/outreach/visits/{visit_id}/outcome", response=VisitOut)
def visit_outcome(request: HttpRequest, visit_id: Id, payload: VisitOutcomeIn) -> dict[str, Any]:
    visit = selectors.access_visit(user=request.user, visit_id=visit_id)
    recorded = services.visit_record(
        actor=request.user,
        visit=visit,
        met=payload.outcome == "completed",
        services=[
            services.ServiceOutcome(
                service_id=s.service_id, delivered=s.delivered, note=s.note, form=s.form
            )
            for s in payload.services
        ],
        result_delivery_home=payload.result_delivery_home,
        note=payload.note,
    )
    return visit_out(recorded)


@router.get("/outreach/visits/{visit_id}", response=VisitOut)
def visit_detail(request: HttpRequest, visit_id: Id) -> dict[str, Any]:
    return visit_out(selectors.access_visit(user=request.user, visit_id=visit_id))


@router.post("/outreach/requests/{request_id}/complete", response=OutreachRequestOut)
def request_complete(request: HttpRequest, request_id: Id, payload: NoteIn) -> dict[str, Any]:
    item = selectors.access_outreach_request(user=request.user, request_id=request_id)
    return request_out(
        services.outreach_request_complete(
            actor=request.user, outreach_request=item, note=payload.note
        )
    )


@router.post("/outreach/requests/{request_id}/cancel", response=OutreachRequestOut)
def request_cancel(request: HttpRequest, request_id: Id, payload: CancelIn) -> dict[str, Any]:
    item = selectors.access_outreach_request(user=request.user, request_id=request_id)
    return request_out(
        services.outreach_request_cancel(
            actor=request.user, outreach_request=item, reason=payload.reason
        )
    )


@router.get("/outreach/day-plan", response=DayPlanOut)
def day_plan(
    request: HttpRequest,
    mall: Slug,
    day: date = Query(..., alias="date"),  # noqa: B008
) -> dict[str, Any]:
    the_mall = mall_get(slug=mall)
    groups = selectors.outreach_day_plan(user=request.user, mall=the_mall, day=day)
    return {
        "mall": the_mall.slug,
        "date": day,
        "groups": [
            {
                "kecamatan": g["kecamatan"],
                "kelurahan": [
                    {
                        "name": k["name"],
                        "visits": [
                            {
                                "visit_id": v.pk,
                                "request_id": v.request_id,
                                "reference": v.request.reference,
                                "person_name": v.request.person_name,
                                "address": v.request.address,
                                "phone": v.request.phone,
                                "window_start": v.window_start,
                                "window_end": v.window_end,
                                "status": v.status,
                                "services": [s.code for s in v.request.services.all()],
                                "team": [u.get_username() for u in v.team.all()],
                                "vehicle": str(v.vehicle) if v.vehicle else None,
                                "equipment": [e.name for e in v.equipment.all()],
                            }
                            for v in k["visits"]
                        ],
                    }
                    for k in g["kelurahan"]
                ],
            }
            for g in groups
        ],
    }


@router.get("/outreach/resources", response=ResourcesOut)
def resources(request: HttpRequest, mall: Slug) -> dict[str, Any]:
    """Officers, vehicles and equipment to plan visits with."""
    the_mall = selectors.access_outreach_mall(user=request.user, mall=mall_get(slug=mall))
    return {
        "officers": [
            {"id": u.pk, "name": u.display_name()}
            for u in selectors.outreach_officers(mall=the_mall)
        ],
        "vehicles": [
            {"id": v.pk, "name": str(v)} for v in selectors.outreach_vehicles(mall=the_mall)
        ],
        "equipment": [
            {"id": e.pk, "name": e.name} for e in selectors.outreach_equipment(mall=the_mall)
        ],
    }
