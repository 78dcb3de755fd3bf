"""State changes of the queue: issuing tickets, counters at work, calling and serving,
appointments.

Every function runs in one transaction, checks the current state under a row lock (409 when the
state does not allow the change), writes an append-only TicketEvent for every ticket change and
publishes a live event after commit (channels and payload: the contract in `ticket_event_data`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ForeignKey
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.catalog.models import Counter, Mall, Service
from satupintu.core.codes import READABLE, CodeFormat, unique_code
from satupintu.core.crypto import encrypt_personal, lookup_hash, lookup_hashes
from satupintu.core.errors import Conflict, InvalidInput, NotFound
from satupintu.core.events import publish_on_commit
from satupintu.core.validators import mask_nik, parse_nik, validate_phone, validate_plate
from satupintu.queueing import policy, selectors
from satupintu.queueing.models import (
    Appointment,
    AppointmentSlotConfig,
    CounterSession,
    NumberSequence,
    PriorityClass,
    Ticket,
    TicketChannel,
    TicketEvent,
)

Status = Ticket.Status
Action = TicketEvent.Action


# --- live events ----------------------------------------------------------------------------


def ticket_event_data(ticket: Ticket, waiting: dict[int, int]) -> dict[str, Any]:
    """The payload of every `ticket.*` live event (the contract with the pages and boards)."""
    counter = ticket.counter
    mall = ticket.mall
    return {
        "ticket_id": ticket.pk,
        "ticket_number": ticket.number,
        "status": ticket.status,
        "service_id": ticket.current_service_id,
        "service_name": ticket.current_service.name,
        "counter_id": counter.pk if counter else None,
        "counter_name": counter.name if counter else None,
        "counter_number": counter.number if counter else None,
        "floor": counter.floor.number if counter and counter.floor_id else None,
        "called_at": selectors.local_iso(ticket.last_called_at, mall),
        "priority": ticket.priority or None,
        "waiting": {str(sid): n for sid, n in waiting.items()},
    }


def _publish(
    ticket: Ticket,
    event_type: str,
    *,
    service_ids: Iterable[int],
    counter: Counter | None = None,
    extra_channels: Sequence[str] = (),
    extra: dict[str, Any] | None = None,
) -> None:
    touched = sorted(set(service_ids))
    waiting = selectors.waiting_counts(touched, ticket.service_date)
    channels = [f"mall:{ticket.mall_id}", f"ticket:{ticket.pk}", *extra_channels]
    if counter is not None:
        channels += [f"counter:{counter.pk}", f"floor:{counter.floor_id}"]
    # The waiting counts of the touched services changed on every console and floor board that
    # serves one of them, not only at the acting counter.
    for counter_id, floor_id in selectors.counters_serving(touched):
        channels += [f"counter:{counter_id}", f"floor:{floor_id}"]
    data = ticket_event_data(ticket, waiting)
    if extra:
        data.update(extra)
    publish_on_commit(list(dict.fromkeys(channels)), event_type, data)


def _forget_pace(service_ids: Iterable[int], day: date) -> None:
    """Drop the cached estimate inputs of these services now and again after commit (a reader
    between the two may have cached the state before the change)."""
    keys = [selectors.pace_cache_key(sid, day) for sid in set(service_ids)]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _forget_counter_pace(counter: Counter) -> None:
    day = counter.mall.today()
    _forget_pace([sid for sid, _aid in selectors.counter_service_rows(counter)], day)


def _record(
    ticket: Ticket,
    *,
    action: str,
    from_status: str,
    actor: Any,
    at: datetime,
    counter: Counter | None = None,
    note: str = "",
    outcome: str = "",
) -> TicketEvent:
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return TicketEvent.objects.create(
        ticket=ticket,
        at=at,
        actor=actor if is_person else None,
        actor_label=(actor.get_username() if is_person else "anonymous")[:150],
        counter=counter,
        service_id=ticket.current_service_id,
        from_status=from_status,
        to_status=ticket.status,
        action=action,
        note=note,
        outcome=outcome,
    )


# --- issuing tickets ------------------------------------------------------------------------


def _next_serial(*, mall: Mall, prefix: str, day: date) -> int:
    """Take the next number of queue `prefix` on `day`, in one statement that also locks the
    sequence row until the transaction ends (so concurrent kiosks of one queue wait here)."""
    table = NumberSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (mall_id, queue_prefix, service_date, last_value) "
            "VALUES (%s, %s, %s, 1) "
            "ON CONFLICT (mall_id, queue_prefix, service_date) "
            f"DO UPDATE SET last_value = {table}.last_value + 1 "
            "RETURNING last_value",
            [mall.pk, prefix, day],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def format_ticket_number(prefix: str, serial: int) -> str:
    return f"{prefix}-{serial:03d}"


def _check_channel(service: Service, channel: str, field: str = "channel") -> None:
    if channel not in TicketChannel.values:
        raise InvalidInput(
            _("Unknown channel '%(channel)s'; use one of %(choices)s.")
            % {"channel": channel, "choices": ", ".join(TicketChannel.values)},
            field=field,
        )
    if not service.offers(channel):
        raise Conflict(
            _("%(service)s does not offer the %(channel)s channel.")
            % {"service": service.name, "channel": TicketChannel(channel).label},
            field=field,
            code="channel_not_offered",
        )


def _clean_contact(
    *, channel: str, name: str, phone: str, plate_number: str
) -> tuple[str, str, str]:
    name = (name or "").strip()
    if len(name) > 150:
        raise InvalidInput(_("Name is longer than 150 characters."), field="name")
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], field="phone", code="phone") from exc
    if channel == TicketChannel.DRIVE_THRU and not (plate_number or "").strip():
        raise InvalidInput(
            _("A drive-thru ticket needs the vehicle plate."), field="plate_number", code="required"
        )
    if plate_number:
        try:
            plate_number = validate_plate(plate_number)
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], field="plate_number", code="plate") from exc
    return name, phone or "", plate_number or ""


def _further_services(
    service: Service, channel: str, service_ids: Sequence[int] | None
) -> list[int]:
    ids = list(dict.fromkeys(service_ids or []))
    if not ids:
        return []
    if service.pk in ids:
        raise InvalidInput(
            _("The further services must differ from the first service."),
            field="further_service_ids",
        )
    found = {
        s.pk: s
        for s in Service.objects.filter(
            pk__in=ids, mall_id=service.mall_id, is_active=True, agency__is_active=True
        )
    }
    for sid in ids:
        if sid not in found:
            raise InvalidInput(
                _("No service with id %(id)s in this mall.") % {"id": sid},
                field="further_service_ids",
            )
        _check_channel(found[sid], channel, field="further_service_ids")
    return ids


def _create_ticket(
    *,
    service: Service,
    channel: str,
    priority: str | None,
    name: str,
    phone: str,
    plate_number: str,
    further_service_ids: list[int],
    actor: Any,
    now: datetime,
    appointment_slot_at: datetime | None = None,
    enforce_quota: bool = True,
) -> Ticket:
    mall = service.mall
    closed = selectors.mall_closed_reason(mall, now)
    if closed:
        raise Conflict(closed, code="mall_closed")
    day = mall.today(now)
    serial = _next_serial(mall=mall, prefix=service.queue_prefix, day=day)
    quota = service.daily_quota(channel) if enforce_quota else None
    if quota is not None:
        # Counted after taking the number: the sequence row lock makes every issuer of this
        # queue wait for the one before it, so the count cannot go stale between check and insert.
        taken = Ticket.objects.filter(
            service=service,
            channel=channel,
            service_date=day,
            transferred_from__isnull=True,
            appointment_slot_at__isnull=True,
        ).count()
        if taken >= quota:
            raise Conflict(
                _(
                    "Today's quota of %(quota)d %(channel)s tickets for %(service)s is used up. "
                    "Please book an appointment for another day."
                )
                % {
                    "quota": quota,
                    "channel": TicketChannel(channel).label,
                    "service": service.name,
                },
                field="service_id",
                code="quota_exhausted",
            )
    ticket = Ticket.objects.create(
        mall=mall,
        service=service,
        current_service=service,
        further_service_ids=further_service_ids,
        channel=channel,
        priority=priority or "",
        queue_prefix=service.queue_prefix,
        serial=serial,
        number=format_ticket_number(service.queue_prefix, serial),
        service_date=day,
        status=Status.WAITING,
        arrival_at=now,
        name=name,
        phone=phone,
        plate_number=plate_number,
        appointment_slot_at=appointment_slot_at,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _record(ticket, action=Action.ISSUE, from_status="", actor=actor, at=now)
    _publish(ticket, "ticket.issued", service_ids=[service.pk])
    return ticket


@transaction.atomic
def ticket_issue(
    *,
    service: Service,
    channel: str = TicketChannel.WALK_IN,
    priority: str | None = None,
    name: str = "",
    phone: str = "",
    plate_number: str = "",
    further_service_ids: Sequence[int] | None = None,
    actor: Any = None,
) -> Ticket:
    """Give a visitor the next number of the service's queue.

    409 when the service does not offer the channel, the mall is closed now, or today's quota
    of the service and channel is used up; 422 for a drive-thru ticket without a valid plate."""
    if priority and priority not in PriorityClass.values:
        raise InvalidInput(
            _("Unknown priority class '%(value)s'; use one of %(choices)s.")
            % {"value": priority, "choices": ", ".join(PriorityClass.values)},
            field="priority",
        )
    _check_channel(service, channel)
    name, phone, plate_number = _clean_contact(
        channel=channel, name=name, phone=phone, plate_number=plate_number
    )
    further = _further_services(service, channel, further_service_ids)
    return _create_ticket(
        service=service,
        channel=channel,
        priority=priority,
        name=name,
        phone=phone,
        plate_number=plate_number,
        further_service_ids=further,
        actor=actor,
        now=timezone.now(),
    )


# --- counters at work -----------------------------------------------------------------------


def _lock_session(counter: Counter) -> CounterSession | None:
    # At most one active session per counter (a constraint): no ORDER BY needed.
    sessions = (
        CounterSession.objects.select_for_update()
        .filter(counter=counter, status__in=CounterSession.ACTIVE_STATUSES)
        .order_by()[:1]
    )
    return next(iter(sessions), None)


def _number_at_counter(counter: Counter) -> str | None:
    """The number of the ticket called or being served at the counter, if any."""
    numbers = (
        Ticket.objects.filter(counter=counter, status__in=Ticket.AT_COUNTER_STATUSES)
        .order_by()
        .values_list("number", flat=True)[:1]
    )
    return next(iter(numbers), None)


def _require_holder(counter: Counter, actor: Any, *, open_only: bool = False) -> CounterSession:
    session = _lock_session(counter)
    if session is None or session.officer_id != getattr(actor, "pk", None):
        raise Conflict(
            _("You have not taken %(counter)s: open it first.") % {"counter": counter.name},
            code="counter_not_held",
        )
    if open_only and session.status != CounterSession.Status.OPEN:
        raise Conflict(
            _("%(counter)s is paused: resume it before calling.") % {"counter": counter.name},
            code="counter_paused",
        )
    return session


@transaction.atomic
def counter_open(*, counter: Counter, actor: Any) -> CounterSession:
    """Take the counter (or resume it after a pause). One counter per person, one person per
    counter."""
    now = timezone.now()
    session = _lock_session(counter)
    if session is not None:
        if session.officer_id != actor.pk:
            raise Conflict(
                _("%(counter)s is held by %(officer)s.")
                % {"counter": counter.name, "officer": session.officer.display_name()},
                code="counter_taken",
            )
        if session.status == CounterSession.Status.PAUSED:
            session.status = CounterSession.Status.OPEN
            session.paused_at = None
            session.save(update_fields=["status", "paused_at"])
            _forget_counter_pace(counter)
        return session
    other = CounterSession.objects.filter(
        officer=actor, status__in=CounterSession.ACTIVE_STATUSES
    ).select_related("counter")
    held = other.first()
    if held is not None:
        raise Conflict(
            _("You already hold %(counter)s: close it first.") % {"counter": held.counter.name},
            code="officer_busy",
        )
    try:
        with transaction.atomic():
            session = CounterSession.objects.create(
                counter=counter, officer=actor, status=CounterSession.Status.OPEN, opened_at=now
            )
        _forget_counter_pace(counter)
        return session
    except IntegrityError as exc:
        # Someone took the counter (or this person another counter) at the same moment.
        raise Conflict(
            _("%(counter)s was just taken.") % {"counter": counter.name}, code="counter_taken"
        ) from exc


@transaction.atomic
def counter_pause(*, counter: Counter, actor: Any) -> CounterSession:
    session = _require_holder(counter, actor)
    if session.status != CounterSession.Status.OPEN:
        raise Conflict(_("The counter is already paused."), code="counter_paused")
    session.status = CounterSession.Status.PAUSED
    session.paused_at = timezone.now()
    session.save(update_fields=["status", "paused_at"])
    _forget_counter_pace(counter)
    return session


@transaction.atomic
def counter_close(*, counter: Counter, actor: Any) -> CounterSession:
    session = _require_holder(counter, actor)
    current = _number_at_counter(counter)
    if current is not None:
        raise Conflict(
            _("Ticket %(number)s is still at this counter: finish, transfer or mark it first.")
            % {"number": current},
            code="ticket_at_counter",
        )
    session.status = CounterSession.Status.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at"])
    _forget_counter_pace(counter)
    return session


@transaction.atomic
def counter_call_next(*, counter: Counter, actor: Any) -> Ticket | None:
    """Call the next waiting ticket for the counter's services, by the calling policy.

    Exactly once: on PostgreSQL the candidate row is taken with FOR UPDATE SKIP LOCKED, so two
    counters calling at the same moment take two different tickets and lock nothing else; on
    SQLite the write transaction (BEGIN IMMEDIATE) serialises callers. None when nobody waits."""
    now = timezone.now()
    _require_holder(counter, actor, open_only=True)
    # A statement of its own after the lock: in READ COMMITTED it sees what a caller that held
    # the lock before us committed (a subquery of the locking statement would not).
    current = _number_at_counter(counter)
    if current is not None:
        raise Conflict(
            _("Ticket %(number)s is still at this counter: finish, transfer or mark it first.")
            % {"number": current},
            code="ticket_at_counter",
        )
    service_ids = [sid for sid, _aid in selectors.counter_service_rows(counter)]
    if not service_ids:
        return None
    lane = (
        TicketChannel.DRIVE_THRU
        if counter.mode == Counter.Mode.DRIVE_THRU
        else TicketChannel.WALK_IN
    )
    candidates = selectors._same_lane(
        Ticket.objects.filter(
            current_service_id__in=service_ids,
            status=Status.WAITING,
            service_date=counter.mall.today(now),
        ),
        lane,
    )
    candidates = candidates.select_related("mall", "service", "current_service").order_by(
        *policy.call_order_by(now)
    )
    if connection.features.has_select_for_update_skip_locked:
        # Lock only the ticket row taken, never the joined service or mall rows.
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    ticket = next(iter(candidates[:1]), None)
    if ticket is None:
        return None
    ticket.status = Status.CALLED
    ticket.counter = counter
    ticket.called_at = now
    ticket.last_called_at = now
    ticket.recall_count = 0
    ticket.save(update_fields=["status", "counter", "called_at", "last_called_at", "recall_count"])
    _record(
        ticket, action=Action.CALL, from_status=Status.WAITING, actor=actor, at=now, counter=counter
    )
    _publish(ticket, "ticket.called", service_ids=[ticket.current_service_id], counter=counter)
    return ticket


# --- ticket transitions ---------------------------------------------------------------------


def _lock_ticket(ticket: Ticket) -> Ticket:
    """The ticket's row again, now locked, with the related rows already loaded on `ticket`
    (the access check read them a moment ago; a locked read of the ticket alone is cheaper than
    joining them again). A relation whose id changed meanwhile is left to load on use."""
    try:
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    except Ticket.DoesNotExist as exc:
        raise NotFound(f"No ticket with id {ticket.pk}") from exc
    for relation in ("mall", "service", "current_service", "counter"):
        field = Ticket._meta.get_field(relation)
        assert isinstance(field, ForeignKey)
        if not field.is_cached(ticket):
            continue
        loaded = getattr(ticket, relation)
        if loaded is not None and loaded.pk == getattr(locked, f"{relation}_id"):
            setattr(locked, relation, loaded)
    return locked


def _require_status(ticket: Ticket, allowed: Iterable[str], action: str) -> None:
    allowed = list(allowed)
    if ticket.status not in allowed:
        raise Conflict(
            _("Ticket %(number)s is %(status)s: %(action)s needs it %(allowed)s.")
            % {
                "number": ticket.number,
                "status": ticket.status,
                "action": action,
                "allowed": " or ".join(allowed),
            },
            field="status",
            code="invalid_transition",
        )


def _require_at_my_counter(ticket: Ticket, actor: Any) -> Counter:
    counter = ticket.counter
    if counter is None:
        raise Conflict(_("The ticket is not at a counter."), code="not_at_counter")
    _require_holder(counter, actor)
    return counter


@transaction.atomic
def ticket_recall(*, ticket: Ticket, actor: Any) -> Ticket:
    """Call the same ticket again (the board announces it again), a limited number of times."""
    now = timezone.now()
    ticket = _lock_ticket(ticket)
    _require_status(ticket, [Status.CALLED], "recall")
    counter = _require_at_my_counter(ticket, actor)
    if ticket.recall_count >= settings.QUEUE_MAX_RECALLS:
        raise Conflict(
            _("Ticket %(number)s was called again %(count)d times already: mark it no-show.")
            % {"number": ticket.number, "count": ticket.recall_count},
            code="recall_limit",
        )
    ticket.recall_count += 1
    ticket.last_called_at = now
    ticket.save(update_fields=["recall_count", "last_called_at"])
    _record(
        ticket,
        action=Action.RECALL,
        from_status=Status.CALLED,
        actor=actor,
        at=now,
        counter=counter,
        note=str(ticket.recall_count),
    )
    _publish(ticket, "ticket.recalled", service_ids=[ticket.current_service_id], counter=counter)
    return ticket


@transaction.atomic
def ticket_start(*, ticket: Ticket, actor: Any) -> Ticket:
    now = timezone.now()
    ticket = _lock_ticket(ticket)
    _require_status(ticket, [Status.CALLED], "start")
    counter = _require_at_my_counter(ticket, actor)
    ticket.status = Status.SERVING
    ticket.started_at = now
    ticket.save(update_fields=["status", "started_at"])
    _record(
        ticket, action=Action.START, from_status=Status.CALLED, actor=actor, at=now, counter=counter
    )
    _publish(ticket, "ticket.started", service_ids=[ticket.current_service_id], counter=counter)
    return ticket


@transaction.atomic
def ticket_finish(*, ticket: Ticket, actor: Any, outcome: str, note: str = "") -> Ticket:
    """End the service. When the visit has further services, the ticket goes on to wait for the
    next one, keeping its arrival time; otherwise it is done."""
    now = timezone.now()
    if outcome not in Ticket.Outcome.values:
        raise InvalidInput(
            _("Outcome must be one of %(choices)s.")
            % {"choices": ", ".join(Ticket.Outcome.values)},
            field="outcome",
        )
    ticket = _lock_ticket(ticket)
    _require_status(ticket, [Status.SERVING], "finish")
    counter = _require_at_my_counter(ticket, actor)
    finished_service_id = ticket.current_service_id
    _forget_pace([finished_service_id], ticket.service_date)
    ticket.finished_at = now
    ticket.outcome = outcome
    ticket.note = note
    ticket.status = Status.DONE
    further = list(ticket.further_service_ids or [])
    next_service = None
    while further and next_service is None:
        next_service = Service.objects.filter(
            pk=further.pop(0), mall_id=ticket.mall_id, is_active=True
        ).first()
    # The finish of this service is one event; moving on to the next is another.
    ticket.save(update_fields=["finished_at", "outcome", "note", "status"])
    _record(
        ticket,
        action=Action.FINISH,
        from_status=Status.SERVING,
        actor=actor,
        at=now,
        counter=counter,
        note=note,
        outcome=outcome,
    )
    if next_service is None:
        _publish(ticket, "ticket.finished", service_ids=[finished_service_id], counter=counter)
        return ticket
    ticket.current_service = next_service
    ticket.further_service_ids = further
    ticket.status = Status.WAITING
    ticket.counter = None
    ticket.called_at = ticket.last_called_at = ticket.started_at = ticket.finished_at = None
    ticket.recall_count = 0
    ticket.outcome = ""
    ticket.save()
    _record(
        ticket,
        action=Action.NEXT_SERVICE,
        from_status=Status.DONE,
        actor=actor,
        at=now,
        counter=counter,
        note=next_service.code,
    )
    _publish(
        ticket,
        "ticket.finished",
        service_ids=[finished_service_id, next_service.pk],
        counter=counter,
        extra={"next_service_id": next_service.pk},
    )
    return ticket


@transaction.atomic
def ticket_no_show(*, ticket: Ticket, actor: Any) -> Ticket:
    """The visitor did not come when called; they may come back within the configured time."""
    now = timezone.now()
    ticket = _lock_ticket(ticket)
    _require_status(ticket, [Status.CALLED], "no-show")
    counter = _require_at_my_counter(ticket, actor)
    ticket.status = Status.NO_SHOW
    ticket.no_show_at = now
    ticket.save(update_fields=["status", "no_show_at"])
    _record(
        ticket,
        action=Action.NO_SHOW,
        from_status=Status.CALLED,
        actor=actor,
        at=now,
        counter=counter,
    )
    _publish(ticket, "ticket.no_show", service_ids=[ticket.current_service_id], counter=counter)
    return ticket


@transaction.atomic
def ticket_return(*, ticket: Ticket, actor: Any) -> Ticket:
    """A no-show visitor came back in time: the ticket waits again with its arrival time."""
    now = timezone.now()
    ticket = _lock_ticket(ticket)
    _require_status(ticket, [Status.NO_SHOW], "return")
    window = timedelta(minutes=settings.QUEUE_NO_SHOW_RETURN_MINUTES)
    if ticket.no_show_at is None or now - ticket.no_show_at > window:
        raise Conflict(
            _("A ticket marked no-show may come back within %(minutes)d minutes; take a new one.")
            % {"minutes": settings.QUEUE_NO_SHOW_RETURN_MINUTES},
            code="return_window_passed",
        )
    if ticket.service_date != ticket.mall.today(now):
        raise Conflict(_("The ticket was for another day."), code="return_window_passed")
    previous_counter = ticket.counter
    ticket.status = Status.WAITING
    ticket.counter = None
    ticket.called_at = ticket.last_called_at = None
    ticket.recall_count = 0
    ticket.save(update_fields=["status", "counter", "called_at", "last_called_at", "recall_count"])
    _record(
        ticket,
        action=Action.RETURN,
        from_status=Status.NO_SHOW,
        actor=actor,
        at=now,
        counter=previous_counter,
    )
    _publish(ticket, "ticket.returned", service_ids=[ticket.current_service_id])
    return ticket


@transaction.atomic
def ticket_transfer(*, ticket: Ticket, actor: Any, service: Service, note: str = "") -> Ticket:
    """Send the visitor to another service of the mall. The ticket ends as `transferred` and a
    successor with the same number waits in the other queue, keeping the original arrival time,
    so the visitor does not queue from the back again. Returns the successor."""
    now = timezone.now()
    ticket = _lock_ticket(ticket)
    _require_status(ticket, [Status.CALLED, Status.SERVING], "transfer")
    counter = _require_at_my_counter(ticket, actor)
    if service.mall_id != ticket.mall_id or not service.is_active:
        raise NotFound(f"No service with id {service.pk}", field="service_id")
    if service.pk == ticket.current_service_id:
        raise Conflict(
            _("The ticket is already at this service."), field="service_id", code="same_service"
        )
    if not service.offers(ticket.channel):
        raise Conflict(
            _("%(service)s does not offer the %(channel)s channel.")
            % {"service": service.name, "channel": TicketChannel(ticket.channel).label},
            field="service_id",
            code="channel_not_offered",
        )
    from_status = ticket.status
    ticket.status = Status.TRANSFERRED
    ticket.finished_at = now
    ticket.note = note
    ticket.save(update_fields=["status", "finished_at", "note"])
    _record(
        ticket,
        action=Action.TRANSFER,
        from_status=from_status,
        actor=actor,
        at=now,
        counter=counter,
        note=f"{service.code} {note}".strip(),
    )
    successor = Ticket.objects.create(
        mall=ticket.mall,
        service=service,
        current_service=service,
        further_service_ids=[sid for sid in ticket.further_service_ids if sid != service.pk],
        channel=ticket.channel,
        priority=ticket.priority,
        queue_prefix=ticket.queue_prefix,
        serial=ticket.serial,
        number=ticket.number,
        service_date=ticket.service_date,
        status=Status.WAITING,
        arrival_at=ticket.arrival_at,
        name=ticket.name,
        phone=ticket.phone,
        plate_number=ticket.plate_number,
        transferred_from=ticket,
        issued_by=ticket.issued_by,
    )
    _record(
        successor,
        action=Action.TRANSFER,
        from_status="",
        actor=actor,
        at=now,
        counter=counter,
        note=f"{ticket.current_service.code} {note}".strip(),
    )
    _publish(
        successor,
        "ticket.transferred",
        service_ids=[ticket.current_service_id, service.pk],
        counter=counter,
        extra_channels=[f"ticket:{ticket.pk}"],
        extra={"previous_ticket_id": ticket.pk},
    )
    return successor


@transaction.atomic
def ticket_cancel(*, ticket: Ticket, actor: Any, note: str = "") -> Ticket:
    """Cancel a waiting ticket (any queue staff of the mall) or a called one (its counter)."""
    now = timezone.now()
    ticket = _lock_ticket(ticket)
    _require_status(ticket, [Status.WAITING, Status.CALLED], "cancel")
    counter = None
    if ticket.status == Status.CALLED:
        counter = _require_at_my_counter(ticket, actor)
    from_status = ticket.status
    ticket.status = Status.CANCELLED
    ticket.finished_at = now
    ticket.note = note
    ticket.save(update_fields=["status", "finished_at", "note"])
    _record(
        ticket,
        action=Action.CANCEL,
        from_status=from_status,
        actor=actor,
        at=now,
        counter=counter,
        note=note,
    )
    _publish(ticket, "ticket.cancelled", service_ids=[ticket.current_service_id], counter=counter)
    return ticket


@transaction.atomic
def tickets_expire_before(*, mall: Mall, day: date) -> int:
    """Cancel tickets of days before `day` still waiting or at a counter (end-of-day clean-up),
    so yesterday's queue never appears on today's consoles."""
    now = timezone.now()
    expired = 0
    stale = Ticket.objects.select_for_update().filter(
        mall=mall, service_date__lt=day, status__in=Ticket.ACTIVE_STATUSES
    )
    for ticket in stale:
        from_status = ticket.status
        ticket.status = Status.CANCELLED
        ticket.finished_at = now
        ticket.save(update_fields=["status", "finished_at"])
        _record(
            ticket,
            action=Action.EXPIRE,
            from_status=from_status,
            actor=None,
            at=now,
            counter=ticket.counter,
        )
        expired += 1
    return expired


# --- appointments ---------------------------------------------------------------------------

# Read aloud and typed at a kiosk; 32^8 = 2^40 codes: not guessable within any rate limit.
APPOINTMENT_CODE = CodeFormat(alphabet=READABLE, length=8)


@transaction.atomic
def appointment_book(
    *,
    service: Service,
    day: date,
    slot: time,
    name: str,
    phone: str,
    nik: str,
    actor: Any = None,
) -> Appointment:
    """Book a slot. 422 for an invalid NIK, phone or name; 409 when the service takes no
    appointments, the slot is not bookable now, full, or the NIK already has a booking for the
    service that day."""
    now = timezone.now()
    try:
        nik = parse_nik(nik).nik
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="nik", code="nik") from exc
    try:
        phone = validate_phone(phone)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="phone", code="phone") from exc
    name = (name or "").strip()
    if not name or len(name) > 150:
        raise InvalidInput(_("Name is required (at most 150 characters)."), field="name")
    config = (
        AppointmentSlotConfig.objects.select_for_update()
        .filter(service=service, is_active=True)
        .first()
    )
    if config is None or not service.is_active:
        raise Conflict(
            _("%(service)s does not take appointments.") % {"service": service.name},
            field="service_id",
            code="no_appointments",
        )
    mall = service.mall
    closed = selectors.mall_day_closed_reason(mall, day)
    if closed:
        raise Conflict(closed, field="date", code="mall_closed")
    starts = {s.time(): s for s in selectors.appointment_slot_starts(config, mall, day)}
    slot = slot.replace(second=0, microsecond=0)
    if slot not in starts:
        raise InvalidInput(
            _("%(slot)s is not a slot of this day; see the list of slots.")
            % {"slot": slot.strftime("%H:%M")},
            field="slot",
        )
    slot_at = starts[slot]
    reason = selectors.booking_window_closed_reason(config, mall, slot_at, now)
    if reason:
        raise Conflict(reason, field="date", code="booking_window_closed")
    nik_hash = lookup_hash(nik, purpose="nik")
    # Any configured key's hash: a booking made before a key rotation still counts.
    if Appointment.objects.filter(
        service=service,
        date=day,
        nik_hash__in=lookup_hashes(nik, purpose="nik"),
        status__in=Appointment.ACTIVE_STATUSES,
    ).exists():
        raise Conflict(
            _("This NIK already has a booking for this service on that day."),
            field="nik",
            code="duplicate_booking",
        )
    taken = Appointment.objects.filter(
        service=service, slot_at=slot_at, status__in=Appointment.ACTIVE_STATUSES
    ).count()
    if taken >= config.capacity_per_slot:
        raise Conflict(_("This slot is full."), field="slot", code="slot_full")
    code = unique_code(
        APPOINTMENT_CODE, taken=lambda code: Appointment.objects.filter(code=code).exists()
    )
    return Appointment.objects.create(
        mall=mall,
        service=service,
        date=day,
        slot_start=slot,
        slot_at=slot_at,
        name=name,
        phone=phone,
        nik_encrypted=encrypt_personal(nik, purpose="nik"),
        nik_hash=nik_hash,
        nik_masked=mask_nik(nik),
        code=code,
        status=Appointment.Status.BOOKED,
    )


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, actor: Any = None) -> Appointment:
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.BOOKED:
        raise Conflict(
            _("The appointment is %(status)s and cannot be cancelled.")
            % {"status": appointment.status},
            field="status",
            code="invalid_transition",
        )
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancelled_at = timezone.now()
    appointment.save(update_fields=["status", "cancelled_at"])
    return appointment


def appointment_checkin_window(
    appointment: Appointment, config: AppointmentSlotConfig | None
) -> tuple[datetime, datetime]:
    early = config.checkin_early_minutes if config else 30
    late = config.checkin_late_minutes if config else 15
    return (
        appointment.slot_at - timedelta(minutes=early),
        appointment.slot_at + timedelta(minutes=late),
    )


@transaction.atomic
def appointment_check_in(*, appointment: Appointment, actor: Any = None) -> Ticket:
    """Check in at the kiosk within the early/late window: a ticket with appointment precedence
    (called first once its slot is due). 409 outside the window or when not booked."""
    now = timezone.now()
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("service", "service__mall")
        .get(pk=appointment.pk)
    )
    if appointment.status != Appointment.Status.BOOKED:
        raise Conflict(
            _("The appointment is %(status)s.") % {"status": appointment.status},
            field="status",
            code="invalid_transition",
        )
    config = AppointmentSlotConfig.objects.filter(service=appointment.service).first()
    opens, closes = appointment_checkin_window(appointment, config)
    mall = appointment.service.mall
    if not opens <= now <= closes:
        raise Conflict(
            _("Check-in is open from %(opens)s to %(closes)s.")
            % {
                "opens": timezone.localtime(opens, mall.zone).strftime("%Y-%m-%d %H:%M"),
                "closes": timezone.localtime(closes, mall.zone).strftime("%H:%M"),
            },
            code="checkin_window",
        )
    _check_channel(appointment.service, TicketChannel.WALK_IN)
    ticket = _create_ticket(
        service=appointment.service,
        channel=TicketChannel.WALK_IN,
        priority=None,
        name=appointment.name,
        phone=appointment.phone,
        plate_number="",
        further_service_ids=[],
        actor=actor,
        now=now,
        appointment_slot_at=appointment.slot_at,
        enforce_quota=False,
    )
    appointment.status = Appointment.Status.CHECKED_IN
    appointment.checked_in_at = now
    appointment.ticket = ticket
    appointment.save(update_fields=["status", "checked_in_at", "ticket"])
    return ticket


@transaction.atomic
def appointments_expire(*, now: datetime | None = None) -> int:
    """Mark booked appointments whose check-in window has passed as no-show."""
    now = now or timezone.now()
    expired = 0
    configs = {c.service_id: c for c in AppointmentSlotConfig.objects.all()}
    candidates = Appointment.objects.select_for_update().filter(
        status=Appointment.Status.BOOKED, slot_at__lt=now
    )
    for appointment in candidates:
        _opens, closes = appointment_checkin_window(
            appointment, configs.get(appointment.service_id)
        )
        if closes < now:
            appointment.status = Appointment.Status.NO_SHOW
            appointment.save(update_fields=["status"])
            expired += 1
    return expired
