"""SLA in working days across Nyepi and Idul Fitri 2026 (18-24 March: cuti bersama, Nyepi,
cuti bersama, the weekend of Idul Fitri, two more cuti bersama days), with a revision pause."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core import mail

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.models import ClosureDay, Mall
from satupintu.dossiers import sla
from satupintu.dossiers.models import Dossier, SlaWarning
from satupintu.dossiers.services import sla_warn_overdue
from satupintu.dossiers.tests.conftest import World, make_dossier, tick_all_present

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.today = date(2026, 3, 16)
        monkeypatch.setattr(Mall, "today", lambda mall, now=None: self.today)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _act(
    world: World, user: Any, dossier: Dossier, action: str, comment: str = ""
) -> dict[str, Any]:
    response = world.client(user).post(
        f"/api/v1/dossiers/{dossier.pk}/transitions",
        data=json.dumps({"action": action, "comment": comment}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_pure_due_date_skips_nyepi_idul_fitri_and_joint_leave() -> None:
    due = sla.sla_due_date(started_on=date(2026, 3, 16), sla_days=5, paused_days=0, closures={})
    # 17 Mar, then 18-24 Mar are all days off, then 25, 26, 27 and 30 March.
    assert due == date(2026, 3, 30)
    assert (
        sla.paused_working_days(
            paused_since=date(2026, 3, 17), resumed_on=date(2026, 3, 26), closures={}
        )
        == 2
    )


def test_sla_with_a_revision_pause_across_the_holidays(world: World, clock: Clock) -> None:
    dossier = make_dossier(world)  # 5 working days
    tick_all_present(world, dossier)
    body = _act(world, world.counter, dossier, "verify")  # Monday 16 March 2026
    assert body["sla_started_on"] == "2026-03-16"
    assert body["sla_due"] == "2026-03-30"
    assert body["state_due"] == "2026-03-17"  # 10 % of 5 days: one working day

    clock.today = date(2026, 3, 17)
    body = _act(world, world.bo, dossier, "process")
    assert body["state_due"] == "2026-03-27"  # 50 %: three working days, 25-27 March
    body = _act(world, world.bo, dossier, "request_revision", "Pas foto buram")
    assert body["status"] == "revision"
    assert body["sla_paused_since"] == "2026-03-17"
    assert body["state_due"] is None  # nobody at the office is late while the applicant revises

    clock.today = date(2026, 3, 26)  # the applicant comes back after the holidays
    body = _act(world, world.counter, dossier, "resubmit")
    assert body["sla_paused_since"] is None
    # Paused on the 25th and 26th (the holidays in between were no working days anyway).
    assert body["sla_due"] == "2026-04-01"
    body = _act(world, world.counter, dossier, "verify")
    assert body["sla_started_on"] == "2026-03-16"  # the clock is not restarted
    assert body["sla_due"] == "2026-04-01"
    assert body["overdue"] is False

    clock.today = date(2026, 4, 2)
    assert world.client(world.bo).get(f"/api/v1/dossiers/{dossier.pk}").json()["overdue"] is True
    _act(world, world.bo, dossier, "process")
    _act(world, world.bo, dossier, "approve")
    body = _act(world, world.bo, dossier, "issue_result")
    assert body["sla_stopped_on"] == "2026-04-02"
    assert body["overdue"] is True  # delivered a day late: it stays on the record
    assert body["state_due"] is None


def test_a_mall_closure_day_moves_the_due_date(world: World, clock: Clock) -> None:
    ClosureDay.objects.create(mall=world.mall, date=date(2026, 3, 25), reason="Banjir")
    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    assert _act(world, world.counter, dossier, "verify")["sla_due"] == "2026-03-31"


def test_supervisor_is_warned_once_per_state_deadline(
    world: World, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    world.supervisor.email = "supervisor@example.test"
    world.supervisor.save()
    elsewhere = user_with_role(Role.SUPERVISOR, mall=world.mall, email="")
    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    _act(world, world.counter, dossier, "verify")  # state deadline 17 March
    clock.today = date(2026, 3, 17)
    assert sla_warn_overdue() == []
    clock.today = date(2026, 3, 25)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        warnings = sla_warn_overdue()
    assert len(warnings) == 1
    assert warnings[0].state_code == "verified"
    assert set(warnings[0].recipients) == {world.supervisor.username, elsewhere.username}
    assert [m.to for m in mail.outbox] == [["supervisor@example.test"]]
    assert sla_warn_overdue() == []  # never twice for the same state
    _act(world, world.bo, dossier, "process")  # a new state: a new deadline (30 March)
    clock.today = date(2026, 3, 30)
    assert sla_warn_overdue() == []
    clock.today = date(2026, 3, 31)
    assert len(sla_warn_overdue()) == 1
    assert SlaWarning.objects.filter(dossier=dossier).count() == 2


def test_worklist_filter_finds_the_overdue(world: World, clock: Clock) -> None:
    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    _act(world, world.counter, dossier, "verify")  # state deadline 17 March
    client = world.client(world.bo)
    assert client.get("/api/v1/dossiers?overdue=true").json()["count"] == 0
    clock.today = date(2026, 3, 25)
    listed = client.get("/api/v1/dossiers?overdue=true").json()
    assert [d["id"] for d in listed["items"]] == [dossier.pk]
    assert listed["items"][0]["deadline_level"] == "overdue"


def test_sla_check_command_runs(world: World, clock: Clock) -> None:
    from io import StringIO

    from django.core.management import call_command

    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    _act(world, world.counter, dossier, "verify")
    clock.today = date(2026, 3, 27)
    out = StringIO()
    call_command("sla_check", stdout=out)
    assert "SLA warnings sent: 1" in out.getvalue()
