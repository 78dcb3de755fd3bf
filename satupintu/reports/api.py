"""The reports API: KPIs, series and tables for staff; an aggregate-only public summary.
`GET /reports/ikm` lives in the feedback app."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from satupintu.accounts.auth import STAFF_AUTH, public_auth
from satupintu.catalog.selectors import mall_get
from satupintu.core.errors import NotFound
from satupintu.core.schemas import Id, Slug
from satupintu.reports import selectors
from satupintu.reports.schemas import (
    BacklogRowOut,
    CounterRowOut,
    KpisOut,
    MallRowOut,
    OfficerRowOut,
    OverdueRowOut,
    PublicSummaryOut,
    SeriesRowOut,
)

router = Router(tags=["reports"])

FROM = Query(..., alias="from")
TO = Query(..., alias="to")


@router.get("/reports/kpis", response=KpisOut, auth=STAFF_AUTH, by_alias=True)
def report_kpis(
    request: HttpRequest,
    mall: Slug,
    date_from: date = FROM,
    date_to: date = TO,
    agency: Id | None = None,
    service: Id | None = None,
) -> dict[str, Any]:
    the_mall, agency_id = selectors.access_report_scope(
        request.user, mall_slug=mall, agency_id=agency
    )
    return selectors.kpis(
        mall=the_mall,
        agency_id=agency_id,
        service_id=service,
        date_from=date_from,
        date_to=date_to,
    )


@router.get("/reports/series", response=list[SeriesRowOut], auth=STAFF_AUTH)
def report_series(
    request: HttpRequest,
    mall: Slug,
    date_from: date = FROM,
    date_to: date = TO,
    agency: Id | None = None,
    service: Id | None = None,
    bucket: selectors.Bucket = "day",
) -> list[dict[str, Any]]:
    the_mall, agency_id = selectors.access_report_scope(
        request.user, mall_slug=mall, agency_id=agency
    )
    return selectors.ticket_series(
        mall=the_mall,
        agency_id=agency_id,
        service_id=service,
        date_from=date_from,
        date_to=date_to,
        bucket=bucket,
    )


@router.get("/reports/backlog", response=list[BacklogRowOut], auth=STAFF_AUTH)
def report_backlog(
    request: HttpRequest, mall: Slug, on: date | None = None, agency: Id | None = None
) -> list[dict[str, Any]]:
    the_mall, agency_id = selectors.access_report_scope(
        request.user, mall_slug=mall, agency_id=agency
    )
    day = on or the_mall.today()
    return selectors.dossier_backlog_by_age(mall=the_mall, agency_id=agency_id, on=day)


@router.get("/reports/overdue", response=list[OverdueRowOut], auth=STAFF_AUTH)
def report_overdue(
    request: HttpRequest, mall: Slug, on: date | None = None, agency: Id | None = None
) -> list[dict[str, Any]]:
    the_mall, agency_id = selectors.access_report_scope(
        request.user, mall_slug=mall, agency_id=agency
    )
    day = on or the_mall.today()
    return selectors.overdue_by_agency(mall=the_mall, on=day, agency_id=agency_id)


@router.get("/reports/counters", response=list[CounterRowOut], auth=STAFF_AUTH)
def report_counters(
    request: HttpRequest,
    mall: Slug,
    date_from: date = FROM,
    date_to: date = TO,
    agency: Id | None = None,
) -> list[dict[str, Any]]:
    the_mall, agency_id = selectors.access_report_scope(
        request.user, mall_slug=mall, agency_id=agency
    )
    return selectors.counter_utilisation(
        mall=the_mall, date_from=date_from, date_to=date_to, agency_id=agency_id
    )


@router.get("/reports/officers", response=list[OfficerRowOut], auth=STAFF_AUTH)
def report_officers(
    request: HttpRequest,
    mall: Slug,
    date_from: date = FROM,
    date_to: date = TO,
    agency: Id | None = None,
) -> list[dict[str, Any]]:
    the_mall, agency_id = selectors.access_report_scope(
        request.user, mall_slug=mall, agency_id=agency
    )
    return selectors.officer_throughput(
        mall=the_mall, agency_id=agency_id, date_from=date_from, date_to=date_to
    )


@router.get("/reports/comparison", response=list[MallRowOut], auth=STAFF_AUTH)
def report_comparison(
    request: HttpRequest,
    date_from: date = FROM,
    date_to: date = TO,
    malls: str | None = Query(None, max_length=1000, pattern=r"^[-a-zA-Z0-9_, ]*$"),
) -> list[dict[str, Any]]:
    """Malls side by side: every mall the caller sees whole (mall-wide supervisor, mall admin or
    viewer), or the comma-separated `malls` slugs among them (another slug -> 404)."""
    visible = selectors.report_mall_ids(request.user)
    if malls:
        wanted = []
        for slug in [s.strip() for s in malls.split(",") if s.strip()]:
            mall = mall_get(slug=slug)
            if mall.pk not in visible:
                raise NotFound(f"No mall with slug '{slug}'")
            wanted.append(mall.pk)
        visible = wanted
    if not visible:
        raise NotFound("No malls to compare")
    return selectors.mall_comparison(mall_ids=visible, date_from=date_from, date_to=date_to)


@router.get(
    "/reports/public",
    response=PublicSummaryOut,
    auth=public_auth("reports_public"),
    by_alias=True,
)
def report_public(
    request: HttpRequest, mall: Slug, date_from: date = FROM, date_to: date = TO
) -> dict[str, Any]:
    """The transparency figures of a mall: aggregates only, nothing personal (anyone)."""
    the_mall = mall_get(slug=mall)
    return selectors.public_summary(mall=the_mall, date_from=date_from, date_to=date_to)
