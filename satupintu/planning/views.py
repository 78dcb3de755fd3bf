"""The staffing planner page (supervisors, mall admins): the plan of a day, what-ifs, CSV and a
printable roster."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from satupintu.catalog.models import Mall
from satupintu.catalog.selectors import live_services
from satupintu.core.errors import NotFound
from satupintu.planning import planner, selectors
from satupintu.queueing import selectors as queue_selectors

SHARE_CHOICES = (50, 60, 70, 75, 80, 85, 90, 95)


def _next_opening_day(mall: Mall) -> date:
    day = mall.today() + timedelta(days=1)
    for _step in range(14):
        if queue_selectors.mall_hours_on(mall, day) and not queue_selectors.mall_day_closed_reason(
            mall, day
        ):
            return day
        day += timedelta(days=1)
    return mall.today() + timedelta(days=1)


def _int(raw: str | None, low: int, high: int) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if low <= value <= high else None


def _read_form(request: HttpRequest, mall: Mall) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    raw_date = request.GET.get("date", "")
    day = _next_opening_day(mall)
    if raw_date:
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors["date"] = _("Enter a date as YYYY-MM-DD.")
    minutes = _int(request.GET.get("target_minutes", "15"), 1, 240)
    if minutes is None:
        errors["target_minutes"] = _("Enter whole minutes from 1 to 240.")
        minutes = 15
    share = _int(request.GET.get("target_share", "80"), 5, 99)
    if share is None:
        errors["target_share"] = _("Enter a percentage from 5 to 99.")
        share = 80
    edits: dict[tuple[int, int], int] = {}
    for key, value in request.GET.items():
        if not key.startswith("p-"):
            continue
        parts = key.split("-")
        group = _int(parts[1] if len(parts) == 3 else None, 0, 999)
        hour = _int(parts[2] if len(parts) == 3 else None, 0, 23)
        count = _int(str(value), 0, 200)
        if group is None or hour is None or count is None:
            errors["planned"] = _("Counters planned must be whole numbers from 0 to 200.")
            continue
        edits[(group, hour)] = count
    return {"day": day, "minutes": minutes, "share": share, "edits": edits}, errors


def _plan(mall: Mall, form: dict[str, Any]) -> tuple[dict[str, Any], set[tuple[int, int]]]:
    """The plan with the page's edits: a cell counts as a what-if only where it differs from
    the recommendation."""
    base = planner.plan_day(
        mall=mall, day=form["day"], target_minutes=form["minutes"], target_share=form["share"] / 100
    )
    recommended = {
        (g["group"], int(h["hour"][:2])): g["counters_planned"]
        for h in base["hours"]
        for g in h["groups"]
    }
    changed = {
        cell: n
        for cell, n in form["edits"].items()
        if cell in recommended and recommended[cell] != n
    }
    if not changed:
        return base, set()
    plan = planner.plan_day(
        mall=mall,
        day=form["day"],
        target_minutes=form["minutes"],
        target_share=form["share"] / 100,
        planned=changed,
    )
    return plan, set(changed)


def _by_group(plan: dict[str, Any], changed: set[tuple[int, int]]) -> list[dict[str, Any]]:
    out = []
    for group in plan["groups"]:
        rows = []
        for hour in plan["hours"]:
            for cell in hour["groups"]:
                if cell["group"] == group["index"]:
                    rows.append(
                        {
                            **cell,
                            "hour": hour["hour"],
                            "hour_int": int(hour["hour"][:2]),
                            "share_pct": round(100 * cell["share_within_target"]),
                            "erlang_pct": round(100 * cell["share_erlang"]),
                            "edited": (group["index"], int(hour["hour"][:2])) in changed,
                        }
                    )
        out.append({**group, "rows": rows, "counters": len(group["counter_ids"])})
    return out


@login_required
@require_GET
def planner_page(request: HttpRequest, mall_slug: str) -> HttpResponse:
    try:
        mall = selectors.access_planner(request.user, mall_slug=mall_slug)
    except NotFound as exc:
        raise Http404("No such planner") from exc
    form, errors = _read_form(request, mall)
    plan, changed = _plan(mall, form)
    fmt = request.GET.get("format", "")
    if fmt == "csv" and not errors:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="rencana-loket-{mall.slug}-{plan["date"]}.csv"'
        )
        writer = csv.writer(response)
        for row in planner.plan_csv_rows(plan):
            writer.writerow(row)
        return response
    services = dict(live_services(mall).values_list("id", "name"))
    groups = _by_group(plan, changed)
    for group in groups:
        group["service_names"] = [services.get(s, str(s)) for s in group["service_ids"]]
    context = {
        "mall": mall,
        "plan": plan,
        "groups": groups,
        "form": form,
        "errors": errors,
        "share_choices": SHARE_CHOICES,
        "query": request.GET.urlencode(),
    }
    template = "planning/roster.html" if fmt == "print" else "planning/planner.html"
    return render(request, template, context, status=422 if errors else 200)
