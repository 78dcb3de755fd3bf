"""Issue #12, numbers that contradict each other, on the demo mall itself: its seeded history
stays inside opening hours, a 12-month dashboard reads the daily roll-ups (a bounded number of
queries, with a loading notice), every IKM figure names its period and respondents and equal
periods give equal figures, the IKM population is the visitors served, and the transparency
page adds up."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from satupintu.accounts.models import User
from satupintu.catalog.models import Mall, OpeningHours
from satupintu.feedback import selectors as feedback_selectors
from satupintu.feedback.models import Survey
from satupintu.queueing.models import TicketEvent
from satupintu.reports import selectors
from satupintu.reports.models import RollupDay

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)
        yield Mall.objects.get(slug="yogyakarta")
        call_command("flush", verbosity=0, interactive=False)


def _page(user: str, url: str) -> tuple[Any, int]:
    client = Client()
    client.force_login(User.objects.get(username=user))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200
    return response, len(queries)


def test_seeded_history_stays_inside_opening_hours(demo: Mall) -> None:
    hours = {h.weekday: (h.opens, h.closes) for h in OpeningHours.objects.filter(mall=demo)}
    today = demo.today()
    events = TicketEvent.objects.filter(
        ticket__mall=demo, ticket__service_date__lt=today, action__in=["issue", "call", "start"]
    ).values_list("at", "action")
    assert events.count() > 500  # months of history
    for at, action in events:
        local = at.astimezone(demo.zone)
        opens, closes = hours[local.weekday()]  # no visit on a day the mall is closed
        assert local.time() >= opens, (action, local)
        if action in ("issue", "call"):
            assert local.time() <= closes, (action, local)
    for at in Survey.objects.filter(mall=demo).values_list("submitted_at", flat=True):
        local = at.astimezone(demo.zone)
        assert local.weekday() in hours, local
        assert local.time() >= hours[local.weekday()][0], local


def test_twelve_month_dashboard_reads_the_roll_ups(demo: Mall) -> None:
    assert RollupDay.objects.filter(mall=demo).count() > 50
    _month, month_queries = _page("pimpinan", f"/laporan/{demo.slug}/?preset=30d")
    year, year_queries = _page("pimpinan", f"/laporan/{demo.slug}/?preset=12m")
    # The roll-ups, not a dozen queries per day (8,086 queries before): fewer queries than
    # days in the year, and less than twice the month's.
    assert year_queries <= 300, year_queries
    assert year_queries < 2 * month_queries, (month_queries, year_queries)
    html = year.content.decode()
    assert 'id="report-loading"' in html
    assert 'data-loading="report-loading"' in html


def _ikm_on(html: str) -> tuple[str, str]:
    """The IKM value and its period line, as a page shows them."""
    tile = re.search(
        r'IKM</a></p><p class="value">([^<]+)</p>.*?class="ikm-period">([^<]+)<', html, re.S
    )
    assert tile, html[:2000]
    return tile.group(1).strip(), tile.group(2).strip()


def test_every_ikm_figure_names_its_period_and_equal_periods_agree(demo: Mall) -> None:
    today = demo.today()
    start = today - timedelta(days=29)
    figures = selectors.kpis(mall=demo, date_from=start, date_to=today)["ikm"]
    public = selectors.public_summary(mall=demo, date_from=start, date_to=today)["ikm"]
    scope = feedback_selectors.access_ikm_scope(
        user=User.objects.get(username="supervisor"), mall=demo, agency_id=None, service_id=None
    )
    report = feedback_selectors.ikm_report(scope=scope, date_from=start, date_to=today)
    assert figures["respondents"] > 0
    assert figures["value"] == public["value"] == report["ikm"]
    assert figures["respondents"] == public["respondents"] == report["respondents"]

    value = f"{report['ikm']:.2f}".replace(".", ",")
    period = f"{start.day} "  # the period's first day, written on each page
    dashboard, _ = _page("supervisor", f"/laporan/{demo.slug}/?preset=30d")
    shown, named = _ikm_on(dashboard.content.decode())
    assert shown == value
    assert named.startswith(period)
    ikm_page, _ = _page("supervisor", f"/laporan/ikm/{demo.slug}/")  # default: the same 30 days
    text = ikm_page.content.decode()
    assert value in text
    dash = "\N{EN DASH}"
    assert re.search(
        rf"Periode {start.day} \w+ {start.year} {dash} {today.day} \w+ {today.year} · "
        rf"{report['respondents']} responden",
        text,
    )


def test_ikm_population_is_the_visitors_served(demo: Mall) -> None:
    today = demo.today()
    start = today - timedelta(days=29)
    scope = feedback_selectors.access_ikm_scope(
        user=User.objects.get(username="supervisor"), mall=demo, agency_id=None, service_id=None
    )
    report = feedback_selectors.ikm_report(scope=scope, date_from=start, date_to=today)
    served = selectors.kpis(mall=demo, date_from=start, date_to=today)["served"]
    assert report["population"] >= served > 0
    assert report["population"] >= report["respondents"]
    assert report["sample_sufficient"] is not None


def test_transparency_page_adds_up(demo: Mall) -> None:
    today = demo.today()
    start = today - timedelta(days=29)
    summary = selectors.public_summary(mall=demo, date_from=start, date_to=today)
    assert sum(a["tickets"] for a in summary["agencies"]) == summary["tickets"]
    assert sum(a["served"] for a in summary["agencies"]) == summary["served"]
    from django.urls import reverse

    page = Client().get(reverse("reports:public", args=[demo.slug]) + "?preset=30d",
                        HTTP_ACCEPT_LANGUAGE="id")  # fmt: skip
    html = page.content.decode()
    assert "dilayani sampai selesai" in html
    assert "ikm-period" in html
    assert "responden" in html


def test_history_days_are_weekdays(demo: Mall) -> None:
    days = set(
        TicketEvent.objects.filter(ticket__mall=demo, action="issue").values_list(
            "ticket__service_date", flat=True
        )
    )
    assert all(d.weekday() < 5 for d in days if d != demo.today()), sorted(days)[:5]


def test_every_heat_cell_passes_the_contrast_check() -> None:
    from satupintu.reports.tables import HEAT_RGB, TEXT_DARK, _luminance, heat_needs_white_text

    for step in range(101):
        alpha = step / 100
        shade = tuple(255 * (1 - alpha) + c * alpha for c in HEAT_RGB)
        background = _luminance(shade)  # type: ignore[arg-type]
        if heat_needs_white_text(alpha):
            ratio = 1.05 / (background + 0.05)
        else:
            ratio = (background + 0.05) / (_luminance(TEXT_DARK) + 0.05)
        assert ratio >= 4.5, (alpha, ratio)
