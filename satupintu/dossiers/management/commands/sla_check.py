"""`satupintu sla_check`: warn supervisors about dossiers past a state deadline.

Run it from cron or a loop next to the task worker (`--enqueue` hands the work to the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from satupintu.dossiers.tasks import dossier_sla_check


class Command(BaseCommand):
    help = "Warn supervisors, once per state, about dossiers past a state deadline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Enqueue the check for the task worker."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = dossier_sla_check.enqueue()
            self.stdout.write(f"enqueued SLA check {result.id}")
            return
        sent = dossier_sla_check.call()
        self.stdout.write(f"SLA warnings sent: {sent}")
