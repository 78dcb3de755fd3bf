from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from satupintu.core.outbox import outbox_process_due
from satupintu.feedback import deliveries, services, tasks


class Command(BaseCommand):
    help = "Escalate complaints whose first response (3 working days) is overdue, once each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the work to the task worker instead of doing it now.",
        )
        parser.add_argument(
            "--retry-lapor",
            action="store_true",
            help="Also try the SP4N-LAPOR! deliveries that are due in the outbox.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            tasks.complaints_escalate.enqueue()
            self.stdout.write("escalation enqueued")
            return
        escalated = services.complaints_escalate_overdue()
        for complaint in escalated:
            self.stdout.write(f"escalated {complaint.code} (due {complaint.first_response_due})")
        self.stdout.write(f"{len(escalated)} complaint(s) escalated")
        if options["retry_lapor"]:
            run = outbox_process_due(channels=deliveries.CHANNELS)
            self.stdout.write(f"{run.sent} LAPOR delivery(ies) sent")
