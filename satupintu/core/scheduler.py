"""The scheduler that ships with the product: `satupintu scheduler`.

Each periodic job is declared once, in the app that owns it (`<app>/jobs.py`, imported by the
app's `AppConfig.ready`), with `register_job(name, cron, func, description)`. The schedule is a
five-field cron expression (minute hour day month weekday) read by APScheduler's `CronTrigger`
in the scheduler's time zone (`SCHEDULER_TIME_ZONE`, default the mall's `TIME_ZONE`); the jobs
themselves work per mall in each mall's zone (`Mall.today()`).

Run once even with two schedulers up: before a job runs for a due time, the scheduler inserts a
`JobRun` row (job, due time), unique in the database, in its own committed transaction. The
scheduler whose insert commits first runs the job; the other one gets the unique violation and
skips. This works the same on PostgreSQL (the second insert waits for the first to commit) and
SQLite (one writer at a time). Every job is idempotent besides, so a run repeated by hand or
after a crash does no harm.

Each run updates the job's `ScheduledJob` row (last due time, start, end, outcome, result, next
run), shown in the admin; the scheduler beats its heartbeat ("scheduler") every
`SCHEDULER_HEARTBEAT_SECONDS`, which `/readyz` checks."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from satupintu.core.heartbeats import heartbeat_beat
from satupintu.core.models import JobRun, ScheduledJob

logger = logging.getLogger(__name__)

Outcome = ScheduledJob.Outcome


# Interval jobs are due at whole multiples of their interval since this instant, so that every
# scheduler computes the same due times.
_EPOCH = dt.datetime(2000, 1, 3, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    func: Callable[[], Any]
    description: str = ""
    every_seconds: int = 0  # instead of `cron`: a job every N seconds (N < 60)

    def trigger(self, zone: ZoneInfo | None = None) -> BaseTrigger:
        if self.every_seconds:
            return IntervalTrigger(
                seconds=self.every_seconds, start_date=_EPOCH, timezone=zone or scheduler_zone()
            )
        return CronTrigger.from_crontab(self.cron, timezone=zone or scheduler_zone())

    @property
    def schedule(self) -> str:
        return f"every {self.every_seconds} s" if self.every_seconds else self.cron


_JOBS: dict[str, Job] = {}


def register_job(
    name: str,
    cron: str,
    func: Callable[[], Any],
    description: str = "",
    *,
    every_seconds: int = 0,
) -> Job:
    """Declare a periodic job (once, from the owning app's `jobs.py`). `cron`: five fields,
    minute hour day month weekday, in the scheduler's time zone; or, for work that must run more
    often than once a minute, `every_seconds` (and `cron=""`)."""
    job = Job(name=name, cron=cron, func=func, description=description, every_seconds=every_seconds)
    job.trigger()  # a malformed schedule fails at start-up, not at 1 a.m.
    _JOBS[name] = job
    return job


def registered_jobs() -> dict[str, Job]:
    return dict(sorted(_JOBS.items()))


def job_get(name: str) -> Job:
    try:
        return _JOBS[name]
    except KeyError:
        raise LookupError(f"no job {name!r}; known: {', '.join(sorted(_JOBS))}") from None


def scheduler_zone() -> ZoneInfo:
    return ZoneInfo(settings.SCHEDULER_TIME_ZONE or settings.TIME_ZONE)


def host_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def latest_due_time(job: Job, now: dt.datetime | None = None) -> dt.datetime | None:
    """The last time at or before `now` when `job` was due (None if none in the past day)."""
    now = now or timezone.now()
    if job.every_seconds:
        step = job.every_seconds
        return _EPOCH + dt.timedelta(seconds=int((now - _EPOCH).total_seconds() // step * step))
    trigger = job.trigger()
    fire = trigger.get_next_fire_time(None, now - dt.timedelta(days=1))
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
    return latest


def next_due_time(job: Job, now: dt.datetime | None = None) -> dt.datetime | None:
    now = now or timezone.now()
    return job.trigger().get_next_fire_time(None, now + dt.timedelta(seconds=1))


def jobs_sync(now: dt.datetime | None = None) -> None:
    """Write each declared job's schedule and next run into its `ScheduledJob` row."""
    zone = str(scheduler_zone())
    for job in registered_jobs().values():
        ScheduledJob.objects.update_or_create(
            name=job.name,
            defaults={
                "schedule": job.schedule,
                "time_zone": zone,
                "description": job.description[:255],
                "next_run_at": next_due_time(job, now),
            },
        )


def _summary(result: Any) -> str:
    if result is None:
        return ""
    if isinstance(result, dict):
        return ", ".join(f"{key}={value}" for key, value in result.items())[:2000]
    return str(result)[:2000]


def job_run_due(
    job: Job, due_at: dt.datetime, *, host: str = "", now: dt.datetime | None = None
) -> str:
    """Run `job` for its due time `due_at` unless another scheduler has: "ran", "failed" or
    "skipped" (someone else took this due time)."""
    host = host or host_name()
    started = now or timezone.now()
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                job=job.name, due_at=due_at, host=host, started_at=started, outcome=Outcome.RUNNING
            )
    except IntegrityError:
        logger.info("job %s due %s: already taken by another scheduler", job.name, due_at)
        return "skipped"
    ScheduledJob.objects.update_or_create(
        name=job.name,
        defaults={
            "schedule": job.schedule,
            "time_zone": str(scheduler_zone()),
            "description": job.description[:255],
            "last_due_at": due_at,
            "last_started_at": started,
            "last_outcome": Outcome.RUNNING,
            "last_host": host,
        },
    )
    try:
        result = job.func()
    except Exception as exc:
        logger.exception("job %s due %s failed", job.name, due_at)
        outcome, summary = Outcome.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    else:
        outcome, summary = Outcome.OK, _summary(result)
    finished = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(finished_at=finished, outcome=outcome, result=summary)
    ScheduledJob.objects.filter(name=job.name).update(
        last_finished_at=finished,
        last_outcome=outcome,
        last_result=summary,
        next_run_at=next_due_time(job),
    )
    return "ran" if outcome == Outcome.OK else "failed"


def job_run_now(name: str) -> str:
    """Run one job by hand (`satupintu scheduler --run NAME`), as a run of its own."""
    return job_run_due(job_get(name), timezone.now())


def _fire(name: str) -> None:
    """What APScheduler calls at each fire time of a job (in its worker thread)."""
    close_old_connections()
    try:
        job = job_get(name)
        due = latest_due_time(job)
        if due is not None:
            job_run_due(job, due)
    finally:
        close_old_connections()


def scheduler_beat() -> None:
    """Tell /readyz that a scheduler is alive."""
    heartbeat_beat("scheduler", detail=f"{host_name()} {len(_JOBS)} jobs")


def _beat() -> None:
    close_old_connections()
    try:
        scheduler_beat()
    except Exception:
        logger.exception("scheduler heartbeat failed")
    finally:
        close_old_connections()


def build_scheduler() -> Any:
    """An APScheduler `BlockingScheduler` with every registered job and the heartbeat."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    zone = scheduler_zone()
    scheduler = BlockingScheduler(
        timezone=zone,
        job_defaults={
            "coalesce": True,  # after a pause, one run, not one per missed time
            "max_instances": 1,
            "misfire_grace_time": settings.SCHEDULER_MISFIRE_GRACE_SECONDS,
        },
    )
    for job in registered_jobs().values():
        scheduler.add_job(_fire, job.trigger(zone), args=[job.name], id=job.name, name=job.name)
    scheduler.add_job(
        _beat,
        "interval",
        seconds=settings.SCHEDULER_HEARTBEAT_SECONDS,
        id="heartbeat",
        next_run_time=timezone.now(),
    )
    return scheduler
