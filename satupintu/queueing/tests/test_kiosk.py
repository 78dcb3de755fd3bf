"""The kiosk shared by strangers (issue #12): it starts over in Indonesian after a ticket, says
once when tickets start, prints the priority as a label, and prints by itself from the browser
on a kiosk without a network printer."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from satupintu.catalog.tests.factories import AgencyFactory, ServiceFactory
from satupintu.queueing import services
from satupintu.queueing.models import PriorityClass, Ticket
from satupintu.queueing.tests.factories import KioskFactory
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import JAKARTA, Clock, QueueWorld

pytestmark = pytest.mark.django_db


def _url(world: QueueWorld, name: str = "kiosk", **kwargs: object) -> str:
    return reverse(f"queueing:{name}", kwargs={"mall_slug": world.mall.slug, **kwargs})


def _take(client: Client, world: QueueWorld, priority: str = "") -> str:
    response = client.post(
        _url(world, "kiosk-service", service_id=world.service.pk), {"priority": priority}
    )
    assert response.status_code == 302, response.content
    return response["Location"]


def test_after_a_ticket_the_kiosk_starts_over_in_indonesian(world: QueueWorld) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the previous visitor chose English
    page = client.get(_take(client, world, PriorityClass.ELDERLY))
    html = page.content.decode()
    assert 'data-return-seconds="15"' in html
    assert "Back to the start screen in 15 seconds." in html
    done = re.search(r'href="([^"]+)" id="kiosk-done"', html)
    assert done
    assert done.group(1) == _url(world) + "?start=1"
    # The priority as a label, not a code.
    assert '<p class="ticket-tag">' in html
    assert "Elderly</p>" in html
    assert ">elderly<" not in html

    start = client.get(done.group(1))
    assert start.status_code == 302
    assert start["Location"] == _url(world)
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"
    home = client.get(start["Location"])
    assert '<html lang="id">' in home.content.decode()
    assert "Ambil nomor antrian" in home.content.decode()


def test_one_notice_before_opening_says_when_tickets_start(world: QueueWorld, clock: Clock) -> None:
    clock.set(datetime(2026, 3, 4, 7, 15, tzinfo=JAKARTA))  # opens at 08:00
    client = Client(HTTP_ACCEPT_LANGUAGE="id")
    home = client.get(_url(world)).content.decode()
    assert home.count("kiosk-notice") == 1
    assert "Tiket mulai pukul 08:00" in home
    before = Ticket.objects.count()
    refused = client.post(
        _url(world, "kiosk-service", service_id=world.service.pk), {"priority": ""}
    )
    html = refused.content.decode()
    assert refused.status_code == 200
    assert html.count("kiosk-notice") == 1  # one notice, not the notice and the error
    assert "Tiket mulai pukul 08:00" in html
    assert 'class="q-error"' not in html
    assert Ticket.objects.count() == before


def test_a_kiosk_without_a_network_printer_prints_from_the_browser_by_itself(
    world: QueueWorld,
) -> None:
    browser_kiosk = KioskFactory(mall=world.mall, printer_host="")
    client = Client()
    client.get(_url(world), {"kiosk": browser_kiosk.pk})
    ticket_page = client.get(_take(client, world)).content.decode()
    assert "data-auto-print=" in ticket_page
    # A visitor's phone or an unnamed browser does not print by itself.
    other = Client()
    assert "data-auto-print=" not in other.get(_take(other, world)).content.decode()


def test_a_lost_ticket_is_shown_again_from_the_phone_number_or_the_qr(world: QueueWorld) -> None:
    from satupintu.queueing.selectors import ticket_token
    from satupintu.queueing.views import ticket_status_url

    client = Client()
    taken = client.post(
        _url(world, "kiosk-service", service_id=world.service.pk),
        {"priority": "", "phone": "0812 3456 7890"},
    )
    assert taken.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.phone  # kept, normalised
    ticket_page = f"/kiosk/ticket/{ticket.pk}/{ticket_token(ticket)}/"

    stranger = Client()
    lost = _url(world, "kiosk-lost")
    by_phone = stranger.post(lost, {"lookup": "081234567890"})
    assert by_phone.status_code == 302
    assert by_phone["Location"].endswith(ticket_page)
    by_qr = stranger.post(lost, {"lookup": ticket_status_url(ticket)})
    assert by_qr["Location"].endswith(ticket_page)

    # Denials: a forged token, another number, text that is neither.
    forged = ticket_status_url(ticket).replace(ticket_token(ticket), "forged")
    nothing = stranger.post(lost, {"lookup": forged})
    assert nothing.status_code == 200
    assert ticket.number not in nothing.content.decode()
    other = stranger.post(lost, {"lookup": "081298765432"})
    assert other.status_code == 200
    assert ticket.number not in other.content.decode()
    bad = stranger.post(lost, {"lookup": "hello"})
    assert bad.status_code == 422
    assert 'id="lookup-error"' in bad.content.decode()
    # A ticket served already is not shown again.
    services.counter_open(counter=world.counter, actor=world.officer)
    services.counter_call_next(counter=world.counter, actor=world.officer)
    services.ticket_start(ticket=ticket.pk, actor=world.officer)
    services.ticket_finish(ticket=ticket.pk, actor=world.officer, outcome="served")
    assert stranger.post(lost, {"lookup": "081234567890"}).status_code == 200


def test_the_start_screen_puts_the_most_used_services_and_agencies_first(
    world: QueueWorld,
) -> None:
    quiet = AgencyFactory(mall=world.mall, name="AAA Instansi Sepi", short_name="AAA")
    ServiceFactory(agency=quiet, mall=world.mall, queue_prefix="Q", code="QUIET")
    for _ in range(3):
        services.ticket_issue(service=world.other_service)
    services.ticket_issue(service=world.service)
    html = Client().get(_url(world)).content.decode()
    popular = html[html.index('id="popular-title"') : html.index('id="agencies-title"')]
    assert popular.index(world.other_service.name) < popular.index(world.service.name)
    assert "QUIET" not in popular
    agencies = html[html.index('id="agencies-title"') :]
    # The busy agency comes before the quiet one, though "AAA" sorts first by name.
    assert agencies.index(world.service.agency.short_name) < agencies.index("AAA")
    assert 'class="agency-mark' in agencies
    # Search finds a service by a word of its name.
    found = Client().get(_url(world), {"q": world.other_service.name[:6]}).content.decode()
    assert world.other_service.name in found
