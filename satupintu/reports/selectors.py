"""Reads of the reports app: KPIs, series and tables for the dashboards, the API and exports.

Every figure comes from the recorded rows: ticket events (TicketEvent), counter sessions,
dossiers and their SLA fields, surveys (through `satupintu.feedback`), complaints and outreach
requests/visits. Full past days are read from the daily roll-ups (`reports.models`), kept by
`rollup_day`; the mall's today is computed live from the same functions the roll-ups use, so
the two always agree (tests compare them).

Definitions (docs in `satupintu/reports/README.md`):
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

from datetime import date
from typing import Any, Literal

from satupintu.catalog.models import Mall

Bucket = Literal["hour", "day", "week", "month"]


def access_report_scope(
    user: Any, *, mall_slug: str, agency_id: int | None = None
) -> tuple[Mall, int | None]:
    """The mall and the agency filter `user` may read reports for.

    Mall-wide supervisor, mall admin and viewer memberships (and superusers) see the whole mall,
    and may narrow to any agency of it. Agency admins, agency supervisors and back-office
    officers see only their agency: with one agency it is forced when `agency_id` is None; an
    agency that is not theirs (or not in the mall), an unknown mall, an anonymous user or a
    user without a reporting role -> NotFound."""
    raise NotImplementedError


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
     "complaints": {"received", "first_responded", "first_response_on_time_rate", "overdue"},
     "outreach": {"requests", "visits"},
     "ikm": {"value", "grade", "performance", "respondents"}}
    Rates are shares 0..1 (None when the denominator is 0); minutes are floats (None when no
    ticket was called/served)."""
    raise NotImplementedError


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
    `hour` is limited to 31 days (InvalidInput otherwise)."""
    raise NotImplementedError


def dossier_backlog_by_age(
    *, mall: Mall, agency_id: int | None = None, on: date
) -> list[dict[str, Any]]:
    """Dossiers open at the end of `on`, by age in working days since submission:
    [{"bucket": "0-2", "count", "overdue"}, "3-5", "6-10", "11-20", ">20"]."""
    raise NotImplementedError


def overdue_by_agency(
    *, mall: Mall, on: date, agency_id: int | None = None
) -> list[dict[str, Any]]:
    """[{"agency_id", "agency", "open", "overdue"}] for dossiers open at the end of `on`,
    agencies with open dossiers only, most overdue first."""
    raise NotImplementedError


def counter_utilisation(
    *, mall: Mall, date_from: date, date_to: date, agency_id: int | None = None
) -> list[dict[str, Any]]:
    """[{"counter_id", "counter", "open_minutes", "serving_minutes", "utilisation"}]: minutes
    officers held the counter (counter sessions, clipped to the period) and minutes spent
    serving (start -> finish events at that counter); utilisation = serving / open (None when
    never open). With `agency_id`, only counters serving that agency."""
    raise NotImplementedError


def officer_throughput(
    *, mall: Mall, agency_id: int | None = None, date_from: date, date_to: date
) -> list[dict[str, Any]]:
    """[{"officer_id", "officer", "served", "finished", "service_minutes_mean"}] from the
    `finish` events each officer recorded, most served first."""
    raise NotImplementedError


def mall_comparison(*, mall_ids: list[int], date_from: date, date_to: date) -> list[dict[str, Any]]:
    """[{"mall_id", "mall", "slug", "tickets", "wait_mean", "sla_compliance", "ikm", "grade"}]
    for a province or national view; the caller checks which malls the user may see."""
    raise NotImplementedError


def public_summary(*, mall: Mall, date_from: date, date_to: date) -> dict[str, Any]:
    """Aggregates for the public transparency page, nothing personal: tickets, served, mean and
    p90 wait, dossier SLA compliance, complaints received and answered on time, IKM and grade,
    and per agency {agency, tickets, wait_mean, sla_compliance}."""
    raise NotImplementedError
