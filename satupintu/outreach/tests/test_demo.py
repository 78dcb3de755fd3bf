from __future__ import annotations

import pytest

from satupintu.outreach import demo
from satupintu.outreach.models import OutreachEvent, OutreachRequest, Visit
from satupintu.outreach.tests.factories import outreach_setup

pytestmark = pytest.mark.django_db


def test_demo_seed_covers_every_state_and_is_idempotent() -> None:
    env = outreach_setup()
    lines: list[str] = []
    demo.seed(env["mall"], lines.append)
    counts = (OutreachRequest.objects.count(), Visit.objects.count(), OutreachEvent.objects.count())
    assert set(OutreachRequest.objects.values_list("status", flat=True)) == {
        "requested",
        "triaged",
        "scheduled",
        "visited",
        "done",
        "cancelled",
    }
    demo.seed(env["mall"], lines.append)
    assert (
        OutreachRequest.objects.count(),
        Visit.objects.count(),
        OutreachEvent.objects.count(),
    ) == counts
    assert "0 demo request(s) created" in lines[-1]
