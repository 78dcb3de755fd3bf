"""The staffing planner: Erlang C, checked by simulation; the forecast from the roll-ups and the
days around holidays; the API's refusals; what-ifs; a target that cannot be met; a day without
history."""

from __future__ import annotations

import json
import math
import time as clock_time
from datetime import date, timedelta

import pytest
from django.test import Client

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.models import ClosureDay
from satupintu.catalog.tests.factories import CounterFactory
from satupintu.planning import erlang, forecast, planner
from satupintu.planning.models import ArrivalForecast
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import Clock, QueueWorld
from satupintu.reports.models import DailyTicketStats, RollupLevel

# The clock's Wednesday, 2026-03-04; we plan the next Wednesday.
PLAN_DAY = date(2026, 3, 11)


def _history(world: QueueWorld, per_hour: float, minutes: float, weeks: int = 8) -> None:
    """Service-level roll-ups of the `weeks` weekdays before PLAN_DAY: `per_hour` arrivals of
    service A from 08:00 to 15:00, `minutes` each."""
    for back in range(1, weeks * 7 + 1):
        day = PLAN_DAY - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        n = round(per_hour)
        DailyTicketStats.objects.create(
            mall=world.mall,
            day=day,
            level=RollupLevel.SERVICE,
            agency=world.service.agency,
            service=world.service,
            tickets=n * 8,
            service_count=n * 8,
            service_us=int(n * 8 * minutes * 60e6),
            by_hour={str(h): [n, n, 0, 0, n, 0] for h in range(8, 16)},
        )


def test_erlang_c_matches_the_textbook() -> None:
    assert erlang.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang.erlang_c(1, 0.5) == pytest.approx(0.5)
    assert erlang.erlang_c(3, 3.0) == 1.0
    # 2 counters, 1 Erlang: P(wait > t) = C * exp(-(c - a) t / s).
    assert erlang.share_within(2, 6, 10, 5) == pytest.approx(1 - math.exp(-0.5) / 3)
    assert erlang.counters_needed(0, 10, 15, 0.8) == 0
    assert erlang.counters_needed(30, 6, 15, 0.8) == 4  # 3 Erlang
    assert erlang.share_within(3, 30, 6, 15) < 0.8 <= erlang.share_within(4, 30, 6, 15)


def test_the_plan_of_a_day_with_history(world: QueueWorld, clock: Clock) -> None:
    CounterFactory(mall=world.mall, floor=world.counter.floor, number=2, services=[world.service])
    _history(world, per_hour=12, minutes=6)
    plan = planner.plan_day(mall=world.mall, day=PLAN_DAY, target_minutes=15, target_share=0.8)
    assert plan["method"] == "erlang_c+simulation"
    assert plan["kind_of_day"] == "normal"
    assert [h["hour"] for h in plan["hours"]] == [f"{h:02d}:00" for h in range(8, 16)]
    assert len(plan["groups"]) == 1  # the counters share service A
    row = plan["hours"][2]["groups"][0]
    assert row["arrivals_expected"] == pytest.approx(12)
    assert row["service_minutes"] == pytest.approx(6)
    # 1.2 Erlang: Erlang C says 2 counters; the simulation agrees or adds one (and says why).
    assert row["counters_needed"] >= 2
    assert row["counters_planned"] == 2
    assert row["met"] is True
    assert row["share_within_target"] >= 0.8
    # Service B has no history: its standard time is used, and the plan says so.
    assert plan["standard_times"] is True
    assert any("standard" in note for note in plan["notes"])


def test_a_target_that_cannot_be_met_says_so_with_the_best_achievable(
    world: QueueWorld, clock: Clock
) -> None:
    _history(world, per_hour=20, minutes=6)  # 2 Erlang, one counter
    plan = planner.plan_day(mall=world.mall, day=PLAN_DAY, target_minutes=15, target_share=0.8)
    row = plan["hours"][3]["groups"][0]
    assert row["met"] is False
    assert row["counters_needed"] > row["counters_available"] == 1
    assert "Cannot be met" in row["reason"]
    assert "best achievable" in row["reason"]


def test_a_what_if_is_recomputed_in_about_a_second(world: QueueWorld, clock: Clock) -> None:
    for n in (2, 3):
        CounterFactory(
            mall=world.mall, floor=world.counter.floor, number=n, services=[world.service]
        )
    _history(world, per_hour=15, minutes=8)
    base = planner.plan_day(mall=world.mall, day=PLAN_DAY)
    started = clock_time.monotonic()
    what_if = planner.plan_day(mall=world.mall, day=PLAN_DAY, planned={(0, 10): 1, (0, 11): 3})
    assert clock_time.monotonic() - started < 3.0
    ten = what_if["hours"][2]["groups"][0]
    eleven = what_if["hours"][3]["groups"][0]
    assert (ten["counters_planned"], eleven["counters_planned"]) == (1, 3)
    assert ten["met"] is False
    assert "by hand" in ten["reason"]
    assert ten["share_within_target"] < base["hours"][2]["groups"][0]["share_within_target"]


def test_a_day_without_history_and_a_closed_day(world: QueueWorld, clock: Clock) -> None:
    plan = planner.plan_day(mall=world.mall, day=PLAN_DAY)
    assert plan["standard_times"] is True
    assert any("No arrival history" in note for note in plan["notes"])
    saturday = planner.plan_day(mall=world.mall, day=PLAN_DAY + timedelta(days=3))
    assert saturday["hours"] == []
    assert saturday["notes"]


def test_the_forecast_knows_the_days_around_a_closure(world: QueueWorld, clock: Clock) -> None:
    _history(world, per_hour=10, minutes=6)
    # The mall closes on Tuesday the 10th: Monday is the last day before, Wednesday the first
    # after; both busier than an ordinary day.
    ClosureDay.objects.create(mall=world.mall, date=PLAN_DAY - timedelta(days=1), reason="Rapat")
    assert forecast.day_kind(world.mall, PLAN_DAY) == "after_break"
    assert forecast.day_kind(world.mall, PLAN_DAY - timedelta(days=2)) == "before_break"
    assert forecast.day_kind(world.mall, PLAN_DAY - timedelta(days=1)) == "closed"
    assert forecast.day_kind(world.mall, PLAN_DAY + timedelta(days=1)) == "normal"
    # A Saturday is the mall's usual weekly closing, not a break.
    assert forecast.day_kind(world.mall, PLAN_DAY + timedelta(days=5)) == "normal"
    after = forecast.forecast_days(world.mall, [PLAN_DAY])[0]
    assert after.kind == "after_break"
    # The history holds breaks of its own (Chinese New Year and its cuti bersama in February):
    # as busy as ordinary days in this history, so the learned factor is 1; without such
    # examples it is the default.
    examples = [
        d
        for d in DailyTicketStats.objects.values_list("day", flat=True)
        if forecast.day_kind(world.mall, d) == "after_break"
    ]
    factor = 1.0 if len(examples) >= forecast.MIN_EXAMPLES else 1.5
    assert after.factor == pytest.approx(factor)
    assert after.by_service[world.service.pk][9] == pytest.approx(10 * factor)
    rows = forecast.forecast_store(mall=world.mall, start=PLAN_DAY, days=7)
    assert rows == ArrivalForecast.objects.count() > 0
    assert not ArrivalForecast.objects.filter(day=PLAN_DAY - timedelta(days=1)).exists()
    stored = forecast.forecast_day(world.mall, PLAN_DAY + timedelta(days=1))
    assert stored.by_service[world.service.pk][9] == pytest.approx(10)


def test_the_api_answers_supervisors_and_refuses_others(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    _history(world, per_hour=6, minutes=6)
    url = f"/api/v1/planner?mall={world.mall.slug}&date={PLAN_DAY.isoformat()}"
    assert client.get(url).status_code == 401
    client.force_login(world.officer)  # a counter officer: no planner
    assert client.get(url).status_code == 404
    supervisor = user_with_role(Role.SUPERVISOR, mall=world.mall, username="spv")
    client.force_login(supervisor)
    body = client.get(url + "&target_minutes=10&target_share=0.9").json()
    assert body["target"] == {"minutes": 10, "share": 0.9}
    assert body["hours"][0]["groups"][0]["service_ids"] == [
        world.service.pk,
        world.other_service.pk,
    ]
    bad = client.get(url + "&target_share=1.5")
    assert bad.status_code == 422
    assert "target_share" in json.dumps(bad.json())
    bad = client.get(url + "&planned=0@10=x")
    assert bad.status_code == 422
    assert "planned" in json.dumps(bad.json())
    bad = client.get(url + "&planned=0@99=1")
    assert bad.status_code == 422


def test_the_dashboard_shows_predicted_against_actual(
    client: Client, world: QueueWorld, clock: Clock
) -> None:
    from satupintu.planning.dashboard import predicted_table
    from satupintu.reports.tables import BUILDERS, Scope

    assert BUILDERS["predicted"] is predicted_table  # registered by the app
    _history(world, per_hour=10, minutes=6)
    table = predicted_table(Scope(world.mall, None, PLAN_DAY, PLAN_DAY + timedelta(days=6)))
    days = {row[0]: row for row in table.rows}
    week = [PLAN_DAY + timedelta(days=i) for i in range(7)]
    assert set(days) == {d.isoformat() for d in week if d.weekday() < 5}  # closed days left out
    wednesday = days[PLAN_DAY.isoformat()]
    assert wednesday[1] == 80  # 10 an hour, 08:00 to 16:00
    assert wednesday[3] is not None
    assert wednesday[3] >= 0
    client.force_login(user_with_role(Role.SUPERVISOR, mall=world.mall, username="spv2"))
    page = client.get(f"/laporan/{world.mall.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Predicted against actual" in page.content.decode()
