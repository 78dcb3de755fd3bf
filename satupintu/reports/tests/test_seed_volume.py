"""seed_volume at a tiny scale: consistent rows, the calendar respected, idempotence guard."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q

from satupintu.catalog.models import Mall
from satupintu.core.workdays import add_working_days, is_working_day, working_days_between
from satupintu.dossiers.models import Dossier, DossierEvent
from satupintu.feedback.models import Survey
from satupintu.queueing.models import Ticket, TicketEvent
from satupintu.reports.models import RollupDay
from satupintu.reports.volume import FastCalendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> tuple[Mall, str]:
    out = StringIO()
    call_command("seed_volume", years=0.25, scale=0.01, stdout=out)
    return Mall.objects.get(slug="yogyakarta"), out.getvalue()


def test_seed_volume_makes_consistent_history(seeded: tuple[Mall, str]) -> None:
    mall, output = seeded
    assert "history" in output
    assert "peak memory" in output
    history = Ticket.objects.filter(mall=mall, service_date__lt=date.today() - timedelta(days=1))
    assert history.count() > 1000
    # No tickets on weekends, national holidays, cuti bersama or closure days.
    for day in history.values_list("service_date", flat=True).distinct():
        assert is_working_day(day), day
    # Every ticket has its events, starting with how it came into the queue.
    assert not history.annotate(n=Count("events")).filter(n=0).exists()
    roots = history.filter(transferred_from__isnull=True)
    assert not roots.exclude(events__action=TicketEvent.Action.ISSUE).exists()
    # Ending status = the last event's target, and a served ticket has call, start, finish.
    for ticket in history.order_by("?")[:200]:
        events = list(ticket.events.order_by("at", "id"))
        assert events[-1].to_status == ticket.status, ticket
        times = [e.at for e in events]
        assert times == sorted(times)
        if ticket.outcome == "served":
            actions = [e.action for e in events]
            assert {"call", "start", "finish"} <= set(actions)
    # Arrival on the service day, mall time; transfers keep the arrival and the number.
    for ticket in history.filter(transferred_from__isnull=False)[:50]:
        assert ticket.arrival_at == ticket.transferred_from.arrival_at
        assert ticket.number == ticket.transferred_from.number
    # Monday is busier than Friday.
    by_weekday = {
        row["service_date__week_day"]: row["n"]
        for row in roots.values("service_date__week_day").annotate(n=Count("pk"))
    }
    assert by_weekday[2] > by_weekday[6]  # Django: Sunday = 1, Monday = 2, Friday = 6
    # Dossiers: events for every one, and SLA fields that agree with each other.
    dossiers = Dossier.objects.filter(mall=mall, tracking_code__startswith="V")
    assert dossiers.count() > 100
    assert not dossiers.annotate(n=Count("events")).filter(n=0).exists()
    assert (
        not dossiers.filter(Q(sla_stopped_on__isnull=False) & Q(completed_at__isnull=True))
        .exclude(status="result_issued")
        .exists()
    )
    paused = dossiers.filter(sla_paused_days__gt=0).first()
    assert paused is not None
    assert (
        paused.sla_due
        == add_working_days(paused.sla_started_on, paused.sla_days + paused.sla_paused_days)[0]
    )
    assert DossierEvent.objects.filter(dossier=paused, action="request_revision").exists()
    # Surveys belong to served tickets; roll-ups are built for every past day.
    survey = Survey.objects.filter(mall=mall, ticket_id__isnull=False).first()
    assert survey is not None
    assert Ticket.objects.get(pk=survey.ticket_id).outcome == "served"
    assert RollupDay.objects.filter(mall=mall).count() >= 90


def test_seed_volume_refuses_to_double_the_history(seeded: tuple[Mall, str]) -> None:
    mall, _ = seeded
    before = Ticket.objects.filter(mall=mall).count()
    with pytest.raises(CommandError, match="--replace"):
        call_command("seed_volume", years=0.25, scale=0.01, stdout=StringIO())
    assert Ticket.objects.filter(mall=mall).count() == before
    call_command("seed_volume", years=0.25, scale=0.01, replace=True, stdout=StringIO())
    # Same seed, same history: the count of generated tickets is unchanged.
    assert Ticket.objects.filter(mall=mall).count() == before


def test_fast_calendar_agrees_with_core_workdays() -> None:
    start = date(2025, 12, 1)
    cal = FastCalendar(start, date(2026, 12, 31), {date(2026, 3, 3): "closed"})
    closures = {date(2026, 3, 3): "closed"}
    for offset in range(0, 200, 3):
        day = start + timedelta(days=offset)
        for n in (0, 1, 3, 14):
            assert cal.add(day, n) == add_working_days(day, n, closures)[0]
        later = day + timedelta(days=17)
        assert cal.between(day, later) == working_days_between(day, later, closures)
