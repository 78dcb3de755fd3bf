"""Services delivered on a home visit become tickets and dossiers with the channel "outreach"
in the queueing and dossiers apps (their real services, not stand-ins)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from satupintu.catalog.tests.factories import OpeningHoursFactory
from satupintu.dossiers.models import Dossier
from satupintu.outreach import services
from satupintu.outreach.tests.factories import make_request, outreach_setup, plan
from satupintu.queueing.models import Ticket

pytestmark = pytest.mark.django_db


def test_delivered_services_become_outreach_tickets_and_dossiers() -> None:
    env = outreach_setup()
    mall, officer = env["mall"], env["officer"]
    for weekday in range(7):  # the mall's queue is open whenever the test runs
        OpeningHoursFactory(mall=mall, weekday=weekday, opens=time(0, 0), closes=time(23, 59, 59))
    item = make_request(mall, [env["ktp"].pk, env["kk"].pk])
    services.outreach_request_triage(actor=officer, outreach_request=item, priority="high")
    visit = services.visit_schedule(
        actor=officer, outreach_request=item, plan=plan(mall.today(), [officer.pk])
    )
    services.visit_record(
        actor=officer,
        visit=visit,
        met=True,
        services=[
            services.ServiceOutcome(service_id=env["ktp"].pk),
            services.ServiceOutcome(service_id=env["kk"].pk),
        ],
    )
    rows = {row.service_id: row for row in visit.services_done.all()}
    ticket = Ticket.objects.get(pk=rows[env["ktp"].pk].ticket_id)
    assert ticket.channel == "outreach"
    assert ticket.priority == "disabled"
    assert rows[env["ktp"].pk].reference == ticket.number
    dossier = Dossier.objects.get(pk=rows[env["kk"].pk].dossier_id)
    assert dossier.channel == "outreach"
    assert rows[env["kk"].pk].reference == dossier.tracking_code


def test_a_refused_hand_off_keeps_the_delivered_service_with_the_reason() -> None:
    env = outreach_setup()  # no opening hours: the mall's queue is closed
    mall, officer = env["mall"], env["officer"]
    item = make_request(mall, [env["ktp"].pk], nik="")
    services.outreach_request_triage(actor=officer, outreach_request=item, priority="normal")
    visit = services.visit_schedule(
        actor=officer,
        outreach_request=item,
        plan=plan(mall.today() + timedelta(days=1), [officer.pk]),
    )
    services.visit_record(
        actor=officer, visit=visit, met=True, services=[services.ServiceOutcome(env["ktp"].pk)]
    )
    row = visit.services_done.get()
    assert row.delivered is True
    assert row.ticket_id is None
    assert row.note  # why no ticket was made
    item.refresh_from_db()
    assert item.status == "visited"
