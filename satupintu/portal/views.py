"""The public catalog pages of a mall, and the staff home. Each view reads through selectors and
renders; "not found" from a selector becomes a 404 page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from satupintu.accounts.models import Role
from satupintu.accounts.selectors import staff_roles_summary
from satupintu.catalog.models import Channel, Mall
from satupintu.catalog.selectors import mall_get, mall_list
from satupintu.portal import selectors
from satupintu.queueing import selectors as queue_selectors

# The four service models of an MPP, in the order the mall presents them.
SERVICE_MODELS = [Channel.WALK_IN, Channel.DRIVE_THRU, "integrated", Channel.ONLINE]
SEARCH_MAX_LENGTH = 100


def home(request: HttpRequest) -> HttpResponse:
    malls = list(mall_list())
    if len(malls) == 1:
        return redirect("portal:mall", slug=malls[0].slug)
    return render(request, "portal/home.html", {"malls": malls})


def _mall_context(mall: Mall) -> dict[str, Any]:
    return {"mall": mall, "slug": mall.slug}


def mall_home(request: HttpRequest, slug: str) -> HttpResponse:
    mall = mall_get(slug=slug)
    now = mall.local_now()
    week = selectors.mall_week(mall, today=now.date())
    counts = selectors.channel_counts(mall)
    bundles = list(selectors.portal_bundles(mall))
    return render(
        request,
        "portal/mall_home.html",
        {
            **_mall_context(mall),
            "now": now,
            "today": week[0],
            "open_now": selectors.is_open_now(week, now),
            "opens_later_today": selectors.opens_later_today(week, now),
            "week": week,
            "upcoming_closures": selectors.mall_upcoming_closures(mall, today=now.date()),
            "floors": list(mall.floors.all()),
            "channel_counts": counts,
            "bundles": bundles,
            "agencies": list(selectors.portal_agencies(mall)),
        },
    )


def agency_detail(request: HttpRequest, slug: str, agency_slug: str) -> HttpResponse:
    mall = mall_get(slug=slug)
    agency = selectors.portal_agency_get(mall, agency_slug)
    services = list(selectors.portal_service_search(mall, agency=agency))
    counters = list(selectors.agency_counters(agency))
    return render(
        request,
        "portal/agency_detail.html",
        {
            **_mall_context(mall),
            "agency": agency,
            "services": services,
            "counters": counters,
        },
    )


def service_list(request: HttpRequest, slug: str) -> HttpResponse:
    mall = mall_get(slug=slug)
    q = request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    channel = request.GET.get("channel", "")
    if channel not in Channel.values:
        channel = ""
    agencies = list(selectors.portal_agencies(mall))
    agency_slug = request.GET.get("agency", "")
    agency = next((a for a in agencies if a.slug == agency_slug), None)
    services = list(selectors.portal_service_search(mall, q=q, channel=channel, agency=agency))
    context = {
        **_mall_context(mall),
        "q": q,
        "channel": channel,
        "channels": Channel.choices,
        "agencies": agencies,
        "agency": agency,
        "services": services,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/_service_results.html", context)
    return render(request, "portal/service_list.html", context)


def service_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    mall = mall_get(slug=slug)
    service = selectors.portal_service_get(mall, code)
    requirements = list(service.requirements.all())
    return render(
        request,
        "portal/service_detail.html",
        {
            **_mall_context(mall),
            "service": service,
            "requirements": requirements,
            "has_optional": any(not r.mandatory for r in requirements),
            "counters": list(service.counters.all()),
        },
    )


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    roles = staff_roles_summary(request.user)
    # Counter officers pick the counter they work at today: one console link per counter.
    counter_malls = {r["mall"] for r in roles if r["role"] == Role.COUNTER_OFFICER}
    counters = selectors.staff_counters(mall_slugs=counter_malls) if counter_malls else {}
    # The counter the officer holds comes first, with its queue: that is where the work is.
    session = queue_selectors.officer_active_session(request.user)
    held: dict[str, Any] | None = None
    if session is not None:
        held = {"counter": session.counter, "state": queue_selectors.counter_state(session.counter)}
    for r in roles:
        mine = counters.get(r["mall"], []) if r["role"] == Role.COUNTER_OFFICER else []
        if session is not None:
            mine = sorted(mine, key=lambda c: c.pk != session.counter_id)
        r["counters"] = mine
    return render(request, "portal/staff_home.html", {"roles": roles, "held": held})
