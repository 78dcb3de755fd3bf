"""Fixtures of the queue-domain tests: a settable clock, an open mall with a service and a
counter, officers, and a recorder of live events. Imported by the test modules that use them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.models import Counter, Mall, OpeningHours, Service
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    CounterFactory,
    FloorFactory,
    MallFactory,
    ServiceFactory,
)

__all__ = ["clock", "english", "published", "world"]

JAKARTA = ZoneInfo("Asia/Jakarta")
# A Wednesday that is no Indonesian holiday, at 10:00 in Yogyakarta.
WEDNESDAY_10 = datetime(2026, 3, 4, 10, 0, tzinfo=JAKARTA)


class Clock:
    """What `django.utils.timezone.now` answers during a test."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current.astimezone(ZoneInfo("UTC"))

    def set(self, value: datetime) -> None:
        self.current = value

    def advance(self, **delta: float) -> None:
        self.current = self.current + timedelta(**delta)


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages in English, whatever the catalogs hold: tests read the reasons."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(WEDNESDAY_10)
    monkeypatch.setattr(timezone, "now", fake)
    return fake


def set_opening_hours(mall: Mall, opens: time = time(8, 0), closes: time = time(16, 0)) -> None:
    """Monday to Friday, `opens` to `closes`; closed at the weekend."""
    for weekday in range(5):
        OpeningHours.objects.update_or_create(
            mall=mall, weekday=weekday, defaults={"opens": opens, "closes": closes}
        )


@dataclass
class QueueWorld:
    mall: Mall
    service: Service
    other_service: Service
    counter: Counter
    officer: Any
    other_officer: Any
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(db: None, clock: Clock) -> QueueWorld:
    mall = MallFactory(slug="test-mall")
    set_opening_hours(mall)
    agency = AgencyFactory(mall=mall)
    service = ServiceFactory(agency=agency, mall=mall, queue_prefix="A", code="SVC-A")
    other_service = ServiceFactory(agency=agency, mall=mall, queue_prefix="B", code="SVC-B")
    floor = FloorFactory(mall=mall, number=1)
    counter = CounterFactory(
        mall=mall, floor=floor, number=1, name="Loket 1", services=[service, other_service]
    )
    officer = user_with_role(Role.COUNTER_OFFICER, mall=mall, username="loket-a")
    other_officer = user_with_role(Role.COUNTER_OFFICER, mall=mall, username="loket-b")
    return QueueWorld(mall, service, other_service, counter, officer, other_officer)


@dataclass
class PublishedEvent:
    channels: list[str]
    type: str
    data: dict[str, Any]


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[PublishedEvent]:
    """Live events the services asked to publish (after commit), in order."""
    from satupintu.queueing import services

    sent: list[PublishedEvent] = []

    def record(channels: Any, event_type: str, data: dict[str, Any]) -> None:
        sent.append(PublishedEvent(list(channels), event_type, data))

    monkeypatch.setattr(services, "publish_on_commit", record)
    return sent
