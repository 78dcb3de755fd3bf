"""`satupintu rollup_rebuild [--mall SLUG] [--from DATE] [--to DATE]`: rebuild the daily
roll-ups of past days from the source rows (default: every day with tickets, up to yesterday)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Min

from satupintu.catalog.models import Mall
from satupintu.queueing.models import Ticket
from satupintu.reports.progress import ProgressBar
from satupintu.reports.services import rollup_range


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--{name} must be a date YYYY-MM-DD") from exc


def _advance(bar: ProgressBar) -> Callable[[int, int], None]:
    return lambda index, total: bar.update()


class Command(BaseCommand):
    help = "Rebuild the daily report roll-ups of past days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mall", help="mall slug (default: every active mall)")
        parser.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        malls = Mall.objects.filter(is_active=True)
        if options.get("mall"):
            malls = malls.filter(slug=options["mall"])
            if not malls.exists():
                raise CommandError(f"No active mall with slug '{options['mall']}'")
        for mall in malls:
            yesterday = mall.today() - timedelta(days=1)
            start = _date(options.get("date_from"), "from")
            if start is None:
                start = Ticket.objects.filter(mall=mall).aggregate(m=Min("service_date"))["m"]
            end = _date(options.get("date_to"), "to") or yesterday
            end = min(end, yesterday)
            if start is None or start > end:
                self.stdout.write(f"{mall.slug}: nothing to rebuild")
                continue
            bar = ProgressBar(mall.slug, (end - start).days + 1, stream=self.stdout)
            built = rollup_range(mall=mall, date_from=start, date_to=end, progress=_advance(bar))
            bar.close()
            self.stdout.write(f"{mall.slug}: {built} days built ({start} .. {end})")
