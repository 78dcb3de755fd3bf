"""`satupintu planning_forecast [--mall SLUG] [--days 14]`: the nightly arrival forecast of the
days ahead (every active mall by default)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satupintu.catalog.models import Mall
from satupintu.planning.forecast import forecast_store


class Command(BaseCommand):
    help = "Forecast arrivals per service and hour for the coming days from the roll-ups."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mall", default=None)
        parser.add_argument("--days", type=int, default=14)

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["days"] <= 60:
            raise CommandError("--days must be between 1 and 60")
        malls = Mall.objects.filter(is_active=True)
        if options["mall"]:
            malls = malls.filter(slug=options["mall"])
            if not malls.exists():
                raise CommandError(f"No active mall with slug '{options['mall']}'")
        for mall in malls:
            rows = forecast_store(mall=mall, start=mall.today(), days=options["days"])
            self.stdout.write(f"{mall.slug}: {rows} forecast rows for {options['days']} days")
