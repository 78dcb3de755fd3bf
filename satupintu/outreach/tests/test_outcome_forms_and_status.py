"""Issue #12: a service delivered on a home visit whose application needs form fields gets
them at the outcome (page and API), or the outcome stays open with the reason; a JB number has
a public status page that shows progress and never the person."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.tests.factories import bearer
from satupintu.dossiers.models import Dossier, FormField
from satupintu.outreach import services
from satupintu.outreach.models import Visit
from satupintu.outreach.tests.factories import make_request, outreach_setup, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def env() -> dict[str, Any]:
    env = outreach_setup()
    FormField.objects.create(
        service=env["kk"], name="nama_anak", label="Nama anak", kind="text", required=True
    )
    FormField.objects.create(
        service=env["kk"], name="tanggal_lahir", label="Tanggal lahir", kind="date", required=True
    )
    item = make_request(env["mall"], [env["kk"].pk])
    services.outreach_request_triage(actor=env["officer"], outreach_request=item, priority="high")
    env["item"] = item
    env["visit"] = services.visit_schedule(
        actor=env["officer"],
        outreach_request=item,
        plan=plan(env["mall"].today(), [env["officer"].pk]),
    )
    return env


def _outcome(env: dict[str, Any], form: dict[str, Any]) -> Any:
    body = {
        "outcome": "completed",
        "services": [{"service_id": env["kk"].pk, "delivered": True, "form": form}],
    }
    return Client().post(
        f"/api/v1/outreach/visits/{env['visit'].pk}/outcome",
        json.dumps(body),
        content_type="application/json",
        **bearer(env["officer"]),
    )


def test_api_outcome_without_the_form_is_422_naming_the_field_and_the_visit_stays_open(
    env: dict[str, Any],
) -> None:
    response = _outcome(env, {"tanggal_lahir": "2026-11-20"})
    assert response.status_code == 422, response.content
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "nama_anak"
    assert "Nama anak" in detail["msg"]
    visit = Visit.objects.get(pk=env["visit"].pk)
    assert visit.status == Visit.Status.SCHEDULED  # nothing recorded
    assert not visit.services_done.exists()
    assert not Dossier.objects.filter(channel="outreach").exists()
    env["item"].refresh_from_db()
    assert env["item"].status == "scheduled"


def test_api_outcome_with_the_form_makes_the_dossier_with_it(env: dict[str, Any]) -> None:
    response = _outcome(env, {"nama_anak": "Arjuna", "tanggal_lahir": "2026-11-20"})
    assert response.status_code == 200, response.content
    row = Visit.objects.get(pk=env["visit"].pk).services_done.get()
    dossier = Dossier.objects.get(pk=row.dossier_id)
    assert dossier.channel == "outreach"
    assert dossier.form_data == {"nama_anak": "Arjuna", "tanggal_lahir": "2026-11-20"}


def test_outcome_page_offers_the_form_and_keeps_the_visit_open_until_it_is_complete(
    env: dict[str, Any],
) -> None:
    client = Client()
    client.force_login(env["officer"])
    url = f"/m/{env['mall'].slug}/outreach/visits/{env['visit'].pk}/outcome/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    field = f"svc{env['kk'].pk}__nama_anak"
    assert f'name="{field}"' in page
    assert "Nama anak" in page
    refused = client.post(
        url, {"outcome": "completed", "delivered": [env["kk"].pk]}, HTTP_ACCEPT_LANGUAGE="id"
    )
    assert refused.status_code == 422
    assert "Kunjungan tetap terbuka" in refused.content.decode()
    assert Visit.objects.get(pk=env["visit"].pk).status == Visit.Status.SCHEDULED
    done = client.post(
        url,
        {
            "outcome": "completed",
            "delivered": [env["kk"].pk],
            field: "Arjuna",
            f"svc{env['kk'].pk}__tanggal_lahir": "2026-11-20",
        },
    )
    assert done.status_code == 302
    row = Visit.objects.get(pk=env["visit"].pk).services_done.get()
    assert Dossier.objects.get(pk=row.dossier_id).form_data["nama_anak"] == "Arjuna"


def test_public_status_page_of_a_jb_number_shows_progress_not_the_person(
    env: dict[str, Any],
) -> None:
    item = env["item"]
    slug = env["mall"].slug
    page = Client().get(
        f"/m/{slug}/jemput-bola/status/{item.reference}/", HTTP_ACCEPT_LANGUAGE="id"
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert item.reference in text
    assert env["kk"].name in text
    assert item.person_name not in text
    assert item.address not in text
    assert item.phone not in text
    assert 'aria-current="step"' in text
    # typed in lower case without the prefix, from the lookup form
    lookup = Client().get(f"/m/{slug}/jemput-bola/status/", {"ref": item.reference.lower()})
    assert lookup.status_code == 302
    assert Client().get(lookup["Location"]).status_code == 200
    missing = Client().get(f"/m/{slug}/jemput-bola/status/JB-ZZZZZZZZ/")
    assert missing.status_code == 404
    # the thanks page of a new request links it
    thanks = Client().get(f"/m/{slug}/jemput-bola/")
    assert thanks.status_code == 200
