"""Roll-ups equal a fresh computation on the same data, and are never read as zero when
missing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from satupintu.queueing.models import Ticket
from satupintu.reports import selectors, services
from satupintu.reports.models import DailyTicketStats, RollupDay
from satupintu.reports.tests.report_fixtures import build_scene

pytestmark = pytest.mark.django_db


def _everything(mall, date_from, date_to, agency_ids):  # type: ignore[no-untyped-def]
    out = {
        "kpis": selectors.kpis(mall=mall, date_from=date_from, date_to=date_to),
        "days": selectors.ticket_series(mall=mall, date_from=date_from, date_to=date_to),
        "hours": selectors.ticket_series(
            mall=mall,
            date_from=max(date_from, date_to - timedelta(days=20)),
            date_to=date_to,
            bucket="hour",
        ),
        "weeks": selectors.ticket_series(
            mall=mall, date_from=date_from, date_to=date_to, bucket="week"
        ),
        "officers": selectors.officer_throughput(mall=mall, date_from=date_from, date_to=date_to),
        "counters": selectors.counter_utilisation(mall=mall, date_from=date_from, date_to=date_to),
        "public": selectors.public_summary(mall=mall, date_from=date_from, date_to=date_to),
    }
    for agency_id in agency_ids:
        out[f"agency{agency_id}"] = selectors.kpis(
            mall=mall, agency_id=agency_id, date_from=date_from, date_to=date_to
        )
    return out


def test_rollups_equal_fresh_computation_on_the_hand_made_day() -> None:
    scene = build_scene()
    start, end = scene.monday, scene.dossier_paused.sla_due
    agencies = [scene.agency1.pk, scene.agency2.pk]
    fresh = _everything(scene.mall, start, end, agencies)
    assert not RollupDay.objects.exists()
    built = services.rollup_range(mall=scene.mall, date_from=start, date_to=end)
    assert built == (end - start).days + 1
    assert DailyTicketStats.objects.filter(day=scene.day, level="mall").get().tickets == 5
    assert DailyTicketStats.objects.filter(day=scene.day, level="service").count() == 3
    assert _everything(scene.mall, start, end, agencies) == fresh


def test_rollups_equal_fresh_computation_at_volume_after_seed_volume() -> None:
    call_command("seed_volume", years=0.1, scale=0.02, mall="yogyakarta", skip_rollups=True)
    from satupintu.catalog.models import Mall

    mall = Mall.objects.get(slug="yogyakarta")
    days = sorted(set(Ticket.objects.filter(mall=mall).values_list("service_date", flat=True)))
    assert days, "seed_volume made no tickets"

    # Past days only: today's open counter sessions grow between two readings.
    start, end = days[0], mall.today() - timedelta(days=1)
    agencies = list(mall.agencies.values_list("pk", flat=True)[:3])
    fresh = _everything(mall, start, end, agencies)
    services.rollup_range(mall=mall, date_from=start, date_to=end)
    assert RollupDay.objects.filter(mall=mall).count() == (end - start).days + 1
    assert _everything(mall, start, end, agencies) == fresh
    assert (
        fresh["kpis"]["tickets"]
        == Ticket.objects.filter(
            mall=mall, transferred_from__isnull=True, service_date__lte=end
        ).count()
    )


def test_today_and_days_with_active_tickets_are_not_rolled_up() -> None:
    scene = build_scene()

    today = scene.mall.today()
    assert services.rollup_day(mall=scene.mall, day=today) is False
    waiting = Ticket.objects.filter(service_date=scene.day).first()
    assert waiting is not None
    Ticket.objects.filter(pk=waiting.pk).update(status=Ticket.Status.WAITING)
    assert services.rollup_day(mall=scene.mall, day=scene.day) is False
    assert not RollupDay.objects.filter(day=scene.day).exists()


def test_a_stale_day_is_rebuilt_by_the_task_and_read_live_meanwhile(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    scene = build_scene()
    services.rollup_day(mall=scene.mall, day=scene.day)
    row = DailyTicketStats.objects.get(day=scene.day, level="mall")
    # Tamper with the roll-up: readers trust it while its day is marked built...
    DailyTicketStats.objects.filter(pk=row.pk).update(tickets=999)
    k = selectors.kpis(mall=scene.mall, date_from=scene.day, date_to=scene.day)
    assert k["tickets"] == 999
    # ...marking it stale queues the rebuild (immediate backend in tests) after commit.
    with django_capture_on_commit_callbacks(execute=True):
        services.rollup_mark_stale(mall_id=scene.mall.pk, day=scene.day)
        assert not RollupDay.objects.filter(day=scene.day).exists()
    assert RollupDay.objects.filter(day=scene.day).exists()
    k = selectors.kpis(mall=scene.mall, date_from=scene.day, date_to=scene.day)
    assert k["tickets"] == 5


def test_rollup_rebuild_command(capsys: pytest.CaptureFixture[str]) -> None:
    scene = build_scene()
    call_command(
        "rollup_rebuild",
        mall=scene.mall.slug,
        date_from=str(scene.day - timedelta(days=1)),
        date_to=str(scene.day + timedelta(days=1)),
    )
    out = capsys.readouterr().out
    assert "3 days built" in out
    assert RollupDay.objects.filter(mall=scene.mall).count() == 3


def test_pending_task_and_demo_seed_build_missing_days_once() -> None:
    from satupintu.reports import demo, tasks

    scene = build_scene()
    messages: list[str] = []
    demo.seed(scene.mall, messages.append)
    assert RollupDay.objects.filter(mall=scene.mall, day=scene.day).exists()
    # Every past day on which something happened: the tickets' day, and the days the scene's
    # dossiers were received or finished.
    active = selectors.active_days(
        scene.mall, scene.day - timedelta(days=400), scene.mall.today() - timedelta(days=1)
    )
    assert f"{len(active)} past day(s)" in messages[0]
    assert RollupDay.objects.filter(mall=scene.mall).count() == len(active)
    demo.seed(scene.mall, messages.append)
    assert "0 past day(s)" in messages[1]
    RollupDay.objects.all().delete()
    built = tasks.rollup_pending.call(days_back=30)
    assert built == 30
    assert RollupDay.objects.filter(mall=scene.mall, day=scene.day).exists()
