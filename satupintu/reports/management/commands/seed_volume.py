"""`satupintu seed_volume --years 3 [--mall yogyakarta] [--scale 1.0]`: years of realistic
history for a mall (see `satupintu/reports/volume.py`), then its daily roll-ups. Prints a
progress bar, the rows made, the time taken and the peak memory."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from satupintu.catalog.models import Mall
from satupintu.queueing.models import Ticket
from satupintu.reports import volume
from satupintu.reports.demo import DEMO_HISTORY_NAME
from satupintu.reports.models import (
    DailyDossierStats,
    DailySurveyStats,
    DailyTicketStats,
    RollupDay,
)
from satupintu.reports.progress import ProgressBar
from satupintu.reports.services import rollup_range


class Command(BaseCommand):
    help = "Generate years of realistic history for a mall (tickets, dossiers, surveys, ...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=float, default=3.0)
        parser.add_argument("--mall", default="yogyakarta")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0 = about 1M tickets a year"
        )
        parser.add_argument("--seed", type=int, default=20240101)
        parser.add_argument(
            "--replace", action="store_true", help="delete generated history of the period first"
        )
        parser.add_argument(
            "--skip-rollups", action="store_true", help="do not build the roll-ups afterwards"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["years"] <= 0 or options["years"] > 10:
            raise CommandError("--years must be between 0 and 10")
        if options["scale"] <= 0 or options["scale"] > 5:
            raise CommandError("--scale must be between 0 and 5")
        mall = Mall.objects.filter(slug=options["mall"]).first()
        if mall is None:
            if options["mall"] != "yogyakarta":
                raise CommandError(f"No mall with slug '{options['mall']}'")
            self.stdout.write("The demo mall is missing: running seed_demo first.")
            call_command("seed_demo", quiet_table=True, stdout=self.stdout._out)
            mall = Mall.objects.get(slug="yogyakarta")
        date_to = mall.today() - timedelta(days=1)
        date_from = date_to - timedelta(days=max(1, round(365 * options["years"])) - 1)
        in_period = Ticket.objects.filter(
            mall=mall, service_date__gte=date_from, service_date__lte=date_to
        )
        # The light history that seed_demo made is replaced without asking.
        demo_only = in_period.exists() and not in_period.exclude(name=DEMO_HISTORY_NAME).exists()
        existing = in_period.exists()
        if existing and not demo_only and not options["replace"]:
            raise CommandError(
                f"{mall.slug} already has tickets between {date_from} and {date_to}; "
                "use --replace to delete the generated history and make it again"
            )
        started = time.monotonic()
        if existing:
            deleted = volume.history_delete(mall=mall, date_from=date_from, date_to=date_to)
            # Generated dossiers and complaints go whatever their day: every roll-up of the
            # mall may count some of them, so all are dropped (read live, or rolled up again).
            RollupDay.objects.filter(mall=mall).delete()
            self.stdout.write(f"deleted {deleted} tickets of earlier history")
        working = sum(
            1
            for offset in range((date_to - date_from).days + 1)
            if (date_from + timedelta(days=offset)).weekday() < 5
        )
        bar = ProgressBar("history", working, stream=self.stdout)
        with transaction.atomic():
            result = volume.generate(
                mall=mall,
                date_from=date_from,
                date_to=date_to,
                scale=options["scale"],
                seed=options["seed"],
                progress=lambda index: bar.update(index - bar.done),
            )
        bar.close()
        self.stdout.write(
            f"{mall.slug}: {date_from} .. {date_to}, {result.working_days} working days of "
            f"{result.days}; history in {result.seconds:.1f} s"
        )
        for name, count in sorted(result.rows.items()):
            self.stdout.write(f"  {name:<16} {count:>12,}")
        rollup_seconds = 0.0
        if not options["skip_rollups"]:
            t0 = time.monotonic()
            rollup_bar = ProgressBar("roll-ups", result.days, stream=self.stdout)
            built = rollup_range(
                mall=mall,
                date_from=date_from,
                date_to=date_to,
                progress=lambda index, total: rollup_bar.update(),
            )
            rollup_bar.close()
            rollup_seconds = time.monotonic() - t0
            self.stdout.write(f"roll-ups: {built} days in {rollup_seconds:.1f} s")
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    for model in (DailyTicketStats, DailyDossierStats, DailySurveyStats):
                        cursor.execute(f"ANALYZE {model._meta.db_table}")
        self.stdout.write(
            f"total {time.monotonic() - started:.1f} s, peak memory "
            f"{volume.peak_memory_mb():.0f} MB (ru_maxrss)"
        )
