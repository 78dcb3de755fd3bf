"""Reads of the reports app: KPIs, series and tables for the dashboards, the API and exports.

Every figure comes from the recorded rows: ticket events (TicketEvent), counter sessions,
dossiers and their SLA fields, surveys (through `satupintu.feedback`), complaints and outreach
requests/visits. Full past days are read from the daily roll-ups (`reports.models`), kept by
`rollup_day`; the mall's today is computed live from the same functions the roll-ups use, so
the two always agree (tests compare them).

Definitions:
- A *visit* is one ticket number: a ticket and the successors it was transferred to count once,
  under the service, channel and priority of the original ticket, with its arrival time.
- waiting time = first `call` event of the visit - arrival; service time = each `finish` - the
  `start` before it (one per service episode); percentiles are nearest-rank over whole minutes
  (the roll-ups keep one-minute histograms, so p50/p90 over years need no raw rows).
- served: the visit had a `finish` with outcome `served`; no-show: the visit ended `no_show`;
  abandoned: the visit ended cancelled (or expired) while waiting, never served.
- Dossiers (bundle parents excluded): received = submitted in the period; completed = SLA clock
  stopped in the period (result ready, or a final decision); on time = stopped on or before the
  due date (the due date already moved by the working days paused for revision);
  sla_compliance = on time / completed; overdue = open at the end of the period (or today) and
  past due.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from satupintu.accounts.roles import Reach, roles_with, scope_for
from satupintu.catalog.models import Agency, Counter, Mall, Service
from satupintu.catalog.selectors import mall_get
from satupintu.core.errors import InvalidInput, NotFound
from satupintu.core.workdays import working_days_between
from satupintu.dossiers.models import Dossier
from satupintu.feedback import ikm as ikm_math
from satupintu.feedback.models import Complaint
from satupintu.feedback.unsur import UNSUR_CODES
from satupintu.outreach.models import OutreachRequest, Visit
from satupintu.queueing.models import CounterSession
from satupintu.reports import rollups
from satupintu.reports.models import (
    DailyDossierStats,
    DailySurveyStats,
    DailyTicketStats,
    DailyWorkStats,
    RollupDay,
)
from satupintu.reports.rollups import TicketFigures, day_bounds, hist_percentile

Bucket = Literal["hour", "day", "week", "month"]
BUCKETS = ("hour", "day", "week", "month")
MAX_PERIOD_DAYS = 3 * 365 + 1  # three years, a leap day included
MAX_HOUR_PERIOD_DAYS = 31
# From the role table ("report"/"view"): roles whose mall-wide membership reads the whole mall,
# and roles that read their agency's figures.
MALL_WIDE_ROLES = tuple(roles_with("report", "view"))
AGENCY_REPORT_ROLES = tuple(roles_with("report", "view", Reach.AGENCY))
AGE_BUCKETS = (("0-2", 0, 2), ("3-5", 3, 5), ("6-10", 6, 10), ("11-20", 11, 20), (">20", 21, None))


# --- access -------------------------------------------------------------------------------------


def access_report_scope(
    user: Any, *, mall_slug: str, agency_id: int | None = None
) -> tuple[Mall, int | None]:
    """The mall and the agency filter `user` may read reports for.

    Mall-wide supervisor, mall admin and viewer memberships (and superusers) see the whole mall,
    and may narrow to any agency of it. Agency admins, agency supervisors and back-office
    officers see only their agency: with one agency it is forced when `agency_id` is None; an
    agency that is not theirs (or not in the mall), an unknown mall, an anonymous user or a
    user without a reporting role -> NotFound."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound("No such report")
    mall = mall_get(slug=mall_slug)
    if agency_id is not None and not Agency.objects.filter(pk=agency_id, mall=mall).exists():
        raise NotFound(f"No agency {agency_id} in this mall", field="query.agency")
    return mall, scope_for(user, "report", "view").narrow(mall_id=mall.pk, agency_id=agency_id)


def report_mall_ids(user: Any) -> list[int]:
    """The malls whose whole-mall reports `user` may read (for the comparison view)."""
    scope = scope_for(user, "report", "view")
    malls = Mall.objects.live()
    if not scope.everywhere:
        malls = malls.filter(pk__in=sorted(scope.mall_ids))
    return sorted(malls.values_list("pk", flat=True))


def validate_period(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise InvalidInput("'from' must not be after 'to'.", field="query.from")
    if (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput("The period may cover at most three years.", field="query.to")


def _service_in_scope(mall: Mall, agency_id: int | None, service_id: int | None) -> None:
    if service_id is None:
        return
    service = Service.objects.filter(pk=service_id, mall=mall).values_list("agency_id").first()
    if service is None or (agency_id is not None and service[0] != agency_id):
        raise NotFound(f"No service {service_id} in this scope", field="query.service")


# --- the days of a period: roll-ups where built, live otherwise --------------------------------


@dataclass
class _Days:
    built: list[date]
    live: list[date]


def _split_days(mall: Mall, date_from: date, date_to: date) -> _Days:
    """The days of the period read from the roll-ups (`built`) and those computed live: today,
    and a past day not rolled up yet only if something happened on it. A past day with no
    ticket, dossier or survey has nothing to count, so a year of mostly empty days costs a few
    queries, not a dozen per day."""
    today = mall.today()
    last = min(date_to, today)
    if date_from > last:
        return _Days([], [])
    built_all, active = _day_sets(mall, date_from, today)
    days = list(rollups.days_between(date_from, last))
    built = [d for d in days if d in built_all]
    live = [d for d in days if d not in built_all and (d >= today or d in active)]
    return _Days(built, live)


def _day_sets(mall: Mall, first: date, today: date) -> tuple[set[date], set[date]]:
    """The rolled-up days and the active days without roll-ups, from `first` to today. One page
    reads many periods (a table per month of a year): they are read once per Mall object, which
    lives as long as the request or the export that fetched it, and widened when an earlier
    day is asked."""
    cached = mall.__dict__.get("_report_day_sets")
    if cached is not None and cached[0] <= first and cached[1] == today:
        return cached[2], cached[3]
    built = set(
        RollupDay.objects.filter(mall=mall, day__gte=first, day__lte=today).values_list(
            "day", flat=True
        )
    )
    missing = [d for d in rollups.days_between(first, today) if d not in built and d < today]
    active = active_days(mall, missing[0], missing[-1]) if missing else set()
    mall.__dict__["_report_day_sets"] = (first, today, built, active)
    return built, active


def active_days(mall: Mall, first: date, last: date) -> set[date]:
    """The mall-local days in [first, last] with a ticket, a dossier received or finished, or a
    survey (what the day's roll-up counts): four queries whatever the length of the period."""
    from django.db.models.functions import TruncDate

    from satupintu.feedback.models import Survey
    from satupintu.queueing.models import Ticket

    start, _ = day_bounds(mall, first)
    _, end = day_bounds(mall, last)
    zone = mall.zone
    active: set[date] = set(
        Ticket.objects.filter(mall=mall, service_date__gte=first, service_date__lte=last)
        .order_by()
        .values_list("service_date", flat=True)
        .distinct()
    )
    dossiers = Dossier.objects.filter(mall=mall, service__isnull=False)
    active.update(
        day
        for day in dossiers.filter(sla_stopped_on__gte=first, sla_stopped_on__lte=last)
        .order_by()
        .values_list("sla_stopped_on", flat=True)
        .distinct()
        if day is not None
    )
    submitted: tuple[Any, ...] = (
        dossiers.filter(submitted_at__gte=start, submitted_at__lt=end),
        Survey.objects.filter(mall=mall, submitted_at__gte=start, submitted_at__lt=end),
    )
    for qs in submitted:
        active.update(
            qs.order_by()
            .annotate(local_day=TruncDate("submitted_at", tzinfo=zone))
            .values_list("local_day", flat=True)
            .distinct()
        )
    return active


def _ticket_key_matches(
    key: rollups.TicketKey, agency_id: int | None, service_id: int | None
) -> bool:
    level, key_agency, key_service = key
    if service_id is not None:
        return level == "service" and key_service == service_id
    if agency_id is not None:
        return level == "agency" and key_agency == agency_id
    return level == "mall"


def _ticket_days(
    mall: Mall, agency_id: int | None, service_id: int | None, date_from: date, date_to: date
) -> dict[date, TicketFigures]:
    days = _split_days(mall, date_from, date_to)
    out: dict[date, TicketFigures] = {}
    if days.built:
        qs = DailyTicketStats.objects.filter(
            mall=mall, day__gte=days.built[0], day__lte=days.built[-1]
        )
        if service_id is not None:
            qs = qs.filter(level="service", service_id=service_id)
        elif agency_id is not None:
            qs = qs.filter(level="agency", agency_id=agency_id)
        else:
            qs = qs.filter(level="mall")
        built = set(days.built)
        for row in qs.order_by():
            if row.day in built:
                figures = out.setdefault(row.day, TicketFigures())
                figures.add(row)
    for day in days.live:
        for key, figures in rollups.ticket_figures_of_day(mall, day)[0].items():
            if _ticket_key_matches(key, agency_id, service_id):
                out.setdefault(day, TicketFigures()).add(figures)
    return out


def _ticket_total(
    mall: Mall, agency_id: int | None, service_id: int | None, date_from: date, date_to: date
) -> TicketFigures:
    total = TicketFigures()
    for figures in _ticket_days(mall, agency_id, service_id, date_from, date_to).values():
        total.add(figures)
    return total


def _dossier_total(
    mall: Mall, agency_id: int | None, service_id: int | None, date_from: date, date_to: date
) -> rollups.DossierFigures:
    days = _split_days(mall, date_from, date_to)
    total = rollups.DossierFigures()
    if days.built:
        qs = DailyDossierStats.objects.filter(mall=mall, day__in=days.built)
        if days.built == list(rollups.days_between(days.built[0], days.built[-1])):
            qs = DailyDossierStats.objects.filter(
                mall=mall, day__gte=days.built[0], day__lte=days.built[-1]
            )
        if agency_id is not None:
            qs = qs.filter(agency_id=agency_id)
        if service_id is not None:
            qs = qs.filter(service_id=service_id)
        sums = qs.aggregate(
            received=Sum("received"), completed=Sum("completed"), on_time=Sum("completed_on_time")
        )
        total.received += sums["received"] or 0
        total.completed += sums["completed"] or 0
        total.completed_on_time += sums["on_time"] or 0
    for day in days.live:
        for (key_agency, key_service), d in rollups.dossier_figures_of_day(mall, day).items():
            if (agency_id is None or key_agency == agency_id) and (
                service_id is None or key_service == service_id
            ):
                total.received += d.received
                total.completed += d.completed
                total.completed_on_time += d.completed_on_time
    return total


def _survey_total(
    mall: Mall, agency_id: int | None, service_id: int | None, date_from: date, date_to: date
) -> rollups.SurveyFigures:
    days = _split_days(mall, date_from, date_to)
    total = rollups.SurveyFigures(sums=dict.fromkeys(UNSUR_CODES, 0))

    def add(respondents: int, sums: dict[str, int]) -> None:
        total.respondents += respondents
        for code in UNSUR_CODES:
            total.sums[code] += sums.get(code, 0)

    if days.built:
        qs = DailySurveyStats.objects.filter(
            mall=mall, day__gte=days.built[0], day__lte=days.built[-1]
        )
        if len(days.built) != (days.built[-1] - days.built[0]).days + 1:
            qs = qs.filter(day__in=days.built)
        if agency_id is not None:
            qs = qs.filter(agency_id=agency_id)
        if service_id is not None:
            qs = qs.filter(service_id=service_id)
        # Summed in the database: decoding tens of thousands of JSON rows in Python is slow.
        sums = qs.aggregate(
            respondents=Sum("respondents"),
            **{
                code: Sum(Cast(KeyTextTransform(code, "sums"), output_field=IntegerField()))
                for code in UNSUR_CODES
            },
        )
        add(sums["respondents"] or 0, {code: sums[code] or 0 for code in UNSUR_CODES})
    for day in days.live:
        for (key_agency, key_service), s in rollups.survey_figures_of_day(mall, day).items():
            if (agency_id is None or key_agency == agency_id) and (
                service_id is None or key_service == service_id
            ):
                add(s.respondents, s.sums)
    return total


# --- figures ------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _minutes(total_us: int, count: int) -> float | None:
    return round(total_us / count / 60e6, 2) if count else None


def _time_stats(total_us: int, count: int, hist: dict[str, int]) -> dict[str, float | None]:
    return {
        "mean": _minutes(total_us, count),
        "p50": hist_percentile(hist, 0.5),
        "p90": hist_percentile(hist, 0.9),
    }


def _ikm_out(survey: rollups.SurveyFigures) -> dict[str, Any]:
    totals = {code: (survey.sums.get(code, 0), survey.respondents) for code in UNSUR_CODES}
    result = ikm_math.compute_ikm(UNSUR_CODES, totals)
    return {
        "value": None if result.converted is None else float(result.converted),
        "grade": result.grade,
        "performance": result.performance,
        "respondents": survey.respondents,
    }


def _as_of(mall: Mall, date_to: date) -> date:
    return min(date_to, mall.today())


def _open_dossiers(mall: Mall, on: date, agency_id: int | None = None) -> Any:
    """Dossiers (bundle parents excluded) submitted by the end of `on` and not finished then."""
    qs = Dossier.objects.filter(mall=mall, service__isnull=False)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    if on >= mall.today():
        # Now: the few open dossiers, through the partial index of the reports' migration.
        return qs.filter(sla_stopped_on__isnull=True, completed_at__isnull=True)
    _start, end = day_bounds(mall, on)
    return qs.filter(submitted_at__lt=end).filter(
        Q(sla_stopped_on__isnull=True, completed_at__isnull=True)
        | Q(sla_stopped_on__gt=on)
        | Q(sla_stopped_on__isnull=True, completed_at__gte=end)
    )


def _dossiers_overdue(mall: Mall, on: date, agency_id: int | None, service_id: int | None) -> int:
    qs = _open_dossiers(mall, on, agency_id).filter(sla_due__lt=on)
    if service_id is not None:
        qs = qs.filter(service_id=service_id)
    return qs.count()


def _complaints(
    mall: Mall, agency_id: int | None, service_id: int | None, date_from: date, date_to: date
) -> dict[str, Any]:
    start, _ = day_bounds(mall, date_from)
    _, end = day_bounds(mall, date_to)
    qs = Complaint.objects.filter(mall=mall, received_at__gte=start, received_at__lt=end)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    if service_id is not None:
        qs = qs.filter(service_id=service_id)
    zone = mall.zone
    today = mall.today()
    received = responded = on_time = overdue = 0
    for due, responded_at in qs.values_list("first_response_due", "first_responded_at"):
        received += 1
        if responded_at is not None:
            responded += 1
            on_time += responded_at.astimezone(zone).date() <= due
        elif due < today:
            overdue += 1
    return {
        "received": received,
        "first_responded": responded,
        "first_response_on_time": on_time,
        # Of the complaints answered or past their first-response date, the share answered in
        # time (those still within their time are not judged yet).
        "first_response_on_time_rate": _rate(on_time, responded + overdue),
        "overdue": overdue,
    }


def _outreach(
    mall: Mall, agency_id: int | None, service_id: int | None, date_from: date, date_to: date
) -> dict[str, int]:
    start, _ = day_bounds(mall, date_from)
    _, end = day_bounds(mall, date_to)
    requests = OutreachRequest.objects.filter(mall=mall, created_at__gte=start, created_at__lt=end)
    visits = Visit.objects.filter(
        mall=mall, date__gte=date_from, date__lte=date_to, status=Visit.Status.COMPLETED
    )
    if service_id is not None:
        requests = requests.filter(services__id=service_id)
        visits = visits.filter(request__services__id=service_id)
    elif agency_id is not None:
        requests = requests.filter(services__agency_id=agency_id)
        visits = visits.filter(request__services__agency_id=agency_id)
    return {
        "requests": requests.values("pk").distinct().count(),
        "visits": visits.values("pk").distinct().count(),
    }


def kpis(
    *,
    mall: Mall,
    agency_id: int | None = None,
    service_id: int | None = None,
    date_from: date,
    date_to: date,
) -> dict[str, Any]:
    """The headline figures of the period [date_from, date_to] (mall-local days).

    {"tickets", "served", "no_show", "no_show_rate", "abandoned", "abandoned_rate",
     "transferred", "wait_minutes": {"mean", "p50", "p90"},
     "service_minutes": {"mean", "p50", "p90"},
     "by_channel": {"walk_in": N, ...}, "by_priority": {"none": N, "elderly": N, ...},
     "dossiers": {"received", "completed", "completed_on_time", "overdue", "sla_compliance"},
     "complaints": {"received", "first_responded", "first_response_on_time",
                    "first_response_on_time_rate", "overdue"},
     "outreach": {"requests", "visits"},
     "ikm": {"value", "grade", "performance", "respondents"}}
    Rates are shares 0..1 (None when the denominator is 0); minutes are floats (None when no
    ticket was called/served)."""
    validate_period(date_from, date_to)
    _service_in_scope(mall, agency_id, service_id)
    t = _ticket_total(mall, agency_id, service_id, date_from, date_to)
    d = _dossier_total(mall, agency_id, service_id, date_from, date_to)
    s = _survey_total(mall, agency_id, service_id, date_from, date_to)
    return {
        "mall": mall.slug,
        "agency_id": agency_id,
        "service_id": service_id,
        "from": date_from,
        "to": date_to,
        "tickets": t.tickets,
        "served": t.served,
        "not_served": t.not_served,
        "no_show": t.no_show,
        "no_show_rate": _rate(t.no_show, t.tickets),
        "abandoned": t.abandoned,
        "abandoned_rate": _rate(t.abandoned, t.tickets),
        "transferred": t.transferred,
        "wait_minutes": _time_stats(t.wait_us, t.wait_count, t.wait_hist),
        "service_minutes": _time_stats(t.service_us, t.service_count, t.service_hist),
        "by_channel": dict(sorted(t.by_channel.items())),
        "by_priority": dict(sorted(t.by_priority.items())),
        "dossiers": {
            "received": d.received,
            "completed": d.completed,
            "completed_on_time": d.completed_on_time,
            "overdue": _dossiers_overdue(mall, _as_of(mall, date_to), agency_id, service_id),
            "sla_compliance": _rate(d.completed_on_time, d.completed),
        },
        "complaints": _complaints(mall, agency_id, service_id, date_from, date_to),
        "outreach": _outreach(mall, agency_id, service_id, date_from, date_to),
        "ikm": _ikm_out(s),
    }


def _period_start(day: date, bucket: str) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _series_row(period: Any, f: TicketFigures) -> dict[str, Any]:
    return {
        "period": period,
        "tickets": f.tickets,
        "served": f.served,
        "no_show": f.no_show,
        "abandoned": f.abandoned,
        "wait_mean": _minutes(f.wait_us, f.wait_count),
        "wait_p90": hist_percentile(f.wait_hist, 0.9),
    }


def ticket_series(
    *,
    mall: Mall,
    agency_id: int | None = None,
    service_id: int | None = None,
    date_from: date,
    date_to: date,
    bucket: Bucket = "day",
) -> list[dict[str, Any]]:
    """One row per period: {"period" (date for day/week/month, ISO datetime for hour),
    "tickets", "served", "no_show", "abandoned", "wait_mean", "wait_p90"} (minutes).
    Weeks start on Monday, months on the 1st; empty periods are included with zeros.
    `hour` is limited to 31 days (InvalidInput otherwise) and has no p90 (None): the roll-ups
    keep counts and sums per hour, not histograms."""
    validate_period(date_from, date_to)
    if bucket not in BUCKETS:
        raise InvalidInput(f"bucket must be one of {', '.join(BUCKETS)}.", field="query.bucket")
    _service_in_scope(mall, agency_id, service_id)
    per_day = _ticket_days(mall, agency_id, service_id, date_from, date_to)
    if bucket == "hour":
        if (date_to - date_from).days + 1 > MAX_HOUR_PERIOD_DAYS:
            raise InvalidInput("Hourly series cover at most 31 days.", field="query.bucket")
        zone = mall.zone
        rows = []
        for day in sorted(per_day):
            for hour, values in sorted(per_day[day].by_hour.items(), key=lambda kv: int(kv[0])):
                visits, served, no_show, abandoned, wait_count, wait_us = values
                rows.append(
                    {
                        "period": datetime.combine(day, time(int(hour)), tzinfo=zone),
                        "tickets": visits,
                        "served": served,
                        "no_show": no_show,
                        "abandoned": abandoned,
                        "wait_mean": _minutes(wait_us, wait_count),
                        "wait_p90": None,
                    }
                )
        return rows
    grouped: dict[date, TicketFigures] = {}
    for day in rollups.days_between(date_from, date_to):
        period = _period_start(day, bucket)
        figures = grouped.setdefault(period, TicketFigures())
        if day in per_day:
            figures.add(per_day[day])
    return [_series_row(period, figures) for period, figures in sorted(grouped.items())]


def _closures(mall: Mall) -> dict[date, str]:
    from satupintu.catalog.selectors import mall_closures

    return dict(mall_closures(mall=mall))


def dossier_backlog_by_age(
    *, mall: Mall, agency_id: int | None = None, on: date
) -> list[dict[str, Any]]:
    """Dossiers open at the end of `on`, by age in working days since submission:
    [{"bucket": "0-2", "count", "overdue"}, "3-5", "6-10", "11-20", ">20"]."""
    zone = mall.zone
    closures = _closures(mall)
    counts = {label: [0, 0] for label, _lo, _hi in AGE_BUCKETS}
    ages: dict[date, int] = {}
    for submitted_at, due in _open_dossiers(mall, on, agency_id).values_list(
        "submitted_at", "sla_due"
    ):
        submitted_on = submitted_at.astimezone(zone).date()
        if submitted_on not in ages:
            ages[submitted_on] = (
                working_days_between(submitted_on, on, closures) if submitted_on < on else 0
            )
        age = ages[submitted_on]
        for label, low, high in AGE_BUCKETS:
            if age >= low and (high is None or age <= high):
                counts[label][0] += 1
                counts[label][1] += due is not None and due < on
                break
    return [
        {"bucket": label, "count": counts[label][0], "overdue": counts[label][1]}
        for label, _lo, _hi in AGE_BUCKETS
    ]


def overdue_by_agency(
    *, mall: Mall, on: date, agency_id: int | None = None
) -> list[dict[str, Any]]:
    """[{"agency_id", "agency", "open", "overdue"}] for dossiers open at the end of `on`,
    agencies with open dossiers only, most overdue first."""
    rows = (
        _open_dossiers(mall, on, agency_id)
        .values("agency_id", "agency__name")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(sla_due__lt=on)))
        .order_by()
    )
    out = [
        {
            "agency_id": r["agency_id"],
            "agency": r["agency__name"],
            "open": r["open"],
            "overdue": r["overdue"],
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["overdue"], -r["open"], r["agency"] or ""))


def _work_rows(
    mall: Mall, agency_id: int | None, date_from: date, date_to: date
) -> list[tuple[int | None, int | None, int, int, int, int]]:
    """(counter_id, officer_id, finished, served, service_count, service_us) per day and key."""
    days = _split_days(mall, date_from, date_to)
    rows: list[tuple[int | None, int | None, int, int, int, int]] = []
    if days.built:
        qs = DailyWorkStats.objects.filter(
            mall=mall, day__gte=days.built[0], day__lte=days.built[-1]
        )
        if agency_id is not None:
            qs = qs.filter(agency_id=agency_id)
        built = set(days.built)
        for day, *values in qs.values_list(
            "day", "counter_id", "officer_id", "finished", "served", "service_count", "service_us"
        ).order_by():
            if day in built:
                rows.append(tuple(values))  # type: ignore[arg-type]
    for day in days.live:
        for (counter_id, officer_id, key_agency), w in rollups.ticket_figures_of_day(mall, day)[
            1
        ].items():
            if agency_id is None or key_agency == agency_id:
                rows.append(
                    (counter_id, officer_id, w.finished, w.served, w.service_count, w.service_us)
                )
    return rows


def counter_utilisation(
    *, mall: Mall, date_from: date, date_to: date, agency_id: int | None = None
) -> list[dict[str, Any]]:
    """[{"counter_id", "counter", "open_minutes", "serving_minutes", "utilisation"}]: minutes
    officers held the counter (counter sessions, clipped to the period; a pause counts as open,
    the sessions keep no pause history) and minutes spent serving (start -> finish events at
    that counter); utilisation = serving / open (None when never open). With `agency_id`, only
    counters serving that agency, and only the serving time of its services."""
    validate_period(date_from, date_to)
    start, _ = day_bounds(mall, date_from)
    _, end = day_bounds(mall, date_to)
    now = timezone.now()
    counters = Counter.objects.filter(mall=mall)
    if agency_id is not None:
        counters = counters.filter(services__agency_id=agency_id).distinct()
    names = dict(counters.values_list("pk", "name"))
    open_us: dict[int, int] = defaultdict(int)
    for counter_id, opened, closed in (
        CounterSession.objects.filter(counter_id__in=list(names), opened_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=start))
        .values_list("counter_id", "opened_at", "closed_at")
    ):
        span = min(closed or now, end, now) - max(opened, start)
        if span > timedelta(0):
            open_us[counter_id] += span // timedelta(microseconds=1)
    serving_us: dict[int, int] = defaultdict(int)
    for work_counter, _officer, _f, _s, _count, us in _work_rows(
        mall, agency_id, date_from, date_to
    ):
        if work_counter is not None and work_counter in names:
            serving_us[work_counter] += us
    out = []
    for counter_id, name in sorted(names.items(), key=lambda kv: kv[1]):
        opened_us, served_us = open_us.get(counter_id, 0), serving_us.get(counter_id, 0)
        out.append(
            {
                "counter_id": counter_id,
                "counter": name,
                "open_minutes": round(opened_us / 60e6, 1),
                "serving_minutes": round(served_us / 60e6, 1),
                "utilisation": round(served_us / opened_us, 4) if opened_us else None,
            }
        )
    return out


def officer_throughput(
    *, mall: Mall, agency_id: int | None = None, date_from: date, date_to: date
) -> list[dict[str, Any]]:
    """[{"officer_id", "officer", "served", "finished", "service_minutes_mean"}] from the
    `finish` events each officer recorded, most served first."""
    validate_period(date_from, date_to)
    totals: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for _counter, officer_id, finished, served, count, us in _work_rows(
        mall, agency_id, date_from, date_to
    ):
        row = totals[officer_id]
        row[0] += finished
        row[1] += served
        row[2] += count
        row[3] += us
    from django.contrib.auth import get_user_model

    users = {
        u.pk: (u.get_full_name() or u.username)
        for u in get_user_model().objects.filter(pk__in=[k for k in totals if k is not None])
    }
    out = [
        {
            "officer_id": officer_id,
            "officer": users.get(officer_id, "") if officer_id is not None else "",
            "finished": finished,
            "served": served,
            "service_minutes_mean": _minutes(us, count),
        }
        for officer_id, (finished, served, count, us) in totals.items()
    ]
    return sorted(out, key=lambda r: (-r["served"], r["officer"]))


def mall_comparison(*, mall_ids: list[int], date_from: date, date_to: date) -> list[dict[str, Any]]:
    """[{"mall_id", "mall", "slug", "tickets", "wait_mean", "wait_p90", "sla_compliance", "ikm",
    "grade"}] for a province or national view; the caller checks which malls the user may see
    (`report_mall_ids`)."""
    validate_period(date_from, date_to)
    out = []
    for mall in Mall.objects.filter(pk__in=mall_ids).order_by("name"):
        t = _ticket_total(mall, None, None, date_from, date_to)
        d = _dossier_total(mall, None, None, date_from, date_to)
        ikm_out = _ikm_out(_survey_total(mall, None, None, date_from, date_to))
        out.append(
            {
                "mall_id": mall.pk,
                "mall": mall.name,
                "slug": mall.slug,
                "tickets": t.tickets,
                "served": t.served,
                "wait_mean": _minutes(t.wait_us, t.wait_count),
                "wait_p90": hist_percentile(t.wait_hist, 0.9),
                "dossiers_completed": d.completed,
                "sla_compliance": _rate(d.completed_on_time, d.completed),
                "ikm": ikm_out["value"],
                "grade": ikm_out["grade"],
                "respondents": ikm_out["respondents"],
            }
        )
    return out


def _per_agency(mall: Mall, date_from: date, date_to: date) -> dict[int, list[int]]:
    """agency id -> [visits, wait µs, called visits, dossiers received, completed, on time,
    visits served], summed in the database over the built days and computed once for the live
    ones."""
    days = _split_days(mall, date_from, date_to)
    out: dict[int, list[int]] = defaultdict(lambda: [0] * 7)
    if days.built:
        built_range = {"day__gte": days.built[0], "day__lte": days.built[-1]}
        if len(days.built) != (days.built[-1] - days.built[0]).days + 1:
            built_range = {"day__in": days.built}  # type: ignore[dict-item]
        for agency_id, tickets, wait_us, wait_count, served in (
            DailyTicketStats.objects.filter(mall=mall, level="agency", **built_range)
            .values("agency_id")
            .annotate(t=Sum("tickets"), w=Sum("wait_us"), c=Sum("wait_count"), s=Sum("served"))
            .values_list("agency_id", "t", "w", "c", "s")
            .order_by()
        ):
            row = out[agency_id]
            row[0] += tickets or 0
            row[1] += wait_us or 0
            row[2] += wait_count or 0
            row[6] += served or 0
        for agency_id, received, completed, on_time in (
            DailyDossierStats.objects.filter(mall=mall, **built_range)
            .values("agency_id")
            .annotate(r=Sum("received"), c=Sum("completed"), o=Sum("completed_on_time"))
            .values_list("agency_id", "r", "c", "o")
            .order_by()
        ):
            row = out[agency_id]
            row[3] += received or 0
            row[4] += completed or 0
            row[5] += on_time or 0
    for day in days.live:
        for (level, key_agency, _service), t in rollups.ticket_figures_of_day(mall, day)[0].items():
            if level == "agency" and key_agency is not None:
                row = out[key_agency]
                row[0] += t.tickets
                row[1] += t.wait_us
                row[2] += t.wait_count
                row[6] += t.served
        for (dossier_agency, _service), d in rollups.dossier_figures_of_day(mall, day).items():
            row = out[dossier_agency]
            row[3] += d.received
            row[4] += d.completed
            row[5] += d.completed_on_time
    return dict(out)


def public_summary(*, mall: Mall, date_from: date, date_to: date) -> dict[str, Any]:
    """Aggregates for the public transparency page, nothing personal: tickets, served, mean and
    p90 wait, dossier SLA compliance, complaints received and answered on time, IKM and grade,
    and per agency {agency_id, agency, tickets, wait_mean, sla_compliance}."""
    figures = kpis(mall=mall, date_from=date_from, date_to=date_to)
    agencies = []
    names = dict(Agency.objects.filter(mall=mall).values_list("pk", "name"))
    for agency_id, row in sorted(
        _per_agency(mall, date_from, date_to).items(), key=lambda kv: names.get(kv[0], "")
    ):
        tickets, wait_us, wait_count, received, completed, on_time, served = row
        if agency_id not in names or not (tickets or received or completed):
            continue
        agencies.append(
            {
                "agency_id": agency_id,
                "agency": names[agency_id],
                "tickets": tickets,
                "served": served,
                "wait_mean": _minutes(wait_us, wait_count),
                "dossiers_completed": completed,
                "sla_compliance": _rate(on_time, completed),
            }
        )
    return {
        "mall": mall.slug,
        "from": date_from,
        "to": date_to,
        "tickets": figures["tickets"],
        "served": figures["served"],
        "wait_minutes": figures["wait_minutes"],
        "dossiers": {
            k: figures["dossiers"][k] for k in ("received", "completed", "sla_compliance")
        },
        "complaints": {
            k: figures["complaints"][k] for k in ("received", "first_response_on_time_rate")
        },
        "ikm": figures["ikm"],
        "agencies": agencies,
    }
