"""The monthly report for the leadership (PDF, ReportLab, in Indonesian): a cover, the KPIs of
the month beside the previous month's, charts drawn with reportlab.graphics, the per-agency
table, the open-dossier backlog, satisfaction (IKM) and complaints.

Figures come from the same table builders as the dashboards (`reports.tables`)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from django.utils import formats, timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from satupintu.catalog.models import Agency, Mall
from satupintu.reports import tables

BLUE = colors.HexColor("#1d4ed8")
BLUE_DARK = colors.HexColor("#1e3a8a")
GREY = colors.HexColor("#e5e7eb")
PALETTE = [BLUE, colors.HexColor("#f59e0b"), colors.HexColor("#dc2626"), colors.HexColor("#16a34a")]
WIDTH = A4[0] - 36 * mm
REPORT_LANGUAGE = "id"


def month_last_day(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def month_title(first: date) -> str:
    return f"{MONTHS[first.month]} {first.year}"


def monthly_report(*, mall: Mall, agency_id: int | None, month: date) -> bytes:
    """The PDF of `month` (its first day) for the mall, or one agency of it."""
    with override(REPORT_LANGUAGE):
        return _MonthlyReport(mall, agency_id, month).build()


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _num(value: Any, kind: str) -> str:
    return tables.display(value, kind)


class _MonthlyReport:
    def __init__(self, mall: Mall, agency_id: int | None, month: date) -> None:
        self.mall = mall
        self.agency = Agency.objects.filter(pk=agency_id).first() if agency_id else None
        self.agency_id = agency_id
        self.first = month
        self.last = month_last_day(month)
        before = previous_month(month)
        self.scope = tables.Scope(mall, agency_id, self.first, self.last, "day")
        self.before = tables.Scope(mall, agency_id, before, month_last_day(before), "day")
        styles = getSampleStyleSheet()
        self.h1 = ParagraphStyle("h1", parent=styles["Heading1"], textColor=BLUE_DARK)
        self.h2 = ParagraphStyle("h2", parent=styles["Heading2"], textColor=BLUE_DARK)
        self.body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10, leading=14)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10)
        self.cover_title = ParagraphStyle(
            "cover", parent=styles["Title"], fontSize=26, leading=32, textColor=BLUE_DARK
        )
        self.cover_sub = ParagraphStyle(
            "coversub", parent=styles["Title"], fontSize=16, leading=22, textColor=colors.black
        )

    # --- document ---

    def build(self) -> bytes:
        buffer = io.BytesIO()
        title = f"{_('Monthly report')} {self.mall.name} {month_title(self.first)}"
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=title,
            author="Satu Pintu",
            subject=_("Monthly report for the leadership"),
            lang="id-ID",
        )
        story: list[Any] = []
        story += self.cover()
        story.append(PageBreak())
        story += self.kpi_section()
        story += self.charts()
        story += self.agency_section()
        story += self.backlog_section()
        story += self.satisfaction_section()
        doc.build(story, onFirstPage=self.footer, onLaterPages=self.footer)
        return buffer.getvalue()

    def footer(self, canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.grey)
        text = f"{self.mall.name} · {_('Monthly report')} {month_title(self.first)}"
        canvas.drawString(18 * mm, 10 * mm, text)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, _("Page %(n)d") % {"n": doc.page})
        canvas.restoreState()

    def cover(self) -> list[Any]:
        lines = [
            Spacer(1, 50 * mm),
            Paragraph(_("Monthly report"), self.cover_title),
            Spacer(1, 6 * mm),
            Paragraph(self.mall.name, self.cover_sub),
        ]
        if self.agency is not None:
            lines.append(Paragraph(self.agency.name, self.cover_sub))
        lines += [
            Spacer(1, 4 * mm),
            Paragraph(month_title(self.first), self.cover_sub),
            Spacer(1, 40 * mm),
            Paragraph(
                _("Period %(start)s to %(end)s. Made on %(made)s from the recorded events.")
                % {
                    "start": formats.date_format(self.first, "j F Y"),
                    "end": formats.date_format(self.last, "j F Y"),
                    "made": formats.date_format(timezone.localdate(), "j F Y"),
                },
                self.body,
            ),
        ]
        if self.mall.address:
            lines.append(Paragraph(self.mall.address, self.body))
        return lines

    # --- sections ---

    def _grid(self, data: list[list[Any]], widths: list[float], numeric_from: int = 1) -> Table:
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                    ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
                    ("BACKGROUND", (0, 0), (-1, 0), BLUE),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    (
                        "ROWBACKGROUNDS",
                        (0, 1),
                        (-1, -1),
                        [colors.white, colors.HexColor("#f3f6fb")],
                    ),
                    ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, GREY),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return table

    def kpi_section(self) -> list[Any]:
        now, then = self.scope.kpis, self.before.kpis
        figures: list[tuple[str, Any, Any, str, bool]] = [
            # label, this month, last month, kind, higher is better
            (_("Tickets"), now["tickets"], then["tickets"], tables.INT, True),
            (_("Served"), now["served"], then["served"], tables.INT, True),
            (
                _("Mean wait (minutes)"),
                now["wait_minutes"]["mean"],
                then["wait_minutes"]["mean"],
                tables.MINUTES,
                False,
            ),
            (
                _("90th percentile wait (minutes)"),
                now["wait_minutes"]["p90"],
                then["wait_minutes"]["p90"],
                tables.MINUTES,
                False,
            ),
            (
                _("No-shows (%)"),
                tables.percent(now["no_show_rate"]),
                tables.percent(then["no_show_rate"]),
                tables.PERCENT,
                False,
            ),
            (
                _("Dossiers received"),
                now["dossiers"]["received"],
                then["dossiers"]["received"],
                tables.INT,
                True,
            ),
            (
                _("Dossiers completed"),
                now["dossiers"]["completed"],
                then["dossiers"]["completed"],
                tables.INT,
                True,
            ),
            (
                _("SLA compliance (%)"),
                tables.percent(now["dossiers"]["sla_compliance"]),
                tables.percent(then["dossiers"]["sla_compliance"]),
                tables.PERCENT,
                True,
            ),
            (
                _("Dossiers overdue"),
                now["dossiers"]["overdue"],
                then["dossiers"]["overdue"],
                tables.INT,
                False,
            ),
            (_("IKM (25-100)"), now["ikm"]["value"], then["ikm"]["value"], tables.NUMBER, True),
            (
                _("Complaints received"),
                now["complaints"]["received"],
                then["complaints"]["received"],
                tables.INT,
                False,
            ),
            (
                _("Complaints answered on time (%)"),
                tables.percent(now["complaints"]["first_response_on_time_rate"]),
                tables.percent(then["complaints"]["first_response_on_time_rate"]),
                tables.PERCENT,
                True,
            ),
            (
                _("Outreach visits completed"),
                now["outreach"]["visits"],
                then["outreach"]["visits"],
                tables.INT,
                True,
            ),
        ]
        data: list[list[Any]] = [
            [
                _("Figure"),
                month_title(self.first),
                month_title(self.before.date_from),
                pgettext("difference from the month before", "Change"),
            ]
        ]
        marks: list[tuple[int, Any]] = []
        for row, (label, value, previous, kind, higher_better) in enumerate(figures, start=1):
            change = ""
            if isinstance(value, int | float) and isinstance(previous, int | float):
                delta = value - previous
                sign = "+" if delta > 0 else ""
                change = (
                    f"{sign}{_num(round(delta, 2), tables.NUMBER if kind != tables.INT else kind)}"
                )
                if delta:
                    good = (delta > 0) == higher_better
                    marks.append((row, colors.HexColor("#15803d" if good else "#b91c1c")))
            data.append([label, _num(value, kind), _num(previous, kind), change])
        table = self._grid(data, [WIDTH * 0.46, WIDTH * 0.18, WIDTH * 0.18, WIDTH * 0.18])
        for row, colour in marks:
            table.setStyle(TableStyle([("TEXTCOLOR", (3, row), (3, row), colour)]))
        return [
            Paragraph(_("Key figures"), self.h1),
            Paragraph(
                _(
                    "The month compared with the month before. Green: better, red: worse. "
                    "A month still running is compared as far as it has gone."
                ),
                self.body,
            ),
            Spacer(1, 3 * mm),
            table,
        ]

    def charts(self) -> list[Any]:
        series = tables.series_table(self.scope)
        days = [str(r[0])[-2:] for r in series.rows]
        served = [_int(r[2]) for r in series.rows]
        missed = [_int(r[3]) + _int(r[4]) for r in series.rows]
        drawing = Drawing(WIDTH, 62 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y = 12 * mm, 14 * mm
        chart.width, chart.height = WIDTH - 16 * mm, 42 * mm
        chart.data = [served, missed]
        chart.categoryAxis.style = "stacked"
        chart.categoryAxis.categoryNames = days
        chart.categoryAxis.labels.fontSize = 6
        chart.valueAxis.valueMin = 0
        chart.valueAxis.labels.fontSize = 7
        chart.bars[0].fillColor = BLUE
        chart.bars[1].fillColor = PALETTE[1]
        chart.bars.strokeColor = None
        drawing.add(chart)
        legend = Legend()
        legend.x, legend.y = 14 * mm, 4 * mm
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.fontSize = 8
        legend.colorNamePairs = [
            (BLUE, _("Served")),
            (PALETTE[1], _("Not served, no-show or left")),
        ]
        drawing.add(legend)
        drawing.add(
            String(
                0,
                58 * mm,
                _("Tickets per day, %(month)s") % {"month": month_title(self.first)},
                fontName="Helvetica-Bold",
                fontSize=10,
            )
        )
        return [
            Spacer(1, 6 * mm),
            Paragraph(_("Visitors"), self.h1),
            drawing,
        ]

    def agency_section(self) -> list[Any]:
        if self.agency_id is not None:
            return []
        table = tables.agencies_table(self.scope)
        if not table.rows:
            return [Paragraph(_("Per agency"), self.h1), Paragraph(_("No data."), self.body)]
        out: list[Any] = [PageBreak(), Paragraph(_("Per agency"), self.h1)]
        top = sorted(table.rows, key=lambda r: -_int(r[1]))[:12]
        height = max(30 * mm, 8 * mm + 6 * mm * len(top))
        drawing = Drawing(WIDTH, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = 60 * mm, 4 * mm
        chart.width, chart.height = WIDTH - 64 * mm, height - 8 * mm
        chart.data = [[_int(r[1]) for r in reversed(top)]]
        chart.categoryAxis.categoryNames = [str(r[0])[:38] for r in reversed(top)]
        chart.categoryAxis.labels.fontSize = 7
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.valueAxis.valueMin = 0
        chart.valueAxis.labels.fontSize = 7
        chart.bars[0].fillColor = BLUE
        chart.bars.strokeColor = None
        drawing.add(chart)
        out += [
            Paragraph(_("Tickets per agency (the busiest twelve)"), self.body),
            drawing,
            Spacer(1, 4 * mm),
        ]
        data: list[list[Any]] = [table.header]
        for row in table.rows:
            data.append(
                [
                    Paragraph(str(row[0]), self.small),
                    *(
                        _num(value, column.kind)
                        for value, column in zip(row[1:], table.columns[1:], strict=True)
                    ),
                ]
            )
        header = [Paragraph(f"<b>{h}</b>", self.small) for h in table.header]
        data[0] = header
        out.append(
            self._grid(
                data,
                [WIDTH * 0.36, WIDTH * 0.14, WIDTH * 0.16, WIDTH * 0.17, WIDTH * 0.17],
            )
        )
        return out

    def backlog_section(self) -> list[Any]:
        backlog = tables.backlog_table(self.scope)
        data: list[list[Any]] = [backlog.header]
        for row in backlog.rows:
            data.append([row[0], _num(row[1], tables.INT), _num(row[2], tables.INT)])
        return [
            KeepTogether(
                [
                    Spacer(1, 4 * mm),
                    Paragraph(backlog.title, self.h2),
                    Paragraph(backlog.note, self.small),
                    Spacer(1, 2 * mm),
                    self._grid(data, [WIDTH * 0.4, WIDTH * 0.3, WIDTH * 0.3]),
                ]
            )
        ]

    def satisfaction_section(self) -> list[Any]:
        k = self.scope.kpis
        ikm, complaints = k["ikm"], k["complaints"]
        if ikm["value"] is None:
            ikm_text = _("No survey answers this month.")
        else:
            ikm_text = _(
                "IKM %(value)s, grade %(grade)s (%(performance)s), from %(n)d respondents."
            ) % {
                "value": _num(ikm["value"], tables.NUMBER),
                "grade": ikm["grade"],
                "performance": ikm["performance"],
                "n": ikm["respondents"],
            }
        data = [
            [_("Figure"), _("Value")],
            [_("Complaints received"), _num(complaints["received"], tables.INT)],
            [_("First responses"), _num(complaints["first_responded"], tables.INT)],
            [
                _("First responses on time"),
                _num(complaints["first_response_on_time"], tables.INT),
            ],
            [
                _("Complaints answered on time (%)"),
                _num(tables.percent(complaints["first_response_on_time_rate"]), tables.PERCENT),
            ],
            [_("Without a first response, past due"), _num(complaints["overdue"], tables.INT)],
        ]
        return [
            KeepTogether(
                [
                    Spacer(1, 6 * mm),
                    Paragraph(_("Satisfaction and complaints"), self.h1),
                    Paragraph(ikm_text, self.body),
                    Spacer(1, 3 * mm),
                    self._grid(data, [WIDTH * 0.6, WIDTH * 0.4]),
                ]
            )
        ]
