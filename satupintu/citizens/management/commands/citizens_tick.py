"""`satupintu citizens_tick [--every SECONDS]`: give up remote tickets not checked in by their
arrival time, and send the due "almost your turn" / "you are called" messages (each once).
With --every it keeps running (the scheduler's job); without, it runs once (cron)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from satupintu.citizens import nudges, remote


class Command(BaseCommand):
    help = "Queue from home: no-shows after the arrival window, and queue messages (once each)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        every = float(options["every"])
        while True:
            no_shows = remote.remote_tickets_expire()
            sent = nudges.queue_nudges_send()
            if options["verbosity"] > 1 or no_shows or sent:
                self.stdout.write(f"no-shows: {no_shows}, messages: {sent}")
            if every <= 0:
                return
            time.sleep(every)
