"""The staffing planner page: who sees it, the plan, a what-if, CSV, the printable roster, bad
input."""

from __future__ import annotations

import csv as csv_module

import pytest
from django.test import Client

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.tests.factories import CounterFactory
from satupintu.planning.tests.test_planner import PLAN_DAY, _history
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import Clock, QueueWorld


@pytest.fixture
def page(client: Client, world: QueueWorld, clock: Clock) -> str:
    CounterFactory(mall=world.mall, floor=world.counter.floor, number=2, services=[world.service])
    _history(world, per_hour=12, minutes=6)
    client.force_login(user_with_role(Role.SUPERVISOR, mall=world.mall, username="spv"))
    return f"/perencanaan/{world.mall.slug}/?date={PLAN_DAY.isoformat()}&target_minutes=15"


def test_the_supervisor_sees_the_plan_and_others_do_not(
    client: Client, world: QueueWorld, page: str
) -> None:
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "p-0-10" in html  # a what-if input per hour and group
    assert "Erlang C" in html
    client.force_login(world.officer)
    assert client.get(page).status_code == 404
    client.logout()
    assert client.get(page).status_code == 302  # to the login page


def test_a_what_if_a_csv_and_a_roster(client: Client, page: str) -> None:
    csv = client.get(page + "&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("date,hour,group,services")
    assert len(lines) == 1 + 8  # one group, 08:00 to 15:00
    what_if = list(
        csv_module.reader(client.get(page + "&p-0-10=0&format=csv").content.decode().splitlines())
    )
    ten = next(row for row in what_if if row[1] == "10:00")
    assert (ten[6], ten[7], ten[9]) == ("0", "2", "no")  # planned 0 of 2: not met
    roster = client.get(page + "&format=print").content.decode()
    assert "10:00" in roster
    assert "/ 2" in roster


def test_bad_input_is_refused_with_the_field_named(client: Client, page: str) -> None:
    response = client.get(page + "&target_share=150&p-0-10=x", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="err-share"' in html
    assert "whole numbers" in html
    assert client.get(page.replace(PLAN_DAY.isoformat(), "2026-02-30")).status_code == 422
