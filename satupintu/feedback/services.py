"""State changes of the feedback app: surveys, complaints, escalation and the LAPOR exchange."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from satupintu.accounts.models import Membership, Role
from satupintu.catalog.models import Agency, Mall, Service
from satupintu.catalog.selectors import mall_closures
from satupintu.core.audit import audit_record
from satupintu.core.codes import READABLE, CodeFormat
from satupintu.core.errors import Conflict, InvalidInput, NotFound
from satupintu.core.models import OutboxMessage
from satupintu.core.notify import NOTIFY_LANGUAGE, notify_applicant_on_commit
from satupintu.core.outbox import outbox_requeue
from satupintu.core.public_url import public_url
from satupintu.core.validators import validate_phone
from satupintu.core.workdays import add_working_days
from satupintu.feedback import deliveries, lapor, links
from satupintu.feedback.models import (
    AGE_MAX,
    AGE_MIN,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    Education,
    Gender,
    Occupation,
    Survey,
)
from satupintu.feedback.unsur import UNSUR_CODES

logger = logging.getLogger(__name__)

TEXT_MAX_LENGTH = 5000
SUGGESTION_MAX_LENGTH = 2000

# --- surveys ------------------------------------------------------------------------------------


def _validate_answers(answers: Any) -> dict[str, int]:
    if not isinstance(answers, Mapping):
        raise InvalidInput(_("Give the answers as an object u1..u9."), field="answers")
    for key in answers:
        if key not in UNSUR_CODES:
            raise InvalidInput(
                _("Unknown unsur '%(key)s': the survey has u1 to u9.") % {"key": key},
                field=f"answers.{key}",
                code="unknown_unsur",
            )
    clean: dict[str, int] = {}
    for code in UNSUR_CODES:
        if code not in answers:
            raise InvalidInput(
                _("The answer to %(code)s is missing.") % {"code": code.upper()},
                field=f"answers.{code}",
                code="missing",
            )
        value = answers[code]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
            raise InvalidInput(
                _("The answer to %(code)s must be a whole number from 1 to 4.")
                % {"code": code.upper()},
                field=f"answers.{code}",
                code="out_of_range",
            )
        clean[code] = value
    return clean


def _validate_respondent(respondent: Any) -> dict[str, Any]:
    if not isinstance(respondent, Mapping):
        raise InvalidInput(_("Give the respondent's profile."), field="respondent")
    choices = {
        "gender": Gender.values,
        "education": Education.values,
        "occupation": Occupation.values,
    }
    clean: dict[str, Any] = {}
    for name, allowed in choices.items():
        value = respondent.get(name)
        if value not in allowed:
            raise InvalidInput(
                _("Choose one of: %(allowed)s.") % {"allowed": ", ".join(allowed)},
                field=f"respondent.{name}",
                code="invalid_choice",
            )
        clean[name] = value
    age = respondent.get("age")
    if isinstance(age, bool) or not isinstance(age, int) or not AGE_MIN <= age <= AGE_MAX:
        raise InvalidInput(
            _("The age must be a whole number from %(min)d to %(max)d.")
            % {"min": AGE_MIN, "max": AGE_MAX},
            field="respondent.age",
            code="out_of_range",
        )
    clean["age"] = age
    return clean


@transaction.atomic
def survey_submit(
    *,
    service_id: int | None,
    answers: Any,
    respondent: Any,
    ticket_id: int | None = None,
    tracking_code: str | None = None,
    source: str = Survey.Source.API,
    suggestion: str = "",
    submitted_at: datetime | None = None,
) -> Survey:
    """Record one survey. Once per ticket and once per dossier (409 on a second one)."""
    clean_answers = _validate_answers(answers)
    profile = _validate_respondent(respondent)
    suggestion = (suggestion or "").strip()
    if len(suggestion) > SUGGESTION_MAX_LENGTH:
        raise InvalidInput(_("The suggestion is too long."), field="suggestion")
    if source not in Survey.Source.values:
        raise InvalidInput(_("Unknown source."), field="source")

    dossier = None
    ticket_current_service_id: int | None = None
    ticket_mall_id: int | None = None
    if tracking_code:
        dossier = links.dossier_find(tracking_code)
        if dossier is None:
            raise InvalidInput(_("No application has this tracking code."), field="tracking_code")
        if dossier.completed_at is None:
            raise Conflict(
                _("This application is not finished yet; rate it once it is."),
                field="tracking_code",
            )
    if ticket_id is not None:
        ticket = links.ticket_find(ticket_id)
        if ticket is None:
            raise InvalidInput(_("No ticket has this number."), field="ticket_id")
        if not ticket.finished:
            raise Conflict(
                _("This ticket has not been served yet; rate it once it is."),
                field="ticket_id",
            )
        # The service served last: in a multi-service visit the ticket moves along.
        ticket_current_service_id = ticket.current_service_id
        ticket_mall_id = ticket.mall_id

    if service_id is None:
        if dossier is not None and dossier.service_id:
            service_id = dossier.service_id
        elif ticket_current_service_id is not None:
            service_id = ticket_current_service_id
        else:
            raise InvalidInput(_("Choose the service you used."), field="service_id")
    service = (
        Service.objects.select_related("mall").filter(pk=service_id, mall__is_active=True).first()
    )
    if service is None:
        raise InvalidInput(_("No service has this id."), field="service_id")
    if dossier is not None and dossier.service_id and dossier.service_id != service.pk:
        raise InvalidInput(_("The application belongs to another service."), field="tracking_code")
    if ticket_mall_id is not None and ticket_mall_id != service.mall_id:
        raise InvalidInput(_("The ticket belongs to another mall."), field="ticket_id")

    survey = Survey(
        mall_id=service.mall_id,
        agency_id=service.agency_id,
        service=service,
        ticket_id=ticket_id,
        dossier=dossier,
        source=source,
        suggestion=suggestion,
        submitted_at=submitted_at or timezone.now(),
        **clean_answers,
        **profile,
    )
    try:
        # A savepoint: a duplicate caught by the unique constraint leaves the outer
        # transaction usable for the rollback that the Conflict causes.
        with transaction.atomic():
            survey.save()
    except IntegrityError as exc:
        field = "tracking_code" if dossier is not None else "ticket_id"
        raise Conflict(
            _("A survey for this visit was already submitted. Thank you!"), field=field
        ) from exc
    return survey


# --- complaints ---------------------------------------------------------------------------------

# ADU-XXXX-XXXX: read aloud and typed by hand.
COMPLAINT_CODE = CodeFormat(alphabet=READABLE, length=8, prefix="ADU-", group=4)


def _actor_label(actor: Any, fallback: str = "system") -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_username())[:150]
    return fallback


def _event(
    complaint: Complaint,
    kind: str,
    *,
    actor: Any = None,
    actor_label: str = "",
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    is_public: bool = False,
    at: datetime | None = None,
) -> ComplaintEvent:
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return ComplaintEvent.objects.create(
        complaint=complaint,
        at=at or timezone.now(),
        kind=kind,
        actor=actor if is_person else None,
        actor_label=actor_label or _actor_label(actor),
        from_status=from_status,
        to_status=to_status,
        note=note,
        is_public=is_public,
    )


def complaint_first_response_due(*, mall: Mall, received_at: datetime) -> Any:
    local_day = received_at.astimezone(mall.zone).date()
    due, _skipped = add_working_days(
        local_day,
        settings.COMPLAINT_FIRST_RESPONSE_WORKING_DAYS,
        mall_closures(mall=mall, start=local_day),
    )
    return due


def _notify_reporter(complaint: Complaint, subject: str, body: str) -> None:
    """Tell the reporter about progress (e-mail and WhatsApp/SMS, after commit), when they left
    contact details; otherwise the public status page is the only channel."""
    if complaint.is_anonymous or not (complaint.reporter_email or complaint.reporter_phone):
        return
    notify_applicant_on_commit(
        email=complaint.reporter_email,
        phone=complaint.reporter_phone,
        subject=subject,
        body=body,
        context={
            "tracking_code": complaint.code,
            "tracking_url": public_url(reverse("feedback:complaint-status", args=[complaint.code])),
            "applicant_name": complaint.reporter_name,
            "status": complaint.get_status_display(),
            "mall_name": complaint.mall.name,
        },
    )


def _resolve_links(
    *,
    mall: Mall | None,
    service_id: int | None,
    agency_id: int | None,
    ticket_id: int | None,
    tracking_code: str | None,
) -> tuple[Mall | None, Service | None, Agency | None, Any, int | None]:
    service = None
    agency = None
    dossier = None
    if service_id is not None:
        service = Service.objects.select_related("agency", "mall").filter(pk=service_id).first()
        if service is None or (mall is not None and service.mall_id != mall.pk):
            raise InvalidInput(_("No service has this id in this mall."), field="service_id")
        mall = mall or service.mall
    if agency_id is not None:
        agency = Agency.objects.select_related("mall").filter(pk=agency_id).first()
        if agency is None or (mall is not None and agency.mall_id != mall.pk):
            raise InvalidInput(_("No agency has this id in this mall."), field="agency_id")
        mall = mall or agency.mall
        if service is not None and service.agency_id != agency.pk:
            raise InvalidInput(_("The service belongs to another agency."), field="agency_id")
    if tracking_code:
        dossier = links.dossier_find(tracking_code)
        if dossier is None or (mall is not None and dossier.mall_id != mall.pk):
            raise InvalidInput(_("No application has this tracking code."), field="tracking_code")
        mall = mall or dossier.mall
    if ticket_id is not None:
        ticket = links.ticket_find(ticket_id)
        if ticket is None or (mall is not None and ticket.mall_id != mall.pk):
            raise InvalidInput(_("No ticket has this number."), field="ticket_id")
        if service is None:
            service = Service.objects.select_related("agency").get(pk=ticket.current_service_id)
    # Routing: the service's agency, else the application's, else the named agency; none
    # means the mall operator's queue.
    if agency is None:
        if service is not None:
            agency = service.agency
        elif dossier is not None and dossier.agency_id:
            agency = dossier.agency
        elif dossier is not None and dossier.service is not None:
            agency = dossier.service.agency
    if service is None and dossier is not None and dossier.service_id:
        service = dossier.service
    return mall, service, agency, dossier, ticket_id


@transaction.atomic
def complaint_submit(
    *,
    text: str,
    mall: Mall | None = None,
    category: str = ComplaintCategory.OTHER,
    service_id: int | None = None,
    agency_id: int | None = None,
    ticket_id: int | None = None,
    tracking_code: str | None = None,
    anonymous: bool = False,
    confidential: bool = False,
    name: str = "",
    email: str = "",
    phone: str = "",
    origin: str = Complaint.Origin.WEB,
    actor: Any = None,
    lapor_reference: str | None = None,
    received_at: datetime | None = None,
) -> Complaint:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write what the complaint is about."), field="text", code="required")
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidInput(
            _("The complaint is too long (at most %(max)d characters).") % {"max": TEXT_MAX_LENGTH},
            field="text",
        )
    if category not in ComplaintCategory.values:
        raise InvalidInput(
            _("Choose one of: %(allowed)s.") % {"allowed": ", ".join(ComplaintCategory.values)},
            field="category",
        )
    mall, service, agency, dossier, ticket_id = _resolve_links(
        mall=mall,
        service_id=service_id,
        agency_id=agency_id,
        ticket_id=ticket_id,
        tracking_code=tracking_code,
    )
    if mall is None:
        raise InvalidInput(_("Choose the mall the complaint is about."), field="mall")
    name, email, phone = (name or "").strip(), (email or "").strip(), (phone or "").strip()
    if anonymous:
        # Anonymous means nothing that identifies the person is kept, even if typed in.
        name = email = phone = ""
    if len(name) > 150:
        raise InvalidInput(_("The name is too long."), field="name")
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError as exc:
            raise InvalidInput(_("This is not an e-mail address."), field="email") from exc
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as exc:
            raise InvalidInput(str(exc.messages[0]), field="phone") from exc
    received_at = received_at or timezone.now()
    due = complaint_first_response_due(mall=mall, received_at=received_at)
    complaint = Complaint(
        mall=mall,
        origin=origin,
        category=category,
        text=text,
        agency=agency,
        service=service,
        ticket_id=ticket_id,
        dossier=dossier,
        is_anonymous=anonymous,
        is_confidential=confidential,
        reporter_name=name,
        reporter_email=email,
        reporter_phone=phone,
        received_at=received_at,
        first_response_due=due,
        lapor_reference=lapor_reference,
    )
    for _attempt in range(5):
        complaint.code = COMPLAINT_CODE.new()
        try:
            with transaction.atomic():
                complaint.save()
            break
        except IntegrityError:
            if (
                lapor_reference
                and Complaint.objects.filter(lapor_reference=lapor_reference).exists()
            ):
                raise
            complaint.pk = None
            continue
    else:  # pragma: no cover - 32^8 codes: five collisions in a row do not happen
        raise Conflict(_("Could not allocate a tracking code; try again."))
    where = agency.name if agency else _("the mall operator")
    _event(
        complaint,
        ComplaintEvent.Kind.RECEIVED,
        actor=actor,
        actor_label=_actor_label(actor, "lapor" if origin == Complaint.Origin.LAPOR else "public"),
        to_status=Complaint.Status.RECEIVED,
        note=_("Routed to %(where)s; first response due %(due)s.")
        % {"where": where, "due": due.isoformat()},
        is_public=True,
        at=received_at,
    )
    with translation.override(NOTIFY_LANGUAGE):
        _notify_reporter(
            complaint,
            _("Complaint %(code)s received") % {"code": complaint.code},
            _("We received your complaint. The first response is due by %(due)s.")
            % {"due": date_format(due, "DATE_FORMAT")},
        )
    return complaint


ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Complaint.Status.RECEIVED: (Complaint.Status.IN_PROGRESS, Complaint.Status.ANSWERED),
    Complaint.Status.IN_PROGRESS: (Complaint.Status.ANSWERED,),
    Complaint.Status.ANSWERED: (Complaint.Status.CLOSED, Complaint.Status.IN_PROGRESS),
    Complaint.Status.CLOSED: (),
}


@transaction.atomic
def complaint_transition(
    *, complaint: Complaint, actor: Any, to_status: str, note: str = ""
) -> Complaint:
    """Move a complaint along received -> in_progress -> answered -> closed.

    The row is locked first, so two officers acting at once do not both pass the check."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    note = (note or "").strip()
    if to_status not in Complaint.Status.values:
        raise InvalidInput(
            _("Choose one of: %(allowed)s.") % {"allowed": ", ".join(Complaint.Status.values)},
            field="to",
        )
    if to_status not in ALLOWED_TRANSITIONS[locked.status]:
        raise Conflict(
            _("A complaint that is %(from)s cannot become %(to)s.")
            % {"from": locked.status, "to": to_status},
            field="to",
        )
    if to_status == Complaint.Status.ANSWERED and not note:
        raise InvalidInput(_("Write the answer."), field="note", code="required")
    if len(note) > TEXT_MAX_LENGTH:
        raise InvalidInput(_("The note is too long."), field="note")
    now = timezone.now()
    from_status = locked.status
    locked.status = to_status
    fields = ["status"]
    if locked.first_responded_at is None:
        locked.first_responded_at = now
        fields.append("first_responded_at")
    if to_status == Complaint.Status.ANSWERED:
        locked.answer = note
        locked.answered_at = now
        fields += ["answer", "answered_at"]
    if to_status == Complaint.Status.CLOSED:
        locked.closed_at = now
        fields.append("closed_at")
    locked.save(update_fields=fields)
    transition = _event(
        locked,
        ComplaintEvent.Kind.TRANSITION,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
        is_public=to_status == Complaint.Status.ANSWERED,
    )
    if to_status == Complaint.Status.ANSWERED:
        with translation.override(NOTIFY_LANGUAGE):
            _notify_reporter(
                locked,
                _("Complaint %(code)s answered") % {"code": locked.code},
                _("Your complaint has been answered: %(answer)s") % {"answer": note[:300]},
            )
        if _known_to_lapor(locked):
            # Both directions carry the answer: a complaint LAPOR sent us, and one we forwarded
            # (whose answer waits in the outbox until LAPOR's reference is known).
            deliveries.lapor_answer_enqueue(
                locked,
                transition,
                {
                    "reference": locked.lapor_reference,
                    "tracking_code": locked.code,
                    "status": to_status,
                    "answer": note,
                    "answered_at": now.isoformat(),
                    "unit": locked.agency.name if locked.agency else locked.mall.name,
                },
            )
    return locked


@transaction.atomic
def complaint_route(*, complaint: Complaint, actor: Any, agency: Agency | None) -> Complaint:
    """Hand a complaint to another agency of the mall (None: back to the operator's queue)."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if agency is not None and agency.mall_id != locked.mall_id:
        raise InvalidInput(_("No agency has this id in this mall."), field="agency_id")
    if locked.status == Complaint.Status.CLOSED:
        raise Conflict(_("A closed complaint cannot be routed."), field="agency_id")
    if locked.agency_id == (agency.pk if agency else None):
        raise Conflict(_("The complaint is already there."), field="agency_id")
    before = locked.agency.name if locked.agency else _("the mall operator")
    locked.agency = agency
    locked.save(update_fields=["agency"])
    _event(
        locked,
        ComplaintEvent.Kind.ROUTED,
        actor=actor,
        note=_("From %(before)s to %(after)s.")
        % {"before": before, "after": agency.name if agency else _("the mall operator")},
    )
    return locked


@transaction.atomic
def complaint_note_add(*, complaint: Complaint, actor: Any, note: str) -> ComplaintEvent:
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Write the note."), field="note", code="required")
    if len(note) > TEXT_MAX_LENGTH:
        raise InvalidInput(_("The note is too long."), field="note")
    return _event(complaint, ComplaintEvent.Kind.NOTE, actor=actor, note=note)


@transaction.atomic
def complaints_escalate_overdue(*, now: datetime | None = None) -> list[Complaint]:
    """Escalate, once, every complaint whose first response is overdue: the supervisors of the
    mall are told, and the history says so. A complaint already escalated is never escalated
    again, however often this runs and however many workers run it at once."""
    now = now or timezone.now()
    escalated: list[Complaint] = []
    candidates = (
        Complaint.objects.filter(
            first_responded_at__isnull=True,
            escalated_at__isnull=True,
            status=Complaint.Status.RECEIVED,
            first_response_due__lt=now.date() + timedelta(days=1),
        )
        .select_related("mall", "agency")
        .order_by("pk")
    )
    for complaint in candidates:
        if complaint.first_response_due >= complaint.mall.today(now):
            continue  # not yet overdue in the mall's own time zone
        # The conditional update is the "exactly once": of two concurrent runs only one
        # changes the row.
        claimed = Complaint.objects.filter(
            pk=complaint.pk, escalated_at__isnull=True, first_responded_at__isnull=True
        ).update(escalated_at=now)
        if claimed != 1:
            continue
        complaint.escalated_at = now
        supervisors = list(
            Membership.objects.filter(
                mall_id=complaint.mall_id, role=Role.SUPERVISOR, user__is_active=True
            )
            .select_related("user")
            .order_by("user__username")
        )
        names = ", ".join(m.user.get_username() for m in supervisors) or _("(no supervisor)")
        _event(
            complaint,
            ComplaintEvent.Kind.ESCALATED,
            actor_label="system",
            note=_("First response was due %(due)s; escalated to %(names)s.")
            % {"due": complaint.first_response_due.isoformat(), "names": names},
        )
        audit_record(
            actor=None,
            action="escalate",
            obj=complaint,
            summary=f"complaint {complaint.code} first response overdue",
        )
        staff_url = public_url(reverse("feedback:staff-complaint", args=[complaint.code]))
        for membership in supervisors:
            if not membership.user.email:
                continue
            # Through the notification module: after commit, by a background task that logs
            # and retries the send.
            with translation.override(NOTIFY_LANGUAGE):
                notify_applicant_on_commit(
                    email=membership.user.email,
                    phone=None,
                    subject=_("Complaint %(code)s: first response overdue")
                    % {"code": complaint.code},
                    body=_(
                        "The first response to complaint %(code)s was due on %(due)s and has "
                        "not been given. Agency: %(agency)s."
                    )
                    % {
                        "code": complaint.code,
                        "due": date_format(complaint.first_response_due, "DATE_FORMAT"),
                        "agency": complaint.agency.name if complaint.agency else "-",
                    },
                    context={
                        "applicant_name": membership.user.display_name(),
                        "tracking_code": complaint.code,
                        "tracking_url": staff_url,
                        "mall_name": complaint.mall.name,
                    },
                )
        escalated.append(complaint)
    return escalated


# --- SP4N-LAPOR! --------------------------------------------------------------------------------


def _known_to_lapor(complaint: Complaint) -> bool:
    """LAPOR knows this complaint: it came from there, or we forwarded it (or are forwarding)."""
    if complaint.lapor_reference:
        return True
    return OutboxMessage.objects.filter(
        dedupe_key=deliveries.forward_key(complaint),
        status__in=[
            OutboxMessage.Status.PENDING,
            OutboxMessage.Status.SENDING,
            OutboxMessage.Status.SENT,
        ],
    ).exists()


def complaint_record_lapor_event(complaint: Complaint, kind: str, *, note: str = "") -> None:
    """Write how a LAPOR delivery went in the complaint's history (called by the outbox)."""
    _event(complaint, kind, note=note[:2000])


def _lapor_payload_str(payload: Mapping[str, Any], key: str, limit: int) -> str:
    value = payload.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("Must be text."), field=key)
    if len(value) > limit:
        raise InvalidInput(_("Too long."), field=key)
    return value.strip()


@transaction.atomic
def complaint_receive_from_lapor(*, payload: Any) -> tuple[Complaint, bool]:
    """A complaint forwarded from SP4N-LAPOR!. Idempotent on the LAPOR reference: the same
    reference twice gives the complaint made the first time (and `False`)."""
    if not isinstance(payload, Mapping):
        raise InvalidInput(_("The body must be a JSON object."), field="body")
    reference = _lapor_payload_str(payload, "reference", 64)
    if not reference:
        raise InvalidInput(_("The LAPOR reference is missing."), field="reference")
    existing = Complaint.objects.filter(lapor_reference=reference).first()
    if existing is not None:
        return existing, False
    mall_slug = _lapor_payload_str(payload, "mall", 64) or settings.LAPOR_DEFAULT_MALL
    mall = Mall.objects.filter(slug=mall_slug, is_active=True).first() if mall_slug else None
    if mall is None:
        malls = list(Mall.objects.filter(is_active=True)[:2])
        if mall_slug or len(malls) != 1:
            raise InvalidInput(_("Name the receiving mall."), field="mall")
        mall = malls[0]
    service_id = None
    service_code = _lapor_payload_str(payload, "service_code", 32)
    if service_code:
        service = Service.objects.filter(mall=mall, code=service_code.upper()).first()
        service_id = service.pk if service else None  # an unknown code goes to the operator
    agency_id = None
    agency_slug = _lapor_payload_str(payload, "agency", 64)
    if agency_slug and service_id is None:
        agency = Agency.objects.filter(mall=mall, slug=agency_slug).first()
        agency_id = agency.pk if agency else None
    category = _lapor_payload_str(payload, "category", 20)
    if category not in ComplaintCategory.values:
        category = ComplaintCategory.OTHER
    reporter = payload.get("reporter") or {}
    if not isinstance(reporter, Mapping):
        raise InvalidInput(_("Must be an object."), field="reporter")
    title = _lapor_payload_str(payload, "title", 255)
    text = _lapor_payload_str(payload, "text", TEXT_MAX_LENGTH)
    if title and text:
        text = f"{title}\n\n{text}"
    try:
        complaint = complaint_submit(
            mall=mall,
            text=text,
            category=category,
            service_id=service_id,
            agency_id=agency_id,
            anonymous=bool(payload.get("anonymous", False)),
            confidential=bool(payload.get("confidential", False)),
            name=str(reporter.get("name") or "")[:150],
            email=str(reporter.get("email") or ""),
            phone=str(reporter.get("phone") or ""),
            origin=Complaint.Origin.LAPOR,
            lapor_reference=reference,
        )
    except IntegrityError:
        # The same reference arrived twice at the same moment: the other one won.
        return Complaint.objects.get(lapor_reference=reference), False
    return complaint, True


@transaction.atomic
def complaint_forward_to_lapor(*, complaint: Complaint, actor: Any) -> OutboxMessage:
    """Queue one of our complaints to be forwarded to SP4N-LAPOR!."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not lapor.is_configured():
        raise Conflict(_("The SP4N-LAPOR! exchange is not configured."))
    if locked.lapor_reference or locked.origin == Complaint.Origin.LAPOR:
        raise Conflict(_("This complaint is already known to SP4N-LAPOR!."))
    earlier = OutboxMessage.objects.filter(dedupe_key=deliveries.forward_key(locked)).first()
    if earlier is not None and earlier.status not in (
        OutboxMessage.Status.DEAD,
        OutboxMessage.Status.SKIPPED,
    ):
        raise Conflict(_("This complaint is already being forwarded."))
    identity_hidden = locked.is_anonymous or locked.is_confidential
    payload: dict[str, Any] = {
        "tracking_code": locked.code,
        "mall": locked.mall.slug,
        "unit": locked.agency.name if locked.agency else locked.mall.name,
        "category": locked.category,
        "text": locked.text,
        "received_at": locked.received_at.isoformat(),
        "anonymous": locked.is_anonymous,
        "confidential": locked.is_confidential,
        "service_code": locked.service.code if locked.service else None,
    }
    if not identity_hidden:
        payload["reporter"] = {
            "name": locked.reporter_name,
            "email": locked.reporter_email,
            "phone": locked.reporter_phone,
        }
    if earlier is not None:
        # An earlier forward was given up: the same message goes again, with today's content.
        outbox_requeue(earlier, payload=payload)
        delivery = earlier
    else:
        delivery = deliveries.lapor_forward_enqueue(locked, payload)
    _event(
        locked,
        ComplaintEvent.Kind.NOTE,
        actor=actor,
        note=_("Forwarding to SP4N-LAPOR! requested."),
    )
    return delivery


def complaint_get_for_update(code: str) -> Complaint:
    complaint = Complaint.objects.filter(code=code).first()
    if complaint is None:
        raise NotFound()
    return complaint
