"""The scheduler: jobs declared once in their apps, cron times in the mall's zone, one run per
due time even with two schedulers (PostgreSQL, real connections), the effect of each job, the
job table in the admin, and the heartbeat that /readyz checks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from satupintu.core import scheduler
from satupintu.core.models import Heartbeat, JobRun, OutboxMessage, ScheduledJob
from satupintu.core.tests.factories import OutboxMessageFactory
from satupintu.queueing import services as queue
from satupintu.queueing.models import Appointment, Ticket
from satupintu.queueing.tests.factories import AppointmentSlotConfigFactory, TicketFactory
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import JAKARTA, Clock, QueueWorld
from satupintu.reports.models import DailyTicketStats, RollupDay

pytestmark = pytest.mark.django_db

JOBS = {
    "tickets-expire",
    "appointments-expire",
    "rollups-nightly",
    "sla-sweep",
    "complaints-escalate",
    "mou-reminders",
    "outbox-retry",
    "outbox-recover",
    "housekeeping",
    "citizens-tick",
}


def test_every_periodic_job_is_declared_once_with_a_valid_schedule() -> None:
    jobs = scheduler.registered_jobs()
    assert set(jobs) == JOBS
    for job in jobs.values():
        assert job.trigger() is not None
        assert job.description
    assert jobs["citizens-tick"].every_seconds == 15


def test_cron_times_are_read_in_the_malls_time_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Jakarta"
    job = scheduler.job_get("tickets-expire")  # 00:05 every day
    just_after = datetime(2026, 3, 5, 0, 6, tzinfo=JAKARTA)
    due = scheduler.latest_due_time(job, just_after)
    assert due == datetime(2026, 3, 5, 0, 5, tzinfo=JAKARTA)
    assert due.astimezone(ZoneInfo("UTC")).hour == 17  # 17:05 UTC the evening before
    assert scheduler.next_due_time(job, just_after) == datetime(2026, 3, 6, 0, 5, tzinfo=JAKARTA)
    settings.SCHEDULER_TIME_ZONE = "Asia/Jayapura"  # a mall in WIT (UTC+9)
    due = scheduler.latest_due_time(job, just_after)
    assert due == datetime(2026, 3, 4, 0, 5, tzinfo=ZoneInfo("Asia/Jayapura")) + timedelta(days=1)


def test_a_due_time_runs_once_and_is_recorded_for_the_admin(
    world: QueueWorld, clock: Clock
) -> None:
    old = queue.ticket_issue(service=world.service)
    clock.set(datetime(2026, 3, 5, 0, 6, tzinfo=JAKARTA))
    job = scheduler.job_get("tickets-expire")
    due = scheduler.latest_due_time(job)
    assert scheduler.job_run_due(job, due, host="a") == "ran"
    assert scheduler.job_run_due(job, due, host="b") == "skipped"
    assert Ticket.objects.get(pk=old.pk).status == "cancelled"
    run = JobRun.objects.get()
    assert (run.job, run.host, run.outcome, run.result) == ("tickets-expire", "a", "ok", "1")
    row = ScheduledJob.objects.get(name="tickets-expire")
    assert row.last_outcome == "ok"
    assert row.last_due_at == due
    assert row.next_run_at == datetime(2026, 3, 6, 0, 5, tzinfo=JAKARTA)


def test_a_failing_job_is_recorded_as_failed(settings: Any) -> None:
    def broken() -> None:
        raise RuntimeError("the mail relay is down")

    job = scheduler.Job("broken", "* * * * *", broken, "test")
    assert scheduler.job_run_due(job, timezone.now()) == "failed"
    run = JobRun.objects.get()
    assert run.outcome == "failed"
    assert "mail relay is down" in run.result
    assert ScheduledJob.objects.get(name="broken").last_outcome == "failed"


def test_the_admin_shows_each_jobs_last_run_outcome_and_next_run(client: Any) -> None:
    from satupintu.accounts.tests.factories import UserFactory

    scheduler.jobs_sync()
    scheduler.job_run_now("outbox-recover")
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/admin/core/scheduledjob/").status_code == 403
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/core/scheduledjob/")
    assert page.status_code == 200
    text = page.content.decode()
    for name in JOBS:
        assert name in text
    assert ScheduledJob.objects.filter(next_run_at__isnull=False).count() == len(JOBS)
    assert client.get("/admin/core/jobrun/").status_code == 200


# --- each job's effect ------------------------------------------------------------------------


def test_tickets_expire_and_the_late_event_rebuilds_that_days_rollup(
    world: QueueWorld, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    """Yesterday's waiting ticket expires at 00:05; the expiry is a late event for yesterday,
    so a roll-up of yesterday built before is dropped and rebuilt with the expiry in it."""
    finished = queue.ticket_issue(service=world.service)
    left = queue.ticket_issue(service=world.service)
    Ticket.objects.filter(pk=finished.pk).update(status="done")
    yesterday = world.mall.today()
    clock.set(datetime(2026, 3, 5, 0, 6, tzinfo=JAKARTA))
    RollupDay.objects.create(mall=world.mall, day=yesterday)  # built from an earlier state
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler.job_run_now("tickets-expire") == "ran"
    assert Ticket.objects.get(pk=left.pk).status == "cancelled"
    assert RollupDay.objects.filter(mall=world.mall, day=yesterday).exists()
    stats = DailyTicketStats.objects.get(mall=world.mall, day=yesterday, level="mall")
    assert stats.tickets == 2


def test_rollups_nightly_builds_the_days_without_one(world: QueueWorld, clock: Clock) -> None:
    queue.ticket_issue(service=world.service)
    day = world.mall.today()
    clock.set(datetime(2026, 3, 5, 0, 6, tzinfo=JAKARTA))
    scheduler.job_run_now("tickets-expire")
    RollupDay.objects.filter(mall=world.mall).delete()
    clock.set(datetime(2026, 3, 5, 1, 31, tzinfo=JAKARTA))
    assert scheduler.job_run_now("rollups-nightly") == "ran"
    assert RollupDay.objects.filter(mall=world.mall, day=day).exists()
    # The same due time again (a second scheduler) is skipped; a later run finds nothing left.
    assert scheduler.job_run_now("rollups-nightly") == "skipped"
    clock.advance(days=1)
    assert scheduler.job_run_now("rollups-nightly") == "ran"
    latest = JobRun.objects.filter(job="rollups-nightly").order_by("-due_at").first()
    assert latest is not None
    assert latest.result == "1"  # only the new yesterday (an empty day) was built


def test_appointments_expire(world: QueueWorld, clock: Clock) -> None:
    AppointmentSlotConfigFactory(service=world.service, checkin_late_minutes=15)
    appointment = queue.appointment_book(
        service=world.service,
        day=date(2026, 3, 5),
        slot=datetime(2026, 3, 5, 9, 0).time(),
        name="Siti",
        phone="081234567890",
        nik="3471011203900001",
    )
    clock.set(datetime(2026, 3, 5, 9, 20, tzinfo=JAKARTA))
    assert scheduler.job_run_now("appointments-expire") == "ran"
    assert Appointment.objects.get(pk=appointment.pk).status == "no_show"


def test_outbox_jobs_send_what_is_due_and_recover_dead_workers(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    due = OutboxMessageFactory()
    stuck = OutboxMessageFactory(
        status=OutboxMessage.Status.SENDING,
        attempts=2,
        lease_until=timezone.now() - timedelta(minutes=1),
    )
    assert scheduler.job_run_now("outbox-recover") == "ran"
    stuck.refresh_from_db()
    assert stuck.status == "dead"
    assert scheduler.job_run_now("outbox-retry") == "ran"
    due.refresh_from_db()
    assert due.status == "sent"
    assert len(mail.outbox) == 1


def test_complaints_escalate_and_mou_reminders_run_as_jobs(
    world: QueueWorld, clock: Clock, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from satupintu.accounts.models import Role
    from satupintu.accounts.tests.factories import user_with_role
    from satupintu.catalog.models import Partnership
    from satupintu.feedback import services as feedback
    from satupintu.feedback.models import ComplaintEvent

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user_with_role(Role.MALL_ADMIN, mall=world.mall, email="admin@mpp.test")
    user_with_role(Role.SUPERVISOR, mall=world.mall, email="spv@mpp.test")
    complaint = feedback.complaint_submit(
        mall=world.mall, text="Belum ada jawaban", received_at=clock.current
    )
    Partnership.objects.create(
        mall=world.mall,
        agency=world.service.agency,
        status=Partnership.Status.ACTIVE,
        mou_number="MOU/1",
        starts_on=date(2025, 3, 1),
        ends_on=date(2026, 3, 4) + timedelta(days=30),
    )
    clock.set(datetime(2026, 3, 12, 7, 30, tzinfo=JAKARTA))
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler.job_run_now("complaints-escalate") == "ran"
        assert scheduler.job_run_now("mou-reminders") == "ran"
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="escalated").count() == 1
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("MOU" in s for s in subjects)
    # Idempotent: the next day's runs add nothing.
    clock.set(datetime(2026, 3, 13, 7, 30, tzinfo=JAKARTA))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scheduler.job_run_now("complaints-escalate")
        scheduler.job_run_now("mou-reminders")
    assert mail.outbox == []


def test_the_scheduler_heartbeat_makes_readyz_ready(client: Any, settings: Any) -> None:
    settings.READYZ_HEARTBEATS = ["scheduler"]
    assert client.get("/readyz").json()["checks"]["heartbeat:scheduler"]["ok"] is False
    scheduler.scheduler_beat()
    body = client.get("/readyz").json()
    assert body["checks"]["heartbeat:scheduler"]["ok"] is True


# --- PostgreSQL: two schedulers, real connections and processes -------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_running_the_same_due_job_at_once_run_it_once() -> None:
    from satupintu.catalog.tests.factories import MallFactory, ServiceFactory

    mall = MallFactory(timezone="Asia/Jakarta")
    service = ServiceFactory(mall=mall)
    yesterday = mall.today() - timedelta(days=1)
    tickets = [TicketFactory(service=service, service_date=yesterday) for _ in range(5)]
    job = scheduler.job_get("tickets-expire")
    due = scheduler.latest_due_time(job)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def one_scheduler(host: str) -> None:
        try:
            barrier.wait(timeout=5)
            outcomes.append(scheduler.job_run_due(job, due, host=host))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_scheduler, args=(h,)) for h in ("s1", "s2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == ["ran", "skipped"]
    assert JobRun.objects.filter(job="tickets-expire", due_at=due).count() == 1
    assert JobRun.objects.get().result == "5"
    from satupintu.queueing.models import TicketEvent

    assert TicketEvent.objects.filter(ticket__in=tickets, action="expire").count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_scheduler_process_starts_beats_and_stops_on_sigterm() -> None:
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "satupintu.settings_test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "satupintu.manage", "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not Heartbeat.objects.filter(name="scheduler").exists():
            assert time.monotonic() < deadline, "the scheduler never beat"
            assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
            time.sleep(0.2)
        assert set(ScheduledJob.objects.values_list("name", flat=True)) == JOBS
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert time.monotonic() - started < 10
    finally:
        if process.poll() is None:
            process.kill()


def test_interval_jobs_have_the_same_due_times_in_every_scheduler() -> None:
    job = scheduler.job_get("citizens-tick")
    a = scheduler.latest_due_time(job, datetime(2026, 3, 5, 9, 0, 7, tzinfo=JAKARTA))
    b = scheduler.latest_due_time(job, datetime(2026, 3, 5, 9, 0, 14, 900000, tzinfo=JAKARTA))
    assert a == b == datetime(2026, 3, 5, 9, 0, 0, tzinfo=JAKARTA)
    after = scheduler.latest_due_time(job, datetime(2026, 3, 5, 9, 0, 15, tzinfo=JAKARTA))
    assert after == datetime(2026, 3, 5, 9, 0, 15, tzinfo=JAKARTA)
    assert scheduler.job_run_due(job, a, host="s1") == "ran"
    assert scheduler.job_run_due(job, b, host="s2") == "skipped"


def test_housekeeping_forgets_old_runs_and_sent_messages_but_keeps_dead_ones(
    settings: Any,
) -> None:
    settings.SCHEDULER_KEEP_RUNS_DAYS = 14
    settings.OUTBOX_KEEP_DAYS = 90
    long_ago = timezone.now() - timedelta(days=120)
    JobRun.objects.create(job="x", due_at=long_ago, started_at=long_ago, outcome="ok")
    old_sent = OutboxMessageFactory(status="sent")
    old_dead = OutboxMessageFactory(status="dead")
    fresh = OutboxMessageFactory(status="sent")
    OutboxMessage.objects.filter(pk__in=[old_sent.pk, old_dead.pk]).update(created_at=long_ago)
    assert scheduler.job_run_now("housekeeping") == "ran"
    assert not JobRun.objects.filter(job="x").exists()
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {old_dead.pk, fresh.pk}


def test_a_ticket_finished_after_midnight_makes_yesterdays_rollup_stale(
    world: QueueWorld, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    """The hot path (call, start, finish) reports late events too: a visitor served across
    midnight changes yesterday's figures, so yesterday's roll-up is rebuilt."""
    ticket = queue.ticket_issue(service=world.service)
    queue.counter_open(counter=world.counter, actor=world.officer)
    called = queue.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    queue.ticket_start(ticket=ticket.pk, actor=world.officer)
    yesterday = world.mall.today()
    clock.set(datetime(2026, 3, 5, 0, 2, tzinfo=JAKARTA))
    RollupDay.objects.create(mall=world.mall, day=yesterday)  # say an operator rebuilt it
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue.ticket_finish(ticket=ticket.pk, actor=world.officer, outcome="served")
        assert not RollupDay.objects.filter(mall=world.mall, day=yesterday).exists()
    assert callbacks  # the rebuild was queued after the commit
    stats = DailyTicketStats.objects.get(mall=world.mall, day=yesterday, level="mall")
    assert stats.tickets == 1
