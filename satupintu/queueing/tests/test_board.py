"""The display board as a visitor reads and hears it: every demo counter is called by the name
the board shows, the ticker follows the mall's calendar, the board's sound and language
settings reach the page."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.demo_data.loader import seed_accounts, seed_catalog
from satupintu.catalog.models import ClosureDay, Counter, OpeningHours
from satupintu.catalog.tests.factories import FloorFactory, MallFactory
from satupintu.core.errors import Conflict
from satupintu.core.events import get_broker
from satupintu.queueing import demo, selectors, services
from satupintu.queueing.models import Display, TicketChannel
from satupintu.queueing.numbers import number_to_words, spell_ticket_number
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import JAKARTA, Clock
from satupintu.queueing.views import _event_for_screen

# Number words back to digits (longest first), to read the spoken counter back as a name.
_WORDS_TO_DIGITS = sorted(
    ((number_to_words(n), str(n)) for n in range(1, 100)), key=lambda pair: -len(pair[0])
)


def _as_written(spoken: str) -> str:
    for words, digits in _WORDS_TO_DIGITS:
        spoken = re.sub(rf"\b{words}\b", digits, spoken)
    return spoken


def _without_signs(name: str) -> str:
    return " ".join(re.sub(r"[()/]", " ", name).split())


def _board_text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, element_id
    return match.group(1).strip()


@pytest.mark.django_db
def test_every_demo_counter_is_announced_by_the_name_the_board_shows(
    client: Client, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    mall = seed_catalog(lambda _message: None)
    seed_accounts(mall, lambda _message: None)
    demo._seed_devices(mall)  # the boards, without the demo's tickets
    OpeningHours.objects.filter(mall=mall).delete()
    for weekday in range(7):
        OpeningHours.objects.create(mall=mall, weekday=weekday, opens=time(0), closes=time(23, 59))
    board = Display.objects.get(device__username="display-1")
    broker = get_broker()
    counters = list(Counter.objects.filter(mall=mall).order_by("number"))
    assert len(counters) == 23
    assert len({c.name for c in counters}) == 23  # no two counters share a name
    skipped: list[str] = []
    for counter in counters:
        officer = user_with_role(Role.COUNTER_OFFICER, mall=mall, username=f"officer-{counter.pk}")
        drive_thru = counter.mode == Counter.Mode.DRIVE_THRU
        channel = f"floor:{counter.floor_id}"
        ticket = None
        with django_capture_on_commit_callbacks(execute=True):
            # The first of its services that takes tickets now (an agency whose partnership
            # with the mall is not in force takes none).
            for service in counter.services.order_by("pk"):
                try:
                    ticket = services.ticket_issue(
                        service=service,
                        channel=TicketChannel.DRIVE_THRU if drive_thru else TicketChannel.WALK_IN,
                        plate_number="AB 1234 CD" if drive_thru else "",
                    )
                except Conflict:
                    continue
                break
            if ticket is None:
                skipped.append(counter.name)
                continue
            services.counter_open(counter=counter, actor=officer)
        since = broker.last_id(channel)
        with django_capture_on_commit_callbacks(execute=True):
            called = services.counter_call_next(counter=counter, actor=officer)
        assert called is not None
        assert called.pk == ticket.pk
        [event] = [e for e in broker.events_after(channel, since) if e.type == "ticket.called"]
        data = _event_for_screen(event).data

        # What the board shows for this call, on the page and from the live event.
        html = client.get(f"/q/display/{board.pk}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
        shown = _board_text(html, "now-counter")
        assert shown == counter.name
        assert data["counter_name"] == shown
        # What it says: the shown name, its numbers in Indonesian words, never the counter's
        # internal number (10 for "Loket Imigrasi 1", 22 for "Drive-thru Lajur 1").
        prefix = f"Nomor antrian {spell_ticket_number(ticket.number)}, silakan menuju "
        assert data["announcement"].startswith(prefix), data["announcement"]
        said = data["announcement"][len(prefix) :]
        assert not re.search(r"\d", said), said
        assert _as_written(said) == _without_signs(shown), (said, shown)
        assert data["announcement_en"].endswith(f"please go to {_without_signs(shown)}")
    assert len(skipped) <= 1, skipped  # at most a counter of firms without a partnership


@pytest.mark.django_db
def test_ticker_follows_the_configured_hours_and_closure_days(client: Client, clock: Clock) -> None:
    mall = MallFactory(slug="ticker-mall", timezone="Asia/Jakarta")
    floor = FloorFactory(mall=mall, number=1)
    board = Display.objects.create(mall=mall, floor=floor, name="Papan", running_text="Halo.")
    for weekday in range(5):
        OpeningHours.objects.create(mall=mall, weekday=weekday, opens=time(8), closes=time(15))
    OpeningHours.objects.create(mall=mall, weekday=5, opens=time(8), closes=time(12))
    ClosureDay.objects.create(mall=mall, date=date(2026, 3, 6), reason="Kerja bakti")
    clock.set(datetime(2026, 3, 4, 7, 30, tzinfo=JAKARTA))  # Wednesday, before opening

    html = client.get(f"/q/display/{board.pk}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    ticker = _board_text(html, "board-ticker-text")
    assert ticker.startswith(
        "Halo. · Jam layanan: Senin-Jumat 08:00-15:00 WIB, Sabtu 08:00-12:00 WIB"
    )
    assert "Tutup: Jumat, 6 Maret (Kerja bakti)" in ticker
    assert "Tiket mulai pukul 08:00" in ticker
    assert "08.00-15.00" not in ticker

    # The mall changes its hours: the board says the new ones, with nothing else to edit.
    OpeningHours.objects.filter(mall=mall, weekday__lt=5).update(closes=time(16))
    ClosureDay.objects.filter(mall=mall).delete()
    clock.set(datetime(2026, 3, 4, 10, 0, tzinfo=JAKARTA))
    html = client.get(f"/q/display/{board.pk}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    ticker = _board_text(html, "board-ticker-text")
    assert "Senin-Jumat 08:00-16:00 WIB" in ticker
    assert "Kerja bakti" not in ticker
    # National days off come from the holiday calendar (Nyepi falls within two weeks).
    assert "Tutup: Rabu, 18 Maret (" in ticker
    assert "Tiket mulai" not in ticker


@pytest.mark.django_db
def test_kiosk_notice_says_when_tickets_start(clock: Clock) -> None:
    mall = MallFactory(slug="notice-mall")
    for weekday in range(5):
        OpeningHours.objects.create(mall=mall, weekday=weekday, opens=time(8), closes=time(15))
    from django.utils import translation

    with translation.override("id"):
        before = datetime(2026, 3, 4, 7, 0, tzinfo=JAKARTA)
        assert selectors.kiosk_ticket_notice(mall, before) == "Tiket mulai pukul 08:00"
        assert selectors.kiosk_ticket_notice(mall, datetime(2026, 3, 4, 9, tzinfo=JAKARTA)) is None
        after = datetime(2026, 3, 6, 16, 0, tzinfo=JAKARTA)  # Friday after closing
        assert selectors.kiosk_ticket_notice(mall, after) == (
            "Tiket hari ini sudah habis. Tiket dibuka lagi Senin, 9 Maret pukul 08:00"
        )


@pytest.mark.django_db
def test_board_settings_reach_the_page(client: Client, clock: Clock) -> None:
    mall = MallFactory(slug="board-mall")
    board = Display.objects.create(mall=mall, name="Papan Imigrasi", announce_in_english=True)
    html = client.get(f"/q/display/{board.pk}/").content.decode()
    assert 'data-voice-langs="id-ID en-US"' in html
    assert 'data-sound-at-load="1"' in html
    board.sound_at_load = False
    board.announce_in_english = False
    board.save()
    html = client.get(f"/q/display/{board.pk}/").content.decode()
    assert 'data-voice-langs="id-ID"' in html
    assert 'data-sound-at-load="0"' in html
