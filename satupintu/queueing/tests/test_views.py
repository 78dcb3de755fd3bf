"""The queue pages through Django's test client: kiosk, counter console (with denials), display
board, phone status page, booking and kiosk check-in. Every change goes through the services; a
refused action re-shows the page naming the field and changes nothing."""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.models import Counter
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    ClosureDayFactory,
    CounterFactory,
    MallFactory,
    ServiceFactory,
)
from satupintu.queueing import services
from satupintu.queueing.models import (
    Appointment,
    CounterSession,
    Ticket,
    TicketEvent,
)
from satupintu.queueing.selectors import ticket_token
from satupintu.queueing.tests.factories import (
    AppointmentSlotConfigFactory,
    DisplayFactory,
    KioskFactory,
)
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import Clock, QueueWorld

pytestmark = pytest.mark.django_db

VALID_NIK = "3471010101900001"  # Kota Yogyakarta, born 01-01-1990


def _kiosk_url(world: QueueWorld, name: str = "kiosk", **kwargs: Any) -> str:
    return reverse(f"queueing:{name}", kwargs={"mall_slug": world.mall.slug, **kwargs})


def _state(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (ticket.status, ticket.counter_id, ticket.started_at, ticket.events.count())


# --- kiosk ------------------------------------------------------------------------------------


def test_kiosk_lists_agencies_searches_and_lists_services(world: QueueWorld) -> None:
    client = Client()
    home = client.get(_kiosk_url(world))
    assert home.status_code == 200
    assert world.service.agency.name in home.text
    assert 'lang="id"' in home.text

    found = client.get(_kiosk_url(world), {"q": world.service.name})
    assert world.service.name in found.text
    assert reverse("queueing:kiosk-service", args=[world.mall.slug, world.service.pk]) in found.text

    by_agency = client.get(_kiosk_url(world), {"agency": world.service.agency_id})
    assert world.other_service.name in by_agency.text

    nothing = client.get(_kiosk_url(world), {"q": "zzz-no-such-service"})
    assert "Tidak ada layanan" in nothing.text  # Indonesian by default


def test_kiosk_issues_a_ticket_through_the_page(world: QueueWorld) -> None:
    client = Client()
    url = _kiosk_url(world, "kiosk-service", service_id=world.service.pk)
    page = client.get(url)
    assert page.status_code == 200
    for label in ("Reguler", "Penyandang disabilitas", "Lansia", "Ibu hamil", "Membawa anak"):
        assert label in page.text
    assert page.text.count('<svg class="icon"') == 5  # a pictogram per class

    response = client.post(url, {"priority": "elderly", "channel": "walk_in"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.priority == "elderly"
    assert ticket.number == "A-001"
    assert ticket.events.filter(action=TicketEvent.Action.ISSUE).count() == 1
    assert response["Location"].endswith(f"/kiosk/ticket/{ticket.pk}/{ticket_token(ticket)}/")

    shown = client.get(response["Location"])
    assert shown.status_code == 200
    assert "A-001" in shown.text
    assert world.service.name in shown.text
    assert "<svg" in shown.text  # the QR code, inline
    assert "data-print" in shown.text  # the print button (bound by static JS, no inline handler)
    assert "Lantai 1" in shown.text  # where to wait
    assert (
        reverse("queueing:ticket-status", args=[ticket.pk, ticket_token(ticket)]) in (shown.text)
        or ticket_token(ticket) in shown.text
    )


def test_kiosk_drive_thru_without_plate_names_the_field_and_issues_nothing(
    world: QueueWorld,
) -> None:
    lane_service = ServiceFactory(
        agency=world.service.agency,
        mall=world.mall,
        code="SAM-PKB",
        queue_prefix="S",
        offers_drive_thru=True,
    )
    client = Client()
    url = _kiosk_url(world, "kiosk-service", service_id=lane_service.pk)
    assert "plate_number" in client.get(url).text
    response = client.post(url, {"priority": "", "channel": "drive_thru", "plate_number": ""})
    assert response.status_code == 422
    assert 'id="plate-error"' in response.text
    assert Ticket.objects.count() == 0

    ok = client.post(url, {"priority": "", "channel": "drive_thru", "plate_number": "AB 1234 CD"})
    assert ok.status_code == 302
    assert Ticket.objects.get().plate_number


def test_kiosk_on_a_closed_day_gives_the_reason_and_offers_booking(
    world: QueueWorld, clock: Clock
) -> None:
    ClosureDayFactory(mall=world.mall, date=clock.current.date(), reason="Kerja bakti")
    client = Client()
    home = client.get(_kiosk_url(world))
    assert "Kerja bakti" in home.text
    assert reverse("queueing:booking", args=[world.mall.slug]) in home.text

    response = client.post(
        _kiosk_url(world, "kiosk-service", service_id=world.service.pk), {"priority": ""}
    )
    assert response.status_code == 200
    assert "Kerja bakti" in response.text
    assert reverse("queueing:booking", args=[world.mall.slug]) in response.text
    assert Ticket.objects.count() == 0


def test_kiosk_with_quota_used_up_offers_booking(world: QueueWorld) -> None:
    world.service.quota_walk_in = 1
    world.service.save()
    client = Client()
    url = _kiosk_url(world, "kiosk-service", service_id=world.service.pk)
    assert client.post(url, {"priority": ""}).status_code == 302
    refused = client.post(url, {"priority": ""})
    assert reverse("queueing:booking", args=[world.mall.slug]) in refused.text
    assert Ticket.objects.count() == 1


def test_kiosk_refuses_a_service_of_another_mall(world: QueueWorld) -> None:
    elsewhere = ServiceFactory()
    response = Client().post(
        _kiosk_url(world, "kiosk-service", service_id=elsewhere.pk), {"priority": ""}
    )
    assert response.status_code == 404
    assert Ticket.objects.count() == 0


class _Capture(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        chunks = []
        while data := self.request.recv(65536):
            chunks.append(data)
        self.server.captured.append(b"".join(chunks))  # type: ignore[attr-defined]


@pytest.fixture
def printer() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Capture)
    server.captured = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_kiosk_prints_on_its_network_printer(
    world: QueueWorld, printer: socketserver.ThreadingTCPServer
) -> None:
    host, port = printer.server_address[:2]
    kiosk = KioskFactory(mall=world.mall, printer_host=str(host), printer_port=int(port))
    client = Client()
    client.get(_kiosk_url(world), {"kiosk": kiosk.pk})  # the kiosk names itself once
    response = client.post(
        _kiosk_url(world, "kiosk-service", service_id=world.service.pk), {"priority": ""}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?printed=1")
    for _ in range(100):
        if printer.captured:  # type: ignore[attr-defined]
            break
        threading.Event().wait(0.05)
    data = printer.captured[0]  # type: ignore[attr-defined]
    assert b"A-001" in data
    assert world.service.name.encode() in data
    page = client.get(response["Location"])
    assert "printer" in page.text.lower() or "dicetak" in page.text


def test_kiosk_check_in_by_code(world: QueueWorld, clock: Clock) -> None:
    AppointmentSlotConfigFactory(service=world.service)
    clock.advance(days=-1)  # book the day before
    appointment = services.appointment_book(
        service=world.service,
        day=(clock.current + timedelta(days=1)).date(),
        slot=clock.current.time().replace(hour=10, minute=30),
        name="Siti Aminah",
        phone="081234567890",
        nik=VALID_NIK,
    )
    clock.advance(days=1, minutes=10)  # 10:10 on the day: check-in window is open
    client = Client()
    wrong = client.post(_kiosk_url(world, "kiosk-check-in"), {"code": "NOPE123"})
    assert wrong.status_code == 422
    assert 'id="code-error"' in wrong.text
    assert Ticket.objects.count() == 0

    response = client.post(_kiosk_url(world, "kiosk-check-in"), {"code": appointment.code})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN
    assert appointment.ticket is not None
    assert appointment.ticket.appointment_slot_at == appointment.slot_at


# --- counter console --------------------------------------------------------------------------


def _console(world: QueueWorld) -> str:
    return reverse("queueing:counter", args=[world.counter.pk])


def _act(client: Client, world: QueueWorld, action: str, **fields: Any) -> Any:
    return client.post(
        reverse("queueing:counter-action", args=[world.counter.pk]), {"action": action, **fields}
    )


def test_console_needs_sign_in(world: QueueWorld) -> None:
    response = Client().get(_console(world))
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"] or "login" in response["Location"]


def test_console_full_cycle_through_the_page(world: QueueWorld) -> None:
    ticket = services.ticket_issue(service=world.service)
    client = Client()
    client.force_login(world.officer)
    page = client.get(_console(world))
    assert page.status_code == 200
    assert 'aria-live="assertive"' in page.text
    assert 'data-key="o"' in page.text  # keyboard shortcut documented and wired
    assert "<kbd>N</kbd>" in page.text

    assert _act(client, world, "open").status_code == 302
    assert CounterSession.objects.get(counter=world.counter).officer == world.officer

    assert _act(client, world, "call_next").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED
    assert ticket.counter == world.counter
    called_page = client.get(_console(world))
    assert ticket.number in called_page.text
    assert 'data-key="s"' in called_page.text

    assert _act(client, world, "recall", ticket_id=ticket.pk).status_code == 302
    assert _act(client, world, "start", ticket_id=ticket.pk).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SERVING
    response = _act(client, world, "finish", ticket_id=ticket.pk, outcome="served", note="ok")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.DONE
    assert ticket.outcome == "served"
    actions = list(ticket.events.values_list("action", flat=True))
    assert actions == ["issue", "call", "recall", "start", "finish"]

    assert _act(client, world, "pause").status_code == 302
    assert _act(client, world, "close").status_code == 302
    assert not CounterSession.objects.filter(status__in=["open", "paused"]).exists()


def test_console_transfer_and_no_show(world: QueueWorld) -> None:
    first = services.ticket_issue(service=world.service)
    second = services.ticket_issue(service=world.service)
    client = Client()
    client.force_login(world.officer)
    _act(client, world, "open")
    _act(client, world, "call_next")
    missing = _act(client, world, "transfer", ticket_id=first.pk, service_id="")
    assert missing.status_code == 422
    assert 'id="transfer-error"' in missing.text
    first.refresh_from_db()
    assert first.status == Ticket.Status.CALLED

    moved = _act(client, world, "transfer", ticket_id=first.pk, service_id=world.other_service.pk)
    assert moved.status_code == 302
    first.refresh_from_db()
    assert first.status == Ticket.Status.TRANSFERRED

    _act(client, world, "call_next")
    called = Ticket.objects.get(counter=world.counter, status=Ticket.Status.CALLED)
    assert _act(client, world, "no_show", ticket_id=called.pk).status_code == 302
    called.refresh_from_db()
    assert called.status == Ticket.Status.NO_SHOW
    assert second.pk in {first.pk, second.pk}


def test_console_wrong_status_is_409_and_changes_nothing(world: QueueWorld) -> None:
    ticket = services.ticket_issue(service=world.service)
    client = Client()
    client.force_login(world.officer)
    _act(client, world, "open")
    _act(client, world, "call_next")
    before = _state(ticket)
    response = _act(client, world, "finish", ticket_id=ticket.pk, outcome="bogus")
    assert response.status_code == 422
    assert 'id="outcome-error"' in response.text
    assert _state(ticket) == before
    again = _act(client, world, "call_next")  # a ticket is still at the counter
    assert again.status_code == 409
    assert 'role="alert"' in again.text
    assert _state(ticket) == before


def test_console_denied_to_other_officer_and_other_mall(world: QueueWorld) -> None:
    ticket = services.ticket_issue(service=world.service)
    holder = Client()
    holder.force_login(world.officer)
    _act(holder, world, "open")

    # Another officer of the same mall sees the console but may not act on a held counter.
    other = Client()
    other.force_login(world.other_officer)
    assert other.get(_console(world)).status_code == 200
    refused = _act(other, world, "call_next")
    assert refused.status_code == 409
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert _act(other, world, "close").status_code == 409
    assert CounterSession.objects.get(counter=world.counter).status == "open"

    # Staff of another mall, and a user with no queue role: "not found", nothing changed.
    stranger = user_with_role(Role.COUNTER_OFFICER, mall=MallFactory(), username="elsewhere")
    viewer = user_with_role(Role.VIEWER, mall=world.mall, username="viewer-only")
    for user in (stranger, viewer):
        client = Client()
        client.force_login(user)
        assert client.get(_console(world)).status_code == 404
        assert _act(client, world, "call_next").status_code == 404
        assert _act(client, world, "close").status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert CounterSession.objects.get(counter=world.counter).officer == world.officer


def test_console_of_agency_officer_is_limited_to_its_agency(world: QueueWorld) -> None:
    other_agency = AgencyFactory(mall=world.mall)
    foreign_counter = CounterFactory(
        mall=world.mall,
        floor=world.counter.floor,
        services=[ServiceFactory(agency=other_agency, mall=world.mall, queue_prefix="Z")],
    )
    agency_officer = user_with_role(
        Role.COUNTER_OFFICER, mall=world.mall, agency=world.service.agency, username="ag-off"
    )
    client = Client()
    client.force_login(agency_officer)
    assert client.get(_console(world)).status_code == 200
    assert client.get(reverse("queueing:counter", args=[foreign_counter.pk])).status_code == 404


# --- display board ----------------------------------------------------------------------------


def test_display_board_renders_calls_waiting_and_event_source(world: QueueWorld) -> None:
    display = DisplayFactory(
        mall=world.mall, floor=world.counter.floor, running_text="Selamat datang"
    )
    services.ticket_issue(service=world.service)
    services.ticket_issue(service=world.service)
    services.counter_open(counter=world.counter, actor=world.officer)
    called = services.counter_call_next(counter=world.counter, actor=world.officer)
    assert called is not None
    page = Client().get(reverse("queueing:display", args=[display.pk]))
    assert page.status_code == 200
    assert called.number in page.text
    assert "Loket 1" in page.text
    assert "Selamat datang" in page.text
    assert f'data-waiting-service="{world.service.pk}">1<' in page.text
    assert f"/api/v1/displays/{display.pk}/events?last_event_id=" in page.text
    assert "queueing/chime.wav" in page.text
    assert "queueing/display.js" in page.text
    assert 'aria-live="assertive"' in page.text
    assert "https://" not in re.sub(r"<!--.*?-->", "", page.text)  # nothing from the internet


def test_unknown_display_is_404(db: None) -> None:
    assert Client().get(reverse("queueing:display", args=[999999])).status_code == 404


# --- phone status page ------------------------------------------------------------------------


def test_phone_page_shows_the_queue_but_no_personal_data(world: QueueWorld) -> None:
    lane = ServiceFactory(
        agency=world.service.agency, mall=world.mall, queue_prefix="D", offers_drive_thru=True
    )
    CounterFactory(
        mall=world.mall, floor=world.counter.floor, mode=Counter.Mode.DRIVE_THRU, services=[lane]
    )
    services.ticket_issue(service=lane, channel="drive_thru", plate_number="AB 1 XY")
    ticket = services.ticket_issue(
        service=lane,
        channel="drive_thru",
        name="Budi Santoso",
        phone="081298765432",
        plate_number="AB 1234 CD",
    )
    url = reverse("queueing:ticket-status", args=[ticket.pk, ticket_token(ticket)])
    page = Client().get(url)
    assert page.status_code == 200
    assert ticket.number in page.text
    assert "Menunggu" in page.text  # waiting, in Indonesian
    assert "Antrian di depan</dt><dd>1</dd>" in page.text  # one person ahead
    for personal in ("Budi", "Santoso", "081298765432", "1234", "AB 1234 CD"):
        assert personal not in page.text
    assert f"/q/ticket/{ticket.pk}/events?token=" in page.text
    partial = Client().get(url, {"partial": "1"})
    assert ticket.number in partial.text
    assert "Budi" not in partial.text

    assert (
        Client().get(reverse("queueing:ticket-status", args=[ticket.pk, "x" * 22])).status_code
        == 404
    )


# --- booking ----------------------------------------------------------------------------------


def test_booking_page_books_a_slot_and_shows_the_code(world: QueueWorld, clock: Clock) -> None:
    AppointmentSlotConfigFactory(service=world.service)
    tomorrow = (clock.current + timedelta(days=1)).date().isoformat()
    client = Client()
    url = reverse("queueing:booking", args=[world.mall.slug])
    form = client.get(url, {"service": world.service.pk, "date": tomorrow})
    assert form.status_code == 200
    assert 'value="08:00"' in form.text

    bad = client.post(
        url,
        {
            "service": world.service.pk,
            "date": tomorrow,
            "slot": "09:00",
            "name": "Siti",
            "phone": "081234567890",
            "nik": "12345",
        },
    )
    assert bad.status_code == 422
    assert 'id="nik-error"' in bad.text
    assert Appointment.objects.count() == 0

    done = client.post(
        url,
        {
            "service": world.service.pk,
            "date": tomorrow,
            "slot": "09:00",
            "name": "Siti",
            "phone": "081234567890",
            "nik": VALID_NIK,
        },
    )
    assert done.status_code == 302
    appointment = Appointment.objects.get()
    shown = client.get(done["Location"])
    assert appointment.code in shown.text
    assert "<svg" in shown.text
    assert VALID_NIK not in shown.text
    assert "Siti" not in shown.text


def test_booking_bad_date_names_the_field(world: QueueWorld) -> None:
    AppointmentSlotConfigFactory(service=world.service)
    response = Client().post(
        reverse("queueing:booking", args=[world.mall.slug]),
        {"service": world.service.pk, "date": "28-11-2026", "slot": "09:00"},
    )
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.text
    assert Appointment.objects.count() == 0
