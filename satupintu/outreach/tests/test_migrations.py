"""The migration that turned a visit's plain ticket and dossier ids into foreign keys keeps every
existing link and forgets only ids whose row is gone (the printed reference stays)."""

from __future__ import annotations

from datetime import time

import pytest

from satupintu.core.tests.migrations import stepped_back_to
from satupintu.feedback.tests.helpers import make_dossier
from satupintu.outreach.models import Visit, VisitService
from satupintu.outreach.tests.factories import make_request, outreach_setup
from satupintu.queueing.tests.factories import TicketFactory

MISSING_ID = 987_654_321


@pytest.mark.django_db(transaction=True)
def test_ticket_and_dossier_ids_become_foreign_keys_and_keep_their_values() -> None:
    env = outreach_setup()
    request = make_request(env["mall"], [env["ktp"].pk, env["kk"].pk])
    visit = Visit.objects.create(
        mall=env["mall"],
        request=request,
        date=request.created_at.date(),
        window_start=time(9),
        window_end=time(10),
    )
    ticket = TicketFactory(service=env["ktp"])
    dossier = make_dossier(env["kk"])
    with stepped_back_to([("outreach", "0001_initial")]) as migrations:
        OldVisitService = migrations.old_apps().get_model("outreach", "VisitService")
        OldVisitService.objects.create(
            visit_id=visit.pk, service_id=env["ktp"].pk, ticket_id=ticket.pk, reference="A-001"
        )
        OldVisitService.objects.create(
            visit_id=visit.pk, service_id=env["kk"].pk, dossier_id=dossier.pk, reference="TRK1"
        )
        OldVisitService.objects.create(
            visit_id=visit.pk,
            service_id=env["walk_only"].pk,
            ticket_id=MISSING_ID,
            dossier_id=MISSING_ID,
            reference="GONE-1",
        )
    rows = {row.reference: row for row in VisitService.objects.all()}
    assert rows["A-001"].ticket == ticket
    assert rows["A-001"].dossier is None
    assert rows["TRK1"].dossier == dossier
    assert (rows["GONE-1"].ticket_id, rows["GONE-1"].dossier_id) == (None, None)
    # A deleted ticket leaves the delivered service and its printed reference in place.
    ticket.delete()
    assert VisitService.objects.get(reference="A-001").ticket_id is None
