"""The computation of one mall-local day from the source rows, shared by the live path (today,
and any past day without a roll-up) and by the roll-up builder, so the two cannot disagree.

`DayFigures` holds, per key, exactly the columns of the roll-up models; `figures_of_day`
computes it from the events; `services.rollup_day` stores it; `selectors` add them up."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, Sum

from satupintu.catalog.models import Mall, Service
from satupintu.dossiers.models import Dossier
from satupintu.feedback.models import Survey
from satupintu.feedback.unsur import UNSUR_CODES
from satupintu.queueing.models import Ticket, TicketEvent

# Waits and services longer than this many minutes share the last histogram bucket.
HIST_MAX_MINUTES = 600
NO_PRIORITY = "none"
TicketKey = tuple[str, int | None, int | None]  # (level, agency_id, service_id)
WorkKey = tuple[int | None, int | None, int]  # (counter_id, officer_id, agency_id)

Action = TicketEvent.Action


def day_bounds(mall: Mall, day: date) -> tuple[datetime, datetime]:
    """[00:00, next day 00:00) of a mall-local day, as aware datetimes."""
    zone = mall.zone
    return (
        datetime.combine(day, time.min, tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
    )


def minute_bucket(seconds: float) -> str:
    return str(min(HIST_MAX_MINUTES, max(0, int(seconds // 60))))


def hist_add(target: dict[str, int], source: Mapping[str, int]) -> None:
    for key, count in source.items():
        target[key] = target.get(key, 0) + count


def hist_percentile(hist: Mapping[str, int], share: float) -> float | None:
    """Nearest-rank percentile over whole minutes: the smallest minute m such that at least
    `share` of the values are at most m."""
    total = sum(hist.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for minute in sorted(hist, key=int):
        seen += hist[minute]
        if seen >= rank:
            return float(minute)
    return float(max(hist, key=int))  # pragma: no cover - the loop always reaches the rank


@dataclass
class TicketFigures:
    tickets: int = 0
    served: int = 0
    not_served: int = 0
    no_show: int = 0
    abandoned: int = 0
    transferred: int = 0
    wait_count: int = 0
    wait_us: int = 0
    wait_hist: dict[str, int] = field(default_factory=dict)
    service_count: int = 0
    service_us: int = 0
    service_hist: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_priority: dict[str, int] = field(default_factory=dict)
    by_hour: dict[str, list[int]] = field(default_factory=dict)

    COUNTS = (
        "tickets",
        "served",
        "not_served",
        "no_show",
        "abandoned",
        "transferred",
        "wait_count",
        "wait_us",
        "service_count",
        "service_us",
    )

    def add(self, other: Any) -> None:
        """Add another TicketFigures or a DailyTicketStats row (same attribute names)."""
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        hist_add(self.wait_hist, other.wait_hist)
        hist_add(self.service_hist, other.service_hist)
        hist_add(self.by_channel, other.by_channel)
        hist_add(self.by_priority, other.by_priority)
        for hour, values in other.by_hour.items():
            mine = self.by_hour.setdefault(hour, [0] * 6)
            for i, value in enumerate(values):
                mine[i] += value

    def as_fields(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.COUNTS}
        data.update(
            wait_hist=self.wait_hist,
            service_hist=self.service_hist,
            by_channel=self.by_channel,
            by_priority=self.by_priority,
            by_hour=self.by_hour,
        )
        return data


@dataclass
class WorkFigures:
    finished: int = 0
    served: int = 0
    service_count: int = 0
    service_us: int = 0


@dataclass
class DossierFigures:
    received: int = 0
    completed: int = 0
    completed_on_time: int = 0


@dataclass
class SurveyFigures:
    respondents: int = 0
    sums: dict[str, int] = field(default_factory=dict)


@dataclass
class DayFigures:
    day: date
    tickets: dict[TicketKey, TicketFigures]
    work: dict[WorkKey, WorkFigures]
    dossiers: dict[tuple[int, int], DossierFigures]  # (agency_id, service_id)
    surveys: dict[tuple[int, int], SurveyFigures]  # (agency_id, service_id)
    active_tickets: int  # tickets of the day still waiting or at a counter


def _us(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


@dataclass
class _Visit:
    root_id: int
    service_id: int
    agency_id: int
    channel: str
    priority: str
    arrival_at: datetime
    events: list[tuple[Any, ...]] = field(default_factory=list)


def ticket_figures_of_day(
    mall: Mall, day: date
) -> tuple[dict[TicketKey, TicketFigures], dict[WorkKey, WorkFigures], int]:
    """Visits of one day at the three levels, the officers' work, and how many are still
    active. Reads the day's tickets and their events (two queries)."""
    zone = mall.zone
    tickets = list(
        Ticket.objects.filter(mall=mall, service_date=day).values_list(
            "id",
            "service_id",
            "service__agency_id",
            "transferred_from_id",
            "channel",
            "priority",
            "arrival_at",
            "status",
        )
    )
    parent: dict[int, int | None] = {row[0]: row[3] for row in tickets}
    visits: dict[int, _Visit] = {}
    active = 0
    for tid, service_id, agency_id, from_id, channel, priority, arrival_at, status in tickets:
        if status in Ticket.ACTIVE_STATUSES:
            active += 1
        if from_id is None:
            visits[tid] = _Visit(tid, service_id, agency_id, channel, priority, arrival_at)
    root_of: dict[int, int] = {}
    for tid in parent:
        node = tid
        while parent.get(node) is not None:
            node = parent[node]  # type: ignore[assignment]
        root_of[tid] = node
    # By the day's ticket ids: a join on (mall, service date) lets PostgreSQL pick a hash join
    # over every event ever recorded.
    events = TicketEvent.objects.filter(ticket_id__in=list(parent)).order_by("at", "id")
    for ev in events.values_list(
        "ticket_id",
        "action",
        "at",
        "from_status",
        "to_status",
        "outcome",
        "counter_id",
        "actor_id",
        "service_id",
    ):
        visit = visits.get(root_of.get(ev[0], -1))
        if visit is not None:
            visit.events.append(ev)
    # The officers' work counts for the agency of the service finished (the event's service).
    agency_of_service = dict(Service.objects.filter(mall=mall).values_list("id", "agency_id"))

    figures: dict[TicketKey, TicketFigures] = defaultdict(TicketFigures)
    work: dict[WorkKey, WorkFigures] = defaultdict(WorkFigures)
    for visit in visits.values():
        one = TicketFigures(tickets=1)
        one.by_channel[visit.channel] = 1
        one.by_priority[visit.priority or NO_PRIORITY] = 1
        first_call: datetime | None = None
        started: dict[int, datetime] = {}
        served = not_served = transferred = False
        for tid, action, at, _from, _to, outcome, counter_id, actor_id, ev_service in visit.events:
            if action == Action.CALL and first_call is None:
                first_call = at
            elif action == Action.START:
                started[tid] = at
            elif action == Action.FINISH:
                if outcome == Ticket.Outcome.SERVED:
                    served = True
                else:
                    not_served = True
                finish_agency = agency_of_service.get(ev_service, visit.agency_id)
                w = work[(counter_id, actor_id, finish_agency)]
                w.finished += 1
                w.served += outcome == Ticket.Outcome.SERVED
                start = started.pop(tid, None)
                if start is not None:
                    span = _us(at - start)
                    one.service_count += 1
                    one.service_us += span
                    key = minute_bucket(span / 1e6)
                    one.service_hist[key] = one.service_hist.get(key, 0) + 1
                    w.service_count += 1
                    w.service_us += span
            elif action == Action.TRANSFER:
                transferred = True
        last = visit.events[-1] if visit.events else None
        final_status = last[4] if last else Ticket.Status.WAITING
        one.served = int(served)
        one.not_served = int(not_served and not served)
        one.no_show = int(final_status == Ticket.Status.NO_SHOW and not served)
        one.abandoned = int(
            last is not None
            and last[1] in (Action.CANCEL, Action.EXPIRE)
            and last[3] == Ticket.Status.WAITING
            and not served
        )
        one.transferred = int(transferred)
        hour = str(visit.arrival_at.astimezone(zone).hour)
        hour_row = [1, one.served, one.no_show, one.abandoned, 0, 0]
        if first_call is not None:
            wait = _us(first_call - visit.arrival_at)
            one.wait_count = 1
            one.wait_us = wait
            one.wait_hist[minute_bucket(wait / 1e6)] = 1
            hour_row[4], hour_row[5] = 1, wait
        one.by_hour[hour] = hour_row
        keys: tuple[TicketKey, ...] = (
            ("mall", None, None),
            ("agency", visit.agency_id, None),
            ("service", visit.agency_id, visit.service_id),
        )
        for level_key in keys:
            figures[level_key].add(one)
    return dict(figures), dict(work), active


def dossier_figures_of_day(mall: Mall, day: date) -> dict[tuple[int, int], DossierFigures]:
    start, end = day_bounds(mall, day)
    base = Dossier.objects.filter(mall=mall, service__isnull=False)
    out: dict[tuple[int, int], DossierFigures] = defaultdict(DossierFigures)
    for agency_id, service_id, n in (
        base.filter(submitted_at__gte=start, submitted_at__lt=end)
        .values_list("service__agency_id", "service_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        out[(agency_id, service_id)].received = n
    for agency_id, service_id, n, on_time in (
        base.filter(sla_stopped_on=day)
        .values_list("service__agency_id", "service_id")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(sla_stopped_on__lte=F("sla_due"))))
        .order_by()
    ):
        out[(agency_id, service_id)].completed = n
        out[(agency_id, service_id)].completed_on_time = on_time
    return dict(out)


def survey_figures_of_day(mall: Mall, day: date) -> dict[tuple[int, int], SurveyFigures]:
    start, end = day_bounds(mall, day)
    out: dict[tuple[int, int], SurveyFigures] = {}
    for row in (
        Survey.objects.filter(mall=mall, submitted_at__gte=start, submitted_at__lt=end)
        .values("agency_id", "service_id")
        .annotate(n=Count("pk"), **{f"s_{code}": Sum(code) for code in UNSUR_CODES})
        .order_by()
    ):
        out[(row["agency_id"], row["service_id"])] = SurveyFigures(
            respondents=row["n"], sums={code: row[f"s_{code}"] or 0 for code in UNSUR_CODES}
        )
    return out


def figures_of_day(mall: Mall, day: date) -> DayFigures:
    tickets, work, active = ticket_figures_of_day(mall, day)
    return DayFigures(
        day=day,
        tickets=tickets,
        work=work,
        dossiers=dossier_figures_of_day(mall, day),
        surveys=survey_figures_of_day(mall, day),
        active_tickets=active,
    )


def days_between(date_from: date, date_to: date) -> Iterable[date]:
    day = date_from
    while day <= date_to:
        yield day
        day += timedelta(days=1)
