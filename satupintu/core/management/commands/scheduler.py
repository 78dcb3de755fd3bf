"""`satupintu scheduler`: run the periodic jobs on their schedules (see core/scheduler.py).

Run one beside the web server and the task worker (`make demo` does; deploy/ has its unit).
Two running at once are harmless: each due time of each job runs once."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from satupintu.core import scheduler


class Command(BaseCommand):
    help = "Run the periodic jobs (ticket expiry, roll-ups, SLA sweep, outbox retries, ...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="Print the jobs and exit.")
        parser.add_argument(
            "--run", metavar="JOB", action="append", help="Run this job now (repeatable) and exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = scheduler.registered_jobs()
        if options["list"]:
            zone = scheduler.scheduler_zone()
            for job in jobs.values():
                upcoming = scheduler.next_due_time(job)
                when = timezone.localtime(upcoming, zone).isoformat() if upcoming else "-"
                self.stdout.write(f"{job.name:22} {job.schedule:15} next {when}  {job.description}")
            return
        if options["run"]:
            for name in options["run"]:
                try:
                    outcome = scheduler.job_run_now(name)
                except LookupError as exc:
                    raise CommandError(str(exc)) from exc
                self.stdout.write(f"{name}: {outcome}")
            return
        scheduler.jobs_sync()
        runner = scheduler.build_scheduler()

        def stop(signum: int, frame: Any) -> None:
            runner.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(
            f"scheduler: {len(jobs)} jobs in {scheduler.scheduler_zone()} ({', '.join(jobs)})"
        )
        self.stdout.flush()
        runner.start()
