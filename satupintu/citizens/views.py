"""Pages of the citizen's account under /saya/: sign-in by a one-time code, "Layanan saya"
(my services), claiming an earlier application, uploading a document asked again, the queue
from home; and the check-in of remote tickets for kiosks and counters.

Views parse, call one service or selector and render; domain errors come back as messages."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from satupintu.catalog.selectors import service_with_mall
from satupintu.citizens import remote, selectors, services
from satupintu.citizens.oidc import oidc_enabled
from satupintu.core.errors import DomainError, NotFound, RateLimited
from satupintu.core.ratelimit import RateLimit, rate_limited, rate_limited_response
from satupintu.core.schemas import id_param
from satupintu.dossiers import selectors as dossier_selectors
from satupintu.dossiers import services as dossier_services
from satupintu.queueing import services as queue_services

SESSION_PENDING = "citizens.pending"  # the address a code was sent to, until it is used
SIGN_IN_URL = "citizens:sign-in"


def citizen_required(view: Any) -> Any:
    """A signed-in citizen; anyone else goes to the citizen sign-in (then back here)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not selectors.is_citizen(user):
            url = reverse(SIGN_IN_URL)
            return redirect(f"{url}?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _split_address(raw: str) -> dict[str, str]:
    raw = (raw or "").strip()
    return {"email": raw} if "@" in raw else {"phone": raw}


@require_http_methods(["GET", "POST"])
@rate_limited(RateLimit("citizen-code", rate="10/10m"))
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, reverse("citizens:home"))
    error = None
    address = ""
    if request.method == "POST":
        address = (request.POST.get("address") or "").strip()[:254]
        try:
            destination = services.sign_in_code_request(
                **_split_address(address), request=request, via="page"
            )
        except RateLimited as exc:
            error = exc.message
        except DomainError as exc:
            error = exc.message
        else:
            request.session[SESSION_PENDING] = {
                "channel": destination.channel,
                "value": destination.value,
                "masked": destination.masked,
            }
            return redirect(f"{reverse('citizens:sign-in-code')}?next={next_url}")
    return render(
        request,
        "citizens/sign_in.html",
        {
            "error": error
            or (_("Single sign-on did not succeed.") if request.GET.get("sso") else None),
            "address": address,
            "next": next_url,
            "sso_name": settings.OIDC_PROVIDER_NAME if oidc_enabled() else None,
        },
        status=422 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@rate_limited(RateLimit("citizen-code-verify", rate="30/10m"))
def sign_in_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_PENDING)
    next_url = _safe_next(request, reverse("citizens:home"))
    if not pending:
        return redirect(SIGN_IN_URL)
    error = None
    if request.method == "POST":
        address = {"email" if pending["channel"] == "email" else "phone": pending["value"]}
        try:
            user = services.sign_in_code_verify(
                code=(request.POST.get("code") or "")[:12], request=request, via="page", **address
            )
        except DomainError as exc:
            error = exc.message
        else:
            services.citizen_session_start(request=request, user=user)
            return redirect(next_url)
    return render(
        request,
        "citizens/sign_in_code.html",
        {"masked": pending["masked"], "error": error, "next": next_url},
        status=401 if error else 200,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("citizens:sign-in")


@citizen_required
def home(request: HttpRequest) -> HttpResponse:
    """Layanan saya: everything of mine on one page."""
    services.profile_nik_prove(user=request.user)
    profile = services.profile_of(request.user)
    tickets = selectors.my_tickets(profile)
    for ticket in tickets:
        if ticket["remote"] and ticket["status"] == "waiting":
            found = remote.remote_ticket_of_ticket(user=request.user, ticket_id=ticket["id"])
            ticket["qr_svg"] = remote.checkin_qr_svg(found)
    context = {
        "profile": selectors.profile_dict(profile),
        "tickets": tickets,
        "appointments": selectors.my_appointments(profile),
        "dossiers": selectors.my_dossiers(profile),
        "complaints": selectors.my_complaints(profile),
        "surveys": selectors.my_open_surveys(profile),
        "remote_services": selectors.remote_queue_services(),
    }
    return render(request, "citizens/home.html", context)


@citizen_required
@require_POST
def profile_update(request: HttpRequest) -> HttpResponse:
    try:
        services.profile_update(user=request.user, full_name=request.POST.get("full_name", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your name is saved."))
    return redirect("citizens:home")


@citizen_required
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest) -> HttpResponse:
    """Attach an earlier application: its tracking code, then the code sent to its contact."""
    error = None
    tracking_code = (request.POST.get("tracking_code") or "").strip()[:40]
    step = "code" if request.method == "POST" and request.POST.get("code") is not None else "ask"
    if request.method == "POST":
        try:
            if step == "ask":
                services.claim_request(
                    user=request.user, tracking_code=tracking_code, request=request, via="page"
                )
                step = "code"
            else:
                dossier = services.claim_verify(
                    user=request.user,
                    tracking_code=tracking_code,
                    code=(request.POST.get("code") or "")[:12],
                    request=request,
                    via="page",
                )
                messages.success(
                    request,
                    _("Application %(code)s is now in your account.")
                    % {"code": dossier.tracking_code},
                )
                return redirect("citizens:home")
        except RateLimited as exc:
            return rate_limited_response(request, exc)
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "citizens/claim.html",
        {"step": step, "tracking_code": tracking_code, "error": error},
        status=401 if error and step == "code" else (422 if error else 200),
    )


def _my_dossier(request: HttpRequest, dossier_id: int) -> Any:
    profile = services.profile_of(request.user)
    dossier = selectors.my_dossiers_qs(profile).filter(pk=dossier_id).first()
    if dossier is None:
        raise NotFound()
    return profile, dossier


@citizen_required
def dossier_page(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """One application of mine: where it is, what is asked again, the result. This is where
    notifications lead (through the sign-in, never a link that works for anyone)."""
    profile, dossier = _my_dossier(request, dossier_id)
    row = next(d for d in selectors.my_dossiers(profile) if d["id"] == dossier.pk)
    detail = dossier_selectors.dossier_public_tracking(dossier)
    return render(request, "citizens/dossier.html", {"d": row, "t": detail})


@citizen_required
@require_POST
def document_upload(request: HttpRequest, dossier_id: int, requirement_id: int) -> HttpResponse:
    _profile, dossier = _my_dossier(request, dossier_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            dossier_services.document_upload(
                actor=request.user,
                dossier_id=dossier.pk,
                requirement_id=requirement_id,
                upload=upload,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The document is uploaded."))
    return redirect("citizens:dossier", dossier_id=dossier.pk)


@citizen_required
@require_POST
def dossier_resubmit(request: HttpRequest, dossier_id: int) -> HttpResponse:
    _profile, dossier = _my_dossier(request, dossier_id)
    try:
        dossier_services.dossier_transition(
            actor=request.user, dossier_id=dossier.pk, action="resubmit"
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Sent back to the officer."))
    return redirect("citizens:dossier", dossier_id=dossier.pk)


@citizen_required
@require_POST
def remote_take(request: HttpRequest) -> HttpResponse:
    service_id = id_param(request.POST.get("service_id"))
    try:
        if service_id is None:
            raise NotFound(_("No such service."))
        service = service_with_mall(service_id)
        taken = remote.remote_ticket_take(user=request.user, service=service)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Your number is %(number)s. Check in at the kiosk or counter with the QR code.")
            % {"number": taken.ticket.number},
        )
    return redirect("citizens:home")


@citizen_required
@require_POST
def remote_give_up(request: HttpRequest, ticket_id: int) -> HttpResponse:
    try:
        mine = remote.remote_ticket_of_ticket(user=request.user, ticket_id=ticket_id)
        remote.remote_ticket_give_up(user=request.user, remote_id=mine.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You gave up your place."))
    return redirect("citizens:home")


@citizen_required
@require_POST
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    profile = services.profile_of(request.user)
    try:
        appointment = selectors.my_appointment(profile, appointment_id)
        queue_services.appointment_cancel(appointment=appointment, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The appointment is cancelled."))
    return redirect("citizens:home")


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest) -> HttpResponse:
    """Kiosks and counters: check in a remote ticket by its QR code (scanned or typed)."""
    error = None
    checked = None
    if request.method == "POST":
        try:
            found = remote.remote_ticket_check_in(
                actor=request.user, code=request.POST.get("code", "")
            )
        except DomainError as exc:
            error = exc.message
        else:
            checked = found.ticket
    return render(
        request,
        "citizens/check_in.html",
        {"error": error, "checked": checked},
        status=200 if error is None else 409,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_owner(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """Staff who may see the dossier: does the applicant have an account; send them a message
    through its phone and e-mail. Everyone else: 404, as if the dossier did not exist."""
    error = None
    sent = False
    if request.method == "POST":
        try:
            services.dossier_owner_message(
                actor=request.user,
                dossier_id=dossier_id,
                text=request.POST.get("text", "")[:2000],
                request=request,
            )
        except NotFound:
            raise
        except DomainError as exc:
            error = exc.message
        else:
            sent = True
    status = services.dossier_owner_status(actor=request.user, dossier_id=dossier_id)
    return render(
        request,
        "citizens/staff_owner.html",
        {"owner": status, "error": error, "sent": sent},
        status=422 if error else 200,
    )
