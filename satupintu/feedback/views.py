"""Pages: the survey (kiosk tablet, QR on the ticket, link in a notification), the IKM report,
the public complaint form and status page, and the staff complaint pages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from satupintu.accounts.roles import scope_for
from satupintu.catalog import selectors as catalog_selectors
from satupintu.catalog.models import Agency, Mall, Service
from satupintu.catalog.selectors import mall_get
from satupintu.core.errors import DomainError, NotFound
from satupintu.core.ratelimit import RateLimit, rate_limited
from satupintu.core.schemas import id_param
from satupintu.feedback import deliveries, links, selectors, services
from satupintu.feedback.forms import ComplaintForm
from satupintu.feedback.models import Complaint, Education, Gender, Occupation, Survey
from satupintu.feedback.unsur import OPTION_LETTERS, UNSUR
from satupintu.queueing.selectors import ticket_for_token


def _is_kiosk(request: HttpRequest) -> bool:
    return request.GET.get("kiosk") == "1" or request.POST.get("kiosk") == "1"


# --- survey -------------------------------------------------------------------------------------


def survey_start(request: HttpRequest, mall_slug: str) -> HttpResponse:
    """Choose the service you used (kiosk tablet and the mall's survey link)."""
    mall = mall_get(slug=mall_slug)
    agencies: dict[Agency, list[Service]] = {}
    for service in catalog_selectors.live_services(mall).order_by("agency__name", "name"):
        agencies.setdefault(service.agency, []).append(service)
    return render(
        request,
        "feedback/survey_start.html",
        {"mall": mall, "agencies": agencies, "kiosk": _is_kiosk(request)},
    )


SURVEY_LIMIT = RateLimit("surveys")


def _questionnaire() -> list[dict[str, Any]]:
    return [
        {
            "code": u.code,
            "title": u.title,
            "question": u.question,
            "options": [
                {"score": i + 1, "letter": OPTION_LETTERS[i], "label": label}
                for i, label in enumerate(u.options)
            ],
        }
        for u in UNSUR
    ]


def _int_or_raw(value: str | None) -> Any:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return value


def _render_survey_form(
    request: HttpRequest,
    *,
    mall: Mall,
    service: Service,
    ticket_id: int | None = None,
    tracking_code: str | None = None,
    source: str,
) -> HttpResponse:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in request.POST}
        answers = {u.code: _int_or_raw(request.POST.get(u.code)) for u in UNSUR}
        answers = {k: v for k, v in answers.items() if v is not None}
        respondent = {
            "gender": request.POST.get("gender") or None,
            "age": _int_or_raw(request.POST.get("age")),
            "education": request.POST.get("education") or None,
            "occupation": request.POST.get("occupation") or None,
        }
        try:
            services.survey_submit(
                service_id=service.pk,
                ticket_id=ticket_id,
                tracking_code=tracking_code,
                answers=answers,
                respondent=respondent,
                suggestion=request.POST.get("suggestion", ""),
                source=source,
            )
        except DomainError as exc:
            field = (exc.field or "form").split(".")[-1]
            errors[field] = exc.message
            if exc.status_code == 409:
                errors["form"] = exc.message
            status = exc.status_code
        else:
            url = reverse("feedback:survey-thanks", args=[mall.slug])
            return redirect(url + ("?kiosk=1" if _is_kiosk(request) else ""))
    return render(
        request,
        "feedback/survey_form.html",
        {
            "mall": mall,
            "service": service,
            "questionnaire": _questionnaire(),
            "genders": Gender.choices,
            "educations": Education.choices,
            "occupations": Occupation.choices,
            "errors": errors,
            "values": values,
            "kiosk": _is_kiosk(request),
            "linked_to": tracking_code or (f"#{ticket_id}" if ticket_id else ""),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@rate_limited(SURVEY_LIMIT)
def survey_form(request: HttpRequest, mall_slug: str, service_id: int) -> HttpResponse:
    mall = mall_get(slug=mall_slug)
    service = catalog_selectors.live_service_in_mall(mall=mall, service_id=service_id)
    if service is None:
        raise NotFound()
    source = Survey.Source.KIOSK if _is_kiosk(request) else Survey.Source.WEB
    return _render_survey_form(request, mall=mall, service=service, source=source)


@require_http_methods(["GET", "POST"])
@rate_limited(SURVEY_LIMIT)
def survey_for_ticket(request: HttpRequest, ticket_id: int, token: str) -> HttpResponse:
    """From the ticket's phone page. The token (the ticket's secret, as on that page) keeps
    strangers from rating, and so using up, other people's tickets by trying ids."""
    ticket_for_token(ticket_id=ticket_id, token=token)
    ticket = links.ticket_find(ticket_id)
    if ticket is None:
        raise NotFound()
    service = catalog_selectors.service_with_mall(ticket.current_service_id)
    if selectors.survey_exists(ticket_id=ticket_id):
        return render(request, "feedback/survey_done.html", {"mall": service.mall}, status=409)
    return _render_survey_form(
        request,
        mall=service.mall,
        service=service,
        ticket_id=ticket_id,
        source=Survey.Source.TICKET_QR,
    )


@require_http_methods(["GET", "POST"])
@rate_limited(SURVEY_LIMIT)
def survey_for_dossier(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """From the link in the notification that an application is finished."""
    dossier = links.dossier_find(tracking_code)
    if dossier is None or dossier.service is None:
        raise NotFound()
    if selectors.survey_exists(dossier=dossier):
        return render(request, "feedback/survey_done.html", {"mall": dossier.mall}, status=409)
    return _render_survey_form(
        request,
        mall=dossier.mall,
        service=dossier.service,
        tracking_code=dossier.tracking_code,
        source=Survey.Source.NOTIFICATION,
    )


def survey_thanks(request: HttpRequest, mall_slug: str) -> HttpResponse:
    mall = mall_get(slug=mall_slug)
    return render(
        request, "feedback/survey_thanks.html", {"mall": mall, "kiosk": _is_kiosk(request)}
    )


# --- IKM report ---------------------------------------------------------------------------------


IKM_DEFAULT_DAYS = 30


def _parse_date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@login_required
def ikm_report_page(request: HttpRequest, mall_slug: str) -> HttpResponse:
    mall = mall_get(slug=mall_slug)
    agency_id = id_param(request.GET.get("agency"))
    service_id = id_param(request.GET.get("service"))
    date_from = _parse_date(request.GET.get("from"))
    date_to = _parse_date(request.GET.get("to"))
    # Always a named period, by default the dashboards' own (the last 30 days), so that the
    # IKM here and on the dashboards is the same figure for the same days.
    if date_to is None:
        date_to = mall.today() if date_from is None else max(date_from, mall.today())
    if date_from is None:
        date_from = date_to - timedelta(days=IKM_DEFAULT_DAYS - 1)
    population = id_param(request.GET.get("population"))
    error = ""
    try:
        scope = selectors.access_ikm_scope(
            user=request.user, mall=mall, agency_id=agency_id, service_id=service_id
        )
        report = selectors.ikm_report(
            scope=scope, date_from=date_from, date_to=date_to, population=population
        )
    except NotFound:
        raise
    except DomainError as exc:
        error = exc.message
        scope = selectors.access_ikm_scope(
            user=request.user, mall=mall, agency_id=None, service_id=None
        )
        report = selectors.ikm_report(scope=scope, population=population)
    mall_wide = _sees_mall_wide(request.user, mall)
    agencies = (
        catalog_selectors.live_agencies(mall)
        if mall_wide
        else catalog_selectors.agencies_by_ids([scope.agency.pk] if scope.agency else [])
    )
    service_qs = catalog_selectors.live_services(mall).order_by("name")
    if scope.agency is not None:
        service_qs = service_qs.filter(agency=scope.agency)
    chart = {
        "labels": [f"{row['code'].upper()} {row['title']}" for row in report["unsur"]],
        "values": [row["nrr"] for row in report["unsur"]],
        "label": _("NRR per unsur (1-4)"),
    }
    return render(
        request,
        "feedback/ikm_report.html",
        {
            "mall": mall,
            "scope": scope,
            "report": report,
            "agencies": agencies,
            "services": service_qs,
            "mall_wide": mall_wide,
            "filters": {
                "agency": scope.agency.pk if scope.agency else None,
                "service": scope.service.pk if scope.service else None,
                "from": date_from.isoformat(),
                "to": date_to.isoformat(),
                "population": request.GET.get("population", ""),
            },
            "chart": chart,
            "error": error,
            "weakest": [row for row in report["unsur"] if row["code"] in report["weakest_unsur"]],
        },
    )


def _sees_mall_wide(user: Any, mall: Mall) -> bool:
    scope = scope_for(user, "survey", "view")
    return scope.everywhere or mall.pk in scope.mall_ids


# --- complaints: public -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@rate_limited(RateLimit("complaints"))
def complaint_form(request: HttpRequest, mall_slug: str) -> HttpResponse:
    mall = mall_get(slug=mall_slug)
    initial: dict[str, Any] = {}
    if request.GET.get("service"):
        initial["service"] = id_param(request.GET.get("service"))
    if request.GET.get("tracking_code"):
        initial["tracking_code"] = request.GET["tracking_code"][:40]
    if request.GET.get("ticket"):
        initial["ticket_id"] = id_param(request.GET.get("ticket"))
    form = ComplaintForm(request.POST or None, mall=mall, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.complaint_submit(
                    mall=mall,
                    text=data["text"],
                    category=data["category"],
                    service_id=data["service"],
                    ticket_id=data["ticket_id"],
                    tracking_code=data["tracking_code"] or None,
                    anonymous=data["anonymous"],
                    confidential=data["confidential"],
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    origin=Complaint.Origin.WEB,
                    actor=request.user,
                )
            except DomainError as exc:
                field = (exc.field or "").split(".")[-1]
                field = {"service_id": "service"}.get(field, field)
                form.add_error(field if field in form.fields else None, exc.message)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("Thank you. Your complaint is recorded with the code %(code)s.")
                    % {"code": complaint.code},
                )
                return redirect("feedback:complaint-status", complaint.code)
        else:
            status = 422
    return render(
        request, "feedback/complaint_form.html", {"mall": mall, "form": form}, status=status
    )


def complaint_lookup(request: HttpRequest) -> HttpResponse:
    code = (request.GET.get("code") or "").strip().upper()
    if code:
        return redirect("feedback:complaint-status", code[:20])
    return render(request, "feedback/complaint_lookup.html", {})


@rate_limited(RateLimit("complaint-status"), methods=["GET"])
def complaint_status(request: HttpRequest, code: str) -> HttpResponse:
    try:
        complaint = selectors.complaint_public_get(code=code)
    except NotFound:
        return render(
            request,
            "feedback/complaint_lookup.html",
            {"error": _("No complaint has this code."), "code": code},
            status=404,
        )
    return render(
        request,
        "feedback/complaint_status.html",
        {
            "complaint": complaint,
            "history": selectors.complaint_public_history(complaint),
        },
    )


# --- complaints: staff --------------------------------------------------------------------------


@login_required
def complaints_inbox(request: HttpRequest, mall_slug: str) -> HttpResponse:
    mall = mall_get(slug=mall_slug)
    if not selectors.handles_complaints_in(request.user, mall.pk):
        # Not a complaint handler of this mall: the inbox does not exist for them.
        raise NotFound()
    status = request.GET.get("status") or None
    if status not in Complaint.Status.values:
        status = None
    overdue = request.GET.get("overdue") == "1"
    complaints = list(
        selectors.complaint_list(user=request.user, mall=mall, status=status, overdue=overdue)[:200]
    )
    return render(
        request,
        "feedback/complaints_inbox.html",
        {
            "mall": mall,
            "complaints": complaints,
            "statuses": Complaint.Status.choices,
            "status": status,
            "overdue": overdue,
            "can_manage": selectors.can_manage_complaints(request.user, mall.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_complaint(request: HttpRequest, code: str) -> HttpResponse:
    complaint = selectors.access_complaint(user=request.user, code=code)
    can_manage = selectors.can_manage_complaints(request.user, complaint.mall_id)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        note = request.POST.get("note", "")
        try:
            if action == "transition":
                services.complaint_transition(
                    complaint=complaint,
                    actor=request.user,
                    to_status=request.POST.get("to", ""),
                    note=note,
                )
                messages.success(request, _("Status changed."))
            elif action == "note":
                services.complaint_note_add(complaint=complaint, actor=request.user, note=note)
                messages.success(request, _("Note added."))
            elif action == "route" and can_manage:
                agency_id = id_param(request.POST.get("agency"))
                agency = catalog_selectors.agency_in_mall(
                    mall_id=complaint.mall_id, agency_id=agency_id
                )
                services.complaint_route(complaint=complaint, actor=request.user, agency=agency)
                messages.success(request, _("Complaint routed."))
            elif action == "forward_to_lapor" and can_manage:
                services.complaint_forward_to_lapor(complaint=complaint, actor=request.user)
                messages.success(request, _("Forwarding to SP4N-LAPOR! requested."))
            else:
                raise NotFound()
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status_code
        else:
            return redirect("feedback:staff-complaint", complaint.code)
        complaint = selectors.access_complaint(user=request.user, code=code)
    identity = selectors.complaint_identity(user=request.user, complaint=complaint, request=request)
    return render(
        request,
        "feedback/staff_complaint.html",
        {
            "complaint": complaint,
            "identity": identity,
            "history": complaint.events.order_by("at", "id"),
            "allowed": selectors.complaint_allowed_actions(user=request.user, complaint=complaint),
            "transitions": [
                (s, label)
                for s, label in Complaint.Status.choices
                if s in services.ALLOWED_TRANSITIONS[complaint.status]
            ],
            "agencies": catalog_selectors.live_agencies(complaint.mall_id),
            "can_manage": can_manage,
            "deliveries": deliveries.complaint_deliveries(complaint),
        },
        status=status,
    )
