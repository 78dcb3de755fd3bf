from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.core.models import AuditEntry
from satupintu.outreach import services
from satupintu.outreach.models import OutreachRequest, Visit
from satupintu.outreach.tests.factories import VALID_NIK, make_request, outreach_setup, plan

pytestmark = pytest.mark.django_db

SECRETS = ("kursi roda", "stroke", VALID_NIK)


@pytest.fixture
def env() -> dict[str, Any]:
    return outreach_setup()


def _form(env: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    today = env["mall"].today()
    data: dict[str, Any] = {
        "person_name": "Mbah Sastro",
        "nik": "",
        "phone": "081234567890",
        "address": "Jl. Parangtritis 5",
        "kecamatan": "Mantrijeron",
        "kelurahan": "Suryodiningratan",
        "services": [env["ktp"].pk],
        "date_1": (today + timedelta(days=4)).isoformat(),
        "requested_by": "family",
        "requester_name": "Wati",
        "reason": "elderly",
        "disability_note": "",
        "health_note": "Sulit berjalan",
    }
    data.update(overrides)
    return data


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_public_form_is_in_indonesian_with_labels_and_the_full_area_list(
    env: dict[str, Any],
) -> None:
    response = Client().get(f"/m/{env['mall'].slug}/jemput-bola/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert 'for="id_person_name"' in html
    assert "Sorosutan" in html
    assert "Wirobrajan" in html
    assert "DUK-PINDAH" not in html  # not offered by outreach
    form = response.context["form"]
    kelurahan = [k for _, group in form.fields["kelurahan"].choices[1:] for k, _ in group]
    assert len(kelurahan) == 45
    assert len(form.fields["kecamatan"].choices) == 15  # 14 and the empty choice


def test_public_form_creates_a_request(env: dict[str, Any]) -> None:
    response = Client().post(f"/m/{env['mall'].slug}/jemput-bola/", _form(env))
    assert response.status_code == 200
    created = OutreachRequest.objects.get()
    assert created.reference in response.content.decode()
    assert created.requested_by == "family"
    assert created.kelurahan == "Suryodiningratan"


def test_public_form_date_in_the_past_is_refused_and_nothing_stored(env: dict[str, Any]) -> None:
    yesterday = env["mall"].today() - timedelta(days=1)
    response = Client().post(
        f"/m/{env['mall'].slug}/jemput-bola/", _form(env, date_1=yesterday.isoformat())
    )
    assert response.status_code == 422
    # the page is Indonesian by default, and so is the service's message
    assert "sudah lewat" in str(response.context["form"].errors["date_1"])
    assert OutreachRequest.objects.count() == 0


def test_public_form_cannot_claim_an_officer_phone_request(env: dict[str, Any]) -> None:
    response = Client().post(
        f"/m/{env['mall'].slug}/jemput-bola/", _form(env, requested_by="officer_phone")
    )
    assert response.status_code == 422
    assert OutreachRequest.objects.count() == 0


def test_officer_enters_a_phone_request_on_the_page(env: dict[str, Any]) -> None:
    client = _login(env["officer"])
    response = client.post(
        f"/m/{env['mall'].slug}/outreach/new/",
        _form(env, requested_by="officer_phone", requester_name="Pak RT"),
    )
    assert response.status_code == 302
    created = OutreachRequest.objects.get()
    assert created.requested_by == "officer_phone"
    assert created.created_by == env["officer"]


def test_sensitive_notes_hidden_from_every_other_role_on_pages(env: dict[str, Any]) -> None:
    mall, agency = env["mall"], env["agency"]
    item = make_request(mall, [env["ktp"].pk])
    officer = env["officer"]
    services.outreach_request_triage(actor=officer, outreach_request=item, priority="normal")
    visit = services.visit_schedule(
        actor=officer,
        outreach_request=item,
        plan=plan(mall.today() + timedelta(days=1), [officer.pk]),
    )
    pages = [
        f"/m/{mall.slug}/outreach/",
        f"/m/{mall.slug}/outreach/{item.pk}/",
        f"/m/{mall.slug}/outreach/plan/?date={visit.date.isoformat()}",
        f"/m/{mall.slug}/outreach/visits/{visit.pk}/outcome/",
        f"/m/{mall.slug}/outreach/new/",
    ]
    others = [
        user_with_role(Role.COUNTER_OFFICER, mall=mall),
        user_with_role(Role.BACK_OFFICE_OFFICER, mall=mall, agency=agency),
        user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=agency),
        user_with_role(Role.SUPERVISOR, mall=mall),
        user_with_role(Role.MALL_ADMIN, mall=mall),
    ]
    for user in others:
        client = _login(user)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 404, (user, url)
            assert not any(s in response.content.decode() for s in SECRETS)
    for url in pages:
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert not AuditEntry.objects.filter(action="view").exists()


def test_detail_page_shows_notes_to_the_officer_and_audits_each_view(env: dict[str, Any]) -> None:
    item = make_request(env["mall"], [env["ktp"].pk])
    client = _login(env["officer"])
    url = f"/m/{env['mall'].slug}/outreach/{item.pk}/"
    for expected in (1, 2):
        html = client.get(url).content.decode()
        assert "kursi roda" in html
        assert VALID_NIK in html
        assert AuditEntry.objects.filter(action="view", object_id=str(item.pk)).count() == expected
    listing = client.get(f"/m/{env['mall'].slug}/outreach/").content.decode()
    assert item.reference in listing
    assert not any(s in listing for s in SECRETS)


def test_officer_works_a_request_through_the_pages(env: dict[str, Any]) -> None:
    mall = env["mall"]
    item = make_request(mall, [env["ktp"].pk, env["kk"].pk])
    client = _login(env["officer"])
    base = f"/m/{mall.slug}/outreach/{item.pk}"
    assert client.post(f"{base}/triage/", {"priority": "urgent"}).status_code == 302
    day = mall.today() + timedelta(days=2)
    past = client.post(
        f"{base}/schedule/",
        {
            "date": (mall.today() - timedelta(days=1)).isoformat(),
            "window_start": "09:00",
            "window_end": "10:00",
            "team": [env["officer"].pk],
        },
    )
    assert past.status_code == 422
    assert Visit.objects.count() == 0
    scheduled = client.post(
        f"{base}/schedule/",
        {
            "date": day.isoformat(),
            "window_start": "09:00",
            "window_end": "10:00",
            "team": [env["officer"].pk, env["officer2"].pk],
            "vehicle": env["vehicle"].pk,
            "equipment": [env["kit"].pk],
        },
    )
    assert scheduled.status_code == 302
    visit = Visit.objects.get()
    plan_page = client.get(f"/m/{mall.slug}/outreach/plan/?date={day.isoformat()}")
    html = plan_page.content.decode()
    assert "Umbulharjo" in html
    assert "Semaki" in html
    assert item.reference in html
    outcome = client.post(
        f"/m/{mall.slug}/outreach/visits/{visit.pk}/outcome/",
        {
            "outcome": "completed",
            "delivered": [env["ktp"].pk],
            "result_delivery_home": "on",
            "note": "Perekaman selesai",
        },
    )
    assert outcome.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "completed"
    assert visit.result_delivery_home is True
    rows = {r.service_id: r.delivered for r in visit.services_done.all()}
    assert rows == {env["ktp"].pk: True, env["kk"].pk: False}
    assert client.post(f"{base}/complete/", {"note": "KTP diantar"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    assert list(item.events.values_list("to_status", flat=True)) == [
        "requested",
        "triaged",
        "scheduled",
        "visited",
        "done",
    ]
