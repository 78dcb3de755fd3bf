"""The queue's demo data: loads on the demo mall, and a second run changes nothing."""

from __future__ import annotations

import pytest

from satupintu.catalog.demo_data.loader import seed_accounts, seed_catalog
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
