"""The queue's demo data: loads on the demo mall, and a second run changes nothing."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pytest

from satupintu.catalog.demo_data.loader import seed_accounts, seed_catalog
from satupintu.catalog.models import OpeningHours
from satupintu.queueing import demo, selectors
from satupintu.queueing.models import (
    AppointmentSlotConfig,
    CounterSession,
    Display,
    Kiosk,
    NumberSequence,
    Ticket,
    TicketEvent,
)


@pytest.mark.django_db
def test_demo_seed_is_alive_and_idempotent() -> None:
    messages: list[str] = []
    mall = seed_catalog(messages.append)
    seed_accounts(mall, messages.append)
    _open_around_the_clock(mall)
    demo.seed(mall, messages.append)

    def counts() -> tuple[int, ...]:
        return (
            Ticket.objects.count(),
            TicketEvent.objects.count(),
            CounterSession.objects.count(),
            AppointmentSlotConfig.objects.count(),
            sum(NumberSequence.objects.values_list("last_value", flat=True)),
        )

    first = counts()
    assert first[0] == len(demo.TODAY)
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == {"waiting", "called", "serving", "done", "no_show"}
    assert Ticket.objects.filter(channel="drive_thru").exclude(plate_number="").count() == 2
    overview = {row["service_code"]: row for row in selectors.queue_overview(mall)}
    assert overview["DUK-KTP-BARU"]["waiting"] == 3
    assert overview["DUK-KTP-BARU"]["open_counters"] == 1
    demo.seed(mall, messages.append)
    assert counts() == first
    assert "Devices: 2 display boards and 2 kiosks (0 created, 0 updated)." in messages
    assert any(message.startswith("Queue:") for message in messages)


@pytest.mark.django_db
def test_demo_devices_get_their_display_boards_and_kiosks() -> None:
    mall = seed_catalog(lambda _message: None)
    seed_accounts(mall, lambda _message: None)
    assert not Display.objects.exists()
    demo.seed(mall, lambda _message: None)
    assert Display.objects.filter(mall=mall).count() == 2
    assert Display.objects.filter(mall=mall, floor__isnull=True).count() == 1
    assert Display.objects.get(device__username="display-1").floor.number == 1  # type: ignore[union-attr]
    assert Kiosk.objects.filter(mall=mall, device__username="kiosk-1").exists()
    assert Kiosk.objects.filter(mall=mall).count() == 2


def _open_around_the_clock(mall: Any) -> None:
    """Today's queue is seeded only inside opening hours: the test runs at any hour."""
    OpeningHours.objects.filter(mall=mall).delete()
    for weekday in range(7):
        OpeningHours.objects.create(mall=mall, weekday=weekday, opens=time(0), closes=time(23, 59))


@pytest.mark.django_db
@pytest.mark.parametrize("hour", [7, 8, 9, 12, 16])
def test_todays_seeded_queue_stays_inside_opening_hours(
    hour: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.utils import timezone

    mall = seed_catalog(lambda _message: None)
    seed_accounts(mall, lambda _message: None)
    OpeningHours.objects.filter(mall=mall).delete()
    for weekday in range(7):
        OpeningHours.objects.create(mall=mall, weekday=weekday, opens=time(8), closes=time(15))
    day = mall.today()
    now = datetime.combine(day, time(hour, 30), tzinfo=mall.zone)
    monkeypatch.setattr(timezone, "now", lambda: now)
    demo.seed(mall, lambda _message: None)
    opens = datetime.combine(day, time(8), tzinfo=mall.zone)
    closes = datetime.combine(day, time(15), tzinfo=mall.zone)
    tickets = Ticket.objects.filter(mall=mall, service_date=day)
    if hour < 8:
        assert not tickets.exists()  # nothing before the doors open
        return
    assert tickets.count() == len(demo.TODAY)
    moments = list(TicketEvent.objects.filter(ticket__in=tickets).values_list("at", flat=True))
    assert min(moments) >= opens, min(moments).astimezone(mall.zone)
    assert max(moments) <= min(now, closes), max(moments).astimezone(mall.zone)
    sessions = CounterSession.objects.filter(counter__mall=mall)
    assert all(opens <= s.opened_at <= now for s in sessions)
