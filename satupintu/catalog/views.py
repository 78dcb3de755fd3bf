"""Pages of the catalog app: the partners (mitra) page of a mall, with the MOU lifecycle."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satupintu.catalog import partners
from satupintu.catalog.models import Mall, Partnership
from satupintu.catalog.selectors import mall_get
from satupintu.core.errors import DomainError
from satupintu.core.schemas import id_param


def _mall_for(request: HttpRequest, slug: str) -> Mall:
    return partners.access_partners_mall(user=request.user, mall=mall_get(slug=slug))


def _admin_partnership(request: HttpRequest, slug: str, pk: int) -> Partnership:
    found = partners.access_partnership_for_admin(user=request.user, partnership_id=pk)
    if found.mall.slug != slug:
        raise Http404
    return found


def _error_text(exc: DomainError) -> str:
    return f"{exc.field}: {exc.message}" if exc.field else exc.message


@login_required
def partners_page(request: HttpRequest, slug: str) -> HttpResponse:
    mall = _mall_for(request, slug)
    overview = partners.partners_overview(mall=mall)
    return render(
        request,
        "catalog/partners.html",
        {
            "mall": mall,
            "overview": overview,
            "can_manage": partners.can_manage_partners(request.user, mall),
            "statuses": Partnership.Status,
            "allowed": partners.ALLOWED_TRANSITIONS,
            "expiring_days": partners.EXPIRING_SOON_DAYS,
        },
    )


@login_required
def partnership_history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    mall = _mall_for(request, slug)
    partnership = partners.partnership_in_mall(mall=mall, partnership_id=pk)
    if partnership is None:
        raise Http404
    return render(
        request,
        "catalog/partnership_history.html",
        {
            "mall": mall,
            "partnership": partnership,
            "events": partners.partnership_events(partnership),
        },
    )


def _date_or_none(value: str | None) -> date | None:
    if not value:
        return None
    return date.fromisoformat(value)


@login_required
@require_POST
def partnership_transition(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partnership = _admin_partnership(request, slug, pk)
    try:
        terms = partners.TransitionTerms(
            mou_number=request.POST.get("mou_number") or None,
            signed_on=_date_or_none(request.POST.get("signed_on")),
            starts_on=_date_or_none(request.POST.get("starts_on")),
            ends_on=_date_or_none(request.POST.get("ends_on")),
        )
    except ValueError:
        messages.error(request, _("Dates must be written as YYYY-MM-DD."))
        return redirect("catalog:partners", slug=slug)
    try:
        updated = partners.partnership_transition(
            actor=request.user,
            partnership=partnership,
            to_status=request.POST.get("to_status", ""),
            terms=terms,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("%(agency)s is now: %(status)s.")
            % {"agency": updated.agency, "status": updated.get_status_display()},
        )
    return redirect("catalog:partners", slug=slug)


@login_required
@require_POST
def partnership_document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partnership = _admin_partnership(request, slug, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose the MOU file (PDF) first."))
        return redirect("catalog:partners", slug=slug)
    try:
        partners.partnership_document_upload(
            actor=request.user, partnership=partnership, upload=upload
        )
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The MOU document was saved."))
    return redirect("catalog:partners", slug=slug)


@login_required
def partnership_document_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    mall = _mall_for(request, slug)
    partnership = partners.partnership_in_mall(mall=mall, partnership_id=pk)
    if partnership is None or not partnership.document:
        raise Http404
    return FileResponse(
        partnership.document.open("rb"),
        content_type="application/pdf",
        filename=f"mou-{partnership.pk}.pdf",
    )


@login_required
@require_POST
def partnership_invite(request: HttpRequest, slug: str) -> HttpResponse:
    mall = _mall_for(request, slug)
    agency = partners.agency_for_invitation(
        user=request.user, agency_id=id_param(request.POST.get("agency_id")), mall=mall
    )
    try:
        partners.partnership_invite(
            actor=request.user, agency=agency, note=request.POST.get("note", "")[:2000]
        )
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("%(agency)s was invited.") % {"agency": agency})
    return redirect("catalog:partners", slug=slug)
