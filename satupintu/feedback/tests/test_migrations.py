"""The migration that turned the surveys' and complaints' plain ticket ids into foreign keys
keeps every existing link and forgets only ids whose ticket is gone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.core.tests.migrations import stepped_back_to
from satupintu.feedback.models import Complaint, Survey
from satupintu.feedback.tests.factories import PROFILE, answers
from satupintu.queueing.tests.factories import TicketFactory

MISSING_TICKET_ID = 987_654_321


@pytest.mark.django_db(transaction=True)
def test_ticket_ids_become_foreign_keys_and_keep_their_values() -> None:
    service = ServiceFactory()
    ticket = TicketFactory(service=service, status="done")
    with stepped_back_to([("feedback", "0001_initial")]) as migrations:
        old = migrations.old_apps()
        OldSurvey = old.get_model("feedback", "Survey")
        OldComplaint = old.get_model("feedback", "Complaint")
        common = {"mall_id": service.mall_id, "agency_id": service.agency_id}
        for ticket_id in (ticket.pk, MISSING_TICKET_ID, None):
            OldSurvey.objects.create(
                **common, service_id=service.pk, ticket_id=ticket_id, **answers(), **PROFILE
            )
            OldComplaint.objects.create(
                **common,
                code=f"ADU-{ticket_id}",
                text="Antrean terlalu lama",
                ticket_id=ticket_id,
                first_response_due=timezone.localdate(),
            )
    assert sorted(Survey.objects.values_list("ticket_id", flat=True), key=str) == [
        ticket.pk,
        None,
        None,
    ]
    assert Survey.objects.get(ticket__isnull=False).ticket == ticket
    assert Complaint.objects.get(code=f"ADU-{ticket.pk}").ticket == ticket
    assert Complaint.objects.get(code=f"ADU-{MISSING_TICKET_ID}").ticket is None
    # The link is a real foreign key now: deleting the ticket keeps the survey and complaint.
    ticket.delete()
    assert Survey.objects.count() == 3
    assert Complaint.objects.filter(ticket__isnull=False).count() == 0
