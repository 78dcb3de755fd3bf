"""Report pages: the mall and agency dashboards (today live + trends), the national comparison,
the public transparency page, CSV/Excel downloads of every table and the monthly PDF.

Access goes through `selectors.access_report_scope` (mall-wide roles see any agency, agency staff
only their own; anything else is a 404), so a page and its downloads are scoped alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from satupintu.accounts.roles import scope_for
from satupintu.catalog import selectors as catalog_selectors
from satupintu.catalog.models import Mall
from satupintu.catalog.selectors import mall_get
from satupintu.core.errors import DomainError, InvalidInput, NotFound
from satupintu.reports import exports, pdf, selectors, tables

PRESETS = ("today", "7d", "30d", "month", "12m")
DEFAULT_PRESET = "30d"
PUBLIC_PRESETS = ("30d", "month", "12m")
PUBLIC_CACHE_SECONDS = tables.PUBLIC_CACHE_SECONDS
LIVE_REFRESH_SECONDS = 30


# --- the period ---------------------------------------------------------------------------------


@dataclass
class Period:
    date_from: date
    date_to: date
    preset: str
    bucket: str
    error: str = ""

    def query(self, **extra: str) -> str:
        params = (
            {"preset": self.preset}
            if self.preset
            else {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        )
        params.update(extra)
        return urlencode(params)


def preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == "today":
        return today, today
    if preset == "7d":
        return today - timedelta(days=6), today
    if preset == "month":
        return today.replace(day=1), today
    if preset == "12m":
        first = today.replace(day=1)
        for _step in range(11):
            first = (first - timedelta(days=1)).replace(day=1)
        return first, today
    return today - timedelta(days=29), today


def parse_period(request: HttpRequest, mall: Mall, presets: tuple[str, ...] = PRESETS) -> Period:
    """The period from `?preset=` or `?from=&to=` (ISO dates); bad input falls back to the
    default preset with a message naming the problem, never a 500."""
    today = mall.today()
    raw_from, raw_to = request.GET.get("from", ""), request.GET.get("to", "")
    preset = request.GET.get("preset", "")
    error = ""
    if (raw_from or raw_to) and not preset and presets is PRESETS:
        try:
            date_from = date.fromisoformat(raw_from)
            date_to = date.fromisoformat(raw_to)
            selectors.validate_period(date_from, date_to)
            return Period(date_from, date_to, "", _bucket(request, date_from, date_to))
        except ValueError:
            error = _("Enter both dates as YYYY-MM-DD.")
        except InvalidInput as exc:
            error = _translate_period_error(exc)
    if preset not in presets:
        preset = DEFAULT_PRESET
    date_from, date_to = preset_range(preset, today)
    return Period(date_from, date_to, preset, _bucket(request, date_from, date_to), error)


def _translate_period_error(exc: InvalidInput) -> str:
    if exc.field == "query.from":
        return _("The start date must not be after the end date.")
    return _("The period may cover at most three years.")


def _bucket(request: HttpRequest, date_from: date, date_to: date) -> str:
    bucket = request.GET.get("bucket", "")
    if bucket in ("day", "week", "month"):
        return bucket
    return tables.auto_bucket(date_from, date_to)


# --- scope --------------------------------------------------------------------------------------


def _scope_or_404(user: Any, mall_slug: str, agency_id: int | None) -> tuple[Mall, int | None]:
    try:
        return selectors.access_report_scope(user, mall_slug=mall_slug, agency_id=agency_id)
    except InvalidInput:
        # Staff of several agencies must pick one: the lowest id is a stable default.
        mall = mall_get(slug=mall_slug)
        own = scope_for(user, "report", "view").agencies_in(mall.pk)
        if not own:  # pragma: no cover - access_report_scope raised for a reason
            raise NotFound("No such report") from None
        return mall, own[0]


def _agency_slug(agency_id: int | None) -> str:
    if agency_id is None:
        return ""
    agency = catalog_selectors.agencies_by_ids([agency_id]).first()
    return agency.slug if agency else ""


def _dashboard_url(mall: Mall, agency_id: int | None) -> str:
    if agency_id is None:
        return reverse("reports:dashboard", args=[mall.slug])
    return reverse("reports:agency-dashboard", args=[mall.slug, agency_id])


def _export_url(mall: Mall, agency_id: int | None, table: str) -> str:
    if agency_id is None:
        return reverse("reports:export", args=[mall.slug, table])
    return reverse("reports:agency-export", args=[mall.slug, agency_id, table])


def monthly_pdf_url(mall: Mall, month: date) -> str:
    return reverse(
        "reports:monthly-pdf", args=[mall.slug, f"{month.year:04d}", f"{month.month:02d}"]
    )


def _mall_wide(user: Any, mall: Mall) -> bool:
    try:
        return selectors.access_report_scope(user, mall_slug=mall.slug)[1] is None
    except DomainError:
        return False


# --- dashboards ---------------------------------------------------------------------------------


@login_required
@require_GET
def mall_dashboard(request: HttpRequest, mall_slug: str) -> HttpResponse:
    mall, agency_id = _scope_or_404(request.user, mall_slug, None)
    picked = request.GET.get("agency", "")
    if agency_id is None and picked.isdigit() and len(picked) < 10:
        # The agency picker of the page (works without JavaScript).
        query = request.GET.copy()
        del query["agency"]
        url = _dashboard_url(mall, int(picked))
        return redirect(f"{url}?{query.urlencode()}" if query else url)
    if agency_id is not None:
        # Agency staff have no mall-wide view: their own agency's dashboard is theirs.
        url = _dashboard_url(mall, agency_id)
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    return _dashboard(request, mall, None)


@login_required
@require_GET
def agency_dashboard(request: HttpRequest, mall_slug: str, agency_id: int) -> HttpResponse:
    mall, scoped = _scope_or_404(request.user, mall_slug, agency_id)
    return _dashboard(request, mall, scoped)


def _dashboard(request: HttpRequest, mall: Mall, agency_id: int | None) -> HttpResponse:
    period = parse_period(request, mall)
    scope = tables.Scope(mall, agency_id, period.date_from, period.date_to, period.bucket)
    built = tables.tables_for(scope)
    query = period.query(bucket=period.bucket)
    for slug, table in built.items():
        base = _export_url(mall, agency_id, slug)
        table.csv_url = f"{base}?{query}&format=csv"
        table.xlsx_url = f"{base}?{query}&format=xlsx"
    agency = catalog_selectors.agencies_by_ids([agency_id]).first() if agency_id else None
    mall_wide = _mall_wide(request.user, mall)
    today = mall.today()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    pdf_base = {
        "last": monthly_pdf_url(mall, last_month),
        "this": monthly_pdf_url(mall, this_month),
    }
    if agency_id is not None:
        pdf_base = {k: f"{v}?agency={agency_id}" for k, v in pdf_base.items()}
    live_url = (
        reverse("reports:today", args=[mall.slug])
        if agency_id is None
        else reverse("reports:agency-today", args=[mall.slug, agency_id])
    )
    return render(
        request,
        "reports/dashboard.html",
        {
            "mall": mall,
            "agency": agency,
            "agencies": catalog_selectors.live_agencies(mall) if mall_wide else [],
            "mall_wide": mall_wide,
            "period": period,
            "presets": _preset_choices(PRESETS),
            "kpis": scope.kpis,
            "tables": built,
            "today": tables.today_figures(mall=mall, agency_id=agency_id),
            "live_url": live_url,
            "live_refresh": LIVE_REFRESH_SECONDS,
            "pdf": pdf_base,
            "last_month": last_month,
            "this_month": this_month,
            "dashboard_url": _dashboard_url(mall, agency_id),
            "mall_dashboard_url": _dashboard_url(mall, None) if mall_wide else "",
            "public_url": reverse("reports:public", args=[mall.slug]),
            "ikm_url": reverse("feedback:ikm-report", args=[mall.slug])
            + (f"?agency={agency_id}" if agency_id else ""),
        },
    )


def _preset_choices(presets: tuple[str, ...]) -> list[tuple[str, str]]:
    names = {
        "today": _("Today"),
        "7d": _("7 days"),
        "30d": _("30 days"),
        "month": _("This month"),
        "12m": _("12 months"),
    }
    return [(p, names[p]) for p in presets]


@login_required
@require_GET
def today_panel(request: HttpRequest, mall_slug: str, agency_id: int | None = None) -> HttpResponse:
    """The live tiles (htmx polls this every LIVE_REFRESH_SECONDS)."""
    mall, scoped = _scope_or_404(request.user, mall_slug, agency_id)
    if agency_id is None and scoped is not None:
        raise Http404("No such report")
    response = render(
        request,
        "reports/_today.html",
        {
            "today": tables.today_figures(mall=mall, agency_id=scoped),
            "live_url": request.path,
            "live_refresh": LIVE_REFRESH_SECONDS,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- exports ------------------------------------------------------------------------------------


def _format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        raise Http404("Unknown format")
    return fmt


@login_required
@require_GET
def table_export(
    request: HttpRequest, mall_slug: str, table: str, agency_id: int | None = None
) -> HttpResponse:
    mall, scoped = _scope_or_404(request.user, mall_slug, agency_id)
    if agency_id is None and scoped is not None:
        # The mall-wide URL never serves agency staff: theirs carries the agency.
        return redirect(f"{_export_url(mall, scoped, table)}?{request.GET.urlencode()}")
    build = tables.BUILDERS.get(table)
    if build is None or (scoped is not None and table in tables.MALL_ONLY):
        raise Http404("No such table")
    fmt = _format(request)
    period = parse_period(request, mall)
    result = build(tables.Scope(mall, scoped, period.date_from, period.date_to, period.bucket))
    agency_slug = _agency_slug(scoped)
    name = exports.export_filename(
        mall_slug=mall.slug,
        table=table,
        date_from=period.date_from,
        date_to=period.date_to,
        extra=agency_slug,
    )
    return exports.table_response(result, fmt=fmt, filename=name)


# --- national view ------------------------------------------------------------------------------


def _national_scope(request: HttpRequest) -> tuple[list[int], Period]:
    mall_ids = selectors.report_mall_ids(request.user)
    if not mall_ids:
        raise Http404("No such report")
    first = catalog_selectors.malls_by_ids(mall_ids).first()
    assert first is not None
    return mall_ids, parse_period(request, first)


@login_required
@require_GET
def national(request: HttpRequest) -> HttpResponse:
    mall_ids, period = _national_scope(request)
    table = tables.malls_table(mall_ids, period.date_from, period.date_to)
    query = period.query()
    base = reverse("reports:national-export")
    table.csv_url = f"{base}?{query}&format=csv"
    table.xlsx_url = f"{base}?{query}&format=xlsx"
    malls = {m.name: m.slug for m in catalog_selectors.malls_by_ids(mall_ids)}
    return render(
        request,
        "reports/national.html",
        {
            "table": table,
            "period": period,
            "presets": _preset_choices(PRESETS),
            "links": [
                (row[0], reverse("reports:dashboard", args=[malls[str(row[0])]]))
                for row in table.rows
                if str(row[0]) in malls
            ],
        },
    )


@login_required
@require_GET
def national_export(request: HttpRequest) -> HttpResponse:
    mall_ids, period = _national_scope(request)
    fmt = _format(request)
    table = tables.malls_table(mall_ids, period.date_from, period.date_to)
    name = exports.export_filename(
        mall_slug="nasional", table="malls", date_from=period.date_from, date_to=period.date_to
    )
    return exports.table_response(table, fmt=fmt, filename=name)


# --- public transparency page -------------------------------------------------------------------


def _public_summary(mall: Mall, period: Period) -> dict[str, Any]:
    """Aggregates only, cached a few minutes: the page is public and may be popular."""
    return tables.public_summary_cached(mall, period.date_from, period.date_to)


@require_GET
def public_page(request: HttpRequest, mall_slug: str) -> HttpResponse:
    mall = mall_get(slug=mall_slug)
    period = parse_period(request, mall, PUBLIC_PRESETS)
    period.error = ""
    summary = _public_summary(mall, period)
    table = tables.public_agencies_table(summary)
    base = reverse("reports:public-export", args=[mall.slug])
    table.csv_url = f"{base}?{period.query()}&format=csv"
    table.xlsx_url = f"{base}?{period.query()}&format=xlsx"
    busiest = sorted(table.rows, key=lambda r: -(r[1] if isinstance(r[1], int) else 0))
    table.chart = {
        "type": "bar",
        "horizontal": True,
        "labels": [r[0] for r in busiest],
        "datasets": [{"label": _("Visitors"), "data": [r[1] for r in busiest]}],
    }
    response = render(
        request,
        "reports/public.html",
        {
            "mall": mall,
            "summary": summary,
            "table": table,
            "period": period,
            "presets": _preset_choices(PUBLIC_PRESETS),
            "language": get_language(),
        },
    )
    response["Cache-Control"] = f"max-age={PUBLIC_CACHE_SECONDS}"
    return response


@require_GET
def public_export(request: HttpRequest, mall_slug: str) -> HttpResponse:
    mall = mall_get(slug=mall_slug)
    period = parse_period(request, mall, PUBLIC_PRESETS)
    fmt = _format(request)
    table = tables.public_agencies_table(_public_summary(mall, period))
    name = exports.export_filename(
        mall_slug=mall.slug,
        table="transparansi",
        date_from=period.date_from,
        date_to=period.date_to,
    )
    return exports.table_response(table, fmt=fmt, filename=name)


# --- monthly PDF --------------------------------------------------------------------------------


@login_required
@require_GET
def monthly_pdf(request: HttpRequest, mall_slug: str, year: str, month: str) -> HttpResponse:
    raw_agency = request.GET.get("agency", "")
    agency_id = int(raw_agency) if raw_agency.isdigit() and len(raw_agency) < 10 else None
    mall, scoped = _scope_or_404(request.user, mall_slug, agency_id)
    number_month = int(month)
    if not 1 <= number_month <= 12 or not 2000 <= int(year) <= 2100:
        raise Http404("No such month")
    first = date(int(year), number_month, 1)
    if first > mall.today():
        raise Http404("That month has not begun")
    content = pdf.monthly_report(mall=mall, agency_id=scoped, month=first)
    agency_slug = _agency_slug(scoped)
    name = f"laporan-bulanan-{mall.slug}{'-' + agency_slug if agency_slug else ''}-{year}-{month}"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
