"""Demo data of citizen accounts: two services of the demo mall take tickets from home (the
new ID card and the family card), with an hour to arrive and a message two places ahead.
Idempotent: a setting is made only where the service has none."""

from __future__ import annotations

from collections.abc import Callable

from satupintu.catalog.models import Mall, Service
from satupintu.citizens.models import RemoteQueueConfig

REMOTE_SERVICES = ("DUK-KTP-GANTI", "DUK-KK")  # demo data


def seed(mall: Mall, log: Callable[[str], None]) -> None:
    made = 0
    for service in Service.objects.filter(mall=mall, code__in=REMOTE_SERVICES, offers_walk_in=True):
        _config, created = RemoteQueueConfig.objects.get_or_create(
            service=service, defaults={"arrival_minutes": 60, "notify_ahead": 2}
        )
        made += created
    log(f"Queue from home: {len(REMOTE_SERVICES)} services ({made} new).")
