"""`satupintu signing_init [--mall SLUG]`: create the demo certification authority and one signing
certificate (PKCS#12) per agency, for the demo and for tests. Idempotent: existing files,
including an agency's own production PKCS#12, are never replaced."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satupintu.catalog.models import Agency, Mall
from satupintu.dossiers.signing import agency_certificate_ensure, demo_ca_ensure, signing_dir


class Command(BaseCommand):
    help = (
        "Create a demo CA and a signing certificate for every agency (of one mall with --mall) "
        "under SIGNING_DIR. Existing files are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mall", help="Only the agencies of the mall with this slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        agencies = Agency.objects.select_related("mall").order_by("mall__slug", "slug")
        if options.get("mall"):
            if not Mall.objects.filter(slug=options["mall"]).exists():
                raise CommandError(f"No mall with slug {options['mall']!r}.")
            agencies = agencies.filter(mall__slug=options["mall"])
        _ca, ca_created = demo_ca_ensure()
        self.stdout.write(
            f"Demo CA {'created' if ca_created else 'already present'} in {signing_dir()}"
        )
        created = kept = 0
        for agency in agencies:
            path, was_created = agency_certificate_ensure(agency)
            if was_created:
                created += 1
                self.stdout.write(f"  created {path}")
            else:
                kept += 1
        self.stdout.write(
            self.style.SUCCESS(f"Signing keys: {created} created, {kept} already present.")
        )
