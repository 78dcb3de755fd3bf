"""Daily MOU check: expire MOUs past their end date and send the 60- and 30-day reminders.

Safe to run as often as you like: each reminder is sent once per threshold and end date."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satupintu.catalog import partners


class Command(BaseCommand):
    help = "Expire MOUs past their end date and send the reminders due (60 and 30 days before)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="Run as if today were this date (YYYY-MM-DD); default: each mall's today.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date must be YYYY-MM-DD") from exc
        run = partners.partnership_reminders_run(today=today)
        self.stdout.write(
            f"MOU check: {len(run.reminders)} reminder(s) created, {len(run.expired)} expired"
        )
