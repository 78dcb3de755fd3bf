"""Reads of the queue: access helpers, positions, estimated waits, overviews for the kiosk, the
counter console and the display boards."""

from __future__ import annotations

import dataclasses
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from satupintu.accounts.roles import Scope, roles_with, scope_for
from satupintu.catalog.models import Agency, Counter, Mall, Service
from satupintu.catalog.selectors import require_service_serving
from satupintu.core.errors import InvalidInput, NotFound
from satupintu.core.events import Event
from satupintu.core.signing import HmacSigner
from satupintu.core.validators import validate_phone
from satupintu.core.workdays import national_day_off
from satupintu.queueing import estimates, lookups, policy
from satupintu.queueing.hotpath import Reach
from satupintu.queueing.models import (
    Appointment,
    AppointmentSlotConfig,
    CounterSession,
    Display,
    Kiosk,
    Ticket,
    TicketChannel,
)

# Who works the queue (sees tickets with names, phones and plates; acts on them) and who works
# a counter come from the role table (`accounts.roles.ROLE_TABLE`, entities "ticket" and
# "counter"); the memberships come from the hot path's cache, so no check costs a statement.
QUEUE_STAFF_ROLES = tuple(roles_with("ticket", "view"))
COUNTER_ROLES = tuple(roles_with("counter", "change"))

# --- time and opening hours ---------------------------------------------------------------


def local_iso(value: datetime | None, mall: Mall) -> str | None:
    return timezone.localtime(value, mall.zone).isoformat() if value else None


def _day_closed_reason_and_hours(
    mall: Mall, day: date
) -> tuple[str | None, tuple[time, time] | None]:
    # From the mall's cached calendar (opening hours and closure days): every ticket issued asks.
    hours_by_weekday, closures = lookups.mall_calendar(mall)
    if day in closures:
        return (
            _("The mall is closed on %(date)s: %(reason)s")
            % {"date": day.isoformat(), "reason": closures[day] or _("closure day")},
            None,
        )
    holiday = national_day_off(day)
    if holiday:
        return (
            _("The mall is closed on %(date)s: %(reason)s")
            % {"date": day.isoformat(), "reason": holiday},
            None,
        )
    hours = hours_by_weekday.get(day.weekday())
    if hours is None:
        return (
            _("The mall is closed on %(date)s (no opening hours that weekday).")
            % {"date": day.isoformat()},
            None,
        )
    return None, hours


def mall_day_closed_reason(mall: Mall, day: date) -> str | None:
    """Why the mall is closed the whole of `day`, or None when it opens that day."""
    return _day_closed_reason_and_hours(mall, day)[0]


def mall_hours_on(mall: Mall, day: date) -> tuple[time, time] | None:
    return lookups.mall_calendar(mall)[0].get(day.weekday())


def mall_closed_reason(mall: Mall, now: datetime | None = None) -> str | None:
    """Why the mall takes no tickets at `now`, or None when it is open."""
    local = mall.local_now(now)
    reason, hours = _day_closed_reason_and_hours(mall, local.date())
    if reason:
        return reason
    assert hours is not None
    opens, closes = hours
    if not opens <= local.time() < closes:
        return _("The mall is open today from %(opens)s to %(closes)s.") % {
            "opens": opens.strftime("%H:%M"),
            "closes": closes.strftime("%H:%M"),
        }
    return None


def _next_opening(mall: Mall, after: date, days: int = 14) -> tuple[date, time] | None:
    """The first day after `after` (within `days`) the mall opens, and its opening time."""
    for offset in range(1, days + 1):
        day = after + timedelta(days=offset)
        reason, hours = _day_closed_reason_and_hours(mall, day)
        if not reason and hours is not None:
            return day, hours[0]
    return None


def _day_name(day: date) -> str:
    return date_format(day, "l, j F")


def kiosk_ticket_notice(mall: Mall, now: datetime | None = None) -> str | None:
    """The one notice a kiosk shows while no ticket can be taken: when tickets start.

    "Tickets start at 08:00" before opening; after closing, or on a day the mall is closed, the
    next day and time; None while tickets can be taken."""
    local = mall.local_now(now)
    reason, hours = _day_closed_reason_and_hours(mall, local.date())
    if hours is not None:
        opens, closes = hours
        if local.time() < opens:
            return _("Tickets start at %(time)s") % {"time": opens.strftime("%H:%M")}
        if local.time() < closes:
            return None
    following = _next_opening(mall, local.date())
    if following is None:
        return reason or _("No tickets today.")
    day, opens = following
    values = {"day": _day_name(day), "time": opens.strftime("%H:%M")}
    why = lookups.mall_calendar(mall)[1].get(local.date()) or national_day_off(local.date())
    if reason and why:
        return _("Closed today (%(why)s). Tickets start again on %(day)s at %(time)s") % {
            **values,
            "why": why,
        }
    return _("No more tickets today. Tickets start again on %(day)s at %(time)s") % values


# Abbreviations of Indonesia's three time zones, written after a time of day.
_ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def mall_hours_text(mall: Mall, now: datetime | None = None, *, days_ahead: int = 14) -> str:
    """The opening hours and the coming closure days, from the mall's calendar, for the board's
    ticker: "Jam layanan: Senin-Jumat 08:00-15:00 WIB · Tutup: Jumat, 25 Desember (Hari Raya
    Natal)". Follows every change of the opening hours and closure days (no fixed text)."""
    hours_by_weekday, _closures = lookups.mall_calendar(mall)
    zone = _ZONE_ABBREVIATIONS.get(mall.timezone, "")
    groups: list[tuple[int, int, tuple[time, time]]] = []
    for weekday in range(7):
        hours = hours_by_weekday.get(weekday)
        if hours is None:
            continue
        if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == hours:
            groups[-1] = (groups[-1][0], weekday, hours)
        else:
            groups.append((weekday, weekday, hours))
    parts = []
    for first, last, (opens, closes) in groups:
        days = str(WEEKDAYS[first]) if first == last else f"{WEEKDAYS[first]}-{WEEKDAYS[last]}"
        span = f"{opens.strftime('%H:%M')}-{closes.strftime('%H:%M')}"
        parts.append(f"{days} {span}{' ' + zone if zone else ''}")
    sentences = [_("Service hours: %(hours)s") % {"hours": ", ".join(parts)}] if parts else []
    today = mall.local_now(now).date()
    closed_days = []
    for offset in range(days_ahead + 1):
        day = today + timedelta(days=offset)
        if day.weekday() not in hours_by_weekday:
            continue  # a weekday without hours is already said by the hours
        reason = _day_closed_reason_and_hours(mall, day)[0]
        if reason:
            name = _closures.get(day) or national_day_off(day) or ""
            closed_days.append(f"{_day_name(day)}{f' ({name})' if name else ''}")
    if closed_days:
        sentences.append(_("Closed: %(days)s") % {"days": "; ".join(closed_days)})
    notice = kiosk_ticket_notice(mall, now)
    if notice:
        sentences.append(notice)
    return " · ".join(sentences)


def service_use_counts(
    mall: Mall, *, days: int = 30, now: datetime | None = None
) -> dict[int, int]:
    """Tickets per service of the mall, today and the `days` before (the kiosk's order: most
    used first). One grouped query, kept for a minute."""
    today = mall.today(now)
    key = f"queueing:use:{mall.pk}:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = dict(
            Ticket.objects.filter(mall=mall, service_date__gte=today - timedelta(days=days))
            .order_by()
            .values_list("service_id")
            .annotate(n=Count("id"))
        )
        cache.set(key, found, 60)
    return found


# --- access -----------------------------------------------------------------------------------


def _is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def queue_scope(user: Any, entity: str = "ticket", action: str = "view") -> Scope:
    """The user's `Scope` on a queue entity, from the cached memberships (no statement)."""
    return scope_for(user, entity, action, memberships=lookups.memberships(user))


def _membership_rows(user: Any, roles: Iterable[str]) -> list[tuple[int, int | None]]:
    """(mall id, agency id or None) of the user's memberships in `roles`, from the cached
    memberships (no statement)."""
    wanted = set(roles)
    return [(mall_id, agency_id) for mall_id, agency_id, role in lookups.memberships(user)
            if role in wanted]  # fmt: skip


def is_queue_staff(user: Any, mall_id: int) -> bool:
    """Whether `user` works some part of the mall's queue (an agency's share will do)."""
    if queue_scope(user).covers(mall_id=mall_id):
        return True
    return any(m == mall_id and a is not None for m, a in _membership_rows(user, QUEUE_STAFF_ROLES))


def may_see_ticket(user: Any, ticket: Ticket, action: str = "view") -> bool:
    """Whether `user` may see the ticket in full (or act on it): its mall's queue staff, or the
    staff of the agency whose service it waits for. Needs `current_service` loaded."""
    return queue_scope(user, "ticket", action).covers(
        mall_id=ticket.mall_id, agency_ids=[ticket.current_service.agency_id]
    )


def ticket_reach(user: Any) -> Reach:
    """Where `user` may act on tickets, for the hot path's locked read."""
    scope = queue_scope(user, "ticket", "change")
    return Reach(
        everywhere=scope.everywhere,
        mall_ids=tuple(sorted(scope.mall_ids)),
        agency_ids=tuple(sorted(scope.agency_ids)),
    )


# How long the counter <-> service assignment (changed rarely, in the admin) is kept in the
# cache; every ticket event and every call reads it.
LAYOUT_CACHE_SECONDS = 30


def counter_service_rows(counter: Counter) -> list[tuple[int, int]]:
    """(service id, agency id) of every service the counter serves."""
    key = f"queueing:counter-services:{counter.pk}"
    rows = cache.get(key)
    if rows is None:
        rows = [
            (sid, aid) for sid, aid in counter.services.order_by().values_list("id", "agency_id")
        ]
        cache.set(key, rows, LAYOUT_CACHE_SECONDS)
    return [(int(sid), int(aid)) for sid, aid in rows]


def drop_layout(counter_ids: Iterable[int], service_ids: Iterable[int]) -> None:
    """Forget the cached counter <-> service assignment of these counters and services (their
    services were changed)."""
    cache.delete_many(
        [f"queueing:counter-services:{cid}" for cid in counter_ids]
        + [f"queueing:service-screen-channels:{sid}" for sid in service_ids]
    )


def screen_channels(service_ids: Iterable[int]) -> list[str]:
    """The event channels of the active counters serving any of the services and of their
    floors (`counter:<id>`, `floor:<id>`): every console and floor board whose waiting counts a
    change of these services moves. Kept per service as the names themselves, so that a publish
    (a few per queue operation) does not build them again."""
    found: dict[str, None] = {}
    for service_id in sorted(set(service_ids)):
        found.update(dict.fromkeys(_service_screen_channels(service_id)))
    return list(found)


def _service_screen_channels(service_id: int) -> list[str]:
    key = f"queueing:service-screen-channels:{service_id}"
    channels: list[str] | None = cache.get(key)
    if channels is None:
        rows = (
            Counter.objects.filter(services__id=service_id, is_active=True)
            .order_by("id")
            .values_list("id", "floor_id")
        )
        names: dict[str, None] = {}
        for counter_id, floor_id in rows:
            names[f"counter:{counter_id}"] = None
            names[f"floor:{floor_id}"] = None
        channels = list(names)
        cache.set(key, channels, LAYOUT_CACHE_SECONDS)
    return channels


def may_work_counter(user: Any, counter: Counter) -> bool:
    """Whether `user` may take and work the counter ("counter"/"change" in the role table):
    mall-wide counter officers and mall admins, officers of an agency whose service the
    counter serves, and superusers."""
    agency_ids = {aid for _sid, aid in counter_service_rows(counter)}
    return queue_scope(user, "counter", "change").covers(
        mall_id=counter.mall_id, agency_ids=agency_ids
    )


def may_issue_tickets(user: Any, mall_id: int) -> bool:
    """Staff and kiosk devices of the mall ("ticket"/"add" beyond the public) issue tickets
    without a public rate limit."""
    return queue_scope(user, "ticket", "add").covers(mall_id=mall_id)


def access_counter_for_officer(user: Any, counter_id: int) -> Counter:
    """The counter if `user` may work at it (`may_work_counter`); "not found" otherwise. From
    the cached counter and memberships: no statement."""
    counter = lookups.counter(counter_id)
    if counter is None or not counter.is_active or not may_work_counter(user, counter):
        raise NotFound(f"No counter with id {counter_id}")
    return counter


def access_ticket_for_staff(user: Any, ticket_id: int, action: str = "change") -> Ticket:
    """The ticket if `user` may act on it (`Ticket.objects.visible_to`); "not found"
    otherwise. One statement (the memberships come from the cache)."""
    ticket = (
        Ticket.objects.visible_to(user, action, memberships=lookups.memberships(user))
        .select_related("mall", "service", "current_service", "counter", "counter__floor")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        raise NotFound(f"No ticket with id {ticket_id}")
    return ticket


def service_for_queue(*, service_id: int) -> Service:
    """A live service (active, of an active agency, in an active mall), with its mall: what a
    ticket can be taken for; 409 `agency_not_serving` when its agency's partnership is not in
    force. From the cached look-up: no statement."""
    service = lookups.service(service_id)
    if (
        service is None
        or not service.is_active
        or not service.agency.is_active
        or not service.mall.is_active
    ):
        raise NotFound(f"No service with id {service_id}", field="service_id")
    require_service_serving(service)
    return service


def service_for_transfer(*, service_id: int, mall_id: int) -> Service:
    """A live service of the mall a ticket may be transferred to."""
    service = Service.objects.live().filter(pk=service_id, mall_id=mall_id).first()
    if service is None:
        raise NotFound(f"No service with id {service_id}", field="service_id")
    return service


def display_list(*, mall: Mall) -> QuerySet[Display]:
    return Display.objects.filter(mall=mall).select_related("floor").order_by("name")


def display_get(*, display_id: int) -> Display:
    display = Display.objects.select_related("mall", "floor").filter(pk=display_id).first()
    if display is None:
        raise NotFound(f"No display with id {display_id}")
    return display


def display_place(*, display_id: int) -> dict[str, Any] | None:
    """{mall_id, floor_id} of a display (what its event stream listens to), or None."""
    found = Display.objects.filter(pk=display_id).values("mall_id", "floor_id").first()
    return dict(found) if found is not None else None


def service_ids_on_floor(floor_id: int) -> set[int]:
    """Services served by an active counter of the floor (what its board shows)."""
    return set(
        Service.objects.filter(counters__floor_id=floor_id, counters__is_active=True).values_list(
            "id", flat=True
        )
    )


def counters_for_service(service_id: int) -> list[Counter]:
    """The counters in use (`Counter.objects.live()`) serving a service, nearest floor first."""
    return list(
        Counter.objects.live()
        .filter(services=service_id)
        .select_related("floor")
        .order_by("floor__number", "number")
    )


def kiosk_in_mall(*, kiosk_id: int | None, mall: Mall) -> Kiosk | None:
    if kiosk_id is None:
        return None
    return Kiosk.objects.filter(pk=kiosk_id, mall=mall).first()


def kiosk_services(mall: Mall) -> QuerySet[Service]:
    """Services a visitor can take a ticket for at the kiosk (walk-in or drive-thru)."""
    return (
        Service.objects.live()
        .filter(mall=mall)
        .filter(Q(offers_walk_in=True) | Q(offers_drive_thru=True))
        .select_related("agency")
    )


def agencies_of(services: QuerySet[Service]) -> QuerySet[Agency]:
    return Agency.objects.filter(pk__in=services.values("agency_id")).order_by("name")


def transfer_targets(mall: Mall) -> QuerySet[Service]:
    """Live walk-in services of the mall a ticket can be sent on to."""
    return (
        Service.objects.live()
        .filter(mall=mall, offers_walk_in=True)
        .select_related("agency")
        .order_by("agency__name", "name")
    )


def bookable_services(mall: Mall) -> QuerySet[Service]:
    """Live services of the mall that take appointments."""
    return (
        Service.objects.live()
        .filter(mall=mall, appointment_config__is_active=True)
        .select_related("agency")
        .order_by("agency__name", "name")
    )


def appointment_list(
    *, user: Any, mall: Mall, day: date, service_id: int | None = None
) -> QuerySet[Appointment]:
    """The day's appointments of the mall that `user` may see (the agency's only, for agency
    staff)."""
    qs = (
        Appointment.objects.visible_to(user, memberships=lookups.memberships(user))
        .filter(mall=mall, date=day)
        .select_related("service", "mall")
    )
    if service_id is not None:
        qs = qs.filter(service_id=service_id)
    return qs.order_by("slot_at", "id")


def appointment_get(*, appointment_id: int) -> Appointment:
    return Appointment.objects.select_related("service", "mall").get(pk=appointment_id)


def ticket_get(*, ticket_id: int) -> Ticket:
    try:
        return Ticket.objects.select_related(
            "mall", "service", "current_service", "counter", "counter__floor"
        ).get(pk=ticket_id)
    except Ticket.DoesNotExist as exc:
        raise NotFound(f"No ticket with id {ticket_id}") from exc


# --- service times and waiting --------------------------------------------------------------


def _fallback_minutes(service: Service) -> float:
    if service.duration_unit == Service.DurationUnit.MINUTES and service.duration_value:
        return float(service.duration_value)
    return float(settings.QUEUE_DEFAULT_SERVICE_MINUTES)


def mean_service_minutes(services: Iterable[Service], day: date) -> dict[int, float]:
    """Mean minutes from start to finish of the last N tickets finished today per service;
    the service's standard duration in minutes (or the default) when none finished yet."""
    by_id = {s.pk: s for s in services}
    sample = max(1, settings.QUEUE_SERVICE_TIME_SAMPLE)
    durations: dict[int, list[float]] = defaultdict(list)
    if by_id:
        rows = (
            Ticket.objects.filter(
                current_service_id__in=list(by_id),
                service_date=day,
                status=Ticket.Status.DONE,
                started_at__isnull=False,
                finished_at__isnull=False,
            )
            .order_by("-finished_at")
            .values_list("current_service_id", "started_at", "finished_at")
        )
        if len(by_id) == 1:
            rows = rows[:sample]
        # One service: at most `sample` rows, read at once (a server-side cursor costs extra
        # round trips); several: the day's rows, streamed.
        for service_id, started, finished in rows if len(by_id) == 1 else rows.iterator():
            if started and finished and len(durations[service_id]) < sample:
                durations[service_id].append((finished - started).total_seconds() / 60)
    return {
        sid: (sum(durations[sid]) / len(durations[sid]) if durations[sid] else _fallback_minutes(s))
        for sid, s in by_id.items()
    }


def open_counter_counts(service_ids: Iterable[int]) -> dict[int, int]:
    """How many counters with an officer at work (session open) serve each service."""
    ids = list(service_ids)
    through = Counter.services.through
    rows = (
        through.objects.filter(
            service_id__in=ids,
            counter__is_active=True,
            counter__sessions__status=CounterSession.Status.OPEN,
        )
        .values("service_id")
        .annotate(n=Count("counter_id", distinct=True))
    )
    counts = dict.fromkeys(ids, 0)
    counts.update({row["service_id"]: row["n"] for row in rows})
    return counts


def estimate_wait_minutes(*, people_ahead: int, mean_minutes: float, open_counters: int) -> int:
    """Minutes until a ticket with `people_ahead` before it is called."""
    if people_ahead <= 0:
        return 0
    return math.ceil(people_ahead * mean_minutes / max(1, open_counters))


def waiting_counts(service_ids: Iterable[int], day: date) -> dict[int, int]:
    ids = list(service_ids)
    rows = (
        Ticket.objects.filter(
            current_service_id__in=ids, status=Ticket.Status.WAITING, service_date=day
        )
        .values("current_service_id")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys(ids, 0)
    counts.update({row["current_service_id"]: row["n"] for row in rows})
    return counts


def _same_lane(qs: QuerySet[Ticket], channel: str) -> QuerySet[Ticket]:
    # Drive-thru tickets queue at drive-thru lanes; every other ticket at walk-in counters.
    if channel == TicketChannel.DRIVE_THRU:
        return qs.filter(channel=TicketChannel.DRIVE_THRU)
    return qs.exclude(channel=TicketChannel.DRIVE_THRU)


def people_ahead(ticket: Ticket, now: datetime | None = None) -> int:
    """Waiting tickets of the same service and lane that the policy calls before `ticket`."""
    now = now or timezone.now()
    tier, sort_at, ticket_id = policy.call_order_key(
        priority=ticket.priority,
        appointment_slot_at=ticket.appointment_slot_at,
        arrival_at=ticket.arrival_at,
        ticket_id=ticket.pk,
        now=now,
    )
    qs = _same_lane(
        Ticket.objects.filter(
            current_service_id=ticket.current_service_id,
            service_date=ticket.service_date,
            status=Ticket.Status.WAITING,
        ),
        ticket.channel,
    ).alias(
        call_tier=policy.call_tier_expression(now),
        call_sort_at=policy.call_sort_time_expression(now),
    )
    return (
        qs.filter(
            Q(call_tier__lt=tier)
            | Q(call_tier=tier, call_sort_at__lt=sort_at)
            | Q(call_tier=tier, call_sort_at=sort_at, id__lt=ticket_id)
        )
        .exclude(pk=ticket.pk)
        .count()
    )


PACE_CACHE_SECONDS = 30


def pace_cache_key(service_id: int, day: date) -> str:
    """The cached mean service minutes of a service on a day."""
    return f"queueing:pace:{service_id}:{day.isoformat()}"


def open_counters_cache_key(service_id: int) -> str:
    """The cached number of open counters serving a service."""
    return f"queueing:open-counters:{service_id}"


def service_pace(service: Service, day: date) -> tuple[float, int]:
    """(mean service minutes, open counters) of a service, for estimates on every ticket.

    Both are kept in the cache for a few seconds, each under its own key: a finish stores the
    service's new mean (counted by the finishing statement, `services._store_mean`); a counter
    that opens, pauses or closes drops both (`services._forget_pace`). The expiry only bounds
    staleness across server processes with a per-process cache."""
    mean_key, open_key = pace_cache_key(service.pk, day), open_counters_cache_key(service.pk)
    cached = cache.get_many([mean_key, open_key])
    mean = cached.get(mean_key)
    if mean is None:
        mean = mean_service_minutes([service], day)[service.pk]
        cache.set(mean_key, mean, PACE_CACHE_SECONDS)
    counters = cached.get(open_key)
    if counters is None:
        counters = open_counter_counts([service.pk])[service.pk]
        cache.set(open_key, counters, PACE_CACHE_SECONDS)
    return float(mean), int(counters)


def ticket_position(
    ticket: Ticket,
    now: datetime | None = None,
    *,
    people_ahead_now: int | None = None,
    picture: estimates.QueueNow | None = None,
) -> dict[str, Any]:
    """Place in the call order (1 = next), people ahead and the estimated wait with its range
    (`estimate`); None once it is over. `people_ahead_now`: the issuing path's count (the
    issuing statement counts it); then no statement is sent: the estimate comes from the stored
    picture of the queue, or from the counts when none is stored."""
    if ticket.status in Ticket.AT_COUNTER_STATUSES:
        return {
            "position": 0,
            "people_ahead": 0,
            "estimated_wait_minutes": 0,
            "estimate": estimates.Estimate(0, 0, 0, 0).as_dict(),
        }
    if ticket.status != Ticket.Status.WAITING:
        return {
            "position": None,
            "people_ahead": None,
            "estimated_wait_minutes": None,
            "estimate": None,
        }
    now = now or timezone.now()
    estimate = ticket_estimate(
        ticket, now, picture=picture, cached_only=people_ahead_now is not None
    )
    if estimate is None:
        assert people_ahead_now is not None
        mean, counters = service_pace(ticket.current_service, ticket.service_date)
        estimate = _estimate_from_counts(ticket, people_ahead_now, mean, counters, now)
    return {
        "position": estimate.people_ahead + 1,
        "people_ahead": estimate.people_ahead,
        "estimated_wait_minutes": estimate.minutes,
        "estimate": estimate.as_dict(),
    }


def queue_overview(mall: Mall, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per active service of the mall that takes tickets: waiting count, counters at work,
    mean service time and the estimated wait of a ticket taken now."""
    day = mall.today(now)
    services = list(
        Service.objects.filter(mall=mall, is_active=True, agency__is_active=True)
        .filter(Q(offers_walk_in=True) | Q(offers_drive_thru=True) | Q(offers_outreach=True))
        .select_related("agency")
        .order_by("agency__name", "name")
    )
    ids = [s.pk for s in services]
    waiting = waiting_counts(ids, day)
    counters = open_counter_counts(ids)
    means = mean_service_minutes(services, day)
    return [
        {
            "service_id": s.pk,
            "service_code": s.code,
            "service_name": s.name,
            "agency_id": s.agency_id,
            "agency_name": s.agency.name,
            "queue_prefix": s.queue_prefix,
            "waiting": waiting[s.pk],
            "open_counters": counters[s.pk],
            "mean_service_minutes": round(means[s.pk], 1),
            "estimated_wait_minutes": estimate_wait_minutes(
                people_ahead=waiting[s.pk], mean_minutes=means[s.pk], open_counters=counters[s.pk]
            ),
        }
        for s in services
    ]


def counter_waiting_counts(counter: Counter, now: datetime | None = None) -> dict[int, int]:
    """Waiting tickets per service of the counter, in the counter's lane (walk-in/drive-thru)."""
    day = counter.mall.today(now)
    ids = [sid for sid, _aid in counter_service_rows(counter)]
    qs = _same_lane(
        Ticket.objects.filter(
            current_service_id__in=ids, status=Ticket.Status.WAITING, service_date=day
        ),
        TicketChannel.DRIVE_THRU
        if counter.mode == Counter.Mode.DRIVE_THRU
        else TicketChannel.WALK_IN,
    )
    counts = dict.fromkeys(ids, 0)
    for row in qs.values("current_service_id").annotate(n=Count("id")):
        counts[row["current_service_id"]] = row["n"]
    return counts


def counter_active_session(counter: Counter) -> CounterSession | None:
    return (
        CounterSession.objects.filter(counter=counter, status__in=CounterSession.ACTIVE_STATUSES)
        .select_related("officer")
        .first()
    )


def officer_active_session(user: Any) -> CounterSession | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        CounterSession.objects.filter(officer=user, status__in=CounterSession.ACTIVE_STATUSES)
        .select_related("counter", "counter__floor", "counter__mall")
        .first()
    )


def counter_current_ticket(counter: Counter) -> Ticket | None:
    return (
        Ticket.objects.filter(counter=counter, status__in=Ticket.AT_COUNTER_STATUSES)
        .select_related("mall", "service", "current_service", "counter", "counter__floor")
        .order_by("-called_at")
        .first()
    )


def counter_state(counter: Counter, now: datetime | None = None) -> dict[str, Any]:
    """What the counter console shows: who holds the counter, the ticket at it, who waits."""
    session = counter_active_session(counter)
    current = counter_current_ticket(counter)
    waiting = counter_waiting_counts(counter, now)
    services = {s.pk: s for s in counter.services.all()}
    return {
        "counter_id": counter.pk,
        "counter_name": counter.name,
        "counter_number": counter.number,
        "floor": counter.floor.number if counter.floor_id else None,
        "mode": counter.mode,
        "session": None
        if session is None
        else {
            "id": session.pk,
            "officer_id": session.officer_id,
            "officer_name": session.officer.display_name(),
            "status": session.status,
            "opened_at": local_iso(session.opened_at, counter.mall),
        },
        "current_ticket": current,
        "waiting": [
            {
                "service_id": sid,
                "service_code": services[sid].code if sid in services else "",
                "service_name": services[sid].name if sid in services else "",
                "waiting": n,
            }
            for sid, n in waiting.items()
        ],
        "waiting_total": sum(waiting.values()),
    }


def last_called_tickets(
    mall: Mall, *, floor_id: int | None = None, limit: int = 10, now: datetime | None = None
) -> list[Ticket]:
    """The latest calls of today (for display boards), newest first."""
    qs = Ticket.objects.filter(
        mall=mall,
        service_date=mall.today(now),
        last_called_at__isnull=False,
        counter__isnull=False,
    )
    if floor_id is not None:
        qs = qs.filter(counter__floor_id=floor_id)
    return list(
        qs.select_related("current_service", "counter", "counter__floor").order_by(
            "-last_called_at", "-id"
        )[:limit]
    )


CALL_EVENT_TYPES = ("ticket.called", "ticket.recalled")


def current_calls(events: list[Event], *, now: datetime | None = None) -> list[Event]:
    """Of the call events a board missed (oldest first), those still worth announcing: the latest
    call of each counter, if that ticket is still called there (not started, finished, no-show,
    cancelled, transferred or called elsewhere since) and was called less than
    `DISPLAY_REPLAY_SECONDS` ago; newest first."""
    latest: dict[int, Event] = {}
    for event in events:
        if event.type in CALL_EVENT_TYPES and event.data.get("counter_id"):
            latest[event.data["counter_id"]] = event
    wanted = {e.data.get("ticket_id"): counter_id for counter_id, e in latest.items()}
    if not wanted:
        return []
    since = (now or timezone.now()) - timedelta(seconds=settings.DISPLAY_REPLAY_SECONDS)
    still_called = set(
        Ticket.objects.filter(
            pk__in=[t for t in wanted if t], status=Ticket.Status.CALLED, last_called_at__gte=since
        ).values_list("pk", "counter_id")
    )
    current = [
        e for counter_id, e in latest.items() if (e.data["ticket_id"], counter_id) in still_called
    ]
    return sorted(current, key=lambda e: e.id, reverse=True)


# --- appointments ---------------------------------------------------------------------------


def appointment_config_get(service: Service) -> AppointmentSlotConfig | None:
    return AppointmentSlotConfig.objects.filter(service=service, is_active=True).first()


def appointment_slot_starts(config: AppointmentSlotConfig, mall: Mall, day: date) -> list[datetime]:
    """Slot start times (aware, mall time) of `day`: from opening in steps of the slot length,
    each slot ending by closing time. None on a day the mall is closed."""
    if mall_day_closed_reason(mall, day):
        return []
    hours = mall_hours_on(mall, day)
    if hours is None:
        return []
    zone = mall.zone
    start = datetime.combine(day, hours[0], tzinfo=zone)
    end = datetime.combine(day, hours[1], tzinfo=zone)
    step = timedelta(minutes=config.slot_minutes)
    slots = []
    while start + step <= end:
        slots.append(start)
        start += step
    return slots


def booking_window_closed_reason(
    config: AppointmentSlotConfig, mall: Mall, slot_at: datetime, now: datetime | None = None
) -> str | None:
    """Why a slot cannot be booked now (in the past, too far ahead, after today's cut-off)."""
    local_now = mall.local_now(now)
    today = local_now.date()
    day = timezone.localtime(slot_at, mall.zone).date()
    if slot_at <= local_now:
        return _("This slot has already begun.")
    if day > today + timedelta(days=config.booking_window_days):
        return _("Appointments can be booked at most %(days)d days ahead.") % {
            "days": config.booking_window_days
        }
    if day == today and local_now.hour >= config.cutoff_hour:
        return _("Bookings for today closed at %(hour)02d:00.") % {"hour": config.cutoff_hour}
    return None


def appointment_slots(
    service: Service, day: date, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Every slot of `day` with its capacity, the bookings in it and whether it can be booked."""
    config = appointment_config_get(service)
    if config is None:
        return []
    mall = service.mall
    starts = appointment_slot_starts(config, mall, day)
    booked: dict[datetime, int] = {}
    if starts:
        rows = (
            Appointment.objects.filter(
                service=service, date=day, status__in=Appointment.ACTIVE_STATUSES
            )
            .values("slot_at")
            .annotate(n=Count("id"))
        )
        booked = {row["slot_at"]: row["n"] for row in rows}
    result = []
    for start in starts:
        taken = booked.get(start, 0)
        free = max(0, config.capacity_per_slot - taken)
        closed = booking_window_closed_reason(config, mall, start, now)
        result.append(
            {
                "slot": start.strftime("%H:%M"),
                "starts_at": start.isoformat(),
                "capacity": config.capacity_per_slot,
                "booked": taken,
                "free": free,
                "available": free > 0 and closed is None,
            }
        )
    return result


def appointment_get_by_code(*, code: str) -> Appointment:
    appointment = (
        Appointment.objects.select_related("service", "mall", "ticket")
        .filter(code=(code or "").strip().upper())
        .first()
    )
    if appointment is None:
        raise NotFound("No appointment with this code", field="path.code")
    return appointment


def ticket_as_dict(
    ticket: Ticket,
    *,
    include_personal: bool,
    now: datetime | None = None,
    people_ahead_now: int | None = None,
) -> dict[str, Any]:
    """A ticket for the API and the pages. Without `include_personal` it holds nothing that
    identifies the visitor (no name, phone, plate) and no priority class (disability is
    sensitive personal data)."""
    mall = ticket.mall
    counter = ticket.counter
    place = ticket_position(ticket, now, people_ahead_now=people_ahead_now)
    data: dict[str, Any] = {
        "id": ticket.pk,
        "number": ticket.number,
        "mall": mall.slug,
        "service_id": ticket.service_id,
        "service_name": ticket.service.name,
        "current_service_id": ticket.current_service_id,
        "current_service_name": ticket.current_service.name,
        "channel": ticket.channel,
        "status": ticket.status,
        "priority": (ticket.priority or None) if include_personal else None,
        **place,
        "service_date": ticket.service_date,
        "created_at": local_iso(ticket.created_at, mall),
        "arrival_at": local_iso(ticket.arrival_at, mall),
        "called_at": local_iso(ticket.last_called_at, mall),
        "counter_id": counter.pk if counter else None,
        "counter_name": counter.name if counter else None,
        "counter_number": counter.number if counter else None,
        "floor": counter.floor.number if counter and counter.floor_id else None,
        "further_service_ids": list(ticket.further_service_ids or []),
        "transferred_from_id": ticket.transferred_from_id,
        "transferred_to_id": Ticket.objects.filter(transferred_from=ticket)
        .values_list("id", flat=True)
        .first()
        if ticket.status == Ticket.Status.TRANSFERRED
        else None,
        "appointment": ticket.appointment_slot_at is not None,
    }
    if include_personal:
        data.update(
            {
                "name": ticket.name,
                "phone": ticket.phone,
                "plate_number": ticket.plate_number,
                "recall_count": ticket.recall_count,
                "started_at": local_iso(ticket.started_at, mall),
                "finished_at": local_iso(ticket.finished_at, mall),
                "outcome": ticket.outcome or None,
                "note": ticket.note,
            }
        )
    return data


def _ticket_tokens() -> HmacSigner:
    return HmacSigner.for_purpose(
        "satupintu.queueing.ticket-status", encoding="base64url", length=22
    )


def _ticket_signed_value(ticket: Ticket) -> str:
    return f"{ticket.pk}:{ticket.number}:{ticket.service_date.isoformat()}"


def ticket_token(ticket: Ticket) -> str:
    """The secret part of a ticket's public addresses (phone status page, survey link), printed
    as a QR code: who holds the ticket holds the address, and ticket ids cannot be walked."""
    return _ticket_tokens().sign(_ticket_signed_value(ticket))


def ticket_for_token(*, ticket_id: int, token: str) -> Ticket:
    """The ticket whose token is `token`; "not found" for a wrong token or a missing ticket."""
    ticket = ticket_get(ticket_id=ticket_id)
    if not _ticket_tokens().verify(_ticket_signed_value(ticket), token):
        raise NotFound("No such ticket")
    return ticket


def ticket_for_reader(user: Any, *, ticket_id: int, token: str | None) -> tuple[Ticket, bool]:
    """The ticket `user` reads by id, and whether in full: queue staff whose reach covers it
    (the role table's `ticket` `view` row) read everything; anyone else (anonymous, a device,
    staff of another agency or mall) must present the ticket's token (`ticket_token`, the secret
    of its phone page, QR code and survey link) and reads the public fields. A missing or wrong
    token answers exactly as a ticket that does not exist (the same `NotFound`, and the
    signature is checked either way), so ids cannot be walked."""
    try:
        ticket: Ticket | None = ticket_get(ticket_id=ticket_id)
    except NotFound:
        ticket = None
    if ticket is not None and may_see_ticket(user, ticket):
        return ticket, True
    signed = _ticket_signed_value(ticket) if ticket is not None else f"{ticket_id}:-:-"
    valid = _ticket_tokens().verify(signed, token)
    if ticket is None or not valid:
        raise NotFound("No such ticket")
    return ticket, False


_STATUS_PATH = re.compile(r"/q/ticket/(\d{1,18})/([A-Za-z0-9_\-:.]{1,200})/?")


def tickets_to_show_again(*, mall: Mall, lookup: str, now: datetime | None = None) -> list[Ticket]:
    """Today's tickets of the mall still in the queue that a visitor who lost the paper asks
    for: by the QR code (its address, typed by the kiosk's scanner or pasted) or by the phone
    number given when taking it. 422 naming `lookup` for anything else; an empty list when
    nothing matches (a wrong token matches nothing)."""
    text = (lookup or "").strip()
    if not text:
        raise InvalidInput(_("Type your phone number or scan the QR code."), field="lookup")
    open_statuses = [Ticket.Status.WAITING, Ticket.Status.CALLED, Ticket.Status.SERVING]
    today = mall.today(now)
    match = _STATUS_PATH.search(text)
    if match:
        try:
            ticket = ticket_for_token(ticket_id=int(match.group(1)), token=match.group(2))
        except NotFound:
            return []
        ok = ticket.mall_id == mall.pk and ticket.service_date == today
        return [ticket] if ok and ticket.status in open_statuses else []
    try:
        phone = validate_phone(text)
    except ValidationError:
        raise InvalidInput(
            _("Type the phone number you gave when taking the ticket, or scan its QR code."),
            field="lookup",
        ) from None
    return list(
        Ticket.objects.filter(mall=mall, service_date=today, phone=phone, status__in=open_statuses)
        .select_related("mall", "service", "current_service")
        .order_by("created_at")[:5]
    )


# --- the wait estimate from the real call order (`estimates.py`) ----------------------------

# The picture of a mall's queue (`queue_now`) is kept this many seconds for the issuing path,
# which must not read the database again (`test_hot_path`); every read path takes a fresh one.
QUEUE_PICTURE_SECONDS = 20
# History the service-time model learns from, and how long the fitted samples are kept.
HISTORY_DAYS = 28
HISTORY_CACHE_SECONDS = 600


def queue_picture_cache_key(mall_id: int) -> str:
    return f"queueing:queue-now:{mall_id}"


def _service_time_sample(
    service_ids: list[int], mall: Mall, day: date
) -> dict[int, estimates.ServiceTimeSample]:
    """What the `HISTORY_DAYS` days before `day` say about each service: service minutes per
    hour of the call, the no-show share, priority arrivals per minute per hour (cached per
    service and day); and the service minutes finished on `day` so far (read every time)."""
    keys = {sid: f"queueing:st-sample:v2:{sid}:{day.isoformat()}" for sid in service_ids}
    found = cache.get_many(list(keys.values()))
    result: dict[int, estimates.ServiceTimeSample] = {
        sid: found[key] for sid, key in keys.items() if key in found
    }
    missing = [sid for sid in service_ids if sid not in result]
    if missing:
        _service_history(missing, mall, day, result)
        cache.set_many({keys[sid]: result[sid] for sid in missing}, HISTORY_CACHE_SECONDS)
    today: dict[int, list[float]] = defaultdict(list)
    for sid, started, finished in (
        Ticket.objects.filter(
            current_service_id__in=service_ids, service_date=day, finished_at__isnull=False
        )
        .exclude(started_at__isnull=True)
        .order_by()
        .values_list("current_service_id", "started_at", "finished_at")
    ):
        if started and finished and finished > started:
            today[sid].append((finished - started).total_seconds() / 60)
    return {
        sid: estimates.ServiceTimeSample(
            by_hour=sample.by_hour,
            no_show=sample.no_show,
            priority_per_minute=sample.priority_per_minute,
            today=tuple(today.get(sid, ())),
            arrivals_per_minute=sample.arrivals_per_minute,
        )
        for sid, sample in result.items()
    }


def _service_history(
    missing: list[int],
    mall: Mall,
    day: date,
    result: dict[int, estimates.ServiceTimeSample],
) -> None:
    zone = mall.zone
    by_hour: dict[int, dict[int, list[float]]] = {sid: defaultdict(list) for sid in missing}
    priority_by_hour: dict[int, dict[int, int]] = {sid: defaultdict(int) for sid in missing}
    arrivals_by_hour: dict[int, dict[int, int]] = {sid: defaultdict(int) for sid in missing}
    called: dict[int, int] = defaultdict(int)
    no_shows: dict[int, int] = defaultdict(int)
    days: dict[int, set[date]] = defaultdict(set)
    rows = (
        Ticket.objects.filter(
            current_service_id__in=missing,
            service_date__gte=day - timedelta(days=HISTORY_DAYS),
            service_date__lt=day,
        )
        .order_by()
        .values_list(
            "current_service_id",
            "service_date",
            "status",
            "priority",
            "arrival_at",
            "called_at",
            "started_at",
            "finished_at",
        )
    )
    for sid, sday, status, priority, arrival, called_at, started, finished in rows.iterator(
        chunk_size=2000
    ):
        days[sid].add(sday)
        if arrival:
            arrival_hour = timezone.localtime(arrival, zone).hour
            arrivals_by_hour[sid][arrival_hour] += 1
            if priority:
                priority_by_hour[sid][arrival_hour] += 1
        if called_at:
            called[sid] += 1
        if status == Ticket.Status.NO_SHOW:
            no_shows[sid] += 1
        if started and finished and finished > started:
            hour = timezone.localtime(called_at or started, zone).hour
            by_hour[sid][hour].append((finished - started).total_seconds() / 60)
    for sid in missing:
        n_days = max(1, len(days[sid]))
        result[sid] = estimates.ServiceTimeSample(
            by_hour={h: tuple(v) for h, v in by_hour[sid].items()},
            no_show=no_shows[sid] / called[sid] if called[sid] >= 10 else 0.0,
            priority_per_minute={h: n / (n_days * 60) for h, n in priority_by_hour[sid].items()},
            arrivals_per_minute={h: n / (n_days * 60) for h, n in arrivals_by_hour[sid].items()},
        )


def service_times_now(
    services: Iterable[Service], mall: Mall, now: datetime | None = None
) -> dict[int, estimates.ServiceTime]:
    """The service-time model of each service for the current hour (mall time)."""
    local = mall.local_now(now)
    by_id = {s.pk: s for s in services}
    samples = _service_time_sample(sorted(by_id), mall, local.date())
    return {
        sid: estimates.fit_service_time(samples.get(sid), _fallback_minutes(s), local.hour)
        for sid, s in by_id.items()
    }


def queue_now(mall: Mall, now: datetime | None = None) -> estimates.QueueNow:
    """The picture of the mall's queue now, for `estimates.estimate_wait`: its active counters
    (services, lane, session, the ticket at each), today's waiting tickets, the appointments of
    today not checked in yet, and the service-time model. A few statements; stored for the
    issuing path (`QUEUE_PICTURE_SECONDS`)."""
    now = now or timezone.now()
    day = mall.today(now)
    counters = list(Counter.objects.filter(mall=mall, is_active=True).prefetch_related("services"))
    sessions = dict(
        CounterSession.objects.filter(
            counter__mall=mall, status__in=CounterSession.ACTIVE_STATUSES
        ).values_list("counter_id", "status")
    )
    at_counter = {
        cid: (sid, called)
        for cid, sid, called in Ticket.objects.filter(
            mall=mall, service_date=day, status__in=Ticket.AT_COUNTER_STATUSES
        ).values_list("counter_id", "current_service_id", "called_at")
    }
    pictured = []
    service_ids: set[int] = set()
    for c in counters:
        ids = frozenset(s.pk for s in c.services.all())
        service_ids |= ids
        busy = at_counter.get(c.pk)
        pictured.append(
            estimates.CounterNow(
                id=c.pk,
                service_ids=ids,
                drive_thru=c.mode == Counter.Mode.DRIVE_THRU,
                status=sessions.get(c.pk, "closed"),
                busy_service_id=busy[0] if busy else None,
                busy_since=busy[1] if busy else None,
            )
        )
    waiting = [
        estimates.WaitingTicket(
            id=tid,
            service_id=sid,
            arrival_at=arrival,
            priority=priority,
            appointment_slot_at=slot,
            drive_thru=channel == TicketChannel.DRIVE_THRU,
        )
        for tid, sid, arrival, priority, slot, channel in Ticket.objects.filter(
            mall=mall, service_date=day, status=Ticket.Status.WAITING
        ).values_list(
            "id", "current_service_id", "arrival_at", "priority", "appointment_slot_at", "channel"
        )
    ]
    expected = [
        estimates.WaitingTicket(id=-aid, service_id=sid, arrival_at=slot, appointment_slot_at=slot)
        for aid, sid, slot in Appointment.objects.filter(
            mall=mall, date=day, status=Appointment.Status.BOOKED, slot_at__gt=now
        ).values_list("id", "service_id", "slot_at")
    ]
    services = list(Service.objects.filter(pk__in=service_ids).select_related("agency"))
    picture = estimates.QueueNow(
        now=now,
        counters=pictured,
        waiting=waiting,
        times=service_times_now(services, mall, now),
        expected=expected,
        default_time=estimates.ServiceTime(mean=float(settings.QUEUE_DEFAULT_SERVICE_MINUTES)),
        closes_at=_issuing_closes_at(mall, now),
    )
    cache.set(queue_picture_cache_key(mall.pk), picture, QUEUE_PICTURE_SECONDS)
    return picture


def _issuing_closes_at(mall: Mall, now: datetime) -> datetime | None:
    """When the mall stops issuing tickets today (its closing time), from the opening hours."""
    local = mall.local_now(now)
    hours = mall_hours_on(mall, local.date())
    if hours is None:
        return None
    return datetime.combine(local.date(), hours[1], tzinfo=mall.zone)


def _counters_open_at(mall: Mall, now: datetime) -> datetime | None:
    """When the counters are expected to open: today's opening time if it is still to come."""
    local = mall.local_now(now)
    if mall_day_closed_reason(mall, local.date()):
        return None
    hours = mall_hours_on(mall, local.date())
    if hours is None:
        return None
    opens = datetime.combine(local.date(), hours[0], tzinfo=mall.zone)
    return opens if opens > local else None


def _as_waiting(ticket: Ticket) -> estimates.WaitingTicket:
    return estimates.WaitingTicket(
        id=ticket.pk,
        service_id=ticket.current_service_id,
        arrival_at=ticket.arrival_at,
        priority=ticket.priority,
        appointment_slot_at=ticket.appointment_slot_at,
        drive_thru=ticket.channel == TicketChannel.DRIVE_THRU,
    )


def ticket_estimate(
    ticket: Ticket,
    now: datetime | None = None,
    *,
    picture: estimates.QueueNow | None = None,
    cached_only: bool = False,
) -> estimates.Estimate | None:
    """The estimate of a waiting ticket from the real call order (`estimates.estimate_wait`).
    `cached_only`: use the stored picture of the queue or answer None (the issuing path sends no
    further statement)."""
    now = now or timezone.now()
    if picture is None:
        if cached_only:
            picture = cache.get(queue_picture_cache_key(ticket.mall_id))
            if picture is None:
                return None
        else:
            picture = queue_now(ticket.mall, now)
    target = _as_waiting(ticket)
    if all(t.id != ticket.pk for t in picture.waiting):
        picture = dataclasses.replace(picture, now=now, waiting=[*picture.waiting, target])
    elif picture.now != now:
        picture = dataclasses.replace(picture, now=now)
    return estimates.estimate_wait(target, picture, opens_at=_counters_open_at(ticket.mall, now))


def _estimate_from_counts(
    ticket: Ticket, ahead: int, mean: float, counters: int, now: datetime
) -> estimates.Estimate:
    """The issuing path's answer when no picture of the queue is stored: the tickets of its own
    service ahead, served by the open counters at the service's mean pace, the first of them
    half-way through a service; never 0 unless a counter could call it now."""
    if counters <= 0:
        opens = _counters_open_at(ticket.mall, now)
        return estimates.Estimate(
            None,
            None,
            None,
            ahead,
            estimates.REASON_NO_COUNTER_OPEN,
            timezone.localtime(opens, ticket.mall.zone).strftime("%H:%M") if opens else None,
        )
    rounds = (ahead + 0.5) / counters
    minutes = max(1, round(rounds * mean)) if ahead else max(1, round(0.5 * mean / counters))
    spread = max(1.0, math.sqrt(max(1.0, rounds)) * mean * estimates.DEFAULT_CV)
    return estimates.Estimate(
        minutes,
        max(0, math.floor(minutes - 1.3 * spread)),
        math.ceil(minutes + 1.3 * spread),
        ahead,
    )


def estimate_text(estimate: dict[str, Any] | None) -> str:
    """The estimate in words, as the ticket, the kiosk and the phone page show it."""
    if not estimate:
        return ""
    if estimate.get("reason") == estimates.REASON_NO_COUNTER_OPEN:
        if estimate.get("opens_at"):
            return _("Counter not open yet; opens at %(time)s") % {"time": estimate["opens_at"]}
        return _("Counter not open yet")
    minutes, low, high = estimate["minutes"], estimate["minutes_low"], estimate["minutes_high"]
    if minutes is None:
        return ""
    text = _("about %(m)d min") % {"m": minutes}
    if low is not None and high is not None and high > low:
        text = _("about %(m)d min (%(low)d to %(high)d)") % {"m": minutes, "low": low, "high": high}
    if estimate.get("reason") == estimates.REASON_COUNTERS_PAUSED:
        text = _("%(text)s; the counters are paused") % {"text": text}
    return text


# --- capacity cut-off (off by default, `Service.capacity_cutoff`) ------------------------------


def next_free_appointment(service: Service, now: datetime | None = None) -> datetime | None:
    """The start of the next appointment slot of the service that can still be booked."""
    config = appointment_config_get(service)
    if config is None:
        return None
    today = service.mall.today(now)
    for offset in range(config.booking_window_days + 1):
        day = today + timedelta(days=offset)
        for slot in appointment_slots(service, day, now):
            if slot["available"]:
                return datetime.fromisoformat(slot["starts_at"])
    return None


def capacity_cutoff_reason(service: Service, now: datetime | None = None) -> str | None:
    """Why the kiosk stops walk-in tickets for `service` now: the tickets already waiting for
    the counters that serve it (its own and those of the services sharing the counters) would
    take, at their expected service times, all the time those open counters have left before
    closing. None when there is room, or nothing to judge by (closed, no counter open)."""
    now = now or timezone.now()
    mall = service.mall
    local = mall.local_now(now)
    hours = mall_hours_on(mall, local.date())
    if hours is None or mall_day_closed_reason(mall, local.date()):
        return None
    closes = datetime.combine(local.date(), hours[1], tzinfo=mall.zone)
    remaining = (closes - local).total_seconds() / 60
    picture = queue_now(mall, now)
    services, members = estimates.component(service.pk, picture.counters, drive_thru=False)
    open_members = [c for c in members if c.status == "open"]
    if not open_members:
        return None
    work = sum(
        picture.time_of(t.service_id).mean
        for t in picture.waiting
        if t.service_id in services and not t.drive_thru
    )
    work += sum(
        picture.time_of(c.busy_service_id).mean / 2 for c in open_members if c.busy_service_id
    )
    work += picture.time_of(service.pk).mean  # the ticket asked for
    if work <= len(open_members) * remaining:
        return None
    reason = _(
        "Today's tickets for %(service)s already fill the counters until closing at %(closes)s."
    ) % {"service": service.name, "closes": hours[1].strftime("%H:%M")}
    slot = next_free_appointment(service, now)
    if slot is not None:
        reason += " " + _("Next free appointment: %(when)s.") % {
            "when": timezone.localtime(slot, mall.zone).strftime("%d-%m-%Y %H:%M")
        }
    return reason


def estimate_for_new_ticket(
    service: Service, picture: estimates.QueueNow, now: datetime | None = None
) -> dict[str, Any]:
    """The estimate a regular walk-in ticket taken now would get (the kiosk's service list)."""
    now = now or timezone.now()
    target = estimates.WaitingTicket(id=0, service_id=service.pk, arrival_at=now)
    queue = dataclasses.replace(picture, now=now, waiting=[*picture.waiting, target])
    return estimates.estimate_wait(
        target, queue, runs=24, opens_at=_counters_open_at(service.mall, now)
    ).as_dict()
