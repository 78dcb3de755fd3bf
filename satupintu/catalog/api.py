from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from satupintu.accounts.auth import public_auth
from satupintu.catalog import selectors, services
from satupintu.catalog.models import Agency, Counter, Mall, Service
from satupintu.catalog.schemas import (
    AgencyOut,
    ChannelName,
    CounterOut,
    MallDetailOut,
    MallOut,
    MallPatch,
    ServiceDetailOut,
    ServiceOut,
    ServicePatch,
    WorkingDaysOut,
)
from satupintu.core.errors import InvalidInput
from satupintu.core.schemas import Id, Slug, Text, paginated
from satupintu.core.workdays import add_working_days

router = Router(tags=["catalog"])

# The catalog is what kiosks, apps and partner sites read to show services: generous, but
# still limited per address for anonymous readers.
CATALOG_READ = public_auth("catalog-read", rate="120/m")
CALENDAR_FIRST_DAY = date(2000, 1, 1)
CALENDAR_LAST_DAY = date(2095, 12, 31)


def mall_detail(mall: Mall) -> dict[str, Any]:
    return {
        "id": mall.pk,
        "slug": mall.slug,
        "name": mall.name,
        "timezone": mall.timezone,
        "address": mall.address,
        "city": mall.city,
        "province": mall.province,
        "phone": mall.phone,
        "email": mall.email,
        "operator": mall.operator,
        "opening_hours": [
            {"weekday": h.weekday, "opens": h.opens, "closes": h.closes}
            for h in mall.opening_hours.all()
        ],
        "closure_days": [{"date": c.date, "reason": c.reason} for c in mall.closure_days.all()],
        "floors": [
            {"id": f.pk, "number": f.number, "name": f.name, "status": f.status}
            for f in mall.floors.all()
        ],
    }


def agency_out(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.pk,
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "counter_ids": selectors.agency_counter_ids(agency),
        "partnership_status": selectors.agency_partnership_status(agency),
    }


def service_out(service: Service) -> dict[str, Any]:
    return {
        "id": service.pk,
        "code": service.code,
        "name": service.name,
        "name_en": service.name_en,
        "agency_id": service.agency_id,
        "agency_name": service.agency.name,
        "kind": service.kind,
        "channels": service.channels,
        "queue_prefix": service.queue_prefix,
        "standard": {
            "requirements": [
                {
                    "id": r.pk,
                    "name": r.name,
                    "document": r.document,
                    "mandatory": r.mandatory,
                    "note": r.note,
                    "key": r.key,
                    "accepted_types": [t for t in r.accepted_types.split(",") if t],
                    "max_size_kb": r.max_size_kb,
                }
                for r in service.requirements.all()
            ],
            "procedure": service.procedure,
            "duration": {"value": service.duration_value, "unit": service.duration_unit},
            "fee": service.fee,
            "fee_note": service.fee_note,
            "fee_rule": service.fee_rule,
            "product": service.product,
            "complaint_handling": service.complaint_handling,
            "legal_basis": service.legal_basis,
            "facilities": service.facilities,
            "staff_competence": service.staff_competence,
            "internal_supervision": service.internal_supervision,
            "staff_count": service.staff_count,
            "service_guarantee": service.service_guarantee,
            "security_guarantee": service.security_guarantee,
            "performance_evaluation": service.performance_evaluation,
        },
    }


def service_detail(service: Service) -> dict[str, Any]:
    return {
        **service_out(service),
        "description": service.description,
        "mall": service.mall.slug,
        "daily_quota": {str(ch): service.daily_quota(ch) for ch in Service.QUOTA_FIELDS},
    }


def counter_out(counter: Counter) -> dict[str, Any]:
    services_here = list(counter.services.all())
    return {
        "id": counter.pk,
        "number": counter.number,
        "name": counter.name,
        "floor": counter.floor.number,
        "area": counter.area,
        "mode": counter.mode,
        "service_ids": sorted(s.pk for s in services_here),
        "agency_ids": sorted({s.agency_id for s in services_here}),
    }


@router.get("/malls", response=list[MallOut], auth=CATALOG_READ)
@paginated
def malls_list(request: HttpRequest) -> Any:
    return selectors.mall_list()


@router.get("/malls/{slug}", response=MallDetailOut, auth=CATALOG_READ)
def malls_get(request: HttpRequest, slug: Slug) -> dict[str, Any]:
    return mall_detail(selectors.mall_get(slug=slug))


@router.patch("/malls/{slug}", response=MallDetailOut)
def malls_update(request: HttpRequest, slug: Slug, payload: MallPatch) -> dict[str, Any]:
    mall = selectors.access_mall_for_admin(user=request.user, slug=slug)
    services.mall_update(actor=request.user, mall=mall, data=payload, request=request)
    return mall_detail(selectors.mall_get(slug=slug))


@router.get("/agencies", response=list[AgencyOut], auth=CATALOG_READ)
@paginated
def agencies_list(request: HttpRequest, mall: Slug) -> Any:
    return [agency_out(a) for a in selectors.agency_list(mall=selectors.mall_get(slug=mall))]


@router.get("/services", response=list[ServiceOut], auth=CATALOG_READ)
@paginated
def services_list(
    request: HttpRequest,
    mall: Slug,
    agency: Id | None = None,
    channel: ChannelName | None = None,
    q: Text | None = Query(None, max_length=100),  # noqa: B008
) -> Any:
    qs = selectors.service_list(
        mall=selectors.mall_get(slug=mall), agency_id=agency, channel=channel, q=q
    )
    return [service_out(s) for s in qs]


@router.get("/services/{service_id}", response=ServiceDetailOut, auth=CATALOG_READ)
def services_get(request: HttpRequest, service_id: Id) -> dict[str, Any]:
    return service_detail(selectors.service_get(service_id=service_id))


@router.patch("/services/{service_id}", response=ServiceDetailOut)
def services_update(request: HttpRequest, service_id: Id, payload: ServicePatch) -> Any:
    service = selectors.access_service_for_edit(user=request.user, service_id=service_id)
    services.service_update(actor=request.user, service=service, data=payload, request=request)
    return service_detail(
        selectors.access_service_for_edit(user=request.user, service_id=service_id)
    )


@router.get("/counters", response=list[CounterOut], auth=CATALOG_READ)
@paginated
def counters_list(request: HttpRequest, mall: Slug) -> Any:
    return [counter_out(c) for c in selectors.counter_list(mall=selectors.mall_get(slug=mall))]


@router.get("/calendar/add-working-days", response=WorkingDaysOut, auth=CATALOG_READ)
def calendar_add_working_days(
    request: HttpRequest, mall: Slug, start: date, days: int = Query(..., ge=0, le=1000)
) -> Any:
    if not CALENDAR_FIRST_DAY <= start <= CALENDAR_LAST_DAY:
        # The holiday tables cover these years; beyond them (year 9999) the date arithmetic
        # itself would overflow.
        raise InvalidInput(
            f"start must lie between {CALENDAR_FIRST_DAY} and {CALENDAR_LAST_DAY}",
            field="query.start",
        )
    mall_obj = selectors.mall_get(slug=mall)
    due, skipped = add_working_days(
        start, days, selectors.mall_closures(mall=mall_obj, start=start)
    )
    return {
        "start": start,
        "days": days,
        "due": due,
        "skipped": [{"date": s.date, "reason": s.reason} for s in skipped],
    }
