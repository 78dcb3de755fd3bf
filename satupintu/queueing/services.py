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
from django.db import IntegrityError, transaction
from django.db.models import ForeignKey
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.catalog.models import Counter, Floor, Mall, Service
from satupintu.catalog.selectors import require_service_serving
from satupintu.core.codes import READABLE, CodeFormat, unique_code
from satupintu.core.crypto import encrypt_personal, lookup_hash, lookup_hashes
from satupintu.core.errors import Conflict, InvalidInput, NotFound
from satupintu.core.events import publish_on_commit
from satupintu.core.late_events import past_day_changed
from satupintu.core.validators import mask_nik, parse_nik, validate_phone, validate_plate
from satupintu.queueing import hotpath, lookups, selectors
from satupintu.queueing.models import (
    Appointment,
    AppointmentSlotConfig,
    CounterSession,
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
    waiting: dict[int, int] | None = None,
) -> None:
    """Publish a `ticket.*` event after commit. `waiting`: the waiting counts of the touched
    services when the operation already has them (the hot path answers them)."""
    touched = sorted(set(service_ids))
    if waiting is None:
        waiting = selectors.waiting_counts(touched, ticket.service_date)
    channels = [f"mall:{ticket.mall_id}", f"ticket:{ticket.pk}", *extra_channels]
    if counter is not None:
        channels += [f"counter:{counter.pk}", f"floor:{counter.floor_id}"]
    # The waiting counts of the touched services changed on every console and floor board that
    # serves one of them, not only at the acting counter.
    channels += selectors.screen_channels(touched)
    data = ticket_event_data(ticket, waiting)
    if extra:
        data.update(extra)
    publish_on_commit(channels, event_type, data)  # each broker drops repeated channels


def _forget_pace(service_ids: Iterable[int], day: date) -> None:
    """Drop the cached estimate inputs of these services now and again after commit (a reader
    between the two may have cached the state before the change)."""
    keys = [selectors.pace_cache_key(sid, day) for sid in set(service_ids)]
    keys += [selectors.open_counters_cache_key(sid) for sid in set(service_ids)]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _store_mean(service_id: int, day: date, mean_minutes: float | None) -> None:
    """Keep the service's mean service minutes that the finishing statement just counted, so
    that the next estimate does not count them again; none yet (the only finished ticket went on
    to its next service) drops the key and the next reader falls back to the standard time."""
    key = selectors.pace_cache_key(service_id, day)
    if mean_minutes is None:
        cache.delete(key)
    else:
        cache.set(key, mean_minutes, selectors.PACE_CACHE_SECONDS)


def _forget_counter_pace(counter: Counter) -> None:
    day = counter.mall.today()
    _forget_pace([sid for sid, _aid in selectors.counter_service_rows(counter)], day)


def _mall_of(ticket: Ticket) -> Mall:
    """The ticket's mall without a query where one is at hand (loaded with the ticket, or in
    the cached service lookup)."""
    if "mall" in ticket._state.fields_cache:
        return ticket.mall
    service = lookups.service(ticket.current_service_id) if ticket.current_service_id else None
    if service is not None and service.mall_id == ticket.mall_id:
        return service.mall
    return ticket.mall


def _report_late_event(ticket: Ticket, at: datetime) -> None:
    """A ticket of a past (mall-local) day changed: expired at day end, finished or marked
    no-show after midnight. That day's summaries (roll-ups) are stale."""
    if ticket.service_date < _mall_of(ticket).today(at):
        past_day_changed(mall_id=ticket.mall_id, day=ticket.service_date)


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
    _report_late_event(ticket, at)
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


def _person_id(actor: Any) -> int | None:
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def _actor_label(actor: Any) -> str:
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return str(actor.get_username() if is_person else "anonymous")[:150]


def _attach(ticket: Ticket, *, counter: Counter | None = None) -> Ticket:
    """Give a ticket read by the hot path its mall, services and counter from the cached
    catalog (`lookups`), so that answers and events read their names without a statement."""
    service = lookups.service(ticket.service_id)
    current = service if ticket.current_service_id == ticket.service_id else None
    current = current or lookups.service(ticket.current_service_id)
    if service is not None:
        ticket.service = service
        ticket.mall = service.mall
    if current is not None:
        ticket.current_service = current
    if ticket.counter_id is not None:
        found = counter if counter is not None and counter.pk == ticket.counter_id else None
        found = found or lookups.counter(ticket.counter_id)
        if found is not None:
            ticket.counter = found
    return ticket


def _counter_name(counter_id: Any) -> str:
    found = lookups.counter(int(counter_id)) if counter_id else None
    return found.name if found is not None else str(counter_id)


def _refusal(
    refused: hotpath.Refused,
    *,
    service: Service | None = None,
    channel: str = "",
    counter: Counter | None = None,
    ticket_id: int | None = None,
) -> Exception:
    """The domain error, with its translated message, for a refusal of the hot path."""
    detail = refused.detail
    if refused.not_found:
        return NotFound(f"No ticket with id {detail.get('ticket_id', ticket_id)}")
    if refused.code == "quota_exhausted":
        assert service is not None
        return Conflict(
            _(
                "Today's quota of %(quota)d %(channel)s tickets for %(service)s is used up. "
                "Please book an appointment for another day."
            )
            % {
                "quota": detail["quota"],
                "channel": TicketChannel(channel).label,
                "service": service.name,
            },
            field="service_id",
            code="quota_exhausted",
        )
    if refused.code == "counter_not_held":
        name = counter.name if counter is not None else _counter_name(detail.get("counter_id"))
        return Conflict(
            _("You have not taken %(counter)s: open it first.") % {"counter": name},
            code="counter_not_held",
        )
    if refused.code == "counter_paused":
        name = counter.name if counter is not None else _counter_name(detail.get("counter_id"))
        return Conflict(
            _("%(counter)s is paused: resume it before calling.") % {"counter": name},
            code="counter_paused",
        )
    if refused.code == "ticket_at_counter":
        return Conflict(
            _("Ticket %(number)s is still at this counter: finish, transfer or mark it first.")
            % {"number": detail["number"]},
            code="ticket_at_counter",
        )
    if refused.code == "invalid_transition":
        return _invalid_transition(
            detail["number"], detail["status"], _ACTION_NAMES[detail["action"]], [detail["allowed"]]
        )
    if refused.code == "not_at_counter":
        return Conflict(_("The ticket is not at a counter."), code="not_at_counter")
    if refused.code == "recall_limit":
        return Conflict(
            _("Ticket %(number)s was called again %(count)d times already: mark it no-show.")
            % {"number": detail["number"], "count": detail["count"]},
            code="recall_limit",
        )
    return Conflict(refused.code, code=refused.code)


# How the messages name each action (as `_require_status` callers always did).
_ACTION_NAMES = {"start": "start", "finish": "finish", "no_show": "no-show", "recall": "recall"}


# --- issuing tickets ------------------------------------------------------------------------


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
    found = {s.pk: s for s in Service.objects.live().filter(pk__in=ids, mall_id=service.mall_id)}
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
    # Closed means closed on every way in (kiosk, portal, check-in, outreach): from the cached
    # look-up, so no statement on the hot path.
    require_service_serving(lookups.service(service.pk) or service)
    closed = selectors.mall_closed_reason(mall, now)
    if closed:
        raise Conflict(closed, code="mall_closed")
    day = mall.today(now)
    try:
        done = hotpath.issue(
            mall_id=mall.pk,
            service_id=service.pk,
            prefix=service.queue_prefix,
            day=day,
            now=now,
            channel=channel,
            priority=priority or "",
            name=name,
            phone=phone,
            plate_number=plate_number,
            further_service_ids=further_service_ids,
            quota=service.daily_quota(channel) if enforce_quota else None,
            appointment_slot_at=appointment_slot_at,
            actor_id=_person_id(actor),
            actor_label=_actor_label(actor),
        )
    except hotpath.Refused as refused:
        raise _refusal(refused, service=service, channel=channel) from None
    ticket = _attach(done.ticket)
    # Counted by the issuing statement: the answer of this request shows it without counting
    # again (`selectors.ticket_as_dict(people_ahead_now=...)`); stale once anything else moves.
    ticket.people_ahead_at_issue = done.people_ahead  # type: ignore[attr-defined]
    _publish(ticket, "ticket.issued", service_ids=[service.pk], waiting=done.waiting)
    return ticket


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
    """Give a visitor the next number of the service's queue (one transaction: the hot path's
    statement, see `hotpath.issue`).

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
    if service.capacity_cutoff and channel == TicketChannel.WALK_IN:
        # Off by default: only a service that asks for it pays the reads of the queue.
        full = selectors.capacity_cutoff_reason(service)
        if full:
            raise Conflict(full, field="service_id", code="capacity_reached")
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


def require_counter_in_use(counter: Counter) -> None:
    """409 `counter_closed` for a counter that is switched off or stands on a floor that is not
    open (only planned, or closed): it takes no officer and calls nobody."""
    floor = counter.floor
    if not counter.is_active or floor.status != Floor.Status.OPEN:
        raise Conflict(
            _("%(counter)s is not in use: %(floor)s is %(status)s.")
            % {
                "counter": counter.name,
                "floor": floor.name,
                "status": Floor.Status(floor.status).label
                if counter.is_active
                else _("switched off"),
            },
            code="counter_closed",
        )


@transaction.atomic
def counter_open(*, counter: Counter, actor: Any) -> CounterSession:
    """Take the counter (or resume it after a pause). One counter per person, one person per
    counter; 409 `counter_closed` for a counter not in use (`require_counter_in_use`)."""
    require_counter_in_use(counter)
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


def counter_call_next(*, counter: Counter, actor: Any) -> Ticket | None:
    """Call the next waiting ticket for the counter's services, by the calling policy.

    Exactly once: the candidate is taken with FOR UPDATE SKIP LOCKED on PostgreSQL (the
    write transaction serialises callers on SQLite), under the lock of the counter's session
    (`hotpath.call_next`). None when nobody waits; 409 `counter_closed` for a counter not in
    use (`require_counter_in_use`)."""
    require_counter_in_use(counter)
    now = timezone.now()
    try:
        done = hotpath.call_next(
            counter_id=counter.pk,
            drive_thru=counter.mode == Counter.Mode.DRIVE_THRU,
            day=counter.mall.today(now),
            now=now,
            actor_id=_person_id(actor),
            actor_label=_actor_label(actor),
        )
    except hotpath.Refused as refused:
        raise _refusal(refused, counter=counter) from None
    if done is None:
        return None
    ticket = _attach(done.ticket, counter=counter)
    _publish(
        ticket,
        "ticket.called",
        service_ids=[ticket.current_service_id],
        counter=counter,
        waiting=done.waiting,
    )
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


def _invalid_transition(number: str, status: str, action: str, allowed: list[str]) -> Conflict:
    return Conflict(
        _("Ticket %(number)s is %(status)s: %(action)s needs it %(allowed)s.")
        % {"number": number, "status": status, "action": action, "allowed": " or ".join(allowed)},
        field="status",
        code="invalid_transition",
    )


def _require_status(ticket: Ticket, allowed: Iterable[str], action: str) -> None:
    allowed = list(allowed)
    if ticket.status not in allowed:
        raise _invalid_transition(ticket.number, ticket.status, action, allowed)


def _require_at_my_counter(ticket: Ticket, actor: Any) -> Counter:
    counter = ticket.counter
    if counter is None:
        raise Conflict(_("The ticket is not at a counter."), code="not_at_counter")
    _require_holder(counter, actor)
    return counter


def _act(
    ticket: Ticket | int,
    actor: Any,
    action: str,
    event_type: str,
    *,
    outcome: str = "",
    note: str = "",
) -> tuple[Ticket, hotpath.Done]:
    """One transition by the officer holding the ticket's counter (`hotpath.act`), refused as
    the domain errors say, then its live event. `ticket` may be the row or its id: the access
    check is part of the locked read (`selectors.ticket_reach`)."""
    ticket_id = ticket if isinstance(ticket, int) else ticket.pk
    try:
        done = hotpath.act(
            ticket_id=ticket_id,
            action=action,
            reach=selectors.ticket_reach(actor),
            now=timezone.now(),
            actor_id=_person_id(actor),
            actor_label=_actor_label(actor),
            outcome=outcome,
            note=note,
            max_recalls=settings.QUEUE_MAX_RECALLS,
            sample=max(1, settings.QUEUE_SERVICE_TIME_SAMPLE),
        )
    except hotpath.Refused as refused:
        raise _refusal(refused, ticket_id=ticket_id) from None
    changed = _attach(done.ticket)
    _report_late_event(changed, timezone.now())
    # A finished ticket that went on to its next service has left the counter it was served at.
    counter = changed.counter if changed.counter_id == done.counter_id else None
    if counter is None and done.counter_id is not None:
        counter = lookups.counter(done.counter_id)
    _publish(
        changed,
        event_type,
        service_ids=list(done.waiting),
        counter=counter,
        waiting=done.waiting,
        extra={"next_service_id": done.next_service_id} if done.next_service_id else None,
    )
    return changed, done


def ticket_recall(*, ticket: Ticket | int, actor: Any) -> Ticket:
    """Call the same ticket again (the board announces it again), a limited number of times."""
    return _act(ticket, actor, "recall", "ticket.recalled")[0]


def ticket_start(*, ticket: Ticket | int, actor: Any) -> Ticket:
    return _act(ticket, actor, "start", "ticket.started")[0]


def ticket_finish(*, ticket: Ticket | int, actor: Any, outcome: str, note: str = "") -> Ticket:
    """End the service. When the visit has further services, the ticket goes on to wait for the
    next one, keeping its arrival time; otherwise it is done."""
    if outcome not in Ticket.Outcome.values:
        raise InvalidInput(
            _("Outcome must be one of %(choices)s.")
            % {"choices": ", ".join(Ticket.Outcome.values)},
            field="outcome",
        )
    finished, done = _act(ticket, actor, "finish", "ticket.finished", outcome=outcome, note=note)
    assert done.acted_service_id is not None
    _store_mean(done.acted_service_id, finished.service_date, done.mean_minutes)
    return finished


def counter_finish_and_call_next(
    *, counter: Counter, ticket: Ticket | int, actor: Any, outcome: str, note: str = ""
) -> tuple[Ticket, Ticket | None]:
    """Finish the ticket at the counter and call the next one: the officer's one action between
    two visitors. Built on the two hot operations (`ticket_finish`, then `counter_call_next`):
    two statements on PostgreSQL, each its own transaction, each with its live event. The
    finish stands when the call then finds nobody (None) or is refused (the counter was paused
    meanwhile): the visitor was served either way."""
    ticket_id = ticket if isinstance(ticket, int) else ticket.pk
    finished = ticket_finish(ticket=ticket_id, actor=actor, outcome=outcome, note=note)
    if finished.counter_id is not None and finished.counter_id != counter.pk:
        # The actor holds one counter: the ticket was at it, so this is not that counter.
        raise Conflict(
            _("Ticket %(number)s was finished at another counter; call from that counter.")
            % {"number": finished.number},
            code="counter_not_held",
        )
    return finished, counter_call_next(counter=counter, actor=actor)


def ticket_no_show(*, ticket: Ticket | int, actor: Any) -> Ticket:
    """The visitor did not come when called; they may come back within the configured time."""
    return _act(ticket, actor, "no_show", "ticket.no_show")[0]


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
    require_service_serving(service)
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
