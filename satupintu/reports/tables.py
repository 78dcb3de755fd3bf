"""The tables of the dashboards, built once from the report selectors and used three ways: the
page (with its chart and an accessible table), the CSV/Excel export and the monthly PDF. One
builder per table, so that a download always holds the same rows as the page.

Cells are plain values (str, int, float or None); rates are percentages 0..100 rounded to one
decimal, times are minutes. Formatting for people happens in `Table.display_rows`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from satupintu.catalog.models import Mall
from satupintu.queueing.models import CounterSession, Ticket
from satupintu.reports import selectors

Cell = str | int | float | None

TEXT, INT, MINUTES, PERCENT, NUMBER = "text", "int", "minutes", "percent", "number"

CHANNEL_LABELS = {
    "walk_in": gettext_lazy("Walk-in"),
    "drive_thru": gettext_lazy("Drive-thru"),
    "online": gettext_lazy("Online"),
    "outreach": gettext_lazy("Outreach"),
    "appointment": gettext_lazy("Appointment"),
}
PRIORITY_LABELS = {
    "none": gettext_lazy("Regular"),
    "elderly": gettext_lazy("Elderly"),
    "disabled": gettext_lazy("Disability"),
    "pregnant": gettext_lazy("Pregnant"),
    "child_or_infant": gettext_lazy("With a child or infant"),
}
WEEKDAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)


def percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


@dataclass
class Column:
    key: str
    label: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    note: str = ""
    chart: dict[str, Any] | None = None
    # For a heat table: the largest value, to shade the cells.
    heat_max: int = 0
    csv_url: str = ""
    xlsx_url: str = ""

    @property
    def chart_height(self) -> str:
        """Horizontal bar charts grow with their rows so that every label stays readable."""
        if not self.chart or not self.chart.get("horizontal"):
            return ""
        return f"{max(12.0, 1.6 * len(self.chart['labels']) + 3):.1f}rem"

    @property
    def chart_id(self) -> str:
        return f"chart-{self.slug}"

    @property
    def chart_summary(self) -> str:
        """A one-sentence summary of the chart for screen readers (`aria-label`)."""
        if not self.chart or not self.chart["datasets"]:
            return ""
        dataset = self.chart["datasets"][0]
        points = [
            (label, value)
            for label, value in zip(self.chart["labels"], dataset["data"], strict=False)
            if value is not None
        ]
        if not points:
            return _("%(title)s: no data in this period.") % {"title": self.title}
        label, value = max(points, key=lambda p: p[1])
        return _(
            "%(title)s, %(count)d values of %(series)s; highest %(value)s (%(label)s). "
            "The numbers are in the table."
        ) % {
            "title": self.title,
            "count": len(points),
            "series": dataset["label"],
            "value": formats.number_format(value),
            "label": label,
        }

    @property
    def header(self) -> list[str]:
        return [str(c.label) for c in self.columns]

    def display_rows(self) -> list[list[dict[str, Any]]]:
        out = []
        for row in self.rows:
            cells = []
            for column, value in zip(self.columns, row, strict=True):
                cell: dict[str, Any] = {"text": display(value, column.kind), "num": column.numeric}
                if self.heat_max and column.kind == INT and isinstance(value, int):
                    cell["heat"] = round(value / self.heat_max, 2)
                    cell["heat_white_text"] = heat_needs_white_text(cell["heat"])
                cells.append(cell)
            out.append(cells)
        return out


HEAT_RGB = (11, 79, 138)  # the shade of a heat cell, over white, by its share of the largest
TEXT_DARK = (0, 0, 0)  # black: with #1a1a1a a middle shade would pass neither way


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def heat_needs_white_text(alpha: float) -> bool:
    """Whether white text reads better than the dark text on a heat cell of this shade (the
    one of the two with the higher contrast, so that every cell passes WCAG AA)."""
    shade = tuple(255 * (1 - alpha) + c * alpha for c in HEAT_RGB)
    background = _luminance(shade)  # type: ignore[arg-type]
    on_white = 1.05 / (background + 0.05)
    on_dark = (background + 0.05) / (_luminance(TEXT_DARK) + 0.05)
    return on_white > on_dark


def display(value: Cell, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == PERCENT:
        return f"{formats.number_format(value, 1)} %"
    if isinstance(value, int) or kind == INT:
        return formats.number_format(value, 0, force_grouping=True)
    if kind in (MINUTES, NUMBER):
        return formats.number_format(value, 1 if kind == MINUTES else 2, force_grouping=True)
    return str(value)


# --- the scope of one dashboard ----------------------------------------------------------------


@dataclass
class Scope:
    mall: Mall
    agency_id: int | None
    date_from: date
    date_to: date
    bucket: str = "day"
    _kpis: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def kpis(self) -> dict[str, Any]:
        if self._kpis is None:
            self._kpis = selectors.kpis(
                mall=self.mall,
                agency_id=self.agency_id,
                date_from=self.date_from,
                date_to=self.date_to,
            )
        return self._kpis

    @property
    def as_of(self) -> date:
        return min(self.date_to, self.mall.today())


def auto_bucket(date_from: date, date_to: date) -> str:
    days = (date_to - date_from).days + 1
    if days <= 35:
        return "day"
    if days <= 190:
        return "week"
    return "month"


def _period_label(value: Any, bucket: str) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:00")
    if bucket == "month":
        return value.strftime("%Y-%m")
    return value.isoformat()


# --- builders -----------------------------------------------------------------------------------


def summary_table(scope: Scope) -> Table:
    k = scope.kpis
    rows: list[list[Cell]] = [
        [_("Tickets"), k["tickets"]],
        [_("Served"), k["served"]],
        [_("No-shows"), k["no_show"]],
        [_("Left before being served"), k["abandoned"]],
        [_("Transferred"), k["transferred"]],
        [_("Mean wait (minutes)"), k["wait_minutes"]["mean"]],
        [_("Median wait (minutes)"), k["wait_minutes"]["p50"]],
        [_("90th percentile wait (minutes)"), k["wait_minutes"]["p90"]],
        [_("Mean service time (minutes)"), k["service_minutes"]["mean"]],
        [_("Dossiers received"), k["dossiers"]["received"]],
        [_("Dossiers completed"), k["dossiers"]["completed"]],
        [_("Dossiers completed on time"), k["dossiers"]["completed_on_time"]],
        [_("SLA compliance (%)"), percent(k["dossiers"]["sla_compliance"])],
        [_("Dossiers overdue"), k["dossiers"]["overdue"]],
        [_("IKM (25-100)"), k["ikm"]["value"]],
        [_("IKM grade"), k["ikm"]["grade"] or ""],
        [_("Survey respondents"), k["ikm"]["respondents"]],
        [_("Complaints received"), k["complaints"]["received"]],
        [
            _("Complaints answered on time (%)"),
            percent(k["complaints"]["first_response_on_time_rate"]),
        ],
        [_("Outreach requests"), k["outreach"]["requests"]],
        [_("Outreach visits completed"), k["outreach"]["visits"]],
    ]
    return Table(
        slug="summary",
        title=_("Summary"),
        columns=[Column("figure", _("Figure")), Column("value", _("Value"), NUMBER)],
        rows=rows,
    )


def series_table(scope: Scope) -> Table:
    rows = selectors.ticket_series(
        mall=scope.mall,
        agency_id=scope.agency_id,
        date_from=scope.date_from,
        date_to=scope.date_to,
        bucket=scope.bucket,  # type: ignore[arg-type]
    )
    titles = {"day": _("Tickets per day"), "week": _("Tickets per week")}
    table = Table(
        slug="series",
        title=titles.get(scope.bucket, _("Tickets per month")),
        columns=[
            Column("period", _("Period")),
            Column("tickets", _("Tickets"), INT),
            Column("served", _("Served"), INT),
            Column("no_show", _("No-shows"), INT),
            Column("abandoned", _("Left before being served"), INT),
            Column("wait_mean", _("Mean wait (minutes)"), MINUTES),
            Column("wait_p90", _("90th percentile wait (minutes)"), MINUTES),
        ],
        rows=[
            [
                _period_label(r["period"], scope.bucket),
                r["tickets"],
                r["served"],
                r["no_show"],
                r["abandoned"],
                r["wait_mean"],
                r["wait_p90"],
            ]
            for r in rows
        ],
    )
    table.chart = {
        "type": "bar",
        "labels": [r[0] for r in table.rows],
        "datasets": [
            {"label": _("Served"), "data": [r[2] for r in table.rows], "stack": "t"},
            {"label": _("No-shows"), "data": [r[3] for r in table.rows], "stack": "t"},
            {
                "label": _("Left before being served"),
                "data": [r[4] for r in table.rows],
                "stack": "t",
            },
        ],
        "stacked": True,
    }
    return table


def _trend_periods(date_from: date, date_to: date) -> list[tuple[date, date]]:
    """Weeks (Monday..Sunday) for a period up to about two months, calendar months beyond."""
    periods = []
    if (date_to - date_from).days + 1 <= 62:
        start = date_from
        while start <= date_to:
            end = min(start + timedelta(days=6 - start.weekday()), date_to)
            periods.append((start, end))
            start = end + timedelta(days=1)
        return periods
    start = date_from
    while start <= date_to:
        next_month = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = min(next_month - timedelta(days=1), date_to)
        periods.append((start, end))
        start = next_month
    return periods


def _trend_label(start: date, end: date) -> str:
    """A whole calendar month reads as 2026-07, any other span as 2026-07-06/2026-07-12."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        return start.strftime("%Y-%m")
    return f"{start.isoformat()} \u2013 {end.isoformat()}"


def trend_table(scope: Scope) -> Table:
    rows: list[list[Cell]] = []
    for start, end in _trend_periods(scope.date_from, scope.date_to):
        if start > scope.mall.today():
            break
        k = selectors.kpis(mall=scope.mall, agency_id=scope.agency_id, date_from=start, date_to=end)
        rows.append(
            [
                _trend_label(start, end),
                k["tickets"],
                k["wait_minutes"]["mean"],
                k["wait_minutes"]["p50"],
                k["wait_minutes"]["p90"],
                percent(k["dossiers"]["sla_compliance"]),
                k["ikm"]["value"],
                percent(k["complaints"]["first_response_on_time_rate"]),
                k["outreach"]["requests"],
                k["outreach"]["visits"],
            ]
        )
    table = Table(
        slug="trend",
        title=_("Trends"),
        columns=[
            Column("period", _("Period")),
            Column("tickets", _("Tickets"), INT),
            Column("wait_mean", _("Mean wait (minutes)"), MINUTES),
            Column("wait_p50", _("Median wait (minutes)"), MINUTES),
            Column("wait_p90", _("90th percentile wait (minutes)"), MINUTES),
            Column("sla", _("SLA compliance (%)"), PERCENT),
            Column("ikm", _("IKM (25-100)"), NUMBER),
            Column("complaints_on_time", _("Complaints answered on time (%)"), PERCENT),
            Column("outreach_requests", _("Outreach requests"), INT),
            Column("outreach_visits", _("Outreach visits completed"), INT),
        ],
        rows=rows,
    )
    labels = [str(r[0]).split(" ")[0] for r in rows]
    table.chart = {
        "type": "line",
        "labels": labels,
        "datasets": [
            {"label": _("Median wait (minutes)"), "data": [r[3] for r in rows], "yAxisID": "y"},
            {"label": _("90th percentile wait (minutes)"), "data": [r[4] for r in rows]},
            {"label": _("SLA compliance (%)"), "data": [r[5] for r in rows], "yAxisID": "y1"},
            {"label": _("IKM (25-100)"), "data": [r[6] for r in rows], "yAxisID": "y1"},
            {
                "label": _("Complaints answered on time (%)"),
                "data": [r[7] for r in rows],
                "yAxisID": "y1",
            },
        ],
        "y_label": _("minutes"),
        "y1_label": _("% / IKM"),
    }
    return table


def hours_table(scope: Scope) -> Table:
    """Tickets by weekday and hour of arrival (a heat table), over the last 31 days of the
    period at most (the roll-ups keep hours for every day, the series caps the span)."""
    start = max(scope.date_from, scope.date_to - timedelta(days=30))
    rows = selectors.ticket_series(
        mall=scope.mall,
        agency_id=scope.agency_id,
        date_from=start,
        date_to=scope.date_to,
        bucket="hour",
    )
    grid: dict[int, dict[int, int]] = {}
    for r in rows:
        when: datetime = r["period"]
        grid.setdefault(when.weekday(), {}).setdefault(when.hour, 0)
        grid[when.weekday()][when.hour] += r["tickets"]
    hours = sorted({h for per_day in grid.values() for h in per_day}) or list(range(8, 16))
    hours = list(range(min(hours), max(hours) + 1))
    body: list[list[Cell]] = []
    for weekday in range(7):
        if weekday not in grid and weekday >= 5:
            continue
        per_hour = grid.get(weekday, {})
        body.append([str(WEEKDAYS[weekday]), *(per_hour.get(h, 0) for h in hours)])
    totals = [sum(grid.get(w, {}).get(h, 0) for w in grid) for h in hours]
    table = Table(
        slug="hours",
        title=_("Tickets by weekday and hour"),
        columns=[
            Column("weekday", _("Day")),
            *(Column(f"h{h:02d}", f"{h:02d}:00", INT) for h in hours),
        ],
        rows=body,
        note=_("Arrivals from %(start)s to %(end)s, by the hour they took their ticket.")
        % {"start": start.isoformat(), "end": scope.date_to.isoformat()},
        heat_max=max([v for row in body for v in row[1:] if isinstance(v, int)] or [0]),
    )
    table.chart = {
        "type": "bar",
        "labels": [f"{h:02d}:00" for h in hours],
        "datasets": [{"label": _("Tickets"), "data": totals}],
    }
    return table


def _share_table(slug: str, title: str, label: str, counts: dict[str, int], names: dict) -> Table:
    total = sum(counts.values())
    rows: list[list[Cell]] = [
        [str(names.get(key, key)), count, percent(count / total) if total else None]
        for key, count in sorted(counts.items(), key=lambda kv: -kv[1])
    ]
    table = Table(
        slug=slug,
        title=title,
        columns=[
            Column("name", label),
            Column("tickets", _("Tickets"), INT),
            Column("share", _("Share (%)"), PERCENT),
        ],
        rows=rows,
    )
    table.chart = {
        "type": "doughnut",
        "labels": [r[0] for r in rows],
        "datasets": [{"label": _("Tickets"), "data": [r[1] for r in rows]}],
    }
    return table


def channels_table(scope: Scope) -> Table:
    return _share_table(
        "channels",
        _("Tickets by channel"),
        _("Channel"),
        scope.kpis["by_channel"],
        CHANNEL_LABELS,
    )


def priorities_table(scope: Scope) -> Table:
    return _share_table(
        "priorities",
        _("Tickets by priority"),
        _("Priority"),
        scope.kpis["by_priority"],
        PRIORITY_LABELS,
    )


def counters_table(scope: Scope) -> Table:
    rows = selectors.counter_utilisation(
        mall=scope.mall,
        agency_id=scope.agency_id,
        date_from=scope.date_from,
        date_to=scope.date_to,
    )
    table = Table(
        slug="counters",
        title=_("Counter utilisation"),
        columns=[
            Column("counter", _("Counter")),
            Column("open_minutes", _("Open (minutes)"), MINUTES),
            Column("serving_minutes", _("Serving (minutes)"), MINUTES),
            Column("utilisation", _("Utilisation (%)"), PERCENT),
        ],
        rows=[
            [r["counter"], r["open_minutes"], r["serving_minutes"], percent(r["utilisation"])]
            for r in rows
        ],
    )
    table.chart = {
        "type": "bar",
        "horizontal": True,
        "labels": [r[0] for r in table.rows],
        "datasets": [{"label": _("Utilisation (%)"), "data": [r[3] for r in table.rows]}],
        "max": 100,
    }
    return table


def officers_table(scope: Scope) -> Table:
    rows = selectors.officer_throughput(
        mall=scope.mall,
        agency_id=scope.agency_id,
        date_from=scope.date_from,
        date_to=scope.date_to,
    )
    table = Table(
        slug="officers",
        title=_("Officer throughput"),
        columns=[
            Column("officer", _("Officer")),
            Column("served", _("Served"), INT),
            Column("finished", _("Finished"), INT),
            Column("service_minutes_mean", _("Mean service time (minutes)"), MINUTES),
        ],
        rows=[
            [r["officer"] or _("(unknown)"), r["served"], r["finished"], r["service_minutes_mean"]]
            for r in rows
        ],
    )
    table.chart = {
        "type": "bar",
        "horizontal": True,
        "labels": [r[0] for r in table.rows[:15]],
        "datasets": [{"label": _("Served"), "data": [r[1] for r in table.rows[:15]]}],
    }
    return table


def backlog_table(scope: Scope) -> Table:
    rows = selectors.dossier_backlog_by_age(
        mall=scope.mall, agency_id=scope.agency_id, on=scope.as_of
    )
    table = Table(
        slug="backlog",
        title=_("Open dossiers by age"),
        columns=[
            Column("age", _("Age (working days)")),
            Column("open", pgettext("dossiers not finished", "Open"), INT),
            Column("overdue", _("Overdue"), INT),
        ],
        rows=[[r["bucket"], r["count"], r["overdue"]] for r in rows],
        note=_("Open at the end of %(day)s.") % {"day": scope.as_of.isoformat()},
    )
    table.chart = {
        "type": "bar",
        "labels": [r[0] for r in table.rows],
        "datasets": [
            {
                "label": pgettext("dossiers not finished", "Open"),
                "data": [r[1] for r in table.rows],
            },
            {"label": _("Overdue"), "data": [r[2] for r in table.rows], "color": 2},
        ],
    }
    return table


def overdue_table(scope: Scope) -> Table:
    rows = selectors.overdue_by_agency(mall=scope.mall, agency_id=scope.agency_id, on=scope.as_of)
    table = Table(
        slug="overdue",
        title=_("Overdue dossiers per agency"),
        columns=[
            Column("agency", _("Agency")),
            Column("open", pgettext("dossiers not finished", "Open"), INT),
            Column("overdue", _("Overdue"), INT),
        ],
        rows=[[r["agency"], r["open"], r["overdue"]] for r in rows],
        note=_("Open at the end of %(day)s.") % {"day": scope.as_of.isoformat()},
    )
    table.chart = {
        "type": "bar",
        "horizontal": True,
        "labels": [r[0] for r in table.rows[:15]],
        "datasets": [
            {
                "label": pgettext("dossiers not finished", "Open"),
                "data": [r[1] for r in table.rows[:15]],
            },
            {"label": _("Overdue"), "data": [r[2] for r in table.rows[:15]], "color": 2},
        ],
    }
    return table


def agencies_table(scope: Scope) -> Table:
    """Per agency (mall-wide dashboards only): tickets, mean wait, dossiers, SLA compliance."""
    summary = _public_summary(scope.mall, scope.date_from, scope.date_to)
    rows: list[list[Cell]] = [
        [
            a["agency"],
            a["tickets"],
            a["wait_mean"],
            a["dossiers_completed"],
            percent(a["sla_compliance"]),
        ]
        for a in summary["agencies"]
    ]
    table = Table(
        slug="agencies",
        title=_("Per agency"),
        columns=[
            Column("agency", _("Agency")),
            Column("tickets", _("Tickets"), INT),
            Column("wait_mean", _("Mean wait (minutes)"), MINUTES),
            Column("dossiers_completed", _("Dossiers completed"), INT),
            Column("sla", _("SLA compliance (%)"), PERCENT),
        ],
        rows=rows,
    )
    busiest = sorted(rows, key=lambda r: -(r[1] if isinstance(r[1], int) else 0))
    table.chart = {
        "type": "bar",
        "horizontal": True,
        "labels": [r[0] for r in busiest],
        "datasets": [{"label": _("Tickets"), "data": [r[1] for r in busiest]}],
    }
    return table


PUBLIC_CACHE_SECONDS = 300


def _public_summary(mall: Mall, date_from: date, date_to: date) -> dict[str, Any]:
    """`selectors.public_summary`, cached a few minutes: it walks every agency, and both the
    public page and the staff dashboards' per-agency table read it."""
    key = f"reports:public:{mall.pk}:{date_from}:{date_to}"
    summary: dict[str, Any] | None = cache.get(key)
    if summary is None:
        summary = selectors.public_summary(mall=mall, date_from=date_from, date_to=date_to)
        cache.set(key, summary, PUBLIC_CACHE_SECONDS)
    return summary


def public_summary_cached(mall: Mall, date_from: date, date_to: date) -> dict[str, Any]:
    return _public_summary(mall, date_from, date_to)


def public_agencies_table(summary: dict[str, Any]) -> Table:
    rows: list[list[Cell]] = [
        [a["agency"], a["tickets"], a["served"], a["wait_mean"], percent(a["sla_compliance"])]
        for a in summary["agencies"]
    ]
    return Table(
        slug="public-agencies",
        title=_("Per agency"),
        columns=[
            Column("agency", _("Agency")),
            Column("tickets", _("Visitors"), INT),
            Column("served", _("Served to the end"), INT),
            Column("wait_mean", _("Mean wait (minutes)"), MINUTES),
            Column("sla", _("Permits finished on time (%)"), PERCENT),
        ],
        rows=rows,
    )


def malls_table(mall_ids: list[int], date_from: date, date_to: date) -> Table:
    """The national view: one row per mall, ranked by a simple composite (SLA compliance, then
    IKM, then mean wait), so that the leadership sees who leads and who needs help."""
    rows = selectors.mall_comparison(mall_ids=mall_ids, date_from=date_from, date_to=date_to)

    def rank_key(r: dict[str, Any]) -> tuple[float, float, float]:
        return (
            -(r["sla_compliance"] if r["sla_compliance"] is not None else -1),
            -(r["ikm"] if r["ikm"] is not None else -1),
            r["wait_mean"] if r["wait_mean"] is not None else float("inf"),
        )

    ranked = sorted(rows, key=rank_key)
    body: list[list[Cell]] = [
        [
            r["mall"],
            position,
            r["tickets"],
            r["wait_mean"],
            percent(r["sla_compliance"]),
            r["ikm"],
            r["grade"] or "",
        ]
        for position, r in enumerate(ranked, start=1)
    ]
    table = Table(
        slug="malls",
        title=_("Malls compared"),
        columns=[
            Column("mall", _("Mall")),
            Column("rank", _("Rank"), INT),
            Column("tickets", _("Tickets"), INT),
            Column("wait_mean", _("Mean wait (minutes)"), MINUTES),
            Column("sla", _("SLA compliance (%)"), PERCENT),
            Column("ikm", _("IKM (25-100)"), NUMBER),
            Column("grade", _("IKM grade")),
        ],
        rows=body,
        note=_("Ranked by SLA compliance, then IKM, then mean wait."),
    )
    table.chart = {
        "type": "bar",
        "labels": [r[0] for r in body],
        "datasets": [
            {"label": _("SLA compliance (%)"), "data": [r[4] for r in body]},
            {"label": _("IKM (25-100)"), "data": [r[5] for r in body]},
        ],
        "max": 100,
    }
    return table


# The tables of a staff dashboard, in page order; `agencies` only on the mall-wide one.
BUILDERS: dict[str, Callable[[Scope], Table]] = {
    "summary": summary_table,
    "trend": trend_table,
    "series": series_table,
    "hours": hours_table,
    "channels": channels_table,
    "priorities": priorities_table,
    "agencies": agencies_table,
    "counters": counters_table,
    "officers": officers_table,
    "backlog": backlog_table,
    "overdue": overdue_table,
}
MALL_ONLY = {"agencies"}


def register_table(slug: str, build: Callable[[Scope], Table], *, mall_only: bool = False) -> None:
    """A table a higher app adds to the staff dashboards and their exports (the planning app's
    predicted-against-actual table): reports cannot import the apps above it."""
    BUILDERS[slug] = build
    if mall_only:
        MALL_ONLY.add(slug)


def tables_for(scope: Scope) -> dict[str, Table]:
    return {
        slug: build(scope)
        for slug, build in BUILDERS.items()
        if scope.agency_id is None or slug not in MALL_ONLY
    }


# --- today, live --------------------------------------------------------------------------------


def today_figures(*, mall: Mall, agency_id: int | None) -> dict[str, Any]:
    """The live tiles: the day's KPIs plus who waits now and how many counters are staffed."""
    today = mall.today()
    k = selectors.kpis(mall=mall, agency_id=agency_id, date_from=today, date_to=today)
    waiting = Ticket.objects.filter(mall=mall, service_date=today, status=Ticket.Status.WAITING)
    sessions = CounterSession.objects.filter(
        counter__mall=mall, status__in=CounterSession.ACTIVE_STATUSES
    )
    if agency_id is not None:
        waiting = waiting.filter(current_service__agency_id=agency_id)
        sessions = sessions.filter(counter__services__agency_id=agency_id)
    return {
        "day": today,
        "tickets": k["tickets"],
        "waiting": waiting.count(),
        "wait_mean": k["wait_minutes"]["mean"],
        "served": k["served"],
        "no_show": k["no_show"],
        "counters_open": sessions.values("counter_id").distinct().count(),
    }
