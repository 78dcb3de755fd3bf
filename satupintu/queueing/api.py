"""The queue and appointment API (API.md, "Queue" and "Appointments"): parse, check access,
call one service or selector, answer."""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from satupintu.accounts.auth import STAFF_AUTH, public_auth
from satupintu.catalog.selectors import mall_get, service_get
from satupintu.core.answers import schema_answer
from satupintu.core.audit import audit_record
from satupintu.core.errors import NotFound
from satupintu.core.idempotency import IdempotencyKeyHeader, idempotent
from satupintu.core.schemas import MAX_OFFSET, MAX_PAGE, Code, Id, Slug, paginated
from satupintu.core.validators import mask_name
from satupintu.queueing import hooks, selectors, services
from satupintu.queueing.models import Appointment, CounterSession, PriorityClass, Ticket
from satupintu.queueing.schemas import (
    AppointmentIn,
    AppointmentOut,
    AppointmentPage,
    CancelIn,
    CounterSessionOut,
    CounterStateOut,
    FinishAndCallNextIn,
    FinishAndCallNextOut,
    FinishIn,
    QueueOut,
    SlotListOut,
    TicketIn,
    TicketOut,
    TicketStaffOut,
    TransferIn,
)

router = Router(tags=["queue"])

# What boards, kiosks and apps poll: generous, but limited per address for anonymous callers.
QUEUE_READ = public_auth("queue-read", rate="120/m")


class DisplayOut(Schema):
    id: int
    name: str
    floor: int | None


@router.get("/displays", response=list[DisplayOut], auth=QUEUE_READ)
@paginated
def displays_list(request: HttpRequest, mall: Slug) -> Any:
    return [
        {"id": d.pk, "name": d.name, "floor": d.floor.number if d.floor else None}
        for d in selectors.display_list(mall=mall_get(slug=mall))
    ]


def _user(request: HttpRequest) -> Any:
    return getattr(request, "user", None)


def _staff_ticket(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    if ticket.priority == PriorityClass.DISABLED:
        # Disability is sensitive personal data (UU 27/2022): every staff read leaves a trace.
        audit_record(
            actor=_user(request),
            action="view",
            obj=ticket,
            summary=f"ticket {ticket.number} (priority class)",
            request=request,
        )
    return selectors.ticket_as_dict(ticket, include_personal=True)


def _session_out(session: CounterSession) -> dict[str, Any]:
    mall = session.counter.mall
    return {
        "id": session.pk,
        "counter_id": session.counter_id,
        "counter_name": session.counter.name,
        "officer_id": session.officer_id,
        "officer_name": session.officer.display_name(),
        "status": session.status,
        "opened_at": selectors.local_iso(session.opened_at, mall),
        "paused_at": selectors.local_iso(session.paused_at, mall),
        "closed_at": selectors.local_iso(session.closed_at, mall),
    }


# --- tickets ----------------------------------------------------------------------------------


@router.post("/tickets", response={201: TicketOut}, auth=public_auth("ticket"))
@idempotent
def ticket_create(
    request: HttpRequest, payload: TicketIn, idempotency_key: IdempotencyKeyHeader = None
) -> Any:
    """Take a ticket: kiosks, officers and (rate limited) anonymous visitors of the portal."""
    user = _user(request)
    service = selectors.service_for_queue(service_id=payload.service_id)
    if payload.channel == "remote":
        # Today's ticket from home, for a signed-in citizen (the citizens app's hook).
        return Status(
            201, hooks.remote_ticket_issue(request=request, service=service, name=payload.name)
        )
    ticket = services.ticket_issue(
        service=service,
        channel=payload.channel,
        priority=payload.priority,
        name=payload.name or "",
        phone=payload.phone or "",
        plate_number=payload.plate_number or "",
        further_service_ids=payload.further_service_ids,
        actor=user,
    )
    data = selectors.ticket_as_dict(
        ticket,
        include_personal=False,
        people_ahead_now=getattr(ticket, "people_ahead_at_issue", None),
    )
    data["priority"] = ticket.priority or None  # the issuer chose it
    data["token"] = selectors.ticket_token(ticket)  # to read it back: GET /tickets/{id}?token=
    # A hot operation: the answer written straight from the dictionary (core/answers.py).
    return schema_answer(TicketOut, data, status=201)


@router.get(
    "/tickets/{ticket_id}",
    response=TicketStaffOut,
    auth=public_auth("ticket-status", rate="120/m"),
)
def ticket_detail(
    request: HttpRequest,
    ticket_id: Id,
    token: Slug | None = Query(  # noqa: B008
        None,
        description=(
            "The ticket's secret: the `token` of the `POST /tickets` answer, the last part of "
            "the ticket's phone page address (`/q/ticket/{id}/{token}/`, its QR code). Needed "
            "by everyone but the queue staff who may see the ticket."
        ),
    ),
) -> Any:
    """Queue staff who may see the ticket (its mall's, or its agency's) read everything.
    Anyone else (anonymous callers, kiosks, other staff) passes the ticket's secret as
    `?token=`, the `token` the `POST /tickets` answer carries, and reads number, status,
    service, position and estimated wait only. Without a valid token the answer is 404, the
    same as for a ticket that does not exist: ticket ids cannot be walked."""
    ticket, full = selectors.ticket_for_reader(_user(request), ticket_id=ticket_id, token=token)
    if full:
        return _staff_ticket(request, ticket)
    data = selectors.ticket_as_dict(ticket, include_personal=False)
    data["token"] = token
    return data


@router.post("/tickets/{ticket_id}/start", response=TicketStaffOut, auth=STAFF_AUTH)
def ticket_start(request: HttpRequest, ticket_id: Id) -> Any:
    # The access check is part of the service's locked read (404 outside the user's malls).
    ticket = services.ticket_start(ticket=ticket_id, actor=_user(request))
    return schema_answer(TicketStaffOut, _staff_ticket(request, ticket))


@router.post("/tickets/{ticket_id}/finish", response=TicketStaffOut, auth=STAFF_AUTH)
def ticket_finish(request: HttpRequest, ticket_id: Id, payload: FinishIn) -> Any:
    ticket = services.ticket_finish(
        ticket=ticket_id, actor=_user(request), outcome=payload.outcome, note=payload.note
    )
    return schema_answer(TicketStaffOut, _staff_ticket(request, ticket))


@router.post("/tickets/{ticket_id}/no-show", response=TicketStaffOut, auth=STAFF_AUTH)
def ticket_no_show(request: HttpRequest, ticket_id: Id) -> Any:
    # The access check is part of the service's locked read (404 outside the user's malls).
    ticket = services.ticket_no_show(ticket=ticket_id, actor=_user(request))
    return _staff_ticket(request, ticket)


@router.post("/tickets/{ticket_id}/return", response=TicketStaffOut, auth=STAFF_AUTH)
def ticket_return(request: HttpRequest, ticket_id: Id) -> Any:
    """A no-show visitor came back within the allowed minutes: the ticket waits again."""
    ticket = selectors.access_ticket_for_staff(_user(request), ticket_id)
    ticket = services.ticket_return(ticket=ticket, actor=_user(request))
    return _staff_ticket(request, ticket)


@router.post("/tickets/{ticket_id}/recall", response=TicketStaffOut, auth=STAFF_AUTH)
def ticket_recall(request: HttpRequest, ticket_id: Id) -> Any:
    # The access check is part of the service's locked read (404 outside the user's malls).
    ticket = services.ticket_recall(ticket=ticket_id, actor=_user(request))
    return _staff_ticket(request, ticket)


@router.post("/tickets/{ticket_id}/transfer", response=TicketStaffOut, auth=STAFF_AUTH)
def ticket_transfer(request: HttpRequest, ticket_id: Id, payload: TransferIn) -> Any:
    """Answers the ticket now waiting at the other service (same number, same arrival time);
    the original ticket's status becomes `transferred`."""
    ticket = selectors.access_ticket_for_staff(_user(request), ticket_id)
    target = selectors.service_for_transfer(service_id=payload.service_id, mall_id=ticket.mall_id)
    successor = services.ticket_transfer(
        ticket=ticket, actor=_user(request), service=target, note=payload.note
    )
    return _staff_ticket(request, successor)


@router.post("/tickets/{ticket_id}/cancel", response=TicketStaffOut, auth=STAFF_AUTH)
def ticket_cancel(request: HttpRequest, ticket_id: Id, payload: CancelIn | None = None) -> Any:
    ticket = selectors.access_ticket_for_staff(_user(request), ticket_id)
    ticket = services.ticket_cancel(
        ticket=ticket, actor=_user(request), note=payload.note if payload else ""
    )
    return _staff_ticket(request, ticket)


@router.get("/queues", response=list[QueueOut], auth=QUEUE_READ)
@paginated
def queues_list(request: HttpRequest, mall: Slug) -> Any:
    """Per service of the mall: people waiting and the estimated wait of a ticket taken now."""
    return selectors.queue_overview(mall_get(slug=mall))


# --- counters ---------------------------------------------------------------------------------


@router.post("/counters/{counter_id}/open", response=CounterSessionOut, auth=STAFF_AUTH)
def counter_open(request: HttpRequest, counter_id: Id) -> Any:
    counter = selectors.access_counter_for_officer(_user(request), counter_id)
    return _session_out(services.counter_open(counter=counter, actor=_user(request)))


@router.post("/counters/{counter_id}/pause", response=CounterSessionOut, auth=STAFF_AUTH)
def counter_pause(request: HttpRequest, counter_id: Id) -> Any:
    counter = selectors.access_counter_for_officer(_user(request), counter_id)
    return _session_out(services.counter_pause(counter=counter, actor=_user(request)))


@router.post("/counters/{counter_id}/close", response=CounterSessionOut, auth=STAFF_AUTH)
def counter_close(request: HttpRequest, counter_id: Id) -> Any:
    counter = selectors.access_counter_for_officer(_user(request), counter_id)
    return _session_out(services.counter_close(counter=counter, actor=_user(request)))


@router.post(
    "/counters/{counter_id}/call-next", response={200: TicketStaffOut, 204: None}, auth=STAFF_AUTH
)
def counter_call_next(request: HttpRequest, counter_id: Id) -> Any:
    """200 with the ticket now called, 204 when nobody waits for this counter's services."""
    counter = selectors.access_counter_for_officer(_user(request), counter_id)
    ticket = services.counter_call_next(counter=counter, actor=_user(request))
    if ticket is None:
        return Status(204, None)
    return schema_answer(TicketStaffOut, _staff_ticket(request, ticket))


@router.post(
    "/counters/{counter_id}/finish-and-call-next",
    response=FinishAndCallNextOut,
    auth=STAFF_AUTH,
)
def counter_finish_and_call_next(
    request: HttpRequest, counter_id: Id, payload: FinishAndCallNextIn
) -> Any:
    """Finish the ticket at the counter and call the next: the console's one action between two
    visitors. `called` is null when nobody waits; the finish stands if the call is refused."""
    counter = selectors.access_counter_for_officer(_user(request), counter_id)
    finished, called = services.counter_finish_and_call_next(
        counter=counter,
        ticket=payload.ticket_id,
        actor=_user(request),
        outcome=payload.outcome,
        note=payload.note,
    )
    return {
        "finished": _staff_ticket(request, finished),
        "called": _staff_ticket(request, called) if called is not None else None,
    }


@router.get("/counters/{counter_id}/state", response=CounterStateOut, auth=STAFF_AUTH)
def counter_state(request: HttpRequest, counter_id: Id) -> Any:
    """For the counter console: who holds the counter, the ticket at it, who waits."""
    counter = selectors.access_counter_for_officer(_user(request), counter_id)
    state = selectors.counter_state(counter)
    current = state["current_ticket"]
    state["current_ticket"] = _staff_ticket(request, current) if current else None
    return state


# --- appointments -----------------------------------------------------------------------------


def _appointment_out(appointment: Appointment) -> dict[str, Any]:
    config = selectors.appointment_config_get(appointment.service)
    opens, closes = services.appointment_checkin_window(appointment, config)
    mall = appointment.mall
    return {
        "code": appointment.code,
        "service_id": appointment.service_id,
        "service_name": appointment.service.name,
        "mall": mall.slug,
        "date": appointment.date,
        "slot": appointment.slot_start.strftime("%H:%M"),
        "slot_at": selectors.local_iso(appointment.slot_at, mall),
        "status": appointment.status,
        "name": mask_name(appointment.name),
        "nik": appointment.nik_masked,
        "check_in_from": selectors.local_iso(opens, mall),
        "check_in_until": selectors.local_iso(closes, mall),
        "ticket_id": appointment.ticket_id,
    }


@router.post("/appointments", response={201: AppointmentOut}, auth=public_auth("appointment"))
@idempotent
def appointment_create(
    request: HttpRequest, payload: AppointmentIn, idempotency_key: IdempotencyKeyHeader = None
) -> Any:
    """Book a slot with NIK and phone; answers the check-in code."""
    service = service_get(service_id=payload.service_id)
    appointment = services.appointment_book(
        service=service,
        day=payload.date,
        slot=payload.slot,
        name=payload.name,
        phone=payload.phone,
        nik=payload.nik,
        actor=_user(request),
    )
    return Status(
        201,
        _appointment_out(selectors.appointment_get(appointment_id=appointment.pk)),
    )


@router.get("/appointments", response=AppointmentPage, auth=STAFF_AUTH)
def appointment_list(
    request: HttpRequest,
    mall: Slug,
    date: Date,
    service_id: Id | None = None,
    limit: int = Query(100, ge=1, le=MAX_PAGE),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> Any:
    """The day's appointments for queue staff of the mall (names and phones; NIK masked).
    Paginated by hand: `@paginate` hides the date annotation from ninja."""
    the_mall = mall_get(slug=mall)
    if not selectors.is_queue_staff(_user(request), the_mall.pk):
        raise NotFound(f"No mall with slug '{mall}'", field="mall")
    qs = selectors.appointment_list(
        user=_user(request), mall=the_mall, day=date, service_id=service_id
    )
    return {
        "items": [
            {
                **_appointment_out(a),
                "name": a.name,
                "phone": a.phone,
                "checked_in_at": selectors.local_iso(a.checked_in_at, a.mall),
            }
            for a in qs[offset : offset + limit]
        ],
        "count": qs.count(),
    }


@router.get("/appointments/slots", response=SlotListOut, auth=QUEUE_READ)
def appointment_slots(request: HttpRequest, service_id: Id, date: Date) -> Any:
    """The slots of a day with their capacity and free places."""
    service = service_get(service_id=service_id)
    config = selectors.appointment_config_get(service)
    items = selectors.appointment_slots(service, date)
    return {
        "service_id": service.pk,
        "date": date,
        "slot_minutes": config.slot_minutes if config else None,
        "closed_reason": selectors.mall_day_closed_reason(service.mall, date),
        "items": items,
        "count": len(items),
    }


@router.get("/appointments/{code}", response=AppointmentOut, auth=public_auth("appointment-read"))
def appointment_detail(request: HttpRequest, code: Code) -> Any:
    return _appointment_out(selectors.appointment_get_by_code(code=code))


@router.post(
    "/appointments/{code}/cancel", response=AppointmentOut, auth=public_auth("appointment")
)
def appointment_cancel(request: HttpRequest, code: Code) -> Any:
    appointment = selectors.appointment_get_by_code(code=code)
    services.appointment_cancel(appointment=appointment, actor=_user(request))
    return _appointment_out(selectors.appointment_get_by_code(code=code))


@router.post(
    "/appointments/{code}/check-in", response={201: TicketOut}, auth=public_auth("appointment")
)
def appointment_check_in(request: HttpRequest, code: Code) -> Any:
    """At the kiosk (code typed or QR scanned) within the check-in window: the ticket."""
    appointment = selectors.appointment_get_by_code(code=code)
    ticket = services.appointment_check_in(appointment=appointment, actor=_user(request))
    data = selectors.ticket_as_dict(ticket, include_personal=False)
    data["token"] = selectors.ticket_token(ticket)  # to read it back: GET /tickets/{id}?token=
    return Status(201, data)
