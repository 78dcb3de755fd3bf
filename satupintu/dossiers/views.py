"""Pages of dossiers: the back-office worklist and dossier page, the front-office intake, the
online application on the portal, the public tracking page and the cashier's page.

Views parse, check access (through the selectors), call one service and render; the domain
errors of the services come back as messages next to the field they name."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from satupintu.accounts.models import Role
from satupintu.accounts.roles import scope_for
from satupintu.catalog.models import Channel, Mall, Service, ServiceBundle
from satupintu.catalog.selectors import mall_get
from satupintu.core.errors import DomainError, NotFound
from satupintu.core.ratelimit import RateLimit, rate_limited
from satupintu.core.schemas import id_param
from satupintu.dossiers import selectors, services
from satupintu.dossiers.codes import tracking_code_format
from satupintu.dossiers.forms import ApplicationForm
from satupintu.dossiers.models import Bill, Dossier, FormField

SESSION_OWN_DOSSIERS = "dossiers.own"


# --- back office ------------------------------------------------------------------------------


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    overdue = request.GET.get("overdue") == "1"
    mine = request.GET.get("mine") == "1"
    dossiers = list(
        selectors.worklist(user=request.user, status=status, overdue=overdue, mine=mine)[:300]
    )
    rows = [{"dossier": d, **selectors.dossier_summary(d)} for d in dossiers]
    context = {
        "rows": rows,
        "status": status or "",
        "overdue": overdue,
        "mine": mine,
        "state_choices": [(code, _(name)) for code, name in selectors.template_state_choices()],
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "dossiers/_worklist_rows.html", context)
    return render(request, "dossiers/worklist.html", context)


def _detail_context(request: HttpRequest, dossier: Dossier) -> dict[str, Any]:
    data = selectors.dossier_detail(dossier, request.user)
    roles = selectors.caller_roles(request.user, dossier)
    may_read_nik = bool(roles & set(selectors.NIK_READER_ROLES)) and dossier.agency_id is not None
    return {
        "dossier": dossier,
        "d": data,
        "may_read_nik": may_read_nik,
        "may_take": dossier.agency_id is not None
        and bool(roles & {Role.BACK_OFFICE_OFFICER.value, Role.SUPERVISOR.value})
        and dossier.assignee_id != request.user.pk,
        "may_check": bool(roles & (selectors.DOCUMENT_HANDLER_ROLES - {"applicant"})),
        "is_staff_view": bool(roles - {"applicant"}),
        "may_assign": dossier.agency_id is not None and Role.SUPERVISOR.value in roles,
        "assignable": selectors.assignable_users(dossier),
    }


@login_required
def dossier_page(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = selectors.access_dossier(request.user, dossier_id)
    return render(request, "dossiers/dossier.html", _detail_context(request, dossier))


def _panel(request: HttpRequest, dossier_id: int, error: str | None = None) -> HttpResponse:
    dossier = selectors.access_dossier(request.user, dossier_id)
    context = _detail_context(request, dossier)
    context["error"] = error
    template = "dossiers/_dossier_panel.html" if request.htmx else "dossiers/dossier.html"  # type: ignore[attr-defined]
    if not request.htmx and error:  # type: ignore[attr-defined]
        messages.error(request, error)
    return render(request, template, context)


@login_required
@require_POST
def dossier_act(request: HttpRequest, dossier_id: int) -> HttpResponse:
    try:
        services.dossier_transition(
            actor=request.user,
            dossier_id=dossier_id,
            action=request.POST.get("action", ""),
            comment=request.POST.get("comment", ""),
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _panel(request, dossier_id, error=exc.message)
    return _panel(request, dossier_id)


@login_required
@require_POST
def dossier_take(request: HttpRequest, dossier_id: int) -> HttpResponse:
    try:
        services.dossier_assign(
            actor=request.user, dossier_id=dossier_id, assignee_id=request.user.pk
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _panel(request, dossier_id, error=exc.message)
    return _panel(request, dossier_id)


@login_required
@require_POST
def dossier_assign(request: HttpRequest, dossier_id: int) -> HttpResponse:
    raw = request.POST.get("assignee", "")
    try:
        services.dossier_assign(
            actor=request.user,
            dossier_id=dossier_id,
            assignee_id=int(raw) if raw.isdigit() else None,
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _panel(request, dossier_id, error=exc.message)
    return _panel(request, dossier_id)


@login_required
@require_POST
def document_check(request: HttpRequest, dossier_id: int, requirement_id: int) -> HttpResponse:
    try:
        services.document_check(
            actor=request.user,
            dossier_id=dossier_id,
            requirement_id=requirement_id,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _panel(request, dossier_id, error=exc.message)
    return _panel(request, dossier_id)


@login_required
@require_POST
def document_upload(request: HttpRequest, dossier_id: int, requirement_id: int) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return _panel(request, dossier_id, error=_("Choose a file to upload."))
    try:
        services.document_upload(
            actor=request.user,
            dossier_id=dossier_id,
            requirement_id=requirement_id,
            upload=upload,
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _panel(request, dossier_id, error=exc.message)
    return _panel(request, dossier_id)


@login_required
def document_file(request: HttpRequest, dossier_id: int, requirement_id: int) -> FileResponse:
    dossier = selectors.access_dossier(request.user, dossier_id)
    row = next(
        (
            r
            for r in selectors.dossier_requirement_rows(dossier)
            if r.requirement.pk == requirement_id
        ),
        None,
    )
    if row is None or row.document is None or not row.document.file:
        raise Http404()
    return FileResponse(
        row.document.file.open("rb"),
        content_type=row.document.content_type or "application/octet-stream",
    )


@login_required
@require_POST
def dossier_nik(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """The full NIK, on request and audited, for the back office deciding on the dossier."""
    nik = services.dossier_nik_reveal(actor=request.user, dossier_id=dossier_id, request=request)
    return render(request, "dossiers/_nik.html", {"nik": nik})


def _may_open(request: HttpRequest, dossier_id: int) -> Dossier:
    """Staff and the applicant's account, or the browser that just submitted it online."""
    if request.user.is_authenticated:
        try:
            return selectors.access_dossier(request.user, dossier_id)
        except NotFound:
            pass
    if dossier_id in request.session.get(SESSION_OWN_DOSSIERS, []):
        return selectors.dossier_for_session(dossier_id)
    raise NotFound()


def receipt_pdf(request: HttpRequest, dossier_id: int) -> HttpResponse:
    from satupintu.dossiers.pdf import render_receipt_pdf

    dossier = _may_open(request, dossier_id)
    response = HttpResponse(render_receipt_pdf(dossier), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bukti-{dossier.tracking_code}.pdf"'
    return response


def results_zip(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = _may_open(request, dossier_id)
    package = selectors.dossier_result_package(dossier)
    if package is None:
        raise Http404()
    response = HttpResponse(package, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="hasil-{dossier.tracking_code}.zip"'
    return response


def result_pdf(request: HttpRequest, dossier_id: int) -> FileResponse:
    dossier = _may_open(request, dossier_id)
    result = selectors.result_document_of(dossier)
    if result is None or not result.file:
        raise Http404()
    return FileResponse(
        result.file.open("rb"),
        content_type="application/pdf",
        filename=f"{result.verification_code}.pdf",
    )


# --- front office intake ----------------------------------------------------------------------


def _intake_malls(user: Any) -> list[Mall]:
    return selectors.intake_malls(user)


def _application_parts(
    *, service: Service | None, bundle: ServiceBundle | None
) -> tuple[list[FormField], list[Any]]:
    """The form fields and requirements to ask, merged for a bundle (asked once)."""
    from satupintu.dossiers.selectors import requirement_key

    services_ = (
        [service]
        if service is not None
        else [i.service for i in bundle.items.select_related("service").order_by("position", "id")]
        if bundle is not None
        else []
    )
    fields: dict[str, FormField] = {}
    requirements: dict[str, Any] = {}
    for svc in services_:
        for field in svc.form_fields.all():
            fields.setdefault(field.name, field)
        for requirement in svc.requirements.all():
            requirements.setdefault(requirement_key(requirement), requirement)
    return list(fields.values()), list(requirements.values())


def _submit_application(
    request: HttpRequest,
    form: ApplicationForm,
    *,
    channel: str,
    service: Service | None,
    bundle: ServiceBundle | None,
    with_ticks: bool,
    ticket_id: int | None = None,
) -> Dossier | None:
    if not form.is_valid():
        return None
    uploads: dict[int, UploadedFile] = {
        r.pk: upload
        for r in form.requirements
        if isinstance(upload := request.FILES.get(f"file_{r.pk}"), UploadedFile)
    }
    ticks = (
        {
            r.pk: form.cleaned_data[f"tick_{r.pk}"]
            for r in form.requirements
            if r.pk not in uploads
            and form.cleaned_data.get(f"tick_{r.pk}") in ("present", "missing")
        }
        if with_ticks
        else {}
    )
    try:
        return services.dossier_intake(
            actor=request.user,
            channel=channel,
            applicant=form.applicant(),
            form=form.form_values(),
            uploads=uploads,
            ticks=ticks,
            service_id=service.pk if service else None,
            bundle_id=bundle.pk if bundle else None,
            ticket_id=ticket_id,
        )
    except services.UploadRefused as exc:
        form.show_domain_error(exc, requirement_id=exc.requirement_id)
    except DomainError as exc:
        form.show_domain_error(exc)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """The counter officer takes in a walk-in dossier: service, applicant, form, ticks, uploads."""
    malls = _intake_malls(request.user)
    if not malls:
        raise Http404()
    mall = next((m for m in malls if m.slug == request.GET.get("mall")), malls[0])
    services_qs = selectors.intake_services(mall)
    bundles_qs = selectors.live_bundles(mall)
    service = services_qs.filter(pk=id_param(request.GET.get("service")) or 0).first()
    bundle_id = id_param(request.GET.get("bundle")) or 0
    bundle = None if service else bundles_qs.filter(pk=bundle_id).first()
    channel = request.GET.get("channel") or Channel.WALK_IN
    if channel not in Channel.values:
        channel = Channel.WALK_IN
    ticket_id = id_param(request.GET.get("ticket"))
    context: dict[str, Any] = {
        "malls": malls,
        "mall": mall,
        "services": services_qs.order_by("agency__name", "name"),
        "bundles": bundles_qs.order_by("name"),
        "service": service,
        "bundle": bundle,
        "channel": channel,
        "channels": Channel.choices,
        "ticket_id": ticket_id,
    }
    if service is None and bundle is None:
        return render(request, "dossiers/intake_choose.html", context)
    fields, requirements = _application_parts(service=service, bundle=bundle)
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        form_fields=fields,
        requirements=requirements,
        with_ticks=True,
    )
    if request.method == "POST":
        dossier = _submit_application(
            request,
            form,
            channel=channel,
            service=service,
            bundle=bundle,
            with_ticks=True,
            ticket_id=ticket_id,
        )
        if dossier is not None:
            messages.success(
                request,
                _("Dossier %(code)s taken in. Print the receipt for the applicant.")
                % {"code": tracking_code_format(dossier.tracking_code)},
            )
            return redirect("dossiers:dossier", dossier_id=dossier.pk)
    context["form"] = form
    return render(request, "dossiers/intake.html", context)


# --- online application (portal) ------------------------------------------------------------


def apply_index(request: HttpRequest, slug: str) -> HttpResponse:
    """The services and bundles one can apply for online in this mall."""
    mall = mall_get(slug=slug)
    services_online = selectors.online_services(mall)
    bundles = selectors.live_bundles(mall).order_by("name")
    return render(
        request,
        "dossiers/apply_index.html",
        {"mall": mall, "slug": slug, "services": services_online, "bundles": bundles},
    )


@require_http_methods(["GET", "POST"])
@rate_limited(RateLimit("dossier_apply", rate="10/h"))
def apply(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Contactless: apply online with uploads; nobody needs to come to the mall."""
    mall = mall_get(slug=slug)
    service = selectors.online_service_by_code(mall, code)
    bundle = None
    if service is None:
        bundle = selectors.bundle_by_code(mall, code)
        if bundle is None:
            raise Http404()
    fields, requirements = _application_parts(service=service, bundle=bundle)
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        form_fields=fields,
        requirements=requirements,
        with_ticks=False,
    )
    if request.method == "POST":
        dossier = _submit_application(
            request,
            form,
            channel=Channel.ONLINE,
            service=service,
            bundle=bundle,
            with_ticks=False,
        )
        if dossier is not None:
            own = request.session.get(SESSION_OWN_DOSSIERS, [])
            request.session[SESSION_OWN_DOSSIERS] = [*own[-19:], dossier.pk]
            return redirect("dossiers:applied", dossier_id=dossier.pk)
    return render(
        request,
        "dossiers/apply.html",
        {"mall": mall, "slug": slug, "service": service, "bundle": bundle, "form": form},
    )


def applied(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = _may_open(request, dossier_id)
    return render(
        request,
        "dossiers/applied.html",
        {
            "dossier": dossier,
            "code": tracking_code_format(dossier.tracking_code),
            "track_url": reverse("dossiers:track-code", args=[dossier.tracking_code]),
        },
    )


# --- public tracking ------------------------------------------------------------------------


def track(request: HttpRequest) -> HttpResponse:
    raw = (request.GET.get("code") or "").strip()
    error = None
    if raw:
        try:
            from satupintu.dossiers.codes import tracking_code_normalise

            return redirect("dossiers:track-code", code=tracking_code_normalise(raw))
        except DomainError as exc:
            error = _(
                "This tracking code is not valid. Check it on your receipt: "
                "it has 9 symbols, e.g. 7K3Q-W9ZM-X."
            )
            del exc
    return render(request, "dossiers/track.html", {"error": error, "code": raw})


@rate_limited(RateLimit("track"), methods=["GET"])
def track_code(request: HttpRequest, code: str) -> HttpResponse:
    try:
        dossier = selectors.dossier_find_by_tracking_code(code)
    except NotFound:
        return render(
            request,
            "dossiers/track.html",
            {"error": _("No application has this tracking code."), "code": code},
            status=404,
        )
    except DomainError as exc:
        message = _("This tracking code is not valid. Check it on your receipt.")
        return render(
            request, "dossiers/track.html", {"error": message, "code": code}, status=exc.status_code
        )
    data = selectors.dossier_public_tracking(dossier)
    try:
        # Only the applicant (their account, or the browser that applied) gets the files.
        own = _may_open(request, dossier.pk) is not None
    except NotFound:
        own = False
    has_result = own and selectors.dossier_result_package(dossier) is not None
    return render(
        request,
        "dossiers/track_result.html",
        {
            "t": data,
            "dossier_id": dossier.pk,
            "code": dossier.tracking_code,
            "has_service": dossier.service_id is not None,
            "mall_slug": dossier.mall.slug,
            "own": own,
            "has_result": has_result,
            "pickup": selectors.dossier_pickup(dossier),
        },
    )


# --- cashier --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cashier(request: HttpRequest) -> HttpResponse:
    if (
        not selectors.bills_for_cashier(request.user).exists()
        and not scope_for(request.user, "bill", "change").staff
    ):
        raise Http404()
    if request.method == "POST":
        code = request.POST.get("payment_code", "")
        try:
            bill = services.bill_mark_paid(actor=request.user, payment_code=code)
            messages.success(
                request,
                _("Payment %(code)s of Rp %(amount)s recorded.")
                % {"code": bill.payment_code, "amount": f"{bill.amount:,}".replace(",", ".")},
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('dossiers:cashier')}?q={code}")
    query = (request.GET.get("q") or "").replace("-", "").replace(" ", "").upper()[:32]
    bills = selectors.bills_for_cashier(request.user).select_related("dossier", "dossier__service")
    if query:
        bills = bills.filter(payment_code=query) | bills.filter(dossier__tracking_code=query)
    else:
        bills = bills.filter(status=Bill.Status.UNPAID)
    return render(
        request,
        "dossiers/cashier.html",
        {"bills": list(bills.order_by("-created_at")[:100]), "q": request.GET.get("q", "")},
    )
