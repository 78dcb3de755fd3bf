"""Predicted against actual, per day, on the staff dashboards (registered into the reports
app's tables by `apps.PlanningConfig.ready`): the forecast arrivals against the tickets taken,
and the mean wait the plan predicts (Erlang C with the forecast and the mall's counters)
against the mean wait measured."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _

from satupintu.catalog.models import Service
from satupintu.planning import erlang, forecast, planner
from satupintu.reports import selectors as report_selectors
from satupintu.reports.tables import INT, MINUTES, Column, Scope, Table

MAX_DAYS = 31


def _predicted_wait(
    by_service: dict[int, dict[int, float]],
    groups: list[planner.Group],
    minutes: dict[int, float],
    service_ids: set[int] | None,
) -> float | None:
    """Arrival-weighted mean wait (minutes) over the day's hours and groups, each group hour
    with the counters Erlang C asks for the usual target, at most the group's counters."""
    total = weighted = 0.0
    for group in groups:
        hours = {h for s in group.service_ids for h in by_service.get(s, {})}
        for h in hours:
            lam = sum(
                by_service.get(s, {}).get(h, 0.0)
                for s in group.service_ids
                if service_ids is None or s in service_ids
            )
            all_lam = sum(by_service.get(s, {}).get(h, 0.0) for s in group.service_ids)
            if lam <= 0 or all_lam <= 0:
                continue
            s_mean = (
                sum(by_service.get(s, {}).get(h, 0.0) * minutes[s] for s in group.service_ids)
                / all_lam
            )
            c = min(len(group.counters), erlang.counters_needed(all_lam, s_mean, 15, 0.8))
            a = all_lam / 60 * s_mean
            # Fewer counters than the load: the queue grows all hour, shown as an hour.
            wait = 60.0 if c <= a else erlang.erlang_c(c, a) * s_mean / (c - a)
            total += lam
            weighted += lam * wait
    return weighted / total if total else None


def predicted_table(scope: Scope) -> Table:
    start = max(scope.date_from, scope.date_to - timedelta(days=MAX_DAYS - 1))
    days = [start + timedelta(days=i) for i in range((scope.date_to - start).days + 1)]
    actual = {
        r["period"].date() if hasattr(r["period"], "date") else r["period"]: r
        for r in report_selectors.ticket_series(
            mall=scope.mall,
            agency_id=scope.agency_id,
            date_from=start,
            date_to=scope.date_to,
            bucket="day",
        )
    }
    service_ids = None
    if scope.agency_id is not None:
        service_ids = set(
            Service.objects.filter(agency_id=scope.agency_id).values_list("id", flat=True)
        )
    groups = planner.counter_groups(scope.mall)
    minutes, _standard = planner.service_minutes(scope.mall, start)
    rows = []
    for made in forecast.forecast_days(scope.mall, days):
        if made.kind == "closed" and not actual.get(made.day, {}).get("tickets"):
            continue
        expected = sum(
            sum(hours.values())
            for sid, hours in made.by_service.items()
            if service_ids is None or sid in service_ids
        )
        row = actual.get(made.day, {})
        rows.append(
            [
                made.day.isoformat(),
                round(expected),
                row.get("tickets", 0),
                _predicted_wait(made.by_service, groups, minutes, service_ids),
                row.get("wait_mean"),
            ]
        )
    table = Table(
        slug="predicted",
        title=_("Predicted against actual"),
        columns=[
            Column("day", _("Day")),
            Column("forecast", _("Visitors forecast"), INT),
            Column("tickets", _("Visitors (tickets)"), INT),
            Column("wait_predicted", _("Predicted mean wait (minutes)"), MINUTES),
            Column("wait_mean", _("Mean wait (minutes)"), MINUTES),
        ],
        rows=rows,
        note=_(
            "Forecast from the same weekdays of the 8 weeks before, busier around holidays; "
            "predicted wait by Erlang C with the counters the planner proposes."
        ),
    )
    table.chart = {
        "type": "bar",
        "labels": [r[0] for r in rows],
        "datasets": [
            {"label": _("Visitors forecast"), "data": [r[1] for r in rows]},
            {"label": _("Visitors (tickets)"), "data": [r[2] for r in rows]},
        ],
    }
    return table
