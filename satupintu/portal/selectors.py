"""Reads behind the public catalog pages: the mall's week, its coming closures, and the catalog
lists shaped for the pages. The catalog app owns the rows; this module only arranges them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from satupintu.catalog.models import Agency, Channel, Counter, Mall, Service, ServiceBundle
from satupintu.catalog.selectors import mall_closures, service_list
from satupintu.core.errors import NotFound
from satupintu.core.workdays import national_day_off

# How far ahead the home page looks for days the mall will be closed.
UPCOMING_CLOSURE_HORIZON_DAYS = 60
UPCOMING_CLOSURE_LIMIT = 8


@dataclass(frozen=True)
class DaySchedule:
    day: date
    opens: time | None
    closes: time | None
    closed_reason: str | None  # a holiday or closure day; None on a plain weekend day off
    is_today: bool

    @property
    def is_open(self) -> bool:
        return self.opens is not None and self.closed_reason is None


@dataclass(frozen=True)
class UpcomingClosure:
    day: date
    reason: str
    is_mall_closure: bool


def mall_week(mall: Mall, *, today: date) -> list[DaySchedule]:
    """Seven days from `today`: hours from the mall's opening days, minus holidays and closures."""
    hours = {h.weekday: h for h in mall.opening_hours.all()}
    closures = mall_closures(mall=mall, start=today)
    week: list[DaySchedule] = []
    for offset in range(7):
        day = today + timedelta(days=offset)
        row = hours.get(day.weekday())
        closed_reason = national_day_off(day)
        if closed_reason is None and day in closures:
            closed_reason = closures[day] or _("Mall closure day")
        week.append(
            DaySchedule(
                day=day,
                opens=row.opens if row else None,
                closes=row.closes if row else None,
                closed_reason=closed_reason,
                is_today=offset == 0,
            )
        )
    return week


def mall_upcoming_closures(mall: Mall, *, today: date) -> list[UpcomingClosure]:
    """Holidays, joint leave days and the mall's own closure days ahead, on days it would open."""
    open_weekdays = {h.weekday for h in mall.opening_hours.all()}
    closures = mall_closures(mall=mall, start=today)
    found: list[UpcomingClosure] = []
    for offset in range(UPCOMING_CLOSURE_HORIZON_DAYS + 1):
        day = today + timedelta(days=offset)
        if day in closures:
            reason = closures[day] or _("Mall closure day")
            found.append(UpcomingClosure(day, reason, is_mall_closure=True))
            continue
        national = national_day_off(day)
        if national and day.weekday() in open_weekdays:
            found.append(UpcomingClosure(day, national, is_mall_closure=False))
    return found[:UPCOMING_CLOSURE_LIMIT]


def is_open_now(week: list[DaySchedule], now: datetime) -> bool:
    today = week[0]
    return bool(
        today.is_open and today.opens and today.closes and today.opens <= now.time() < today.closes
    )


def opens_later_today(week: list[DaySchedule], now: datetime) -> bool:
    """Whether the mall opens later today (before opening time on an open day)."""
    today = week[0]
    return bool(today.is_open and today.opens and now.time() < today.opens)


def portal_agencies(mall: Mall) -> QuerySet[Agency]:
    """The mall's active agencies with how many active services each offers."""
    return (
        Agency.objects.filter(mall=mall, is_active=True)
        .annotate(service_count=Count("services", filter=Q(services__is_active=True)))
        .order_by("name")
    )


def portal_agency_get(mall: Mall, agency_slug: str) -> Agency:
    agency = portal_agencies(mall).filter(slug=agency_slug).first()
    if agency is None:
        raise NotFound(f"No agency '{agency_slug}' in this mall")
    return agency


def agency_counters(agency: Agency) -> QuerySet[Counter]:
    """The active counters where at least one active service of `agency` is served."""
    return (
        Counter.objects.filter(is_active=True, services__agency=agency, services__is_active=True)
        .select_related("floor")
        .distinct()
        .order_by("number")
    )


def channel_counts(mall: Mall) -> dict[str, int]:
    """How many active services each channel offers in the mall."""
    services = Service.objects.filter(mall=mall, is_active=True, agency__is_active=True)
    return {
        str(channel): services.filter(**{field: True}).count()
        for channel, field in Service.CHANNEL_FIELDS.items()
    }


def portal_bundles(mall: Mall) -> QuerySet[ServiceBundle]:
    return (
        ServiceBundle.objects.filter(mall=mall, is_active=True)
        .prefetch_related("items__service")
        .order_by("name")
    )


def portal_service_search(
    mall: Mall, *, q: str = "", channel: str = "", agency: Agency | None = None
) -> QuerySet[Service]:
    """The services list of the portal: the catalog's search, with the agency given by slug."""
    return service_list(
        mall=mall,
        agency_id=agency.pk if agency else None,
        channel=channel if channel in Channel.values else None,
        q=q or None,
    )


def portal_service_get(mall: Mall, code: str) -> Service:
    service = (
        Service.objects.filter(mall=mall, code__iexact=code, is_active=True, agency__is_active=True)
        .select_related("agency", "mall")
        .prefetch_related(
            "requirements",
            Prefetch(
                "counters",
                queryset=Counter.objects.filter(is_active=True).select_related("floor"),
            ),
        )
        .first()
    )
    if service is None:
        raise NotFound(f"No service '{code}' in this mall")
    return service


def staff_counters(*, mall_slugs: set[str]) -> dict[str, list[Counter]]:
    """The active counters of the given malls, by mall slug, in number order."""
    result: dict[str, list[Counter]] = {}
    for counter in (
        Counter.objects.filter(mall__slug__in=mall_slugs, is_active=True)
        .select_related("mall", "floor")
        .order_by("mall__slug", "number")
    ):
        result.setdefault(counter.mall.slug, []).append(counter)
    return result
