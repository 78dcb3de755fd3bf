"""Reads of the catalog, and the access helpers for changing it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from satupintu.catalog.models import (
    Agency,
    Channel,
    ClosureDay,
    Counter,
    Mall,
    Partnership,
    Service,
    ServiceRequirement,
    serving_partnership_q,
)
from satupintu.core.errors import Conflict, InvalidInput, NotFound


def mall_list() -> QuerySet[Mall]:
    return Mall.objects.live().order_by("name")


_SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")


def mall_get(*, slug: str) -> Mall:
    # A slug that cannot exist is "not found" without asking the database (a NUL byte in it
    # would make PostgreSQL fail instead).
    mall = (
        Mall.objects.filter(slug=slug, is_active=True)
        .prefetch_related("opening_hours", "closure_days", "floors")
        .first()
        if _SLUG_RE.match(slug or "")
        else None
    )
    if mall is None:
        # No `field`: the slug arrives in the path or in the query, and the message names it.
        raise NotFound(f"No mall with slug '{slug}'")
    return mall


def mall_closures(*, mall: Mall, start: date | None = None) -> dict[date, str]:
    qs = ClosureDay.objects.filter(mall=mall)
    if start is not None:
        qs = qs.filter(date__gte=start)
    return dict(qs.values_list("date", "reason"))


def access_mall_for_admin(*, user: Any, slug: str) -> Mall:
    """The mall if `user` is its admin; otherwise "not found", whether it exists or not."""
    mall = (
        Mall.objects.visible_to(user, "change").filter(slug=slug, is_active=True).first()
        if _SLUG_RE.match(slug)
        else None
    )
    if mall is None:
        raise NotFound()
    return mall


def agency_list(*, mall: Mall) -> QuerySet[Agency]:
    return (
        Agency.objects.filter(mall=mall, is_active=True)
        .prefetch_related(
            Prefetch(
                "partnerships",
                queryset=Partnership.objects.order_by("-created_at", "-id"),
                to_attr="partnerships_newest_first",
            ),
            Prefetch(
                "services",
                queryset=Service.objects.filter(is_active=True).prefetch_related(
                    Prefetch("counters", queryset=Counter.objects.filter(is_active=True))
                ),
                to_attr="active_services",
            ),
        )
        .order_by("name")
    )


def agency_counter_ids(agency: Agency) -> list[int]:
    ids = {c.pk for s in getattr(agency, "active_services", []) for c in s.counters.all()}
    return sorted(ids)


def agency_partnership_status(agency: Agency) -> str | None:
    partnerships = getattr(agency, "partnerships_newest_first", None)
    if partnerships is None:
        partnerships = list(agency.partnerships.order_by("-created_at", "-id")[:1])
    return partnerships[0].status if partnerships else None


def _services_with_standard(qs: QuerySet[Service]) -> QuerySet[Service]:
    return qs.select_related("agency", "mall").prefetch_related(
        Prefetch("requirements", queryset=ServiceRequirement.objects.order_by("position", "id"))
    )


def service_list(
    *,
    mall: Mall,
    agency_id: int | None = None,
    channel: str | None = None,
    q: str | None = None,
) -> QuerySet[Service]:
    qs = Service.objects.live().filter(mall=mall)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    if channel:
        if channel not in Channel.values:
            raise InvalidInput(
                f"Unknown channel '{channel}'; use one of {', '.join(Channel.values)}",
                field="query.channel",
            )
        qs = qs.filter(**{Service.CHANNEL_FIELDS[Channel(channel)]: True})
    if q:
        if "\x00" in q:
            raise InvalidInput("q must not contain NUL characters", field="query.q")
        for word in q.split()[:8]:
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(name_en__icontains=word)
                | Q(code__icontains=word)
                | Q(description__icontains=word)
                | Q(keywords__icontains=word)
                | Q(agency__name__icontains=word)
                | Q(agency__short_name__icontains=word)
            )
    return _services_with_standard(qs).order_by("agency__name", "name")


_MAX_ID = 2**63 - 1


def service_get(*, service_id: int) -> Service:
    if not 0 < service_id <= _MAX_ID:
        # No row has such an id; asking SQLite would overflow its integer instead.
        raise NotFound(f"No service with id {service_id}")
    service = _services_with_standard(Service.objects.live()).filter(pk=service_id).first()
    if service is None:
        raise NotFound(f"No service with id {service_id}")
    return service


def access_service_for_edit(*, user: Any, service_id: int) -> Service:
    """The service if `user` may change it (admin of its mall or of its agency); "not found"
    otherwise."""
    if not 0 < service_id <= _MAX_ID:
        raise NotFound(f"No service with id {service_id}")
    service = _services_with_standard(
        Service.objects.visible_to(user, "change").filter(pk=service_id)
    ).first()
    if service is None:
        raise NotFound(f"No service with id {service_id}")
    return service


def with_agency_serving(qs: QuerySet[Service]) -> QuerySet[Service]:
    """`qs` with `agency_serving` on each row: whether its agency may take new work now (no
    partnership, or its newest one signed or active). Read in the same statement."""
    return qs.annotate(
        agency_serving=ExpressionWrapper(
            serving_partnership_q("agency_id"), output_field=BooleanField()
        )
    )


def require_service_serving(service: Service) -> None:
    """409 `agency_not_serving` when the service's agency may not take new work (its
    partnership is only invited or drafted, expired or ended). Free when the service was read
    `with_agency_serving`."""
    serving = getattr(service, "agency_serving", None)
    if serving is None:
        serving = Agency.objects.filter(pk=service.agency_id).serving().exists()
    if not serving:
        raise Conflict(
            _(
                "%(agency)s takes no new applications or tickets at present: its partnership "
                "with the mall is not in force."
            )
            % {"agency": service.agency},
            field="service_id",
            code="agency_not_serving",
        )


def counter_list(*, mall: Mall) -> QuerySet[Counter]:
    return (
        Counter.objects.live()
        .filter(mall=mall)
        .select_related("floor")
        .prefetch_related(Prefetch("services", queryset=Service.objects.filter(is_active=True)))
        .order_by("number")
    )


# --- small reads for pages and handlers (so that they never touch `.objects`) ---------------


def live_services(mall: Mall) -> QuerySet[Service]:
    """The mall's live services (`Service.objects.live()`) with their agency."""
    return Service.objects.live().filter(mall=mall).select_related("agency")


def live_service_in_mall(*, mall: Mall, service_id: int | None) -> Service | None:
    if service_id is None:
        return None
    return live_services(mall).filter(pk=service_id).first()


def service_with_mall(service_id: int) -> Service:
    service = Service.objects.select_related("mall", "agency").filter(pk=service_id).first()
    if service is None:
        raise NotFound(f"No service with id {service_id}")
    return service


def live_agencies(mall: Mall | int) -> QuerySet[Agency]:
    mall_id = mall if isinstance(mall, int) else mall.pk
    return Agency.objects.live().filter(mall_id=mall_id).order_by("name")


def agency_in_mall(*, mall_id: int, agency_id: int | None) -> Agency | None:
    """An agency of the mall (active or not), or None."""
    if agency_id is None:
        return None
    return Agency.objects.filter(pk=agency_id, mall_id=mall_id).first()


def agencies_by_ids(agency_ids: list[int]) -> QuerySet[Agency]:
    return Agency.objects.filter(pk__in=agency_ids).order_by("name")


def malls_by_ids(mall_ids: list[int]) -> QuerySet[Mall]:
    return Mall.objects.filter(pk__in=mall_ids).order_by("pk")
