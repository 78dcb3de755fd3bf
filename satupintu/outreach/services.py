"""State changes of the outreach app. Each function runs in one transaction, checks the request's
status under a row lock, writes an OutreachEvent and an audit entry, or raises a DomainError and
changes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import Membership, Role, User
from satupintu.catalog.models import Mall, Service
from satupintu.core.audit import audit_record
from satupintu.core.errors import Conflict, InvalidInput, NotFound
from satupintu.core.validators import validate_nik, validate_phone
from satupintu.outreach import handoff
from satupintu.outreach.areas import KOTA_YOGYAKARTA
from satupintu.outreach.models import (
    Equipment,
    OutreachEvent,
    OutreachRequest,
    OutreachSensitiveNote,
    Vehicle,
    Visit,
    VisitService,
)
from satupintu.outreach.selectors import is_outreach_staff

S = OutreachRequest.Status

# The lifecycle of a request: (from, to) -> the action that takes it there.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.REQUESTED, S.TRIAGED): "triage",
    (S.TRIAGED, S.TRIAGED): "triage",
    (S.TRIAGED, S.SCHEDULED): "schedule",
    (S.SCHEDULED, S.VISITED): "record_visit",
    (S.SCHEDULED, S.TRIAGED): "record_visit",  # person not met: schedule again
    (S.VISITED, S.DONE): "complete",
    (S.REQUESTED, S.CANCELLED): "cancel",
    (S.TRIAGED, S.CANCELLED): "cancel",
    (S.SCHEDULED, S.CANCELLED): "cancel",
}

MAX_PREFERRED_DATES = 5
BOOKING_HORIZON_DAYS = 90
MAX_SERVICES = 10


def allowed_actions(outreach_request: OutreachRequest) -> list[str]:
    return sorted({a for (src, _dst), a in TRANSITIONS.items() if src == outreach_request.status})


def _lock(outreach_request: OutreachRequest) -> OutreachRequest:
    return OutreachRequest.objects.select_for_update().get(pk=outreach_request.pk)


def _move(
    *,
    locked: OutreachRequest,
    to_status: str,
    actor: Any,
    action: str,
    note: str = "",
    visit: Visit | None = None,
) -> OutreachEvent:
    from_status = locked.status
    if TRANSITIONS.get((from_status, to_status)) != action:
        raise Conflict(
            _("Cannot %(action)s a request that is %(status)s")
            % {
                "action": action.replace("_", " "),
                "status": OutreachRequest.Status(from_status).label,
            },
            field="status",
        )
    locked.status = to_status
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        obj=locked,
        summary=f"outreach {locked.reference}: {from_status} -> {to_status}",
        changes={"status": [from_status, to_status]},
    )
    return OutreachEvent.objects.create(
        request=locked,
        visit=visit,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _require_staff(actor: Any, mall_id: int) -> None:
    if not is_outreach_staff(actor, mall_id):
        raise NotFound()


def _clean_preferred_dates(values: Sequence[date], today: date) -> list[date]:
    if not values:
        raise InvalidInput(_("Give at least one preferred date"), field="preferred_dates")
    if len(values) > MAX_PREFERRED_DATES:
        raise InvalidInput(
            _("Give at most %(count)d preferred dates") % {"count": MAX_PREFERRED_DATES},
            field="preferred_dates",
        )
    dates = sorted(set(values))
    for value in dates:
        if value < today:
            raise InvalidInput(
                _("Preferred date %(date)s is in the past (today is %(today)s)")
                % {"date": value.isoformat(), "today": today.isoformat()},
                field="preferred_dates",
                code="date_in_past",
            )
        if (value - today).days > BOOKING_HORIZON_DAYS:
            raise InvalidInput(
                _("Preferred date %(date)s is more than %(days)d days ahead")
                % {"date": value.isoformat(), "days": BOOKING_HORIZON_DAYS},
                field="preferred_dates",
                code="date_too_far",
            )
    return dates


def _clean_services(mall: Mall, service_ids: Iterable[int]) -> list[Service]:
    ids = list(dict.fromkeys(service_ids))
    if not ids:
        raise InvalidInput(_("Choose at least one service"), field="service_ids")
    if len(ids) > MAX_SERVICES:
        raise InvalidInput(
            _("Choose at most %(count)d services") % {"count": MAX_SERVICES}, field="service_ids"
        )
    found = {
        s.pk: s
        for s in Service.objects.filter(
            pk__in=ids, mall=mall, is_active=True, agency__is_active=True
        )
    }
    for service_id in ids:
        service = found.get(service_id)
        if service is None:
            raise InvalidInput(
                _("No service with id %(id)s in this mall") % {"id": service_id},
                field="service_ids",
            )
        if not service.offers_outreach:
            raise InvalidInput(
                _("Service %(code)s is not offered by outreach (jemput bola)")
                % {"code": service.code},
                field="service_ids",
            )
    return [found[i] for i in ids]


def _required_text(value: str, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("%(label)s is required") % {"label": label}, field=field)
    if len(text) > max_length:
        raise InvalidInput(
            _("%(label)s is longer than %(max)d characters") % {"label": label, "max": max_length},
            field=field,
        )
    if "\x00" in text:
        raise InvalidInput(
            _("%(label)s contains characters not allowed") % {"label": label}, field=field
        )
    return text


def _optional_text(value: str, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length or "\x00" in text:
        raise InvalidInput(
            _("Text is longer than %(max)d characters or has characters not allowed")
            % {"max": max_length},
            field=field,
        )
    return text


@dataclass(frozen=True)
class NewOutreachRequest:
    person_name: str
    phone: str
    address: str
    kecamatan: str
    kelurahan: str
    service_ids: Sequence[int]
    preferred_dates: Sequence[date]
    requested_by: str
    reason: str
    nik: str = ""
    requester_name: str = ""
    disability_note: str = ""
    health_note: str = ""


@transaction.atomic
def outreach_request_create(
    *, mall: Mall, data: NewOutreachRequest, actor: Any, today: date | None = None
) -> OutreachRequest:
    """A request for a home visit, from the portal (anyone) or entered by an outreach officer."""
    today = today or mall.today()
    person_name = _required_text(data.person_name, "person_name", _("Name"), 150)
    address = _required_text(data.address, "address", _("Address"), 300)
    try:
        phone = validate_phone(data.phone)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="phone") from exc
    nik = ""
    if (data.nik or "").strip():
        try:
            nik = validate_nik(data.nik)
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], field="nik") from exc
    if data.kecamatan not in KOTA_YOGYAKARTA:
        raise InvalidInput(
            _("'%(name)s' is not a kecamatan of Kota Yogyakarta") % {"name": data.kecamatan},
            field="kecamatan",
        )
    if data.kelurahan not in KOTA_YOGYAKARTA[data.kecamatan]:
        raise InvalidInput(
            _("'%(name)s' is not a kelurahan of Kecamatan %(kecamatan)s")
            % {"name": data.kelurahan, "kecamatan": data.kecamatan},
            field="kelurahan",
        )
    if data.requested_by not in OutreachRequest.RequestedBy.values:
        raise InvalidInput(_("Unknown value"), field="requested_by")
    if data.requested_by == OutreachRequest.RequestedBy.OFFICER_PHONE and not is_outreach_staff(
        actor, mall.pk
    ):
        raise InvalidInput(
            _("Only an outreach officer enters a request taken by phone"), field="requested_by"
        )
    requester_name = _optional_text(data.requester_name, "requester_name", 150)
    if data.requested_by == OutreachRequest.RequestedBy.FAMILY and not requester_name:
        raise InvalidInput(_("Give the name of the family member who asks"), field="requester_name")
    if data.reason not in OutreachRequest.Reason.values:
        raise InvalidInput(_("Unknown reason"), field="reason")
    disability = _optional_text(data.disability_note, "disability_note", 2000)
    health = _optional_text(data.health_note, "health_note", 2000)
    services = _clean_services(mall, data.service_ids)
    dates = _clean_preferred_dates(data.preferred_dates, today)

    is_person = getattr(actor, "is_authenticated", False)
    created = OutreachRequest(
        mall=mall,
        person_name=person_name,
        phone=phone,
        address=address,
        kecamatan=data.kecamatan,
        kelurahan=data.kelurahan,
        preferred_dates=[d.isoformat() for d in dates],
        first_preferred_date=dates[0],
        requested_by=data.requested_by,
        requester_name=requester_name,
        reason=data.reason,
        created_by=actor if is_person else None,
    )
    created.set_nik(nik)
    created.save()
    created.services.set(services)
    if disability or health:
        note = OutreachSensitiveNote(request=created)
        note.set_texts(disability=disability, health=health)
        note.save()
    OutreachEvent.objects.create(
        request=created,
        actor=actor if is_person else None,
        action="create",
        from_status="",
        to_status=S.REQUESTED,
        note=f"requested by {data.requested_by}",
    )
    audit_record(
        actor=actor,
        action="create",
        obj=created,
        summary=f"outreach request {created.reference}",
    )
    handoff.notify_applicant(
        outreach_request=created,
        subject=f"Permohonan jemput bola {created.reference} diterima",
        message=(
            f"Permohonan layanan jemput bola untuk {person_name} sudah kami terima dengan nomor "
            f"{created.reference}. Petugas akan menghubungi Anda untuk menjadwalkan kunjungan."
        ),
    )
    return created


@transaction.atomic
def outreach_request_triage(
    *,
    actor: Any,
    outreach_request: OutreachRequest,
    priority: str,
    assigned_to_id: int | None = None,
    note: str = "",
) -> OutreachRequest:
    _require_staff(actor, outreach_request.mall_id)
    if priority not in OutreachRequest.Priority.values:
        raise InvalidInput(
            _("Unknown priority; use one of %(choices)s")
            % {"choices": ", ".join(OutreachRequest.Priority.values)},
            field="priority",
        )
    note = _optional_text(note, "note", 2000)
    assignee = None
    if assigned_to_id is not None:
        assignee = _outreach_officers(outreach_request.mall_id, [assigned_to_id], "assigned_to_id")[
            0
        ]
    locked = _lock(outreach_request)
    _move(locked=locked, to_status=S.TRIAGED, actor=actor, action="triage", note=note)
    locked.priority = priority
    locked.assigned_to = assignee
    locked.triage_note = note
    locked.save(update_fields=["priority", "assigned_to", "triage_note", "updated_at"])
    return locked


def _outreach_officers(mall_id: int, user_ids: Sequence[int], field: str) -> list[User]:
    ids = list(dict.fromkeys(user_ids))
    officer_ids = set(
        Membership.objects.filter(
            mall_id=mall_id, role=Role.OUTREACH_OFFICER, user_id__in=ids, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    missing = [i for i in ids if i not in officer_ids]
    if missing:
        raise InvalidInput(
            _("User %(id)s is not an outreach officer of this mall") % {"id": missing[0]},
            field=field,
        )
    users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    return [users[i] for i in ids]


@dataclass(frozen=True)
class VisitPlan:
    date: date
    window_start: time
    window_end: time
    team_ids: Sequence[int]
    vehicle_id: int | None = None
    equipment_ids: Sequence[int] = ()
    note: str = ""


@transaction.atomic
def visit_schedule(
    *, actor: Any, outreach_request: OutreachRequest, plan: VisitPlan, today: date | None = None
) -> Visit:
    """Plan the visit of a triaged request: day, time window, team, vehicle and equipment."""
    _require_staff(actor, outreach_request.mall_id)
    mall = outreach_request.mall
    today = today or mall.today()
    if plan.date < today:
        raise InvalidInput(
            _("Visit date %(date)s is in the past") % {"date": plan.date.isoformat()},
            field="date",
            code="date_in_past",
        )
    if plan.window_start >= plan.window_end:
        raise InvalidInput(_("The time window must end after it starts"), field="window_end")
    if not plan.team_ids:
        raise InvalidInput(_("A visit needs at least one team member"), field="team_ids")
    team = _outreach_officers(mall.pk, plan.team_ids, "team_ids")
    vehicle = None
    if plan.vehicle_id is not None:
        vehicle = Vehicle.objects.filter(pk=plan.vehicle_id, mall=mall, is_active=True).first()
        if vehicle is None:
            raise InvalidInput(
                _("No vehicle with id %(id)s") % {"id": plan.vehicle_id}, field="vehicle_id"
            )
    equipment = list(Equipment.objects.filter(pk__in=plan.equipment_ids, mall=mall, is_active=True))
    if len(equipment) != len(set(plan.equipment_ids)):
        raise InvalidInput(_("Unknown equipment"), field="equipment_ids")
    note = _optional_text(plan.note, "note", 2000)

    locked = _lock(outreach_request)
    _lock_resources(mall.pk, team, vehicle, equipment)
    overlapping = Visit.objects.filter(
        mall=mall,
        date=plan.date,
        status=Visit.Status.SCHEDULED,
        window_start__lt=plan.window_end,
        window_end__gt=plan.window_start,
    )
    if vehicle is not None and overlapping.filter(vehicle=vehicle).exists():
        raise Conflict(
            _("%(vehicle)s is already booked at that time") % {"vehicle": vehicle},
            field="vehicle_id",
        )
    busy = overlapping.filter(team__in=team).values_list("team__username", flat=True).first()
    if busy:
        raise Conflict(
            _("%(user)s already has a visit at that time") % {"user": busy}, field="team_ids"
        )
    busy_kit = overlapping.filter(equipment__in=equipment).values_list("equipment__name", flat=True)
    if busy_kit.exists():
        raise Conflict(
            _("%(equipment)s is already booked at that time") % {"equipment": busy_kit.first()},
            field="equipment_ids",
        )
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                mall=mall,
                request=locked,
                date=plan.date,
                window_start=plan.window_start,
                window_end=plan.window_end,
                vehicle=vehicle,
                plan_note=note,
            )
    except IntegrityError as exc:
        raise Conflict(_("The request already has a scheduled visit"), field="status") from exc
    visit.team.set(team)
    visit.equipment.set(equipment)
    window = f"{plan.date.isoformat()} {plan.window_start:%H:%M}-{plan.window_end:%H:%M}"
    _move(
        locked=locked,
        to_status=S.SCHEDULED,
        actor=actor,
        action="schedule",
        note=f"{window} {note}".strip(),
        visit=visit,
    )
    handoff.notify_applicant(
        outreach_request=locked,
        subject=f"Jadwal jemput bola {locked.reference}",
        message=(
            f"Petugas {mall.name} akan datang ke rumah pada {plan.date:%d-%m-%Y} "
            f"pukul {plan.window_start:%H:%M}-{plan.window_end:%H:%M}."
        ),
    )
    return visit


def _lock_resources(
    mall_id: int, team: Sequence[User], vehicle: Vehicle | None, equipment: Sequence[Equipment]
) -> None:
    """Lock the rows of the officers, the vehicle and the kit being booked, in id order, so
    that two schedulers booking the same resource for overlapping windows run one after the
    other and the second sees the first's visit (no double booking)."""
    list(
        Membership.objects.select_for_update()
        .filter(mall_id=mall_id, role=Role.OUTREACH_OFFICER, user__in=team)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if vehicle is not None:
        list(Vehicle.objects.select_for_update().filter(pk=vehicle.pk).values_list("pk"))
    list(
        Equipment.objects.select_for_update()
        .filter(pk__in=[e.pk for e in equipment])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class ServiceOutcome:
    service_id: int
    delivered: bool = True
    note: str = ""
    # The service's application form filled in at the visit (a dossier's form fields).
    form: Mapping[str, Any] = field(default_factory=dict)


@transaction.atomic
def visit_record(
    *,
    actor: Any,
    visit: Visit,
    met: bool,
    services: Sequence[ServiceOutcome] = (),
    result_delivery_home: bool = False,
    note: str = "",
) -> Visit:
    """Record what happened on a visit. Services delivered on the spot become tickets or
    dossiers with the channel "outreach" in the queueing and dossiers apps."""
    _require_staff(actor, visit.mall_id)
    note = _optional_text(note, "note", 4000)
    locked_visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if locked_visit.status != Visit.Status.SCHEDULED:
        raise Conflict(
            _("This visit is already %(status)s") % {"status": locked_visit.get_status_display()},
            field="status",
        )
    locked = _lock(visit.request)
    requested = {s.pk: s for s in locked.services.all()}
    if met and not services:
        raise InvalidInput(_("Say which services were handled"), field="services")
    if not met and services:
        raise InvalidInput(_("No service is handled when the person was not met"), field="services")
    seen: set[int] = set()
    for item in services:
        if item.service_id not in requested:
            raise InvalidInput(
                _("Service %(id)s was not requested for this visit") % {"id": item.service_id},
                field="services",
            )
        if item.service_id in seen:
            raise InvalidInput(
                _("Service %(id)s is listed twice") % {"id": item.service_id}, field="services"
            )
        seen.add(item.service_id)
        _optional_text(item.note, "services.note", 255)

    locked_visit.status = Visit.Status.COMPLETED if met else Visit.Status.NOT_MET
    locked_visit.outcome_note = note
    locked_visit.result_delivery_home = bool(met and result_delivery_home)
    locked_visit.recorded_at = timezone.now()
    locked_visit.recorded_by = actor
    locked_visit.save()
    for index, item in enumerate(services):
        service = requested[item.service_id]
        row = VisitService(
            visit=locked_visit, service=service, delivered=item.delivered, note=item.note
        )
        if item.delivered:
            try:
                created = handoff.record_on_the_spot(
                    actor=actor, outreach_request=locked, service=service, form=item.form
                )
            except handoff.FormIncomplete as exc:
                # Nothing of this outcome is kept (the transaction rolls back): the visit stays
                # open until the officer completes the form.
                raise InvalidInput(
                    _("%(service)s: %(reason)s The visit stays open until the form is complete.")
                    % {"service": service.name, "reason": exc.message},
                    field=f"services.{index}.form.{exc.field}",
                ) from exc
            row.ticket_id = created.ticket_id
            row.dossier_id = created.dossier_id
            row.reference = created.reference
            if created.skipped_reason:
                row.note = f"{item.note} [{created.skipped_reason}]".strip()[:255]
        row.save()
    _move(
        locked=locked,
        to_status=S.VISITED if met else S.TRIAGED,
        actor=actor,
        action="record_visit",
        note=note or ("visited" if met else "person not met; to be scheduled again"),
        visit=locked_visit,
    )
    return locked_visit


@transaction.atomic
def outreach_request_complete(
    *, actor: Any, outreach_request: OutreachRequest, note: str = ""
) -> OutreachRequest:
    """Close a visited request, e.g. once its results were delivered home."""
    _require_staff(actor, outreach_request.mall_id)
    note = _optional_text(note, "note", 2000)
    locked = _lock(outreach_request)
    _move(locked=locked, to_status=S.DONE, actor=actor, action="complete", note=note)
    return locked


@transaction.atomic
def outreach_request_cancel(
    *, actor: Any, outreach_request: OutreachRequest, reason: str
) -> OutreachRequest:
    _require_staff(actor, outreach_request.mall_id)
    reason = _required_text(reason, "reason", "Reason", 2000)
    locked = _lock(outreach_request)
    planned = Visit.objects.select_for_update().filter(
        request=locked, status=Visit.Status.SCHEDULED
    )
    visit = planned.first()
    _move(
        locked=locked,
        to_status=S.CANCELLED,
        actor=actor,
        action="cancel",
        note=reason,
        visit=visit,
    )
    planned.update(status=Visit.Status.CANCELLED)
    return locked


def visit_window_label(visit: Visit) -> str:
    start = datetime.combine(visit.date, visit.window_start)
    return f"{start:%H:%M}-{visit.window_end:%H:%M}"
