"""`satupintu personal_data_rotate`: re-encrypt stored personal data under the newest key.

Rotation: put the new key in front (PERSONAL_DATA_KEYS=new,old), restart the processes, run
this command, then drop the old key. Safe to run again and to interrupt."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satupintu.core.key_rotation import personal_data_rotate


class Command(BaseCommand):
    help = "Re-encrypt NIKs and health notes under the newest PERSONAL_DATA_KEYS entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would change, change nothing"
        )

    def handle(self, *args: Any, batch_size: int, dry_run: bool, **options: Any) -> None:
        counts = personal_data_rotate(batch_size=batch_size, dry_run=dry_run)
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        for c in counts:
            self.stdout.write(
                f"{c.model}: {c.rows} rows, {verb} {c.reencrypted} values, "
                f"{c.rehashed} look-up hashes, {c.unreadable} unreadable"
            )
        unreadable = sum(c.unreadable for c in counts)
        if unreadable:
            raise CommandError(
                f"{unreadable} values open with none of PERSONAL_DATA_KEYS: put the key that "
                "encrypted them back in the list (after the newest) and run this again."
            )
        if not dry_run:
            self.stdout.write(
                "Every value is under the newest key; the older keys can leave PERSONAL_DATA_KEYS."
            )
