"""State changes of dossiers: creation, documents, transitions, assignment, fees, SLA warnings.

Every function runs in one transaction; every state change writes a `DossierEvent` row and
tells the applicant after commit."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from satupintu.accounts.models import Membership, Role, User
from satupintu.accounts.selectors import has_role
from satupintu.catalog.models import BundleItem, Channel, Service, ServiceBundle, ServiceRequirement
from satupintu.catalog.selectors import (
    mall_closures,
    require_service_serving,
    with_agency_serving,
)
from satupintu.core.audit import audit_record
from satupintu.core.codes import unique_code
from satupintu.core.crypto import decrypt_personal, encrypt_personal, lookup_hash
from satupintu.core.errors import Conflict, InvalidInput, NotFound
from satupintu.core.signing import HmacSigner
from satupintu.core.validators import mask_nik, parse_nik, validate_phone
from satupintu.dossiers import sla
from satupintu.dossiers.codes import (
    PAYMENT_CODE,
    TRACKING_CODE,
    VERIFICATION_CODE,
    tracking_code_format,
)
from satupintu.dossiers.models import (
    APPLICANT,
    Bill,
    Dossier,
    DossierDocument,
    DossierEvent,
    FormField,
    ResultDocument,
    SlaWarning,
    Workflow,
    WorkflowAction,
    WorkflowState,
)
from satupintu.dossiers.selectors import (
    ASSIGNEE_ROLES,
    DOCUMENT_HANDLER_ROLES,
    NIK_READER_ROLES,
    access_dossier,
    caller_roles,
    dossier_missing_mandatory,
    dossier_state,
    requirement_key,
    service_config_get,
    status_label,
)
from satupintu.dossiers.workflow_templates import TEMPLATES

logger = logging.getLogger(__name__)

STAFF_INTAKE_ROLES = [Role.COUNTER_OFFICER, Role.SUPERVISOR]
OUTREACH_INTAKE_ROLES = [Role.OUTREACH_OFFICER, Role.COUNTER_OFFICER, Role.SUPERVISOR]
BUNDLE_IN_PROGRESS = Dossier.BundleStatus.IN_PROGRESS.value

# Content sniffing: the first bytes decide the type, never the file name.
MAGIC_TYPES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
]
TYPE_ALIASES = {"jpeg": "jpg"}


# --- workflows -------------------------------------------------------------------------------


def _build_workflow(workflow: Workflow, spec: dict[str, Any]) -> None:
    states: dict[str, WorkflowState] = {}
    for position, state in enumerate(spec["states"]):
        fields = {k: v for k, v in state.items() if k not in {"code", "name"}}
        if "actor_role" in fields:
            fields["actor_role"] = str(fields["actor_role"])
        states[state["code"]] = WorkflowState.objects.create(
            workflow=workflow, position=position, code=state["code"], name=state["name"], **fields
        )
    for position, action in enumerate(spec["actions"]):
        flags = {
            k: v for k, v in action.items() if k not in {"code", "name", "from", "to", "roles"}
        }
        WorkflowAction.objects.create(
            workflow=workflow,
            position=position,
            code=action["code"],
            name=action["name"],
            from_state=states[action["from"]],
            to_state=states[action["to"]],
            roles=[str(r) for r in action["roles"]],
            **flags,
        )
    workflow.validate()


@transaction.atomic
def workflow_template_ensure(*, code: str) -> Workflow:
    """The template `code` (default or instant), created from its definition when missing."""
    existing = Workflow.objects.filter(is_template=True, code=code).first()
    if existing is not None:
        return existing
    spec = TEMPLATES[code]
    workflow = Workflow.objects.create(code=code, name=spec["name"], is_template=True)
    _build_workflow(workflow, spec)
    return workflow


@transaction.atomic
def workflow_copy_for_service(*, service: Service, template_code: str | None = None) -> Workflow:
    """The service's workflow; when it has none, a copy of a template (instant for services
    measured in minutes, default otherwise). Existing workflows are left as they are."""
    existing = Workflow.objects.filter(service=service).first()
    if existing is not None:
        return existing
    if template_code is None:
        template_code = (
            "instant" if service.duration_unit == Service.DurationUnit.MINUTES else "default"
        )
    template = workflow_template_ensure(code=template_code)
    workflow = Workflow.objects.create(
        code=f"{template.code}-{service.code.lower()}"[:64],
        name=f"{template.name} · {service.code}",
        service=service,
    )
    states: dict[int, WorkflowState] = {}
    for state in template.states.all():
        old_pk = state.pk
        state.pk = None
        state.id = None
        state.workflow = workflow
        state._state.adding = True
        state.save()
        states[old_pk] = state
    for action in template.actions.all():
        action.pk = None
        action.id = None
        action.workflow = workflow
        action.from_state = states[action.from_state_id]
        action.to_state = states[action.to_state_id]
        action._state.adding = True
        action.save()
    workflow.validate()
    return workflow


# --- applicant and form ----------------------------------------------------------------------


def _clean_applicant(applicant: dict[str, Any]) -> dict[str, Any]:
    kind = applicant.get("kind") or Dossier.ApplicantKind.PERSON
    if kind not in Dossier.ApplicantKind.values:
        raise InvalidInput("kind must be 'person' or 'business'", field="applicant.kind")
    try:
        nik = parse_nik(str(applicant.get("nik") or "")).nik
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="applicant.nik", code="nik_invalid") from exc
    name = " ".join(str(applicant.get("name") or "").split())
    if not name:
        raise InvalidInput(_("The applicant's name is required."), field="applicant.name")
    if len(name) > 150:
        raise InvalidInput(_("The name is longer than 150 characters."), field="applicant.name")
    business_name = " ".join(str(applicant.get("business_name") or "").split())
    if kind == Dossier.ApplicantKind.BUSINESS and not business_name:
        raise InvalidInput(
            _("A business applicant needs the business name."), field="applicant.business_name"
        )
    phone = str(applicant.get("phone") or "").strip()
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], field="applicant.phone") from exc
    email = str(applicant.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise InvalidInput(_("Not a valid e-mail address."), field="applicant.email") from exc
    return {
        "applicant_kind": kind,
        "applicant_nik_encrypted": encrypt_personal(nik, purpose="nik"),
        "applicant_nik_hash": lookup_hash(nik, purpose="nik"),
        "applicant_nik_masked": mask_nik(nik),
        "applicant_name": name,
        "business_name": business_name[:200],
        "applicant_phone": phone,
        "applicant_email": email,
    }


def form_validate(*, fields: list[FormField], data: dict[str, Any]) -> dict[str, Any]:
    """Check submitted form values against the service's fields; unknown names are refused."""
    if not isinstance(data, dict):
        raise InvalidInput("form must be an object", field="body.form")
    by_name = {f.name: f for f in fields}
    unknown = sorted(set(data) - set(by_name))
    if unknown:
        raise InvalidInput(
            f"Unknown form field: {unknown[0]}",
            field=f"body.form.{unknown[0]}",
            code="unknown_field",
        )
    cleaned: dict[str, Any] = {}
    for field in fields:
        raw = data.get(field.name)
        where = f"body.form.{field.name}"
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if field.required:
                raise InvalidInput(
                    _("%(label)s is required.") % {"label": field.label},
                    field=where,
                    code="missing",
                )
            continue
        value: Any = raw.strip() if isinstance(raw, str) else raw
        if field.kind in (FormField.Kind.TEXT, FormField.Kind.LONG_TEXT):
            value = str(value)
            if len(value) > field.max_length:
                raise InvalidInput(
                    _("%(label)s is longer than %(max)d characters.")
                    % {"label": field.label, "max": field.max_length},
                    field=where,
                )
        elif field.kind == FormField.Kind.NUMBER:
            try:
                value = int(str(value))
            except ValueError as exc:
                raise InvalidInput(
                    _("%(label)s must be a whole number.") % {"label": field.label}, field=where
                ) from exc
        elif field.kind == FormField.Kind.DATE:
            try:
                value = date.fromisoformat(str(value)).isoformat()
            except ValueError as exc:
                raise InvalidInput(
                    _("%(label)s must be a date (YYYY-MM-DD).") % {"label": field.label},
                    field=where,
                ) from exc
        elif field.kind == FormField.Kind.CHOICE:
            if str(value) not in [str(c) for c in field.choices]:
                raise InvalidInput(
                    _("%(label)s must be one of: %(choices)s.")
                    % {"label": field.label, "choices": ", ".join(map(str, field.choices))},
                    field=where,
                )
            value = str(value)
        elif field.kind == FormField.Kind.EMAIL:
            try:
                validate_email(str(value))
            except ValidationError as exc:
                raise InvalidInput(
                    _("%(label)s is not an e-mail address.") % {"label": field.label}, field=where
                ) from exc
        elif field.kind == FormField.Kind.PHONE:
            try:
                value = validate_phone(str(value))
            except ValidationError as exc:
                raise InvalidInput(exc.messages[0], field=where) from exc
        elif field.kind == FormField.Kind.NIK:
            try:
                value = parse_nik(str(value)).nik
            except ValidationError as exc:
                raise InvalidInput(exc.messages[0], field=where) from exc
        cleaned[field.name] = value
    return cleaned


def _new_tracking_code() -> str:
    return unique_code(
        TRACKING_CODE, taken=lambda code: Dossier.objects.filter(tracking_code=code).exists()
    )


def _may_submit(*, actor: Any, mall_id: int, channel: str) -> bool:
    """Check the channel against who submits; answer whether it is assisted digital."""
    if channel not in Channel.values:
        raise InvalidInput(f"channel must be one of {', '.join(Channel.values)}", field="channel")
    if channel == Channel.ONLINE:
        return has_role(actor, mall_id=mall_id, roles=STAFF_INTAKE_ROLES) and not (
            actor.is_superuser
        )
    roles = OUTREACH_INTAKE_ROLES if channel == Channel.OUTREACH else STAFF_INTAKE_ROLES
    if not has_role(actor, mall_id=mall_id, roles=roles):
        raise InvalidInput(
            _("Only the front office takes in dossiers on this channel; apply online instead."),
            field="channel",
            code="channel_not_allowed",
        )
    return False


def _check_ticket(ticket_id: int | None, mall_id: int) -> None:
    if ticket_id is None:
        return
    from satupintu.queueing.models import Ticket

    if not Ticket.objects.filter(pk=ticket_id, mall_id=mall_id).exists():
        raise InvalidInput(_("No queue ticket with this id in this mall."), field="ticket_id")


def _event(
    *,
    dossier: Dossier,
    actor: Any,
    action: str,
    from_status: str,
    to_status: str,
    comment: str = "",
) -> DossierEvent:
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return DossierEvent.objects.create(
        dossier=dossier,
        actor=actor if is_person else None,
        actor_label=(actor.get_username() if is_person else "applicant")[:150],
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
    )


def _enter_state(
    *, dossier: Dossier, state: WorkflowState, today: date, closures: dict[date, str]
) -> None:
    dossier.status = state.code
    dossier.state_seq += 1
    dossier.state_entered_at = timezone.now()
    dossier._state_cache = state  # type: ignore[attr-defined]
    if state.pauses_sla or dossier.sla_stopped_on is not None or dossier.on_hold:
        dossier.state_due = None
    else:
        dossier.state_due = sla.state_deadline(
            entered_on=today,
            sla_days=dossier.sla_days,
            share_percent=state.sla_share_percent,
            dossier_due=dossier.sla_due,
            closures=closures,
        )


@transaction.atomic
def dossier_create(
    *,
    actor: Any,
    channel: str,
    applicant: dict[str, Any],
    form: dict[str, Any] | None = None,
    service_id: int | None = None,
    bundle_id: int | None = None,
    ticket_id: int | None = None,
) -> Dossier:
    if bundle_id is not None:
        return _bundle_create(
            actor=actor,
            channel=channel,
            applicant=applicant,
            form=form or {},
            bundle_id=bundle_id,
            ticket_id=ticket_id,
        )
    if service_id is None:
        raise InvalidInput("service_id or bundle_id is required", field="service_id")
    service = with_agency_serving(
        Service.objects.live().select_related("mall", "agency").filter(pk=service_id)
    ).first()
    if service is None:
        raise NotFound(f"No service with id {service_id}", field="service_id")
    require_service_serving(service)
    assisted = _may_submit(actor=actor, mall_id=service.mall_id, channel=channel)
    _check_ticket(ticket_id, service.mall_id)
    if not service.offers(channel):
        raise InvalidInput(
            _("%(service)s is not offered on the channel '%(channel)s'.")
            % {"service": service.code, "channel": channel},
            field="channel",
        )
    identity = _clean_applicant(applicant)
    cleaned_form = form_validate(fields=list(service.form_fields.all()), data=form or {})
    workflow = workflow_copy_for_service(service=service)
    dossier = _child_create(
        actor=actor,
        service=service,
        workflow=workflow,
        channel=channel,
        assisted=assisted,
        identity=identity,
        form=cleaned_form,
        ticket_id=ticket_id,
    )
    for requirement in service.requirements.all():
        DossierDocument.objects.create(dossier=dossier, requirement=requirement)
    _notify_applicant(dossier, action="submit")
    return dossier


def _child_create(
    *,
    actor: Any,
    service: Service,
    workflow: Workflow,
    channel: str,
    assisted: bool,
    identity: dict[str, Any],
    form: dict[str, Any],
    ticket_id: int | None,
    parent: Dossier | None = None,
    bundle_item: BundleItem | None = None,
    on_hold: bool = False,
) -> Dossier:
    initial = workflow.initial_state()
    is_person = getattr(actor, "is_authenticated", False)
    is_staff = is_person and (assisted or channel != Channel.ONLINE or actor.is_superuser)
    dossier = Dossier(
        mall=service.mall,
        service=service,
        agency=service.agency,
        workflow=workflow,
        channel=channel,
        assisted=assisted,
        tracking_code=_new_tracking_code(),
        form_data=form,
        ticket_id=ticket_id,
        parent=parent,
        bundle=parent.bundle if parent else None,
        bundle_item=bundle_item,
        on_hold=on_hold,
        applicant_user=actor if is_person and not is_staff else None,
        created_by=actor if is_person else None,
        sla_days=service.duration_value
        if service.duration_unit == Service.DurationUnit.WORKING_DAYS
        else 0,
        **identity,
    )
    today = service.mall.today()
    _enter_state(
        dossier=dossier, state=initial, today=today, closures=mall_closures(mall=service.mall)
    )
    dossier.save()
    _event(dossier=dossier, actor=actor, action="submit", from_status="", to_status=initial.code)
    if on_hold:
        _event(
            dossier=dossier,
            actor=actor,
            action="hold",
            from_status=initial.code,
            to_status=initial.code,
            comment="waits for earlier services of the bundle",
        )
    return dossier


def _bundle_create(
    *,
    actor: Any,
    channel: str,
    applicant: dict[str, Any],
    form: dict[str, Any],
    bundle_id: int,
    ticket_id: int | None,
) -> Dossier:
    bundle = (
        ServiceBundle.objects.select_related("mall")
        .filter(pk=bundle_id, is_active=True, mall__is_active=True)
        .first()
    )
    if bundle is None:
        raise NotFound(f"No bundle with id {bundle_id}", field="bundle_id")
    items = list(
        BundleItem.objects.filter(bundle=bundle)
        .select_related("service", "service__agency", "service__mall")
        .prefetch_related("depends_on")
        .order_by("position", "id")
    )
    if not items:
        raise InvalidInput("This bundle has no services", field="bundle_id")
    live = set(
        Service.objects.serving()
        .filter(pk__in=[i.service_id for i in items])
        .values_list("pk", flat=True)
    )
    for item in items:
        if item.service_id not in live:
            # A service of the bundle was switched off or its agency does not serve now.
            raise Conflict(
                _("%(service)s of this bundle takes no new applications at present.")
                % {"service": item.service.name},
                field="bundle_id",
                code="service_closed",
            )
    assisted = _may_submit(actor=actor, mall_id=bundle.mall_id, channel=channel)
    _check_ticket(ticket_id, bundle.mall_id)
    identity = _clean_applicant(applicant)
    # A field asked by two services is asked once: the first definition wins.
    fields: dict[str, FormField] = {}
    for item in items:
        for field in item.service.form_fields.all():
            fields.setdefault(field.name, field)
    cleaned_form = form_validate(fields=list(fields.values()), data=form)
    is_person = getattr(actor, "is_authenticated", False)
    parent = Dossier.objects.create(
        mall=bundle.mall,
        bundle=bundle,
        channel=channel,
        assisted=assisted,
        status=BUNDLE_IN_PROGRESS,
        tracking_code=_new_tracking_code(),
        form_data=cleaned_form,
        ticket_id=ticket_id,
        applicant_user=actor if is_person and channel == Channel.ONLINE and not assisted else None,
        created_by=actor if is_person else None,
        **identity,
    )
    _event(dossier=parent, actor=actor, action="submit", from_status="", to_status=parent.status)
    merged: dict[str, ServiceRequirement] = {}
    for item in items:
        for requirement in item.service.requirements.all():
            merged.setdefault(requirement_key(requirement), requirement)
    for requirement in merged.values():
        DossierDocument.objects.create(dossier=parent, requirement=requirement)
    for item in items:
        service_fields = {f.name for f in item.service.form_fields.all()}
        _child_create(
            actor=actor,
            service=item.service,
            workflow=workflow_copy_for_service(service=item.service),
            channel=channel,
            assisted=assisted,
            identity=identity,
            form={k: v for k, v in cleaned_form.items() if k in service_fields},
            ticket_id=ticket_id,
            parent=parent,
            bundle_item=item,
            on_hold=bool(item.depends_on.all()),
        )
    _notify_applicant(parent, action="submit")
    return parent


# --- documents -------------------------------------------------------------------------------


def sniff_type(head: bytes) -> tuple[str, str] | None:
    for magic, short, mime in MAGIC_TYPES:
        if head.startswith(magic):
            return short, mime
    return None


def _document_row(dossier: Dossier, requirement_id: int) -> DossierDocument:
    """The row holding requirement `requirement_id` for this dossier (on the bundle
    application when the dossier is part of a bundle: the document is asked once)."""
    holder = dossier.parent if dossier.parent_id else dossier
    assert holder is not None
    requirement = ServiceRequirement.objects.filter(pk=requirement_id).first()
    if requirement is None:
        raise InvalidInput(_("Unknown requirement."), field="requirement_id")
    row = (
        DossierDocument.objects.select_for_update()
        .filter(dossier=holder)
        .select_related("requirement")
        .filter(
            Q(requirement=requirement)
            | Q(requirement__key=requirement.key, requirement__key__gt="")
        )
        .first()
    )
    if row is None:
        raise InvalidInput(
            _("This requirement does not belong to the dossier's service."), field="requirement_id"
        )
    return row


def _may_handle_documents(actor: Any, dossier: Dossier) -> bool:
    return bool(caller_roles(actor, dossier) & DOCUMENT_HANDLER_ROLES)


@transaction.atomic
def document_upload(
    *, actor: Any, dossier_id: int, requirement_id: int, upload: UploadedFile
) -> DossierDocument:
    dossier = access_dossier(actor, dossier_id, "change")
    if not _may_handle_documents(actor, dossier):
        raise NotFound(f"No dossier with id {dossier_id}")
    if dossier.completed_at is not None or dossier.sla_stopped_on is not None:
        raise Conflict(_("The dossier is finished: no more uploads."), field="file")
    staff = bool(caller_roles(actor, dossier) - {"applicant"})
    return _store_upload(
        dossier=dossier, requirement_id=requirement_id, upload=upload, actor=actor, staff=staff
    )


def _store_upload(
    *, dossier: Dossier, requirement_id: int, upload: UploadedFile, actor: Any, staff: bool
) -> DossierDocument:
    row = _document_row(dossier, requirement_id)
    requirement = row.requirement
    size = upload.size or 0
    if size == 0:
        raise InvalidInput(_("The file is empty."), field="file", code="file_empty")
    if size > requirement.max_size_kb * 1024:
        raise InvalidInput(
            _("The file is %(size)d KB; this requirement accepts at most %(max)d KB.")
            % {"size": size // 1024, "max": requirement.max_size_kb},
            field="file",
            code="file_too_large",
        )
    upload.seek(0)
    sniffed = sniff_type(upload.read(16))
    accepted = {
        TYPE_ALIASES.get(t.strip().lower(), t.strip().lower())
        for t in requirement.accepted_types.split(",")
        if t.strip()
    }
    if sniffed is None or sniffed[0] not in accepted:
        raise InvalidInput(
            _("The file's content is not one of the accepted types (%(types)s).")
            % {"types": ", ".join(sorted(accepted))},
            field="file",
            code="file_type",
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    if row.file:
        row.file.delete(save=False)
    row.file.save(f"{dossier.tracking_code}-{requirement.pk}.{sniffed[0]}", upload, save=False)
    row.original_name = (upload.name or "")[:255]
    row.content_type = sniffed[1]
    row.size = size
    row.sha256 = digest.hexdigest()
    row.uploaded_at = timezone.now()
    row.uploaded_by = actor if getattr(actor, "is_authenticated", False) else None
    if staff:
        # Staff who upload a paper original they hold in hand tick it present at once.
        row.status = DossierDocument.Status.PRESENT
        row.checked_at = row.uploaded_at
        row.checked_by = row.uploaded_by
        row.reason = ""
    else:
        row.status = DossierDocument.Status.PENDING
    row.save()
    return row


class UploadRefused(InvalidInput):
    """An upload of one requirement was refused; carries which one, for the page's form."""

    def __init__(self, exc: InvalidInput, requirement_id: int) -> None:
        super().__init__(exc.message, field=exc.field, code=exc.code)
        self.requirement_id = requirement_id


@transaction.atomic
def dossier_intake(
    *,
    actor: Any,
    channel: str,
    applicant: dict[str, Any],
    form: dict[str, Any],
    uploads: dict[int, UploadedFile],
    ticks: dict[int, str] | None = None,
    service_id: int | None = None,
    bundle_id: int | None = None,
    ticket_id: int | None = None,
) -> Dossier:
    """A whole application from a page in one go: the dossier, its uploads and (at the
    counter) the front office's ticks. Any refused part rolls everything back."""
    dossier = dossier_create(
        actor=actor,
        channel=channel,
        applicant=applicant,
        form=form,
        service_id=service_id,
        bundle_id=bundle_id,
        ticket_id=ticket_id,
    )
    staff = (
        channel != Channel.ONLINE or dossier.assisted or bool(getattr(actor, "is_superuser", False))
    )
    for requirement_id, upload in uploads.items():
        try:
            _store_upload(
                dossier=dossier,
                requirement_id=requirement_id,
                upload=upload,
                actor=actor,
                staff=staff,
            )
        except InvalidInput as exc:
            raise UploadRefused(exc, requirement_id) from exc
    for requirement_id, status in (ticks or {}).items():
        document_check(
            actor=actor, dossier_id=dossier.pk, requirement_id=requirement_id, status=status
        )
    return dossier


@transaction.atomic
def document_check(
    *, actor: Any, dossier_id: int, requirement_id: int, status: str, reason: str = ""
) -> DossierDocument:
    """The front office ticks a requirement present, missing or rejected (with a reason)."""
    dossier = access_dossier(actor, dossier_id, "change")
    if not caller_roles(actor, dossier) & (DOCUMENT_HANDLER_ROLES - {APPLICANT}):
        raise NotFound(f"No dossier with id {dossier_id}")
    allowed = [
        DossierDocument.Status.PRESENT,
        DossierDocument.Status.MISSING,
        DossierDocument.Status.REJECTED,
    ]
    if status not in allowed:
        raise InvalidInput("status must be present, missing or rejected", field="status")
    reason = reason.strip()
    if status == DossierDocument.Status.REJECTED and not reason:
        raise InvalidInput(_("A rejected document needs a reason."), field="reason")
    row = _document_row(dossier, requirement_id)
    row.status = status
    row.reason = reason[:255]
    row.checked_at = timezone.now()
    row.checked_by = actor
    row.save(update_fields=["status", "reason", "checked_at", "checked_by"])
    # Every tick is history: who found which document present, missing or rejected, and why.
    _event(
        dossier=dossier,
        actor=actor,
        action=f"document_{status}",
        from_status=dossier.status,
        to_status=dossier.status,
        comment=f"{row.requirement.name}: {row.reason}" if row.reason else row.requirement.name,
    )
    return row


# --- transitions -----------------------------------------------------------------------------


@transaction.atomic
def dossier_transition(*, actor: Any, dossier_id: int, action: str, comment: str = "") -> Dossier:
    visible = access_dossier(actor, dossier_id, "change")
    # Lock the row: two officers acting at once are serialised, and the second one finds the
    # dossier already moved on (409).
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("mall", "service", "agency", "workflow")
        .get(pk=visible.pk)
    )
    dossier.parent = visible.parent
    if dossier.workflow_id is None:
        raise Conflict(
            _("A bundle application moves through its services' dossiers."), field="action"
        )
    if dossier.on_hold:
        raise Conflict(
            _("This dossier waits for earlier services of its bundle."),
            field="action",
            code="on_hold",
        )
    candidates = WorkflowAction.objects.select_related("from_state", "to_state").filter(
        workflow_id=dossier.workflow_id, code=action
    )
    if not candidates.exists():
        raise Conflict(
            _("The workflow has no action '%(action)s'.") % {"action": action}, field="action"
        )
    step = candidates.filter(from_state__code=dossier.status).first()
    if step is None:
        raise Conflict(
            _("'%(action)s' is not possible while the dossier is '%(status)s'.")
            % {"action": action, "status": dossier.status},
            field="action",
            code="wrong_state",
        )
    if not caller_roles(actor, dossier) & set(step.roles):
        raise Conflict(
            _("Your role may not take the action '%(action)s' on this dossier.")
            % {"action": action},
            field="action",
            code="role_not_allowed",
        )
    comment = (comment or "").strip()
    if step.comment_required and not comment:
        raise InvalidInput(
            _("The action '%(action)s' needs a comment.") % {"action": action}, field="comment"
        )
    target = step.to_state
    if target.requires_mandatory_documents or target.required_document_keys:
        missing = dossier_missing_mandatory(dossier) if target.requires_mandatory_documents else []
        if target.required_document_keys:
            from satupintu.dossiers.selectors import dossier_requirement_rows

            for row in dossier_requirement_rows(dossier):
                if requirement_key(row.requirement) in target.required_document_keys and (
                    row.document is None or row.document.status != DossierDocument.Status.PRESENT
                ):
                    missing.append(row.requirement.name)
        if missing:
            raise Conflict(
                _("These documents are not present yet: %(names)s.")
                % {"names": "; ".join(sorted(set(missing)))},
                field="documents",
                code="documents_missing",
            )
    assert dossier.service is not None
    config = service_config_get(dossier.service)
    if step.requires_payment and config.payment_before_processing:
        bill = Bill.objects.filter(dossier=dossier).first()
        if bill is not None and bill.status != Bill.Status.PAID:
            raise Conflict(
                _("The fee (payment code %(code)s) must be paid first.")
                % {"code": bill.payment_code},
                field="action",
                code="payment_required",
            )
    today = dossier.mall.today()
    closures = mall_closures(mall=dossier.mall)
    source = step.from_state
    if source.pauses_sla and dossier.sla_paused_since is not None:
        dossier.sla_paused_days += sla.paused_working_days(
            paused_since=dossier.sla_paused_since, resumed_on=today, closures=closures
        )
        dossier.sla_paused_since = None
    if step.starts_sla and dossier.sla_started_on is None:
        dossier.sla_started_on = today
    if dossier.sla_started_on is not None and dossier.sla_stopped_on is None:
        if target.pauses_sla:
            dossier.sla_paused_since = today
        if target.stops_sla or target.is_terminal:
            dossier.sla_stopped_on = today
        dossier.sla_due = sla.sla_due_date(
            started_on=dossier.sla_started_on,
            sla_days=dossier.sla_days,
            paused_days=dossier.sla_paused_days,
            closures=closures,
        )
    if step.starts_sla and dossier.service.fee > 0:
        _bill_raise(dossier)
    if step.issues_result:
        _result_issue(dossier=dossier, actor=actor, today=today)
    from_status = dossier.status
    _enter_state(dossier=dossier, state=target, today=today, closures=closures)
    if target.is_terminal:
        dossier.completed_at = timezone.now()
    dossier.save()
    _event(
        dossier=dossier,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=target.code,
        comment=comment,
    )
    if dossier.parent_id and target.is_finished:
        _bundle_progress(dossier=dossier, actor=actor, today=today, closures=closures)
    _notify_applicant(dossier, action=action, comment=comment)
    _schedule_deadline_check(dossier)
    return dossier


def _bundle_progress(
    *, dossier: Dossier, actor: Any, today: date, closures: dict[date, str]
) -> None:
    """Start the bundle children whose predecessors are all finished; update the bundle."""
    assert dossier.parent_id is not None
    parent = Dossier.objects.select_for_update().get(pk=dossier.parent_id)
    children = list(
        Dossier.objects.select_for_update(of=("self",))
        .filter(parent=parent)
        .select_related("workflow", "bundle_item")
        .order_by("pk")
    )
    finished: set[int] = set()
    rejected = False
    for child in children:
        state = dossier_state(child)
        if state is not None and state.is_finished:
            if state.outcome == WorkflowState.Outcome.REJECTED:
                rejected = True
            else:
                finished.add(child.bundle_item_id or 0)
    for child in children:
        if not child.on_hold or child.bundle_item is None:
            continue
        needs = set(child.bundle_item.depends_on.values_list("pk", flat=True))
        if needs <= finished:
            child.on_hold = False
            state = dossier_state(child)
            assert state is not None
            _enter_state(dossier=child, state=state, today=today, closures=closures)
            child.state_seq -= 1  # the state is the same; only its deadline starts now
            child.save()
            _event(
                dossier=child,
                actor=actor,
                action="start",
                from_status=child.status,
                to_status=child.status,
                comment="earlier services of the bundle are finished",
            )
    all_done = all((s := dossier_state(c)) is not None and s.is_finished for c in children)
    new_status = (
        Dossier.BundleStatus.PARTLY_REJECTED
        if rejected
        else Dossier.BundleStatus.COMPLETED
        if all_done
        else Dossier.BundleStatus.IN_PROGRESS
    )
    if parent.status != new_status:
        _event(
            dossier=parent,
            actor=actor,
            action="bundle_status",
            from_status=parent.status,
            to_status=new_status,
        )
        parent.status = new_status
        if new_status != Dossier.BundleStatus.IN_PROGRESS:
            parent.completed_at = timezone.now()
        parent.save(update_fields=["status", "completed_at", "updated_at"])


def _result_issue(*, dossier: Dossier, actor: Any, today: date) -> ResultDocument:
    """Record the result document inside the transition (its number, verification code,
    holder and details); its PDF is rendered, signed and stored after the commit, by the task
    `result_render` (see `result_render`). The agency's signing key is checked here, so that a
    transition that could not be signed is refused at once (409) and changes nothing."""
    from satupintu.dossiers.signing import signing_key_check

    assert dossier.service is not None
    assert dossier.agency is not None
    if ResultDocument.objects.filter(dossier=dossier).exists():
        raise Conflict(_("The result of this dossier was already issued."), field="action")
    signing_key_check(dossier.agency)
    config = service_config_get(dossier.service)
    printed = {
        f.label: dossier.form_data.get(f.name)
        for f in dossier.service.form_fields.filter(print_on_result=True)
        if dossier.form_data.get(f.name) not in (None, "")
    }
    now = timezone.now()
    result = ResultDocument.objects.create(
        dossier=dossier,
        agency=dossier.agency,
        document_number=f"{dossier.service.code}/{today.year}/{dossier.pk:06d}",
        verification_code=_new_verification_code(),
        holder_name=dossier.business_name or dossier.applicant_name,
        details={
            "service_code": dossier.service.code,
            "service_name": dossier.service.name,
            "product": config.result_title or dossier.service.product,
            "agency": dossier.agency.name,
            "tracking_code": tracking_code_format(dossier.tracking_code),
            "fields": printed,
        },
        issued_at=now,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        valid_until=today + timedelta(days=config.result_valid_days)
        if config.result_valid_days
        else None,
    )
    _result_render_on_commit(result.pk)
    return result


def _result_render_on_commit(result_id: int) -> None:
    from satupintu.dossiers.tasks import result_render_task

    transaction.on_commit(lambda: result_render_task.enqueue(result_id=result_id))


def result_render(*, result_id: int) -> bool:
    """Render, sign and store the PDF of an issued result that has none yet; True when this
    call stored it. Idempotent: run twice (or by two workers at once) it stores one file.

    Runs outside any transaction while it renders and signs (seconds of CPU: no row lock, no
    SQLite write lock held meanwhile). The file goes to storage first, then one short
    transaction locks the result row and records it, unless another run was first; the file
    of the run that lost, or of a run whose transaction failed, is deleted again, so no file
    is left that no row names. A result issued inside a bundle then becomes the document that
    the bundle's later services ask for (`_result_fulfils_bundle_requirement`)."""
    from django.core.files.storage import default_storage

    from satupintu.dossiers.pdf import render_result_pdf
    from satupintu.dossiers.signing import sign_pdf

    result = (
        ResultDocument.objects.select_related("dossier", "dossier__service", "agency")
        .filter(pk=result_id)
        .first()
    )
    if result is None or result.file:
        return False
    signed, subject = sign_pdf(render_result_pdf(result), agency=result.agency)
    field = ResultDocument._meta.get_field("file")
    name = default_storage.save(
        field.generate_filename(result, f"{result.verification_code}.pdf"), ContentFile(signed)
    )
    stored = False
    try:
        with transaction.atomic():
            locked = ResultDocument.objects.select_for_update().get(pk=result_id)
            first = not locked.file
            if first:
                locked.file.name = name
                locked.sha256 = hashlib.sha256(signed).hexdigest()
                locked.signer_subject = subject
                locked.save(update_fields=["file", "sha256", "signer_subject"])
                if result.dossier.parent_id:
                    _result_fulfils_bundle_requirement(
                        dossier=result.dossier, result=locked, actor=locked.issued_by
                    )
        stored = first
    finally:
        if not stored:
            default_storage.delete(name)
    return stored


def results_render_pending(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Render every result issued more than `older_than` ago that still has no file (its task
    was lost: a worker killed, a signing key installed late). A periodic job; answers how many
    it stored. A result that still cannot be signed is logged and left for the next run."""
    cutoff = timezone.now() - older_than
    pending = ResultDocument.objects.filter(
        file="", revoked_at__isnull=True, issued_at__lte=cutoff
    ).values_list("pk", flat=True)
    done = 0
    for result_id in list(pending.order_by("issued_at")[:500]):
        try:
            done += result_render(result_id=result_id)
        except Conflict as exc:
            logger.warning("result %s not rendered yet: %s", result_id, exc.message)
    return done


def _result_fulfils_bundle_requirement(
    *, dossier: Dossier, result: ResultDocument, actor: Any
) -> None:
    """A result issued inside a bundle is the document that the bundle's later services ask
    for (the Akta for the KIA): the bundle's document of that requirement key becomes present,
    with the signed result as its file, unless the applicant already brought one."""
    assert dossier.service is not None
    key = dossier.service.result_key
    if not key or not result.file or dossier.parent_id is None:
        return
    rows = (
        DossierDocument.objects.select_for_update()
        .filter(dossier_id=dossier.parent_id, requirement__key=key)
        .exclude(status=DossierDocument.Status.PRESENT)
    )
    now = timezone.now()
    for row in rows:
        row.status = DossierDocument.Status.PRESENT
        row.reason = ""
        row.file.name = result.file.name
        row.original_name = f"{result.verification_code}.pdf"
        row.content_type = "application/pdf"
        row.size = result.file.size
        row.sha256 = result.sha256
        row.uploaded_at = now
        row.uploaded_by = actor if getattr(actor, "is_authenticated", False) else None
        row.checked_at = now
        row.checked_by = row.uploaded_by
        row.save()
        _event(
            dossier=row.dossier,
            actor=actor,
            action="result_attached",
            from_status=row.dossier.status,
            to_status=row.dossier.status,
            comment=f"{result.document_number} ({dossier.service.code})",
        )


def _new_verification_code() -> str:
    return unique_code(
        VERIFICATION_CODE,
        taken=lambda code: ResultDocument.objects.filter(verification_code=code).exists(),
    )


@transaction.atomic
def dossier_assign(*, actor: Any, dossier_id: int, assignee_id: int | None) -> Dossier:
    """Take (assign to oneself) or hand a dossier to a colleague of the same agency."""
    visible = access_dossier(actor, dossier_id, "change")
    dossier = Dossier.objects.select_for_update().get(pk=visible.pk)
    if dossier.agency_id is None:
        raise Conflict(
            _("A bundle application is not assigned; its services are."), field="assignee"
        )
    agency_id = dossier.agency_id
    if not has_role(actor, mall_id=dossier.mall_id, roles=ASSIGNEE_ROLES, agency_id=agency_id):
        raise NotFound(f"No dossier with id {dossier_id}")
    assignee: User | None = None
    if assignee_id is not None:
        assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
        if assignee is None or not has_role(
            assignee, mall_id=dossier.mall_id, roles=ASSIGNEE_ROLES, agency_id=agency_id
        ):
            raise InvalidInput(
                _("The assignee must be a back-office officer of this agency."),
                field="assignee_id",
            )
        if (
            assignee.pk != actor.pk
            and not has_role(
                actor, mall_id=dossier.mall_id, roles=[Role.SUPERVISOR], agency_id=agency_id
            )
            and dossier.assignee_id not in (None, actor.pk)
        ):
            raise Conflict(_("Someone else holds this dossier."), field="assignee_id")
    before = dossier.assignee.get_username() if dossier.assignee else ""
    dossier.assignee = assignee
    dossier.save(update_fields=["assignee", "updated_at"])
    _event(
        dossier=dossier,
        actor=actor,
        action="assign",
        from_status=dossier.status,
        to_status=dossier.status,
        comment=f"{before or '-'} -> {assignee.get_username() if assignee else '-'}",
    )
    return dossier


@transaction.atomic
def dossier_nik_reveal(*, actor: Any, dossier_id: int, request: Any = None) -> str:
    """The full NIK, for the back office deciding on the dossier only; every read audited."""
    dossier = access_dossier(actor, dossier_id)
    if not has_role(
        actor, mall_id=dossier.mall_id, roles=NIK_READER_ROLES, agency_id=dossier.agency_id
    ) or (dossier.agency_id is None and not actor.is_superuser):
        raise NotFound(f"No dossier with id {dossier_id}")
    audit_record(
        actor=actor,
        action="view",
        obj=dossier,
        summary=f"full NIK of dossier {dossier.tracking_code}",
        request=request,
    )
    return decrypt_personal(dossier.applicant_nik_encrypted, purpose="nik")


# --- fees ------------------------------------------------------------------------------------


def _bill_raise(dossier: Dossier) -> Bill:
    existing = Bill.objects.filter(dossier=dossier).first()
    if existing is not None:
        return existing
    assert dossier.service is not None
    code = unique_code(
        PAYMENT_CODE, taken=lambda code: Bill.objects.filter(payment_code=code).exists()
    )
    bill = Bill.objects.create(
        dossier=dossier, mall=dossier.mall, amount=dossier.service.fee, payment_code=code
    )
    _event(
        dossier=dossier,
        actor=None,
        action="bill",
        from_status=dossier.status,
        to_status=dossier.status,
        comment=f"payment code {code}, Rp{bill.amount}",
    )
    return bill


def _mark_paid(bill: Bill, *, actor: Any, via: str, reference: str | None) -> Bill:
    bill.status = Bill.Status.PAID
    bill.paid_at = timezone.now()
    bill.paid_by = actor if getattr(actor, "is_authenticated", False) else None
    bill.paid_via = via
    bill.external_reference = reference
    bill.save()
    _event(
        dossier=bill.dossier,
        actor=actor,
        action="pay",
        from_status=bill.dossier.status,
        to_status=bill.dossier.status,
        comment=f"{via} {reference or ''}".strip(),
    )
    return bill


@transaction.atomic
def bill_mark_paid(*, actor: Any, payment_code: str) -> Bill:
    """A cashier received the fee at the bank counter."""
    bill = (
        Bill.objects.visible_to(actor, "change")
        .select_for_update()
        .select_related("dossier")
        .filter(payment_code=payment_code.strip())
        .first()
    )
    if bill is None:
        raise NotFound(_("No bill with this payment code."), field="payment_code")
    if bill.status != Bill.Status.UNPAID:
        raise Conflict(
            _("This bill is already %(status)s.") % {"status": bill.get_status_display()},
            field="payment_code",
        )
    return _mark_paid(bill, actor=actor, via=Bill.Via.CASHIER, reference=None)


class BadSignature(Exception):
    """The payment callback's signature does not match: refuse without touching anything."""


@transaction.atomic
def payment_callback_apply(*, raw_body: bytes, signature: str) -> Bill:
    # The hex HMAC-SHA256 of the raw body; without a configured secret nothing is accepted.
    if not HmacSigner.from_secret(settings.PAYMENT_CALLBACK_SECRET).verify(raw_body, signature):
        raise BadSignature()
    try:
        payload = json.loads(raw_body)
    except ValueError as exc:
        raise InvalidInput("The body is not JSON", field="body") from exc
    if not isinstance(payload, dict):
        raise InvalidInput("The body must be a JSON object", field="body")
    code = str(payload.get("payment_code") or "")
    reference = str(payload.get("reference") or "").strip()
    if not reference:
        raise InvalidInput("reference is required", field="reference")
    status = payload.get("status", "paid")
    if status != "paid":
        raise InvalidInput("Only status 'paid' is accepted", field="status")
    bill = (
        Bill.objects.select_for_update().select_related("dossier").filter(payment_code=code).first()
    )
    if bill is None:
        raise NotFound("No bill with this payment code", field="payment_code")
    if payload.get("amount") != bill.amount:
        raise InvalidInput(f"The amount must be {bill.amount}", field="amount")
    if bill.status == Bill.Status.PAID:
        if bill.external_reference == reference:
            return bill  # the gateway repeats itself: answer the same, change nothing
        raise Conflict("This bill is already paid", field="payment_code")
    if bill.status != Bill.Status.UNPAID:
        raise Conflict(f"This bill is {bill.status}", field="payment_code")
    if Bill.objects.filter(external_reference=reference).exists():
        raise Conflict("This payment reference was already used", field="reference")
    try:
        with transaction.atomic():
            return _mark_paid(bill, actor=None, via=Bill.Via.CALLBACK, reference=reference)
    except IntegrityError as exc:
        raise Conflict("This payment reference was already used", field="reference") from exc


# --- SLA warnings ----------------------------------------------------------------------------


def _schedule_deadline_check(dossier: Dossier) -> None:
    """Ask the worker to look at this dossier the day after its state deadline."""
    if dossier.state_due is None:
        return
    from satupintu.dossiers.tasks import dossier_sla_check

    backend = dossier_sla_check.get_backend()
    if not backend.supports_defer:
        return
    zone = dossier.mall.zone
    run_after = datetime.combine(dossier.state_due + timedelta(days=1), time(7, 0), tzinfo=zone)
    dossier_pk = dossier.pk
    transaction.on_commit(
        lambda: dossier_sla_check.using(run_after=run_after).enqueue(dossier_id=dossier_pk)
    )


def supervisors_of(dossier: Dossier) -> list[User]:
    memberships = Membership.objects.filter(
        mall_id=dossier.mall_id, role=Role.SUPERVISOR, user__is_active=True
    ).filter(Q(agency__isnull=True) | Q(agency_id=dossier.agency_id))
    return list(User.objects.filter(memberships__in=memberships).distinct().order_by("pk"))


@transaction.atomic
def sla_warn_overdue(*, dossier_ids: list[int] | None = None) -> list[SlaWarning]:
    """Warn the agency's supervisors, once per state, about dossiers past a state deadline."""
    candidates = Dossier.objects.filter(
        state_due__isnull=False, completed_at__isnull=True, on_hold=False
    ).select_related("mall", "agency", "service")
    if dossier_ids is not None:
        candidates = candidates.filter(pk__in=dossier_ids)
    # Local dates differ by mall; the exact comparison is made per dossier below.
    candidates = candidates.filter(state_due__lt=timezone.now().date() + timedelta(days=1))
    warnings: list[SlaWarning] = []
    for dossier in candidates:
        assert dossier.state_due is not None
        if dossier.mall.today() <= dossier.state_due:
            continue
        if SlaWarning.objects.filter(dossier=dossier, state_seq=dossier.state_seq).exists():
            continue
        recipients = supervisors_of(dossier)
        warning, created = SlaWarning.objects.get_or_create(
            dossier=dossier,
            state_seq=dossier.state_seq,
            defaults={
                "state_code": dossier.status,
                "state_due": dossier.state_due,
                "recipients": [u.get_username() for u in recipients],
            },
        )
        if not created:
            continue
        warnings.append(warning)
        _event(
            dossier=dossier,
            actor=None,
            action="sla_warning",
            from_status=dossier.status,
            to_status=dossier.status,
            comment=f"state deadline {dossier.state_due} passed",
        )
        for supervisor in recipients:
            _notify(
                email=supervisor.email or None,
                phone=supervisor.phone or None,
                subject_body=_sla_warning_text(dossier),
                context={
                    "dossier_id": dossier.pk,
                    "kind": "sla_warning",
                    "applicant_name": supervisor.display_name(),
                    "tracking_code": tracking_code_format(dossier.tracking_code),
                    "service_name": dossier.service.name if dossier.service else "",
                    "mall_name": dossier.mall.name,
                    "language": "id",
                },
            )
    return warnings


# --- notifications ---------------------------------------------------------------------------


def _sla_warning_text(dossier: Dossier) -> tuple[str, str]:
    with translation.override("id"):
        subject = _("Dossier %(code)s passed its deadline") % {
            "code": tracking_code_format(dossier.tracking_code)
        }
        body = _(
            "Dossier %(code)s (%(service)s) is still in the state '%(state)s', whose "
            "deadline was %(due)s. Please follow it up."
        ) % {
            "code": tracking_code_format(dossier.tracking_code),
            "service": dossier.service.name if dossier.service else "",
            "state": status_label(dossier),
            "due": dossier.state_due,
        }
    return subject, body


def _applicant_text(dossier: Dossier, action: str, comment: str) -> tuple[str, str, str]:
    """Subject, body (one or two sentences) and the status in words, in Indonesian."""
    code = tracking_code_format(dossier.tracking_code)
    with translation.override("id"):
        state_name = status_label(dossier)
        subject = _("Your application %(code)s: %(state)s") % {"code": code, "state": state_name}
        lines = [_("The status of your application is now: %(state)s.") % {"state": state_name}]
        if comment:
            lines.append(_("Note from the officer: %(comment)s") % {"comment": comment})
        if dossier.sla_due and dossier.sla_stopped_on is None:
            lines.append(_("Expected completion: %(due)s.") % {"due": dossier.sla_due.isoformat()})
        lines.extend(_pickup_lines(dossier))
    return subject, " ".join(lines), state_name


def _account_url(dossier: Dossier) -> str:
    """The dossier's page in the citizen's account, which asks whoever opens it to sign in with
    the application's phone or e-mail first: the result is never behind a link that works for
    anyone who holds it. The citizens app sits above this one, so it is reached by URL name."""
    from django.urls import NoReverseMatch, reverse

    from satupintu.core.public_url import public_url

    try:
        return public_url(reverse("citizens:dossier", args=[dossier.pk]))
    except NoReverseMatch:
        return ""


def _pickup_lines(dossier: Dossier) -> list[str]:
    """How to get a result that is ready: the download link of a signed result applied for
    online, and where, when and with what to collect it at the mall (in the active language)."""
    from satupintu.dossiers.selectors import dossier_pickup

    pickup = dossier_pickup(dossier)
    if pickup["stage"] != "ready":
        return []
    lines: list[str] = []
    if pickup["online"] and pickup["downloadable"]:
        account = _account_url(dossier)
        if account:
            lines.append(
                _(
                    "Download your electronically signed result (valid printed or on screen): "
                    "sign in to My services with the phone number or e-mail address of this "
                    "application, on any device: %(url)s . Or collect a copy at the mall:"
                )
                % {"url": account}
            )
    place = pickup["mall"] + (f", {pickup['address']}" if pickup["address"] else "")
    if pickup["counters"]:
        place += " (" + ", ".join(pickup["counters"]) + ")"
    hours = "; ".join(
        f"{h['weekday']} {h['opens']:%H:%M}-{h['closes']:%H:%M}" for h in pickup["hours"]
    )
    lines.append(
        _("Collect it at %(place)s, during opening hours (%(hours)s).")
        % {"place": place, "hours": hours or "-"}
    )
    lines.append(_("Bring: %(items)s.") % {"items": "; ".join(pickup["bring"])})
    return lines


def _notify(
    *, email: str | None, phone: str | None, subject_body: tuple[str, str], context: dict[str, Any]
) -> None:
    if not email and not phone:
        return
    from satupintu.core.notify import notify_applicant_on_commit

    subject, body = subject_body
    notify_applicant_on_commit(
        email=email, phone=phone, subject=subject, body=body, context=context
    )


def tracking_url(dossier: Dossier) -> str:
    from satupintu.core.public_url import public_url

    return public_url(f"/lacak/{dossier.tracking_code}/")


def _notify_applicant(dossier: Dossier, *, action: str, comment: str = "") -> None:
    subject, body, state_name = _applicant_text(dossier, action, comment)
    service_name = (
        dossier.service.name if dossier.service else dossier.bundle.name if dossier.bundle else ""
    )
    _notify(
        email=dossier.applicant_email or None,
        phone=dossier.applicant_phone or None,
        subject_body=(subject, body),
        context={
            "dossier_id": dossier.pk,
            "action": action,
            "tracking_code": tracking_code_format(dossier.tracking_code),
            "tracking_url": tracking_url(dossier),
            "applicant_name": dossier.applicant_name,
            "service_name": service_name,
            "status": state_name,
            "mall_name": dossier.mall.name,
            "language": "id",
        },
    )
