"""Queue pages: kiosk, counter console, display board, phone status page, appointment booking,
and their live event streams (SSE).

Views only parse, check access, call one service or selector and render. Every change goes
through `satupintu.queueing.services`; a `DomainError` from a service re-shows the page with the
message naming the field, and changes nothing."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import orjson
import segno
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user
from django.contrib.auth.decorators import login_required
from django.db import connection as db_connection
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satupintu.catalog.models import Agency, Counter, Mall, Service
from satupintu.core.errors import DomainError, InvalidInput, NotFound
from satupintu.core.events import Event, get_broker
from satupintu.core.idempotency import HEADER as IDEMPOTENCY_HEADER
from satupintu.core.idempotency import KEY_PATTERN as IDEMPOTENCY_KEY_PATTERN
from satupintu.core.idempotency import caller_scope, idempotent_call, request_fingerprint
from satupintu.core.public_url import public_url
from satupintu.core.ratelimit import RateLimit, rate_limited
from satupintu.core.schemas import id_param
from satupintu.queueing import selectors, services
from satupintu.queueing.models import Display, Kiosk, PriorityClass, Ticket, TicketChannel
from satupintu.queueing.numbers import announcement_text, announcement_text_en
from satupintu.queueing.printing import TicketPrintout, ticket_print
from satupintu.queueing.sse import event_stream, last_event_id, sse_response

# --- helpers ----------------------------------------------------------------------------------

T = TypeVar("T")

# The priority classes offered on the kiosk, "" being regular (no priority); each is shown with
# a pictogram drawn in the template (no image files, no emoji font needed).
PRIORITY_CHOICES: list[str] = ["", *PriorityClass.values]


def _ticket_for_token(ticket_id: int, token: str) -> Ticket:
    return selectors.ticket_for_token(ticket_id=ticket_id, token=token)


def ticket_status_url(ticket: Ticket, *, absolute: bool = True) -> str:
    path = reverse(
        "queueing:ticket-status",
        kwargs={"ticket_id": ticket.pk, "token": selectors.ticket_token(ticket)},
    )
    return public_url(path) if absolute else path


def qr_svg(content: str, *, title: str) -> str:
    """An inline SVG QR code (segno), scaled by CSS."""
    svg = segno.make(content, error="m").svg_inline(
        scale=4, border=2, dark="#000", light="#fff", title=title, omitsize=True
    )
    # segno writes the markup itself and escapes the title.
    return mark_safe(svg)


def _where_to_wait(ticket: Ticket) -> str:
    counters = selectors.counters_for_service(ticket.current_service_id)
    if ticket.channel == TicketChannel.DRIVE_THRU:
        counters = [c for c in counters if c.mode == Counter.Mode.DRIVE_THRU] or counters
    else:
        counters = [c for c in counters if c.mode == Counter.Mode.WALK_IN] or counters
    if not counters:
        return ""
    first = counters[0]
    place = first.floor.name
    if first.area:
        place = f"{place} · {first.area}"
    # The counters by the names the board shows and calls, never by their internal numbers.
    names = ", ".join(c.name for c in counters[:6])
    return _("%(place)s: %(counters)s") % {"place": place, "counters": names}


def _mall_or_404(slug: str) -> Mall:
    return get_object_or_404(Mall, slug=slug, is_active=True)


_screen_events: OrderedDict[tuple[int, str, str], Event] = OrderedDict()


def _event_for_screen(event: Event) -> Event:
    """Add to a call event what a display board speaks: the call in Indonesian (numbers in
    words) and in English, the counter called by the name the board shows.

    Every board of a floor gets the same event: the extended one is made once and kept for the
    next boards (a small cache of the latest events)."""
    if event.type not in selectors.CALL_EVENT_TYPES or event.replayed:
        return event
    key = (event.id, event.channel, event.type)
    cached = _screen_events.get(key)
    if cached is None:
        cached = _screen_events[key] = _add_announcement(event)
        while len(_screen_events) > 256:
            _screen_events.popitem(last=False)
    return cached


def _add_announcement(event: Event) -> Event:
    data = event.data
    if event.type in selectors.CALL_EVENT_TYPES and data.get("ticket_number"):
        counter_name = str(data.get("counter_name") or "")
        data = {
            **data,
            "announcement": announcement_text(str(data["ticket_number"]), counter_name),
            "announcement_en": announcement_text_en(str(data["ticket_number"]), counter_name),
        }
        return dataclasses.replace(event, data=data)
    return event


async def _off_request_thread(read: Callable[[], T]) -> T:
    """Run a short database read of an event-stream view in the shared thread pool.

    By default Django runs sync code of an async request in a thread of that request; a stream
    lives for hours, and with persistent connections each such thread would keep a database
    connection open: a thousand boards would exhaust PostgreSQL's connections. The shared pool's
    few threads reuse theirs, and give it back at once: a stream is opened rarely and then
    needs no database for hours."""

    def read_and_release() -> T:
        try:
            return read()
        finally:
            if not db_connection.in_atomic_block:
                db_connection.close()

    return await sync_to_async(read_and_release, thread_sensitive=False)()


# --- display board ----------------------------------------------------------------------------


def _display_channels(display: Display) -> list[str]:
    return [f"floor:{display.floor_id}"] if display.floor_id else [f"mall:{display.mall_id}"]


@require_GET
def display_board(request: HttpRequest, display_id: int) -> HttpResponse:
    display = selectors.display_get(display_id=display_id)
    mall = display.mall
    calls = selectors.last_called_tickets(mall, floor_id=display.floor_id, limit=5)
    overview = selectors.queue_overview(mall)
    if display.floor_id:
        here = selectors.service_ids_on_floor(display.floor_id)
        overview = [row for row in overview if row["service_id"] in here]
    channels = _display_channels(display)
    broker = get_broker()
    since = max((broker.last_id(c) for c in channels), default=0)
    events_url = reverse("queueing:display-events", kwargs={"display_id": display.pk})
    return render(
        request,
        "queueing/display.html",
        {
            "display": display,
            "mall": mall,
            "calls": calls,
            "latest": calls[0] if calls else None,
            "overview": [row for row in overview if row["waiting"] or row["open_counters"]],
            "events_url": f"{events_url}?last_event_id={since}",
            "hours_text": selectors.mall_hours_text(mall),
        },
    )


async def _display_replay(backlog: list[Event]) -> list[Event]:
    """What a reconnecting board gets instead of every event it missed: the calls still current
    (`current_calls`), newest first, each once and marked `replayed`, then one `replay.end`
    event with the waiting counts as they are now (the newest count of each service) and the id
    of the newest missed event, from which the board resumes."""
    calls = await _off_request_thread(lambda: selectors.current_calls(backlog))
    waiting: dict[str, Any] = {}
    for event in backlog:
        waiting.update(event.data.get("waiting") or {})
    replayed = []
    for call in calls:
        spoken = _event_for_screen(call)
        replayed.append(
            dataclasses.replace(spoken, data={**spoken.data, "replayed": True}, replayed=True)
        )
    newest = backlog[-1]
    end = Event(
        id=newest.id,
        channel=newest.channel,
        type="replay.end",
        data={"calls": len(replayed), "waiting": waiting},
    )
    return [*replayed, end]


async def display_events(request: HttpRequest, display_id: int) -> StreamingHttpResponse:
    """`GET /api/v1/displays/{id}/events` (API.md): the calls of the display's floor (or mall)."""
    if request.method != "GET":
        raise Http404
    display = await _off_request_thread(lambda: selectors.display_place(display_id=display_id))
    if display is None:
        raise Http404("No such display")
    channels = (
        [f"floor:{display['floor_id']}"] if display["floor_id"] else [f"mall:{display['mall_id']}"]
    )
    return sse_response(
        event_stream(
            channels,
            after=last_event_id(request),
            hello={"display_id": display_id, "channels": channels},
            transform=_event_for_screen,
            replay=_display_replay,
        )
    )


# --- errors on pages --------------------------------------------------------------------------


def _field_errors(error: DomainError) -> dict[str, str]:
    """{field name: message} for the template; "general" when the error names no field."""
    field = (error.field or "general").split(".")[-1]
    return {field: error.message}


# --- kiosk ------------------------------------------------------------------------------------


def _kiosk_for(request: HttpRequest, mall: Mall) -> Kiosk | None:
    """The kiosk this page runs on: the signed-in kiosk device's, or the one named once by
    `?kiosk=<id>` (remembered in the session) on a kiosk that does not sign in."""
    user = request.user
    kiosk = getattr(user, "kiosk", None) if user.is_authenticated else None
    if kiosk is not None and kiosk.mall_id == mall.pk:
        return kiosk
    kiosk_id = id_param(request.GET.get("kiosk"))
    if kiosk_id is not None:
        found = selectors.kiosk_in_mall(kiosk_id=kiosk_id, mall=mall)
        if found is not None:
            request.session["queueing_kiosk_id"] = found.pk
            return found
    remembered = request.session.get("queueing_kiosk_id")
    if remembered:
        return selectors.kiosk_in_mall(kiosk_id=id_param(str(remembered)), mall=mall)
    return None


def _kiosk_services(mall: Mall) -> Any:
    """Services a visitor can take a ticket for at the kiosk (walk-in or drive-thru)."""
    return selectors.kiosk_services(mall)


# After a ticket the kiosk goes back to its start screen, in Indonesian, for the next visitor.
KIOSK_RESET_SECONDS = 15


def _kiosk_start_over(request: HttpRequest, mall: Mall) -> HttpResponse:
    """The start screen in Indonesian, whatever language the previous visitor chose."""
    response = redirect("queueing:kiosk", mall_slug=mall.slug)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        settings.LANGUAGE_CODE,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_GET
def kiosk_home(request: HttpRequest, mall_slug: str) -> HttpResponse:
    """Step 1: choose the agency (or search a service by name or code), then the service.
    `?start=1` starts over for the next visitor (Indonesian, nothing chosen)."""
    mall = _mall_or_404(mall_slug)
    _kiosk_for(request, mall)
    if request.GET.get("start") == "1":
        return _kiosk_start_over(request, mall)
    closed = selectors.kiosk_ticket_notice(mall)
    query = request.GET.get("q", "").strip()[:100]
    agency_id = id_param(request.GET.get("agency"))
    available = _kiosk_services(mall)
    agency = None
    service_list = None
    if query:
        service_list = available.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(keywords__icontains=query)
        )
    elif agency_id is not None:
        agency = get_object_or_404(Agency, pk=agency_id, mall=mall, is_active=True)
        service_list = available.filter(agency=agency)
    # Most used first (today's and the past weeks' tickets), so that most visitors find their
    # service on the first screen; the rest by name.
    use = selectors.service_use_counts(mall)
    agency_use: dict[int, int] = {}
    for service in available:
        agency_use[service.agency_id] = agency_use.get(service.agency_id, 0) + use.get(
            service.pk, 0
        )
    agencies = sorted(
        selectors.agencies_of(available),
        key=lambda a: (-agency_use.get(a.pk, 0), a.short_name or a.name),
    )
    waiting = {row["service_id"]: row for row in selectors.queue_overview(mall)}
    rows = None
    popular: list[Service] = []
    if service_list is not None:
        shown = sorted(service_list, key=lambda s: (-use.get(s.pk, 0), s.name))
        picture = selectors.queue_now(mall) if shown else None
        rows = [
            {
                "service": s,
                "queue": waiting.get(s.pk),
                # The wait a ticket taken now would be told, from the real call order.
                "wait_text": selectors.estimate_text(selectors.estimate_for_new_ticket(s, picture))
                if picture is not None
                else "",
            }
            for s in shown
        ]
    else:
        popular = sorted(
            (s for s in available if use.get(s.pk)), key=lambda s: (-use.get(s.pk, 0), s.name)
        )[:4]
    return render(
        request,
        "queueing/kiosk_home.html",
        {
            "mall": mall,
            "closed": closed,
            "query": query,
            "agency": agency,
            "agencies": [{"agency": a, "mark": _agency_mark(a)} for a in agencies],
            "popular": popular,
            "rows": rows,
        },
    )


def _agency_mark(agency: Agency) -> str:
    """The agency's mark on the kiosk (its icon when it has no logo): the initials of its short
    name ("BPJS Kesehatan" → "BK", "Disdukcapil" → "DIS"), at most four letters."""
    name = agency.short_name or agency.name
    words = [w for w in re.split(r"[\s/()\-]+", name) if w]
    if len(words) == 1:
        word = words[0]
        return word[:4].upper() if word.isupper() else word[:3].upper()
    return "".join(w[0] for w in words[:4]).upper()


@require_http_methods(["GET", "POST"])
@rate_limited(RateLimit("kiosk-ticket"))
def kiosk_service(request: HttpRequest, mall_slug: str, service_id: int) -> HttpResponse:
    """Step 2: the priority class (and the plate for a drive-thru lane); POST takes the ticket."""
    mall = _mall_or_404(mall_slug)
    kiosk = _kiosk_for(request, mall)
    service = get_object_or_404(_kiosk_services(mall), pk=service_id)
    errors: dict[str, str] = {}
    form = {"priority": "", "channel": TicketChannel.WALK_IN, "plate_number": "", "phone": ""}
    error_code = ""
    if request.method == "POST":
        form = {
            "priority": request.POST.get("priority", ""),
            "channel": request.POST.get("channel", TicketChannel.WALK_IN),
            "plate_number": request.POST.get("plate_number", "").strip(),
            # Optional: the "almost your turn" message (citizens app, after commit), and the
            # ticket shown again at the kiosk if the paper is lost (kiosk_lost).
            "phone": request.POST.get("phone", "").strip()[:32],
        }
        try:
            ticket = _kiosk_issue(request, service, form)
        except DomainError as exc:
            error_code = exc.code
            # Closed: the one notice at the top already says when tickets start.
            errors = {} if error_code == "mall_closed" else _field_errors(exc)
        else:
            printed = _print_at_kiosk(kiosk, ticket)
            url = reverse(
                "queueing:kiosk-ticket",
                kwargs={
                    "mall_slug": mall.slug,
                    "ticket_id": ticket.pk,
                    "token": selectors.ticket_token(ticket),
                },
            )
            return redirect(f"{url}?printed={int(printed)}" if printed is not None else url)
    priorities = [{"value": value, "label": _priority_label(value)} for value in PRIORITY_CHOICES]
    return render(
        request,
        "queueing/kiosk_service.html",
        {
            "mall": mall,
            "service": service,
            # One key per attempt at a ticket: the page's script sends it again on a retry, a
            # browser that re-posts the form sends the field again (see `_kiosk_issue`).
            "idempotency_key": uuid.uuid4().hex,
            "priorities": priorities,
            "form": form,
            "errors": errors,
            "blocked_reason": next(iter(errors.values()))
            if error_code in ("quota_exhausted", "capacity_reached")
            else "",
            # One notice while no ticket can be taken, saying when tickets start.
            "closed": selectors.kiosk_ticket_notice(mall),
        },
        status=422
        if errors and error_code not in ("mall_closed", "quota_exhausted", "capacity_reached")
        else 200,
    )


def _kiosk_issue(request: HttpRequest, service: Service, form: dict[str, str]) -> Ticket:
    """Take the ticket the kiosk asked for. With an idempotency key (the page's script sends it
    as the `Idempotency-Key` header, the form as a field), a retry of the same attempt (a lost
    answer, a server restarted mid-request) gets the ticket of the first try instead of a
    second one; the caller prints it again, outside the transaction."""
    actor = request.user if request.user.is_authenticated else None

    def issue() -> Ticket:
        return services.ticket_issue(
            service=service,
            channel=form["channel"],
            priority=form["priority"] or None,
            plate_number=form["plate_number"],
            phone=form["phone"],
            actor=actor,
        )

    key = request.headers.get(IDEMPOTENCY_HEADER) or request.POST.get("idempotency_key", "")
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        return issue()
    fingerprint = request_fingerprint(request, body=orjson.dumps([service.pk, form]))
    with idempotent_call(scope=caller_scope(request), key=key, fingerprint=fingerprint) as claim:
        if not claim.replayed:
            claim.answer = {"ticket_id": issue().pk}
    return selectors.ticket_get(ticket_id=claim.answer["ticket_id"])


def _priority_label(value: str) -> str:
    if not value:
        return _("Regular")
    return str(PriorityClass(value).label)


def _priority_tag(value: str) -> str:
    """The short label printed on a priority ticket ("Lansia"), for the counter staff to see at
    a glance; empty for a regular ticket."""
    tags: dict[str, Any] = {
        PriorityClass.DISABLED: _("Disability"),
        PriorityClass.ELDERLY: _("Elderly"),
        PriorityClass.PREGNANT: _("Pregnant"),
        PriorityClass.CHILD_OR_INFANT: _("With a child"),
    }
    return str(tags.get(value, "")) if value else ""


def _printout(ticket: Ticket) -> TicketPrintout:
    position = selectors.ticket_position(ticket)
    return TicketPrintout(
        mall_name=ticket.mall.name,
        number=ticket.number,
        service_name=ticket.current_service.name,
        where_to_wait=_where_to_wait(ticket),
        people_ahead=position["people_ahead"],
        estimated_wait_minutes=position["estimated_wait_minutes"],
        issued_at=timezone.localtime(ticket.created_at, ticket.mall.zone),
        status_url=ticket_status_url(ticket),
        priority_label=_priority_tag(ticket.priority),
        plate_number=ticket.plate_number,
        wait_text=selectors.estimate_text(position["estimate"]),
    )


def _print_at_kiosk(kiosk: Kiosk | None, ticket: Ticket) -> bool | None:
    """Print on the kiosk's network printer; None when it has none (the browser prints)."""
    if kiosk is None or not kiosk.printer_host:
        return None
    ticket = selectors.ticket_get(ticket_id=ticket.pk)
    return ticket_print(
        host=kiosk.printer_host, port=kiosk.printer_port, printout=_printout(ticket)
    )


@require_GET
def kiosk_ticket(request: HttpRequest, mall_slug: str, ticket_id: int, token: str) -> HttpResponse:
    """Step 3: the ticket, on screen and printable from the browser."""
    mall = _mall_or_404(mall_slug)
    kiosk = _kiosk_for(request, mall)
    ticket = _ticket_for_token(ticket_id, token)
    if ticket.mall_id != mall.pk:
        raise Http404("No such ticket")
    status_url = ticket_status_url(ticket)
    printed = request.GET.get("printed")
    return render(
        request,
        "queueing/kiosk_ticket.html",
        {
            "mall": mall,
            "ticket": ticket,
            "printout": _printout(ticket),
            "status_url": status_url,
            "qr": qr_svg(status_url, title=_("Follow your turn on your phone")),
            "printed": printed,
            # A kiosk without a network printer prints from the browser by itself (silently
            # in a Chromium started with --kiosk-printing, README).
            "auto_print": kiosk is not None and not kiosk.printer_host and printed is None,
            "priority_label": _priority_label(ticket.priority) if ticket.priority else "",
            "priority_tag": _priority_tag(ticket.priority),
            "reset_seconds": KIOSK_RESET_SECONDS,
        },
    )


@require_http_methods(["GET", "POST"])
@rate_limited(RateLimit("kiosk-lost"))
def kiosk_lost(request: HttpRequest, mall_slug: str) -> HttpResponse:
    """A lost ticket shown (and printed) again: by the phone number given at the kiosk, or by
    its QR code (scanned at the kiosk from a photo or the phone's status page)."""
    mall = _mall_or_404(mall_slug)
    _kiosk_for(request, mall)
    errors: dict[str, str] = {}
    lookup = ""
    found: list[dict[str, Any]] | None = None
    if request.method == "POST":
        lookup = request.POST.get("lookup", "").strip()[:300]
        try:
            tickets = selectors.tickets_to_show_again(mall=mall, lookup=lookup)
        except DomainError as exc:
            errors = {"lookup": exc.message}
        else:
            found = [
                {
                    "ticket": t,
                    "url": reverse(
                        "queueing:kiosk-ticket",
                        kwargs={
                            "mall_slug": mall.slug,
                            "ticket_id": t.pk,
                            "token": selectors.ticket_token(t),
                        },
                    ),
                }
                for t in tickets
            ]
            if len(found) == 1:
                return redirect(found[0]["url"])
    return render(
        request,
        "queueing/kiosk_lost.html",
        {"mall": mall, "lookup": lookup, "errors": errors, "found": found},
        status=422 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@rate_limited(RateLimit("appointment"))
def kiosk_check_in(request: HttpRequest, mall_slug: str) -> HttpResponse:
    """Check in an appointment by its code (typed, or read by a QR scanner as keystrokes)."""
    mall = _mall_or_404(mall_slug)
    kiosk = _kiosk_for(request, mall)
    errors: dict[str, str] = {}
    code = ""
    if request.method == "POST":
        code = request.POST.get("code", "").strip().upper()[:32]
        try:
            if not code:
                raise InvalidInput(_("Enter the booking code."), field="code")
            appointment = selectors.appointment_get_by_code(code=code)
            if appointment.mall_id != mall.pk:
                raise NotFound(_("No appointment with this code"), field="code")
            ticket = services.appointment_check_in(
                appointment=appointment,
                actor=request.user if request.user.is_authenticated else None,
            )
        except DomainError as exc:
            errors = (
                {"code": exc.message}
                if exc.field in (None, "path.code", "code", "status")
                else _field_errors(exc)
            )
        else:
            printed = _print_at_kiosk(kiosk, ticket)
            url = reverse(
                "queueing:kiosk-ticket",
                kwargs={
                    "mall_slug": mall.slug,
                    "ticket_id": ticket.pk,
                    "token": selectors.ticket_token(ticket),
                },
            )
            return redirect(f"{url}?printed={int(printed)}" if printed is not None else url)
    return render(
        request,
        "queueing/kiosk_check_in.html",
        {"mall": mall, "code": code, "errors": errors},
        status=422 if errors else 200,
    )


# --- phone status page ------------------------------------------------------------------------


def _status_context(ticket: Ticket) -> dict[str, Any]:
    position = selectors.ticket_position(ticket)
    return {
        "ticket": ticket,
        "position": position,
        "wait_text": selectors.estimate_text(position["estimate"]),
        "where_to_wait": _where_to_wait(ticket),
        "priority_label": _priority_label(ticket.priority) if ticket.priority else "",
        "token": selectors.ticket_token(ticket),
    }


@require_GET
def ticket_status(request: HttpRequest, ticket_id: int, token: str) -> HttpResponse:
    """The visitor's phone page: number, status, place in the queue, estimated wait. No name,
    phone or plate: whoever sees the QR code sees this page."""
    ticket = _ticket_for_token(ticket_id, token)
    context = _status_context(ticket)
    if request.GET.get("partial") == "1":
        return render(request, "queueing/_ticket_status_box.html", context)
    channels = [f"ticket:{ticket.pk}", f"mall:{ticket.mall_id}"]
    since = max(get_broker().last_id(c) for c in channels)
    events_url = reverse("queueing:ticket-events", kwargs={"ticket_id": ticket.pk})
    return render(
        request,
        "queueing/ticket_status.html",
        {
            **context,
            "mall": ticket.mall,
            "events_url": f"{events_url}?token={token}&last_event_id={since}",
            "partial_url": f"{request.path}?partial=1",
        },
    )


async def ticket_events(request: HttpRequest, ticket_id: int) -> StreamingHttpResponse:
    """Live events for the phone page: its own ticket, and the mall's calls (which move it up)."""
    if request.method != "GET":
        raise Http404
    token = request.GET.get("token", "")
    ticket = await _off_request_thread(lambda: _ticket_for_token(ticket_id, token))
    channels = [f"ticket:{ticket.pk}", f"mall:{ticket.mall_id}"]
    return sse_response(
        event_stream(channels, after=last_event_id(request), transform=_event_without_people)
    )


def _event_without_people(event: Event) -> Event:
    """Events carry no personal data today; keep only the fields a phone page uses anyway."""
    keep = ("ticket_id", "ticket_number", "status", "service_id", "counter_name", "called_at")
    return dataclasses.replace(event, data={k: event.data.get(k) for k in keep})


# --- counter console --------------------------------------------------------------------------

TICKET_ACTIONS = ("recall", "start", "finish", "finish_next", "no_show", "transfer", "cancel")
COUNTER_ACTIONS = ("open", "pause", "close", "call_next")


def _counter_or_404(user: Any, counter_id: int) -> Counter:
    return selectors.access_counter_for_officer(user, counter_id)


def _console_context(request: HttpRequest, counter: Counter) -> dict[str, Any]:
    state = selectors.counter_state(counter)
    session = state["session"]
    transfer_targets = selectors.transfer_targets(counter.mall)
    channels = [f"counter:{counter.pk}"]
    since = get_broker().last_id(channels[0])
    events_url = reverse("queueing:counter-events", kwargs={"counter_id": counter.pk})
    return {
        "counter": counter,
        "mall": counter.mall,
        "state": state,
        "current": state["current_ticket"],
        "session": session,
        "held_by_me": bool(session and session["officer_id"] == request.user.pk),
        "transfer_targets": transfer_targets,
        "outcomes": [(v, str(label)) for v, label in Ticket.Outcome.choices],
        "events_url": f"{events_url}?last_event_id={since}",
    }


@login_required
@require_GET
def counter_console(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = _counter_or_404(request.user, counter_id)
    return render(request, "queueing/counter_console.html", _console_context(request, counter))


@login_required
@require_POST
def counter_action(request: HttpRequest, counter_id: int) -> HttpResponse:
    """One action of the console; back to the console (Post/Redirect/Get), or the console again
    with the message next to the field when the service refused."""
    counter = _counter_or_404(request.user, counter_id)
    action = request.POST.get("action", "")
    user = request.user
    errors: dict[str, str] = {}
    try:
        if action == "open":
            services.counter_open(counter=counter, actor=user)
        elif action == "pause":
            services.counter_pause(counter=counter, actor=user)
        elif action == "close":
            services.counter_close(counter=counter, actor=user)
        elif action == "call_next":
            called = services.counter_call_next(counter=counter, actor=user)
            if called is None:
                messages.info(request, _("Nobody is waiting for the services of this counter."))
        elif action in TICKET_ACTIONS:
            ticket = _ticket_at_counter(request, counter)
            if action == "recall":
                services.ticket_recall(ticket=ticket, actor=user)
            elif action == "start":
                services.ticket_start(ticket=ticket, actor=user)
            elif action == "finish":
                services.ticket_finish(
                    ticket=ticket,
                    actor=user,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", "").strip()[:2000],
                )
            elif action == "finish_next":
                _finished, called = services.counter_finish_and_call_next(
                    counter=counter,
                    ticket=ticket,
                    actor=user,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", "").strip()[:2000],
                )
                if called is None:
                    messages.info(request, _("Nobody is waiting for the services of this counter."))
            elif action == "no_show":
                services.ticket_no_show(ticket=ticket, actor=user)
            elif action == "transfer":
                services.ticket_transfer(
                    ticket=ticket,
                    actor=user,
                    service=_transfer_target(request, counter),
                    note=request.POST.get("note", "").strip()[:2000],
                )
            elif action == "cancel":
                services.ticket_cancel(
                    ticket=ticket, actor=user, note=request.POST.get("note", "").strip()[:2000]
                )
        else:
            raise InvalidInput(
                _("Unknown action '%(action)s'.") % {"action": action[:30]}, field="action"
            )
    except DomainError as exc:
        errors = _field_errors(exc)
        context = _console_context(request, counter)
        context.update({"errors": errors, "failed_action": action})
        if exc.code == "officer_busy":
            # "You already hold Loket X: close it first": with the way there.
            held = selectors.officer_active_session(user)
            context["held_counter"] = held.counter if held is not None else None
        return render(request, "queueing/counter_console.html", context, status=exc.status_code)
    return redirect("queueing:counter", counter_id=counter.pk)


def _ticket_at_counter(request: HttpRequest, counter: Counter) -> Ticket:
    ticket_id = id_param(request.POST.get("ticket_id"))
    if ticket_id is None:
        raise NotFound(_("No ticket is at this counter."), field="ticket_id")
    ticket = selectors.access_ticket_for_staff(request.user, ticket_id)
    if ticket.counter_id != counter.pk:
        raise NotFound(_("No ticket is at this counter."), field="ticket_id")
    return ticket


def _transfer_target(request: HttpRequest, counter: Counter) -> Service:
    service_id = id_param(request.POST.get("service_id"))
    try:
        if service_id is None:
            raise NotFound()
        return selectors.service_for_transfer(service_id=service_id, mall_id=counter.mall_id)
    except NotFound:
        raise InvalidInput(_("Choose the service to transfer to."), field="service_id") from None


async def counter_events(request: HttpRequest, counter_id: int) -> StreamingHttpResponse:
    """Live events for the console: calls and waiting counts of the counter's services."""
    if request.method != "GET":
        raise Http404

    def counter_for_user() -> Counter:
        user = get_user(request)
        if not user.is_authenticated:
            raise Http404("No such counter")
        return _counter_or_404(user, counter_id)

    counter = await _off_request_thread(counter_for_user)
    return sse_response(event_stream([f"counter:{counter.pk}"], after=last_event_id(request)))


# --- appointment booking ----------------------------------------------------------------------


def _bookable_services(mall: Mall) -> Any:
    return selectors.bookable_services(mall)


@require_http_methods(["GET", "POST"])
@rate_limited(RateLimit("appointment"))
def booking(request: HttpRequest, mall_slug: str) -> HttpResponse:
    """Book a slot: service and date (GET shows the free slots), then name, phone and NIK."""
    mall = _mall_or_404(mall_slug)
    bookable = _bookable_services(mall)
    source = request.POST if request.method == "POST" else request.GET
    errors: dict[str, str] = {}
    service = None
    raw_service = source.get("service", "")
    if raw_service:
        service_id = id_param(raw_service)
        service = bookable.filter(pk=service_id).first() if service_id else None
        if service is None:
            errors["service_id"] = _("Choose one of the services listed.")
    day: date | None = None
    raw_date = source.get("date", "")
    if raw_date:
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors["date"] = _("Enter the date as YYYY-MM-DD.")
    form = {
        "slot": source.get("slot", ""),
        "name": source.get("name", "").strip(),
        "phone": source.get("phone", "").strip(),
        "nik": source.get("nik", "").strip(),
    }
    if request.method == "POST" and not errors:
        try:
            if service is None:
                raise InvalidInput(_("Choose one of the services listed."), field="service_id")
            if day is None:
                raise InvalidInput(_("Choose a date."), field="date")
            try:
                slot_time = datetime.strptime(form["slot"], "%H:%M").time()
            except ValueError:
                raise InvalidInput(_("Choose one of the free slots."), field="slot") from None
            appointment = services.appointment_book(
                service=service,
                day=day,
                slot=slot_time,
                name=form["name"],
                phone=form["phone"],
                nik=form["nik"],
                actor=request.user if request.user.is_authenticated else None,
            )
        except DomainError as exc:
            errors = _field_errors(exc)
        else:
            return redirect("queueing:booking-done", mall_slug=mall.slug, code=appointment.code)
    slots = selectors.appointment_slots(service, day) if service and day else None
    today = mall.today()
    return render(
        request,
        "queueing/booking.html",
        {
            "mall": mall,
            "services": bookable,
            "service": service,
            "day": day,
            "today": today,
            "slots": slots,
            "form": form,
            "errors": errors,
        },
        status=422 if errors and request.method == "POST" else 200,
    )


@require_GET
def booking_done(request: HttpRequest, mall_slug: str, code: str) -> HttpResponse:
    """The booking code and its QR code (read at the kiosk). No personal data on this page."""
    mall = _mall_or_404(mall_slug)
    appointment = selectors.appointment_get_by_code(code=code)
    if appointment.mall_id != mall.pk:
        raise Http404("No such appointment")
    return render(
        request,
        "queueing/booking_done.html",
        {
            "mall": mall,
            "appointment": appointment,
            "qr": qr_svg(appointment.code, title=_("Booking code")),
        },
    )
