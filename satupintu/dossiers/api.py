"""Dossiers in the JSON API (API.md, "Dossiers"): thin handlers over services and selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from satupintu.accounts.auth import anonymous_only, public_auth
from satupintu.core.errors import NotFound
from satupintu.core.idempotency import IdempotencyKeyHeader, idempotent
from satupintu.core.schemas import Code, ErrorOut, Id, Text, paginated
from satupintu.dossiers import selectors, services
from satupintu.dossiers.codes import tracking_code_format
from satupintu.dossiers.models import Bill, Dossier
from satupintu.dossiers.schemas import (
    AssignIn,
    BillListOut,
    DocumentCheckIn,
    DocumentOut,
    DossierCreatedOut,
    DossierCreateIn,
    DossierOut,
    DossierSummaryOut,
    NikOut,
    PaymentCallbackOut,
    TrackOut,
    TransitionIn,
)

router = Router(tags=["dossiers"])


class SummaryPage:
    """A queryset that the paginator counts in SQL and slices before the summaries are built,
    so that a page costs `limit` rows however long the worklist is."""

    def __init__(self, queryset: QuerySet[Dossier]) -> None:
        self.queryset = queryset

    def all(self) -> QuerySet[Dossier]:
        return self.queryset

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [selectors.dossier_summary(d) for d in self.queryset[window]]


def _detail(request: HttpRequest, dossier_id: Id) -> dict[str, Any]:
    dossier = selectors.access_dossier(request.user, dossier_id)
    return selectors.dossier_detail(dossier, request.user)


@router.post("/dossiers", response={201: DossierCreatedOut}, auth=public_auth("dossier_create"))
@idempotent
def dossier_create(
    request: HttpRequest, payload: DossierCreateIn, idempotency_key: IdempotencyKeyHeader = None
) -> Status:
    dossier = services.dossier_create(
        actor=request.user,
        channel=payload.channel,
        applicant=payload.applicant.dict(),
        form=payload.form,
        service_id=payload.service_id,
        bundle_id=payload.bundle_id,
        ticket_id=payload.ticket_id,
    )
    return Status(
        201,
        {
            "id": dossier.pk,
            "tracking_code": dossier.tracking_code,
            "tracking_code_display": tracking_code_format(dossier.tracking_code),
            "status": dossier.status,
            "sla_due": dossier.sla_due,
        },
    )


@router.get("/dossiers", response=list[DossierSummaryOut])
@paginated
def dossier_list(
    request: HttpRequest,
    status: Text | None = Query(None, max_length=40),  # noqa: B008
    overdue: bool = False,
    mine: bool = False,
    agency: Id | None = None,
) -> list[dict[str, Any]]:
    qs = selectors.worklist(
        user=request.user, status=status, overdue=overdue, mine=mine, agency_id=agency
    )
    return SummaryPage(qs)  # type: ignore[return-value]


@router.get("/dossiers/{dossier_id}", response=DossierOut)
def dossier_get(request: HttpRequest, dossier_id: Id) -> dict[str, Any]:
    return _detail(request, dossier_id)


@router.post("/dossiers/{dossier_id}/transitions", response=DossierOut)
def dossier_transition(
    request: HttpRequest, dossier_id: Id, payload: TransitionIn
) -> dict[str, Any]:
    services.dossier_transition(
        actor=request.user, dossier_id=dossier_id, action=payload.action, comment=payload.comment
    )
    return _detail(request, dossier_id)


@router.post("/dossiers/{dossier_id}/assign", response=DossierOut)
def dossier_assign(request: HttpRequest, dossier_id: Id, payload: AssignIn) -> dict[str, Any]:
    services.dossier_assign(
        actor=request.user, dossier_id=dossier_id, assignee_id=payload.assignee_id
    )
    return _detail(request, dossier_id)


@router.post("/dossiers/{dossier_id}/take", response=DossierOut)
def dossier_take(request: HttpRequest, dossier_id: Id) -> dict[str, Any]:
    services.dossier_assign(actor=request.user, dossier_id=dossier_id, assignee_id=request.user.pk)
    return _detail(request, dossier_id)


@router.post("/dossiers/{dossier_id}/documents", response={201: DocumentOut})
def document_upload(
    request: HttpRequest,
    dossier_id: Id,
    requirement_id: Id = Form(...),  # noqa: B008
    file: UploadedFile = File(...),  # noqa: B008
) -> Status:
    row = services.document_upload(
        actor=request.user, dossier_id=dossier_id, requirement_id=requirement_id, upload=file
    )
    return Status(201, _document_out(row))


@router.post("/dossiers/{dossier_id}/documents/{requirement_id}/check", response=DocumentOut)
def document_check(
    request: HttpRequest, dossier_id: Id, requirement_id: Id, payload: DocumentCheckIn
) -> dict[str, Any]:
    row = services.document_check(
        actor=request.user,
        dossier_id=dossier_id,
        requirement_id=requirement_id,
        status=payload.status,
        reason=payload.reason,
    )
    return _document_out(row)


def _document_out(row: Any) -> dict[str, Any]:
    return {
        "requirement_id": row.requirement_id,
        "status": row.status,
        "reason": row.reason,
        "file_name": row.original_name,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
    }


@router.get("/dossiers/{dossier_id}/nik", response=NikOut)
def dossier_nik(request: HttpRequest, dossier_id: Id) -> dict[str, str]:
    """The full NIK for the authorised back office; every read leaves an audit entry."""
    nik = services.dossier_nik_reveal(actor=request.user, dossier_id=dossier_id, request=request)
    return {"nik": nik}


@router.get("/dossiers/{dossier_id}/result.pdf")
def dossier_result_pdf(request: HttpRequest, dossier_id: Id) -> FileResponse:
    dossier = selectors.access_dossier(request.user, dossier_id)
    result = selectors.result_document_of(dossier)
    if result is None:
        raise NotFound("This dossier has no result yet")
    if not result.file:
        raise NotFound("The signed result is being prepared; try again in a minute")
    return FileResponse(
        result.file.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{result.verification_code}.pdf",
    )


@router.get("/dossiers/{dossier_id}/results.zip")
def dossier_results_zip(request: HttpRequest, dossier_id: Id) -> HttpResponse:
    """The result package: every signed result of the dossier (all services of a bundle)."""
    dossier = selectors.access_dossier(request.user, dossier_id)
    package = selectors.dossier_result_package(dossier)
    if package is None:
        raise NotFound("This dossier has no result yet")
    response = HttpResponse(package, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="hasil-{dossier.tracking_code}.zip"'
    return response


@router.get("/dossiers/{dossier_id}/receipt.pdf")
def dossier_receipt_pdf(request: HttpRequest, dossier_id: Id) -> HttpResponse:
    from satupintu.dossiers.pdf import render_receipt_pdf

    dossier = selectors.access_dossier(request.user, dossier_id)
    response = HttpResponse(render_receipt_pdf(dossier), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{dossier.tracking_code}.pdf"'
    return response


@router.get("/track/{tracking_code}", response=TrackOut, auth=public_auth("track"))
def track(request: HttpRequest, tracking_code: Code) -> dict[str, Any]:
    dossier = selectors.dossier_find_by_tracking_code(tracking_code)
    return selectors.dossier_public_tracking(dossier)


@router.get("/bills", response=list[BillListOut])
@paginated
def bill_list(
    request: HttpRequest,
    status: Bill.Status | None = None,
    q: Text | None = Query(None, max_length=64),  # noqa: B008
) -> list[dict[str, Any]]:
    qs = selectors.bills_for_cashier(request.user).select_related("dossier", "dossier__service")
    if status:
        qs = qs.filter(status=status)
    if q:
        compact = q.replace("-", "").replace(" ", "").upper()[:32]
        qs = qs.filter(payment_code=compact) | qs.filter(dossier__tracking_code=compact)
    return [
        {
            "id": b.pk,
            "payment_code": b.payment_code,
            "amount": b.amount,
            "status": b.status,
            "created_at": b.created_at,
            "paid_at": b.paid_at,
            "paid_via": b.paid_via,
            "tracking_code": b.dossier.tracking_code,
            "service_name": b.dossier.service.name if b.dossier.service else None,
        }
        for b in qs.order_by("-created_at")[:500]
    ]


@router.post("/bills/{payment_code}/pay", response=BillListOut)
def bill_pay(request: HttpRequest, payment_code: Code) -> dict[str, Any]:
    bill = services.bill_mark_paid(actor=request.user, payment_code=payment_code)
    return {
        "id": bill.pk,
        "payment_code": bill.payment_code,
        "amount": bill.amount,
        "status": bill.status,
        "created_at": bill.created_at,
        "paid_at": bill.paid_at,
        "paid_via": bill.paid_via,
        "tracking_code": bill.dossier.tracking_code,
        "service_name": bill.dossier.service.name if bill.dossier.service else None,
    }


@router.post(
    "/payments/callback",
    auth=anonymous_only("payment-callback", rate="600/m"),
    response={200: PaymentCallbackOut, 401: ErrorOut},
)
def payment_callback(request: HttpRequest) -> Status:
    """A payment gateway reports a payment. The body is signed: X-Signature is the hex
    HMAC-SHA256 of the raw body with settings.PAYMENT_CALLBACK_SECRET."""
    try:
        bill = services.payment_callback_apply(
            raw_body=request.body, signature=request.headers.get("X-Signature", "")
        )
    except services.BadSignature:
        return Status(401, {"detail": "invalid signature"})
    return Status(200, {"payment_code": bill.payment_code, "status": bill.status})
