"""`satupintu seed_demo`: load the demo mall MPP Kota Yogyakarta, idempotently.

First the catalog (one transaction) and the accounts and devices, then each app's own demo data
through `satupintu/<app>/demo.py:seed(mall, log)` where that module exists."""

from __future__ import annotations

import importlib
import importlib.util
import os
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from satupintu.catalog import demo_data
from satupintu.catalog.demo_data.loader import seed_accounts, seed_catalog

# The order matters: dossiers may refer to tickets, reports summarise everything before them.
DEMO_APPS = ["queueing", "dossiers", "outreach", "feedback", "reports", "citizens"]


class Command(BaseCommand):
    help = "Load the demo mall 'yogyakarta' (MPP Kota Yogyakarta). Safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--quiet-table",
            action="store_true",
            help="Do not print the table of demo URLs and accounts at the end.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def log(message: str) -> None:
            self.stdout.write(message)

        with transaction.atomic():
            mall = seed_catalog(log)
            seed_accounts(mall, log)
        for app in DEMO_APPS:
            module_name = f"satupintu.{app}.demo"
            # find_spec, not a caught ImportError: a demo module that exists but fails to
            # import must fail loudly instead of being skipped.
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            with transaction.atomic():
                module.seed(mall, log)
        if not options["quiet_table"]:
            self.stdout.write(self.summary_table())

    @staticmethod
    def summary_table() -> str:
        base = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        rows = [
            ("Portal", f"{base}/"),
            ("Admin", f"{base}/admin/"),
            ("API docs", f"{base}/api/v1/docs"),
        ]
        accounts = [
            (username, role + (f" ({agency})" if agency else ""))
            for username, (_n, role, agency, _s, _su) in demo_data.ACCOUNTS.items()
        ]
        accounts[0] = ("admin", "superuser")
        accounts += [(username, spec[1]) for username, spec in demo_data.DEVICES.items()]
        width = max(len(u) for u, _ in accounts)
        role_width = max(len(r) for _, r in accounts)
        lines = ["", "Satu Pintu demo: MPP Kota Yogyakarta", ""]
        lines += [f"  {label:<9} {url}" for label, url in rows]
        lines += ["", f"  {'username':<{width}}  {'role':<{role_width}}  password"]
        lines.append(f"  {'-' * width}  {'-' * role_width}  {'-' * 14}")
        lines += [
            f"  {user:<{width}}  {role:<{role_width}}  {demo_data.DEMO_PASSWORD}"
            for user, role in accounts
        ]
        return "\n".join(lines) + "\n"
