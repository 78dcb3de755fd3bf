"""JSON API of satisfaction surveys (SKM/IKM) and complaints (API.md)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from satupintu.accounts.auth import STAFF_AUTH, anonymous_only, public_auth
from satupintu.catalog.selectors import agency_in_mall, mall_get
from satupintu.core.errors import InvalidInput, NotFound
from satupintu.core.idempotency import IdempotencyKeyHeader, idempotent
from satupintu.core.schemas import Code, ErrorOut, Id, Slug, paginated
from satupintu.feedback import lapor, selectors, services
from satupintu.feedback.models import Complaint, Survey
from satupintu.feedback.schemas import (
    ComplaintIn,
    ComplaintListOut,
    ComplaintNoteIn,
    ComplaintPublicOut,
    ComplaintRouteIn,
    ComplaintStaffOut,
    ComplaintTransitionIn,
    IkmOut,
    LaporInboundOut,
    SurveyIn,
    SurveyOut,
    UnsurOut,
)
from satupintu.feedback.unsur import OPTION_LETTERS, UNSUR

router = Router(tags=["feedback"])


def survey_out(survey: Survey) -> dict[str, Any]:
    return {
        "id": survey.pk,
        "service_id": survey.service_id,
        "agency_id": survey.agency_id,
        "mall": survey.mall.slug,
        "ticket_id": survey.ticket_id,
        "tracking_code": survey.dossier.tracking_code if survey.dossier else None,
        "answers": survey.answers(),
        "submitted_at": survey.submitted_at,
    }


@router.get(
    "/surveys/questionnaire",
    response=list[UnsurOut],
    auth=public_auth("survey-questionnaire", rate="120/m"),
)
def survey_questionnaire(request: HttpRequest) -> list[dict[str, Any]]:
    """The nine unsur with their question and four answers (a..d = 1..4), in the request's
    language, for kiosks and other clients that draw their own form."""
    return [
        {
            "code": u.code,
            "title": str(u.title),
            "question": str(u.question),
            "options": [
                {"score": i + 1, "letter": OPTION_LETTERS[i], "label": str(label)}
                for i, label in enumerate(u.options)
            ],
        }
        for u in UNSUR
    ]


@router.post("/surveys", response={201: SurveyOut}, auth=public_auth("surveys"))
def survey_create(request: HttpRequest, payload: SurveyIn) -> Status:
    survey = services.survey_submit(
        service_id=payload.service_id,
        ticket_id=payload.ticket_id,
        tracking_code=payload.tracking_code,
        answers=payload.answers,
        respondent=payload.respondent.dict(),
        suggestion=payload.suggestion,
        source=payload.source,
    )
    return Status(201, survey_out(survey))


@router.get("/reports/ikm", response=IkmOut, auth=STAFF_AUTH, by_alias=True)
def report_ikm(
    request: HttpRequest,
    mall: Slug,
    agency: Id | None = None,
    service: Id | None = None,
    date_from: date | None = Query(None, alias="from"),  # noqa: B008
    date_to: date | None = Query(None, alias="to"),  # noqa: B008
    population: int | None = Query(None, ge=1, le=10**9),
) -> dict[str, Any]:
    the_mall = mall_get(slug=mall)
    scope = selectors.access_ikm_scope(
        user=request.user, mall=the_mall, agency_id=agency, service_id=service
    )
    return selectors.ikm_report(
        scope=scope, date_from=date_from, date_to=date_to, population=population
    )


# --- complaints ---------------------------------------------------------------------------------


def complaint_public_out(complaint: Complaint) -> dict[str, Any]:
    return {
        "code": complaint.code,
        "status": complaint.status,
        "status_label": str(complaint.get_status_display()),
        "category": complaint.category,
        "mall": complaint.mall.slug,
        "agency": complaint.agency.name if complaint.agency else None,
        "service": complaint.service.name if complaint.service else None,
        "received_at": complaint.received_at,
        "first_response_due": complaint.first_response_due,
        "first_responded_at": complaint.first_responded_at,
        "answer": complaint.answer,
        "answered_at": complaint.answered_at,
        "closed_at": complaint.closed_at,
        "lapor_reference": complaint.lapor_reference,
        "history": [
            {
                "at": e.at,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note if e.is_public else "",
            }
            for e in selectors.complaint_public_history(complaint)
        ],
    }


def complaint_staff_out(request: HttpRequest, complaint: Complaint) -> dict[str, Any]:
    user = request.user
    return {
        "id": complaint.pk,
        "code": complaint.code,
        "mall": complaint.mall.slug,
        "status": complaint.status,
        "origin": complaint.origin,
        "category": complaint.category,
        "text": complaint.text,
        "agency_id": complaint.agency_id,
        "agency": complaint.agency.name if complaint.agency else None,
        "service_id": complaint.service_id,
        "ticket_id": complaint.ticket_id,
        "dossier_tracking_code": complaint.dossier.tracking_code if complaint.dossier else None,
        "received_at": complaint.received_at,
        "first_response_due": complaint.first_response_due,
        "first_responded_at": complaint.first_responded_at,
        "overdue": complaint.is_overdue,
        "escalated_at": complaint.escalated_at,
        "answer": complaint.answer,
        "lapor_reference": complaint.lapor_reference,
        "confidential": complaint.is_confidential,
        "anonymous": complaint.is_anonymous,
        "reporter": selectors.complaint_identity(user=user, complaint=complaint, request=request),
        "allowed_actions": selectors.complaint_allowed_actions(user=user, complaint=complaint),
        "history": [
            {
                "id": e.pk,
                "kind": e.kind,
                "at": e.at,
                "by": e.actor_label,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "is_public": e.is_public,
            }
            for e in complaint.events.order_by("at", "id")
        ],
    }


@router.post("/complaints", response={201: ComplaintPublicOut}, auth=public_auth("complaints"))
@idempotent
def complaint_create(
    request: HttpRequest, payload: ComplaintIn, idempotency_key: IdempotencyKeyHeader = None
) -> Status:
    mall = mall_get(slug=payload.mall) if payload.mall else None
    complaint = services.complaint_submit(
        mall=mall,
        text=payload.text,
        category=payload.category,
        service_id=payload.service_id,
        agency_id=payload.agency_id,
        ticket_id=payload.ticket_id,
        tracking_code=payload.tracking_code,
        anonymous=payload.anonymous,
        confidential=payload.confidential,
        name=payload.name,
        email=payload.email,
        phone=payload.phone,
        origin=Complaint.Origin.API,
        actor=request.user,
    )
    return Status(201, complaint_public_out(selectors.complaint_public_get(code=complaint.code)))


@router.get("/complaints", response=list[ComplaintListOut], auth=STAFF_AUTH)
@paginated
def complaint_list(
    request: HttpRequest,
    mall: Slug | None = None,
    status: Complaint.Status | None = None,
    agency: Id | None = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
) -> list[dict[str, Any]]:
    the_mall = mall_get(slug=mall) if mall else None
    qs = selectors.complaint_list(
        user=request.user,
        mall=the_mall,
        status=status,
        agency_id=agency,
        overdue=overdue,
        escalated=escalated,
    )
    return [
        {
            "id": c.pk,
            "code": c.code,
            "status": c.status,
            "category": c.category,
            "agency": c.agency.name if c.agency else None,
            "received_at": c.received_at,
            "first_response_due": c.first_response_due,
            "overdue": c.is_overdue,
            "escalated": c.escalated_at is not None,
            "origin": c.origin,
        }
        for c in qs
    ]


@router.get("/complaints/{code}", response=ComplaintPublicOut, auth=public_auth("complaint-status"))
def complaint_status(request: HttpRequest, code: Code) -> dict[str, Any]:
    """Public status of a complaint: no identity, no internal notes."""
    return complaint_public_out(selectors.complaint_public_get(code=code))


@router.get("/complaints/{code}/detail", response=ComplaintStaffOut, auth=STAFF_AUTH)
def complaint_detail(request: HttpRequest, code: Code) -> dict[str, Any]:
    complaint = selectors.access_complaint(user=request.user, code=code)
    return complaint_staff_out(request, complaint)


@router.post("/complaints/{code}/transitions", response=ComplaintStaffOut, auth=STAFF_AUTH)
def complaint_transition(
    request: HttpRequest, code: Code, payload: ComplaintTransitionIn
) -> dict[str, Any]:
    complaint = selectors.access_complaint(user=request.user, code=code)
    services.complaint_transition(
        complaint=complaint, actor=request.user, to_status=payload.to, note=payload.note
    )
    return complaint_staff_out(request, selectors.access_complaint(user=request.user, code=code))


@router.post("/complaints/{code}/notes", response={201: ComplaintStaffOut}, auth=STAFF_AUTH)
def complaint_note(request: HttpRequest, code: Code, payload: ComplaintNoteIn) -> Status:
    complaint = selectors.access_complaint(user=request.user, code=code)
    services.complaint_note_add(complaint=complaint, actor=request.user, note=payload.note)
    return Status(201, complaint_staff_out(request, complaint))


@router.post("/complaints/{code}/route", response=ComplaintStaffOut, auth=STAFF_AUTH)
def complaint_route(request: HttpRequest, code: Code, payload: ComplaintRouteIn) -> dict[str, Any]:
    complaint = selectors.access_complaint(user=request.user, code=code)
    if not selectors.can_manage_complaints(request.user, complaint.mall_id):
        raise NotFound()
    agency = None
    if payload.agency_id is not None:
        agency = agency_in_mall(mall_id=complaint.mall_id, agency_id=payload.agency_id)
        if agency is None:
            raise InvalidInput("No agency has this id in this mall.", field="agency_id")
    services.complaint_route(complaint=complaint, actor=request.user, agency=agency)
    return complaint_staff_out(request, selectors.access_complaint(user=request.user, code=code))


@router.post(
    "/complaints/{code}/forward-to-lapor", response={202: ComplaintStaffOut}, auth=STAFF_AUTH
)
def complaint_forward(request: HttpRequest, code: Code) -> Status:
    complaint = selectors.access_complaint(user=request.user, code=code)
    if not selectors.can_manage_complaints(request.user, complaint.mall_id):
        raise NotFound()
    services.complaint_forward_to_lapor(complaint=complaint, actor=request.user)
    return Status(
        202, complaint_staff_out(request, selectors.access_complaint(user=request.user, code=code))
    )


@router.post(
    "/lapor/inbound",
    response={200: LaporInboundOut, 201: LaporInboundOut, 401: ErrorOut},
    auth=anonymous_only("lapor-inbound", rate="600/m"),
)
def lapor_inbound(request: HttpRequest) -> Any:
    """A complaint forwarded by SP4N-LAPOR!, signed with HMAC-SHA256 over the raw body
    (`X-Lapor-Signature: sha256=<hex>`). 201 when new, 200 when this reference came before."""
    body = request.body
    if not lapor.signature_valid(body, request.headers.get(lapor.SIGNATURE_HEADER)):
        return Status(401, {"detail": "invalid or missing signature"})
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise InvalidInput("The body is not JSON.", field="body") from exc
    complaint, created = services.complaint_receive_from_lapor(payload=payload)
    return Status(
        201 if created else 200,
        {
            "code": complaint.code,
            "status": complaint.status,
            "reference": complaint.lapor_reference or "",
            "created": created,
        },
    )
