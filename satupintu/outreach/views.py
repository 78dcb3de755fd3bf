"""Pages of jemput bola: the public request form, and the outreach officers' pages (phone
entry, list and triage, request detail with scheduling, visit outcome, printable day plan)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satupintu.catalog.models import Mall
from satupintu.catalog.selectors import mall_get
from satupintu.core.errors import DomainError
from satupintu.core.ratelimit import RateLimit, rate_limited
from satupintu.outreach import selectors, services
from satupintu.outreach.areas import KOTA_YOGYAKARTA
from satupintu.outreach.forms import (
    OutreachRequestForm,
    ScheduleForm,
    TriageForm,
    VisitOutcomeForm,
    outcome_field_name,
    put_error_on_form,
)
from satupintu.outreach.models import OutreachRequest, Visit


def _public_mall(slug: str) -> Mall:
    return mall_get(slug=slug)


def _staff_mall(request: HttpRequest, slug: str) -> Mall:
    return selectors.access_outreach_mall(user=request.user, mall=mall_get(slug=slug))


def _staff_request(request: HttpRequest, slug: str, pk: int) -> OutreachRequest:
    item = selectors.access_outreach_request(user=request.user, request_id=pk)
    if item.mall.slug != slug:
        raise Http404
    return item


def _create_from_form(
    request: HttpRequest, mall: Mall, form: OutreachRequestForm
) -> OutreachRequest | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return services.outreach_request_create(
            mall=mall,
            actor=request.user,
            data=services.NewOutreachRequest(
                person_name=data["person_name"],
                nik=data["nik"],
                phone=data["phone"],
                address=data["address"],
                kecamatan=data["kecamatan"],
                kelurahan=data["kelurahan"],
                service_ids=[s.pk for s in data["services"]],
                preferred_dates=form.preferred_dates(),
                requested_by=data["requested_by"],
                requester_name=data["requester_name"],
                reason=data["reason"],
                disability_note=data["disability_note"],
                health_note=data["health_note"],
            ),
        )
    except DomainError as exc:
        put_error_on_form(form, exc)
        return None


@rate_limited(RateLimit("outreach.request"))
def request_form(request: HttpRequest, slug: str) -> HttpResponse:
    """Public: a person or a family member asks for a home visit."""
    mall = _public_mall(slug)
    form = OutreachRequestForm(request.POST or None, mall=mall)
    status = 200
    if request.method == "POST":
        created = _create_from_form(request, mall, form)
        if created is not None:
            return render(request, "outreach/request_thanks.html", {"mall": mall, "item": created})
        status = 422
    return render(
        request,
        "outreach/request_form.html",
        {"mall": mall, "form": form, "areas": KOTA_YOGYAKARTA, "by_officer": False},
        status=status,
    )


@rate_limited(RateLimit("outreach.status"), methods=["GET"])
def request_status(request: HttpRequest, slug: str, reference: str = "") -> HttpResponse:
    """Public: the progress of a home-visit request, by its JB number (no personal data)."""
    mall = _public_mall(slug)
    reference = (reference or request.GET.get("ref", "")).replace("\x00", "").strip()[:32]
    if not reference:
        return render(request, "outreach/request_status.html", {"mall": mall, "s": None})
    if "ref" in request.GET and not request.resolver_match.kwargs.get("reference"):  # type: ignore[union-attr]
        return redirect("outreach:status", slug=slug, reference=reference.upper())
    try:
        data = selectors.outreach_public_status(mall=mall, reference=reference)
    except DomainError:
        return render(
            request,
            "outreach/request_status.html",
            {
                "mall": mall,
                "s": None,
                "ref": reference,
                "error": _("No home-visit request has this number. Check it and try again."),
            },
            status=404,
        )
    return render(request, "outreach/request_status.html", {"mall": mall, "s": data})


@login_required
def phone_request_form(request: HttpRequest, slug: str) -> HttpResponse:
    """Outreach officer: enter a request taken by phone."""
    mall = _staff_mall(request, slug)
    form = OutreachRequestForm(request.POST or None, mall=mall, by_officer=True)
    if request.method == "POST":
        created = _create_from_form(request, mall, form)
        if created is not None:
            messages.success(request, _("Request %(ref)s saved.") % {"ref": created.reference})
            return redirect("outreach:detail", slug=slug, pk=created.pk)
    return render(
        request,
        "outreach/request_form.html",
        {"mall": mall, "form": form, "areas": KOTA_YOGYAKARTA, "by_officer": True},
        status=422 if form.errors else 200,
    )


@login_required
def request_list(request: HttpRequest, slug: str) -> HttpResponse:
    mall = _staff_mall(request, slug)
    status = request.GET.get("status") or None
    if status not in (None, *OutreachRequest.Status.values):
        status = None
    items = selectors.outreach_request_list(user=request.user, mall=mall, status=status)
    return render(
        request,
        "outreach/request_list.html",
        {
            "mall": mall,
            "items": items[:200],
            "status": status,
            "statuses": OutreachRequest.Status.choices,
            "today": mall.today(),
        },
    )


def _detail_context(request: HttpRequest, item: OutreachRequest, **extra: Any) -> dict[str, Any]:
    mall = item.mall
    officers = selectors.outreach_officers(mall=mall)
    context = {
        "mall": mall,
        "item": item,
        "personal": selectors.outreach_personal_data_read(
            user=request.user, outreach_request=item, request=request
        ),
        "allowed": services.allowed_actions(item),
        "triage_form": TriageForm(
            officers=officers,
            initial={
                "priority": item.priority,
                "assigned_to": item.assigned_to_id,
                "note": item.triage_note,
            },
        ),
        "schedule_form": ScheduleForm(
            officers=officers,
            vehicles=selectors.outreach_vehicles(mall=mall),
            equipment=selectors.outreach_equipment(mall=mall),
            initial={"date": item.first_preferred_date, "team": [request.user.pk]},
        ),
        "scheduled_visit": next(
            (v for v in item.visits.all() if v.status == Visit.Status.SCHEDULED), None
        ),
    }
    context.update(extra)
    return context


@login_required
def request_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The request with its personal data: each time this page is shown, the audit trail
    records that the officer read the NIK and the sensitive notes."""
    item = _staff_request(request, slug, pk)
    return render(request, "outreach/request_detail.html", _detail_context(request, item))


@login_required
@require_POST
def request_triage(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = _staff_request(request, slug, pk)
    form = TriageForm(request.POST, officers=selectors.outreach_officers(mall=item.mall))
    if form.is_valid():
        try:
            services.outreach_request_triage(
                actor=request.user,
                outreach_request=item,
                priority=form.cleaned_data["priority"],
                assigned_to_id=form.cleaned_data["assigned_to"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            messages.success(request, _("Request triaged."))
            return redirect("outreach:detail", slug=slug, pk=pk)
    return render(
        request,
        "outreach/request_detail.html",
        _detail_context(request, item, triage_form=form),
        status=409 if form.errors.get("__all__") else 422,
    )


@login_required
@require_POST
def request_schedule(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = _staff_request(request, slug, pk)
    mall = item.mall
    form = ScheduleForm(
        request.POST,
        officers=selectors.outreach_officers(mall=mall),
        vehicles=selectors.outreach_vehicles(mall=mall),
        equipment=selectors.outreach_equipment(mall=mall),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_schedule(
                actor=request.user,
                outreach_request=item,
                plan=services.VisitPlan(
                    date=data["date"],
                    window_start=data["window_start"],
                    window_end=data["window_end"],
                    team_ids=data["team"],
                    vehicle_id=data["vehicle"],
                    equipment_ids=data["equipment"],
                    note=data["note"],
                ),
            )
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            messages.success(request, _("Visit scheduled."))
            return redirect("outreach:detail", slug=slug, pk=pk)
    return render(
        request,
        "outreach/request_detail.html",
        _detail_context(request, item, schedule_form=form),
        status=422,
    )


@login_required
@require_POST
def request_complete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = _staff_request(request, slug, pk)
    try:
        services.outreach_request_complete(
            actor=request.user, outreach_request=item, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Request closed."))
    return redirect("outreach:detail", slug=slug, pk=pk)


@login_required
@require_POST
def request_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = _staff_request(request, slug, pk)
    try:
        services.outreach_request_cancel(
            actor=request.user, outreach_request=item, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Request cancelled."))
    return redirect("outreach:detail", slug=slug, pk=pk)


@login_required
def visit_outcome(request: HttpRequest, slug: str, visit_id: int) -> HttpResponse:
    visit = selectors.access_visit(user=request.user, visit_id=visit_id)
    if visit.mall.slug != slug:
        raise Http404
    requested = list(visit.request.services.order_by("pk"))
    form = VisitOutcomeForm(
        request.POST or None,
        services=requested,
        form_fields=selectors.visit_service_form_fields(requested),
    )
    if request.method == "POST" and form.is_valid():
        met = form.cleaned_data["outcome"] == Visit.Status.COMPLETED
        delivered = set(form.cleaned_data["delivered"])
        try:
            services.visit_record(
                actor=request.user,
                visit=visit,
                met=met,
                services=[
                    services.ServiceOutcome(
                        service_id=s.pk,
                        delivered=s.pk in delivered,
                        form=form.service_form_values(s.pk) if s.pk in delivered else {},
                    )
                    for s in requested
                ]
                if met
                else [],
                result_delivery_home=form.cleaned_data["result_delivery_home"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            path = (exc.field or "").split(".")
            if len(path) == 4 and path[0] == "services" and path[2] == "form":
                # services.<index>.form.<name>: the field of that service's form
                service = requested[int(path[1])]
                name = outcome_field_name(service.pk, path[3])
                form.add_error(name if name in form.fields else None, exc.message)
            else:
                put_error_on_form(form, exc)
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("outreach:detail", slug=slug, pk=visit.request_id)
    return render(
        request,
        "outreach/visit_outcome.html",
        {"mall": visit.mall, "visit": visit, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def day_plan(request: HttpRequest, slug: str) -> HttpResponse:
    mall = _staff_mall(request, slug)
    try:
        day = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else None
    except ValueError:
        day = None
    day = day or mall.today()
    groups = selectors.outreach_day_plan(user=request.user, mall=mall, day=day)
    return render(
        request,
        "outreach/day_plan.html",
        {
            "mall": mall,
            "day": day,
            "groups": groups,
            "visit_count": sum(len(k["visits"]) for g in groups for k in g["kelurahan"]),
        },
    )
