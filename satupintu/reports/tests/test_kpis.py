"""KPIs against figures computed by hand from the event set of report_fixtures.py.

Visits on the day (waiting = first call - arrival; service = finish - start):
T1 S1 walk-in: wait 10, service 10, served.      T2 S1 elderly: wait 20, no-show.
T3 S1: wait 30 (first call at S1), transferred to S3, served there in 18 (counted once, at S1).
T4 S3 drive-thru: cancelled while waiting (abandoned). T5 S2: wait 5, service 5, not served.
Waits 5,10,20,30: mean 16.25, p50 10, p90 30. Services 5,10,18: mean 11, p50 10, p90 18."""

from __future__ import annotations

from datetime import timedelta

import pytest

from satupintu.core.workdays import working_days_between
from satupintu.reports import selectors
from satupintu.reports.tests.report_fixtures import Scene, build_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene() -> Scene:
    return build_scene()


def _period(scene: Scene) -> dict:
    return {"date_from": scene.monday, "date_to": scene.dossier_paused.sla_due}


def test_mall_kpis_match_the_hand_computed_figures(scene: Scene) -> None:
    k = selectors.kpis(mall=scene.mall, **_period(scene))
    assert k["tickets"] == 5
    assert k["served"] == 2
    assert k["not_served"] == 1
    assert k["no_show"] == 1
    assert k["no_show_rate"] == 0.2
    assert k["abandoned"] == 1
    assert k["abandoned_rate"] == 0.2
    assert k["transferred"] == 1
    assert k["wait_minutes"] == {"mean": 16.25, "p50": 10.0, "p90": 30.0}
    assert k["service_minutes"] == {"mean": 11.0, "p50": 10.0, "p90": 18.0}
    assert k["by_channel"] == {"drive_thru": 1, "walk_in": 4}
    assert k["by_priority"] == {"elderly": 1, "none": 4}
    # The paused dossier finished after its original due date but before the date moved by
    # its two paused working days: on time. The other finished a day late.
    assert k["dossiers"] == {
        "received": 3,
        "completed": 2,
        "completed_on_time": 1,
        "overdue": 1,
        "sla_compliance": 0.5,
    }
    assert k["complaints"] == {
        "received": 2,
        "first_responded": 1,
        "first_response_on_time": 1,
        "first_response_on_time_rate": 0.5,
        "overdue": 1,
    }
    assert k["ikm"] == {"value": 87.5, "grade": "B", "performance": "Baik", "respondents": 2}
    assert k["outreach"] == {"requests": 0, "visits": 0}


def test_agency_and_service_filters(scene: Scene) -> None:
    one = selectors.kpis(mall=scene.mall, agency_id=scene.agency1.pk, **_period(scene))
    assert (one["tickets"], one["served"], one["no_show"], one["abandoned"]) == (4, 2, 1, 0)
    assert one["wait_minutes"] == {"mean": 16.25, "p50": 10.0, "p90": 30.0}
    assert one["dossiers"]["received"] == 2
    assert one["dossiers"]["overdue"] == 0
    assert one["complaints"]["first_response_on_time_rate"] == 1.0
    two = selectors.kpis(mall=scene.mall, agency_id=scene.agency2.pk, **_period(scene))
    assert (two["tickets"], two["abandoned"], two["served"]) == (1, 1, 0)
    assert two["wait_minutes"] == {"mean": None, "p50": None, "p90": None}
    assert two["dossiers"]["overdue"] == 1
    assert two["dossiers"]["sla_compliance"] is None
    assert two["ikm"]["respondents"] == 0
    assert two["ikm"]["value"] is None
    s2 = selectors.kpis(mall=scene.mall, service_id=scene.s2.pk, **_period(scene))
    assert (s2["tickets"], s2["not_served"]) == (1, 1)
    assert s2["service_minutes"]["mean"] == 5.0


def test_series_by_day_week_and_hour(scene: Scene) -> None:
    days = selectors.ticket_series(mall=scene.mall, **_period(scene))
    assert len(days) == (scene.dossier_paused.sla_due - scene.monday).days + 1
    by_day = {row["period"]: row for row in days}
    assert by_day[scene.day]["tickets"] == 5
    assert by_day[scene.day]["wait_mean"] == 16.25
    assert by_day[scene.day]["wait_p90"] == 30.0
    assert sum(row["tickets"] for row in days) == 5
    weeks = selectors.ticket_series(mall=scene.mall, bucket="week", **_period(scene))
    assert weeks[0]["period"] == scene.monday
    assert weeks[0]["tickets"] == 5
    hours = selectors.ticket_series(mall=scene.mall, bucket="hour", **_period(scene))
    assert [(row["period"].hour, row["tickets"]) for row in hours] == [(8, 3), (9, 2)]
    assert hours[0]["wait_mean"] == 20.0  # 10, 20, 30


def test_officer_throughput_and_counter_utilisation(scene: Scene) -> None:
    rows = selectors.officer_throughput(mall=scene.mall, **_period(scene))
    assert rows == [
        {
            "officer_id": scene.officer.pk,
            "officer": "Petugas Satu",
            "finished": 3,
            "served": 2,
            "service_minutes_mean": 11.0,
        }
    ]
    two = selectors.officer_throughput(
        mall=scene.mall, agency_id=scene.agency2.pk, **_period(scene)
    )
    assert (two[0]["finished"], two[0]["served"], two[0]["service_minutes_mean"]) == (1, 1, 18.0)
    counters = selectors.counter_utilisation(mall=scene.mall, **_period(scene))
    assert counters == [
        {
            "counter_id": scene.counter.pk,
            "counter": scene.counter.name,
            "open_minutes": 120.0,
            "serving_minutes": 33.0,
            "utilisation": 0.275,
        }
    ]


def test_backlog_by_age_and_overdue_by_agency(scene: Scene) -> None:
    backlog = selectors.dossier_backlog_by_age(mall=scene.mall, on=scene.day)
    # Open at the end of the day: the paused dossier (submitted Monday) and the new one.
    age = working_days_between(scene.monday, scene.day)
    assert age <= 2
    assert backlog[0] == {"bucket": "0-2", "count": 2, "overdue": 0}
    assert sum(row["count"] for row in backlog) == 2
    later = scene.dossier_paused.sla_due
    assert selectors.overdue_by_agency(mall=scene.mall, on=later) == [
        {"agency_id": scene.agency2.pk, "agency": "Dinas Dua", "open": 1, "overdue": 1}
    ]
    assert selectors.overdue_by_agency(mall=scene.mall, on=later, agency_id=scene.agency1.pk) == []


def test_public_summary_has_aggregates_only(scene: Scene) -> None:
    summary = selectors.public_summary(mall=scene.mall, **_period(scene))
    assert summary["tickets"] == 5
    assert summary["ikm"]["grade"] == "B"
    text = repr(summary)
    for personal in ("Pemohon", "petugas1", "Petugas", "AB 1 X", "DPAUSED", "CMP-1"):
        assert personal not in text
    assert {a["agency"] for a in summary["agencies"]} == {"Dinas Satu", "Dinas Dua"}


def test_mall_comparison(scene: Scene) -> None:
    rows = selectors.mall_comparison(mall_ids=[scene.mall.pk], **_period(scene))
    assert rows[0]["tickets"] == 5
    assert rows[0]["wait_mean"] == 16.25
    assert rows[0]["sla_compliance"] == 0.5
    assert rows[0]["ikm"] == 87.5


def test_future_days_count_nothing(scene: Scene) -> None:
    start = scene.day + timedelta(days=400)
    k = selectors.kpis(mall=scene.mall, date_from=start, date_to=start + timedelta(days=5))
    assert k["tickets"] == 0
    assert k["no_show_rate"] is None
