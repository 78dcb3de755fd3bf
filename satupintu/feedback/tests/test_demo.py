from __future__ import annotations

import pytest

from satupintu.accounts.models import User
from satupintu.catalog.demo_data.loader import seed_accounts, seed_catalog
from satupintu.feedback import demo
from satupintu.feedback.models import Complaint, ComplaintEvent, Survey

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_covers_every_state(client):
    lines: list[str] = []
    mall = seed_catalog(lines.append)
    seed_accounts(mall, lines.append)
    demo.seed(mall, lines.append)
    surveys = Survey.objects.filter(mall=mall).count()
    complaints = Complaint.objects.filter(mall=mall).count()
    events = ComplaintEvent.objects.count()
    assert surveys >= 300
    assert complaints == len(demo.COMPLAINTS)
    assert set(Complaint.objects.values_list("status", flat=True)) == {
        "received",
        "in_progress",
        "answered",
        "closed",
    }
    assert Complaint.objects.filter(escalated_at__isnull=False).count() >= 2
    assert Complaint.objects.filter(origin="lapor", lapor_reference="LPR-DEMO-0001").exists()
    assert Survey.objects.filter(mall=mall).values("service").distinct().count() > 10

    demo.seed(mall, lines.append)
    assert Survey.objects.filter(mall=mall).count() == surveys
    assert Complaint.objects.filter(mall=mall).count() == complaints
    assert ComplaintEvent.objects.count() == events

    client.force_login(User.objects.get(username="supervisor"))
    page = client.get(f"/laporan/ikm/{mall.slug}/")
    assert page.status_code == 200
    body = client.get(f"/api/v1/reports/ikm?mall={mall.slug}").json()
    assert body["respondents"] == surveys
    assert body["grade"] in {"A", "B"}
    assert body["weakest_unsur"] == ["u3"]
