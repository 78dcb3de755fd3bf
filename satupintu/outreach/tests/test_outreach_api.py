from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import UserFactory, bearer, user_with_role
from satupintu.core.models import AuditEntry
from satupintu.outreach import services
from satupintu.outreach.models import (
    OutreachEvent,
    OutreachRequest,
    OutreachSensitiveNote,
    Visit,
)
from satupintu.outreach.tests.factories import VALID_NIK, make_request, outreach_setup, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def env() -> dict[str, Any]:
    return outreach_setup()


def _payload(env: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    today = env["mall"].today()
    body: dict[str, Any] = {
        "mall": env["mall"].slug,
        "person_name": "Sri Wahyuni",
        "nik": VALID_NIK,
        "phone": "0812-3456-7890",
        "address": "Jl. Kusumanegara 12 RT 3 RW 1",
        "kecamatan": "Umbulharjo",
        "kelurahan": "Semaki",
        "service_ids": [env["ktp"].pk, env["kk"].pk],
        "preferred_dates": [(today + timedelta(days=2)).isoformat()],
        "requested_by": "family",
        "requester_name": "Andi",
        "reason": "disabled",
        "disability_note": "Tuna daksa, kursi roda",
        "health_note": "Pasca stroke",
    }
    body.update(overrides)
    return body


def _post(client: Client, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


def test_public_request_is_created_with_history_and_encrypted_notes(env: dict[str, Any]) -> None:
    response = _post(Client(), "/api/v1/outreach/requests", _payload(env))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested"
    assert body["reference"].startswith("JB-")
    created = OutreachRequest.objects.get(pk=body["id"])
    assert created.phone == "+6281234567890"
    assert created.nik == VALID_NIK
    assert VALID_NIK not in created.nik_encrypted
    note = OutreachSensitiveNote.objects.get(request=created)
    assert "kursi roda" not in note.disability_encrypted
    assert note.disability == "Tuna daksa, kursi roda"
    assert list(created.events.values_list("to_status", flat=True)) == ["requested"]
    assert "nik" not in body
    assert "disability" not in str(body)


def test_preferred_date_in_the_past_is_422_and_nothing_is_stored(env: dict[str, Any]) -> None:
    yesterday = env["mall"].today() - timedelta(days=1)
    response = _post(
        Client(),
        "/api/v1/outreach/requests",
        _payload(env, preferred_dates=[yesterday.isoformat()]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == ["body", "preferred_dates"]
    assert "past" in detail[0]["msg"]
    assert OutreachRequest.objects.count() == 0
    assert OutreachSensitiveNote.objects.count() == 0
    assert OutreachEvent.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="outreach.outreachrequest").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"nik": "1234"}, "nik"),
        ({"phone": "12"}, "phone"),
        ({"kecamatan": "Depok"}, "kecamatan"),
        ({"kelurahan": "Baciro"}, "kelurahan"),  # Baciro is in Gondokusuman, not Umbulharjo
        ({"service_ids": []}, "service_ids"),
        ({"requested_by": "officer_phone"}, "requested_by"),  # only officers enter phone requests
        ({"requested_by": "family", "requester_name": ""}, "requester_name"),
        ({"person_name": "  "}, "person_name"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    env: dict[str, Any], overrides: dict[str, Any], field: str
) -> None:
    response = _post(Client(), "/api/v1/outreach/requests", _payload(env, **overrides))
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][-1] == field
    assert OutreachRequest.objects.count() == 0


def test_service_without_outreach_channel_is_refused(env: dict[str, Any]) -> None:
    payload = _payload(env, service_ids=[env["walk_only"].pk])
    response = _post(Client(), "/api/v1/outreach/requests", payload, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "not offered by outreach" in response.json()["detail"][0]["msg"]
    # Without a language asked for, the message is in Indonesian, the site's default.
    response = _post(Client(), "/api/v1/outreach/requests", payload)
    assert response.status_code == 422
    assert "tidak tersedia lewat jemput bola" in response.json()["detail"][0]["msg"]
    assert OutreachRequest.objects.count() == 0


def test_officer_enters_a_phone_request(env: dict[str, Any]) -> None:
    response = _post(
        Client(),
        "/api/v1/outreach/requests",
        _payload(env, requested_by="officer_phone", requester_name=""),
        **bearer(env["officer"]),
    )
    assert response.status_code == 201
    created = OutreachRequest.objects.get()
    assert created.created_by == env["officer"]
    assert created.requested_by == "officer_phone"


def test_list_and_detail_are_404_for_everyone_but_outreach_staff(env: dict[str, Any]) -> None:
    item = make_request(env["mall"], [env["ktp"].pk])
    mall, agency = env["mall"], env["agency"]
    others = [
        user_with_role(Role.COUNTER_OFFICER, mall=mall),
        user_with_role(Role.BACK_OFFICE_OFFICER, mall=mall, agency=agency),
        user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=agency),
        user_with_role(Role.SUPERVISOR, mall=mall),
        user_with_role(Role.MALL_ADMIN, mall=mall),
        user_with_role(Role.VIEWER, mall=mall),
    ]
    for user in others:
        headers = bearer(user)
        assert Client().get(f"/api/v1/outreach/requests/{item.pk}", **headers).status_code == 404
        listing = Client().get(f"/api/v1/outreach/requests?mall={mall.slug}", **headers)
        assert listing.status_code == 404
        assert "kursi roda" not in listing.content.decode()
    assert Client().get(f"/api/v1/outreach/requests/{item.pk}").status_code == 401
    assert not AuditEntry.objects.filter(action="view").exists()


def test_officer_of_another_mall_sees_nothing(env: dict[str, Any]) -> None:
    from satupintu.catalog.tests.factories import MallFactory

    item = make_request(env["mall"], [env["ktp"].pk])
    stranger = user_with_role(Role.OUTREACH_OFFICER, mall=MallFactory())
    response = Client().get(f"/api/v1/outreach/requests/{item.pk}", **bearer(stranger))
    assert response.status_code == 404


def test_list_never_carries_nik_or_sensitive_notes(env: dict[str, Any]) -> None:
    make_request(env["mall"], [env["ktp"].pk])
    response = Client().get(
        f"/api/v1/outreach/requests?mall={env['mall'].slug}", **bearer(env["officer"])
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    text = response.content.decode()
    assert VALID_NIK not in text
    assert "kursi roda" not in text
    assert "stroke" not in text
    assert not AuditEntry.objects.filter(action="view").exists()


def test_every_detail_view_by_an_officer_is_audited(env: dict[str, Any]) -> None:
    item = make_request(env["mall"], [env["ktp"].pk])
    headers = bearer(env["officer"])
    for expected in (1, 2):
        response = Client().get(f"/api/v1/outreach/requests/{item.pk}", **headers)
        assert response.status_code == 200
        assert response.json()["personal_data"] == {
            "nik": VALID_NIK,
            "disability": "Pengguna kursi roda, tuna daksa",
            "health": "Pasca stroke",
        }
        views = AuditEntry.objects.filter(action="view", object_id=str(item.pk))
        assert views.count() == expected
        assert views.first().actor == env["officer"]  # type: ignore[union-attr]


def test_superuser_sees_details(env: dict[str, Any]) -> None:
    item = make_request(env["mall"], [env["ktp"].pk])
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    response = Client().get(f"/api/v1/outreach/requests/{item.pk}", **bearer(root))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="view", actor=root).count() == 1


def test_full_lifecycle_through_the_api(env: dict[str, Any]) -> None:
    item = make_request(env["mall"], [env["ktp"].pk, env["kk"].pk])
    headers = bearer(env["officer"])
    client = Client()
    triage = _post(
        client,
        f"/api/v1/outreach/requests/{item.pk}/triage",
        {"priority": "high", "assigned_to_id": env["officer"].pk, "note": "urgent KTP"},
        **headers,
    )
    assert triage.status_code == 200, triage.content
    assert triage.json()["status"] == "triaged"
    day = env["mall"].today() + timedelta(days=3)
    schedule = _post(
        client,
        f"/api/v1/outreach/requests/{item.pk}/schedule",
        {
            "date": day.isoformat(),
            "window_start": "09:00",
            "window_end": "10:30",
            "team_ids": [env["officer"].pk, env["officer2"].pk],
            "vehicle_id": env["vehicle"].pk,
            "equipment_ids": [env["kit"].pk],
        },
        **headers,
    )
    assert schedule.status_code == 201, schedule.content
    visit_id = schedule.json()["id"]
    plan_response = client.get(
        f"/api/v1/outreach/day-plan?mall={env['mall'].slug}&date={day.isoformat()}", **headers
    )
    assert plan_response.status_code == 200
    groups = plan_response.json()["groups"]
    assert groups[0]["kecamatan"] == "Umbulharjo"
    assert groups[0]["kelurahan"][0]["name"] == "Semaki"
    assert groups[0]["kelurahan"][0]["visits"][0]["visit_id"] == visit_id
    outcome = _post(
        client,
        f"/api/v1/outreach/visits/{visit_id}/outcome",
        {
            "outcome": "completed",
            "services": [
                {"service_id": env["ktp"].pk, "delivered": True},
                {"service_id": env["kk"].pk, "delivered": False, "note": "berkas kurang"},
            ],
            "result_delivery_home": True,
            "note": "KTP-el direkam",
        },
        **headers,
    )
    assert outcome.status_code == 200, outcome.content
    assert outcome.json()["result_delivery_home"] is True
    again = _post(
        client, f"/api/v1/outreach/visits/{visit_id}/outcome", {"outcome": "not_met"}, **headers
    )
    assert again.status_code == 409
    done = _post(
        client, f"/api/v1/outreach/requests/{item.pk}/complete", {"note": "KTP diantar"}, **headers
    )
    assert done.status_code == 200
    detail = client.get(f"/api/v1/outreach/requests/{item.pk}", **headers).json()
    assert [h["to_status"] for h in detail["history"]] == [
        "requested",
        "triaged",
        "scheduled",
        "visited",
        "done",
    ]
    assert detail["allowed_actions"] == []


def test_refused_transitions_are_409_and_change_nothing(env: dict[str, Any]) -> None:
    item = make_request(env["mall"], [env["ktp"].pk])
    headers = bearer(env["officer"])
    day = env["mall"].today() + timedelta(days=3)
    # Scheduling before triage, completing before a visit.
    schedule = _post(
        Client(),
        f"/api/v1/outreach/requests/{item.pk}/schedule",
        {
            "date": day.isoformat(),
            "window_start": "09:00",
            "window_end": "10:00",
            "team_ids": [env["officer"].pk],
        },
        **headers,
    )
    assert schedule.status_code == 409
    complete = _post(Client(), f"/api/v1/outreach/requests/{item.pk}/complete", {}, **headers)
    assert complete.status_code == 409
    item.refresh_from_db()
    assert item.status == "requested"
    assert Visit.objects.count() == 0
    assert item.events.count() == 1


def test_schedule_in_the_past_is_422_and_nothing_changes(env: dict[str, Any]) -> None:
    item = make_request(env["mall"], [env["ktp"].pk])
    services.outreach_request_triage(actor=env["officer"], outreach_request=item, priority="normal")
    yesterday = env["mall"].today() - timedelta(days=1)
    response = _post(
        Client(),
        f"/api/v1/outreach/requests/{item.pk}/schedule",
        {
            "date": yesterday.isoformat(),
            "window_start": "09:00",
            "window_end": "10:00",
            "team_ids": [env["officer"].pk],
        },
        **bearer(env["officer"]),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "date"]
    item.refresh_from_db()
    assert item.status == "triaged"
    assert Visit.objects.count() == 0


def test_team_must_be_outreach_officers_and_vehicle_not_double_booked(
    env: dict[str, Any],
) -> None:
    mall = env["mall"]
    first = make_request(mall, [env["ktp"].pk])
    second = make_request(mall, [env["ktp"].pk], kecamatan="Jetis", kelurahan="Bumijo")
    for item in (first, second):
        services.outreach_request_triage(
            actor=env["officer"], outreach_request=item, priority="normal"
        )
    day = mall.today() + timedelta(days=1)
    counter_officer = user_with_role(Role.COUNTER_OFFICER, mall=mall)
    headers = bearer(env["officer"])
    bad_team = _post(
        Client(),
        f"/api/v1/outreach/requests/{first.pk}/schedule",
        {
            "date": day.isoformat(),
            "window_start": "09:00",
            "window_end": "10:00",
            "team_ids": [counter_officer.pk],
        },
        **headers,
    )
    assert bad_team.status_code == 422
    assert bad_team.json()["detail"][0]["loc"] == ["body", "team_ids"]
    services.visit_schedule(
        actor=env["officer"],
        outreach_request=first,
        plan=plan(day, [env["officer"].pk], vehicle_id=env["vehicle"].pk),
    )
    clash = _post(
        Client(),
        f"/api/v1/outreach/requests/{second.pk}/schedule",
        {
            "date": day.isoformat(),
            "window_start": "10:00",
            "window_end": "11:00",
            "team_ids": [env["officer2"].pk],
            "vehicle_id": env["vehicle"].pk,
        },
        **headers,
    )
    assert clash.status_code == 409
    second.refresh_from_db()
    assert second.status == "triaged"


def test_person_not_met_returns_the_request_to_triaged_for_a_new_visit(
    env: dict[str, Any],
) -> None:
    item = make_request(env["mall"], [env["ktp"].pk])
    officer = env["officer"]
    services.outreach_request_triage(actor=officer, outreach_request=item, priority="normal")
    day = env["mall"].today()
    visit = services.visit_schedule(
        actor=officer, outreach_request=item, plan=plan(day, [officer.pk])
    )
    services.visit_record(actor=officer, visit=visit, met=False, note="rumah kosong")
    item.refresh_from_db()
    assert item.status == "triaged"
    second = services.visit_schedule(
        actor=officer, outreach_request=item, plan=plan(day + timedelta(days=1), [officer.pk])
    )
    assert second.status == "scheduled"


def test_cancel_cancels_the_planned_visit(env: dict[str, Any]) -> None:
    item = make_request(env["mall"], [env["ktp"].pk])
    officer = env["officer"]
    services.outreach_request_triage(actor=officer, outreach_request=item, priority="normal")
    day = env["mall"].today() + timedelta(days=1)
    visit = services.visit_schedule(
        actor=officer, outreach_request=item, plan=plan(day, [officer.pk])
    )
    response = _post(
        Client(),
        f"/api/v1/outreach/requests/{item.pk}/cancel",
        {"reason": "keluarga membatalkan"},
        **bearer(officer),
    )
    assert response.status_code == 200
    visit.refresh_from_db()
    assert visit.status == "cancelled"
    again = _post(
        Client(), f"/api/v1/outreach/requests/{item.pk}/cancel", {"reason": "x"}, **bearer(officer)
    )
    assert again.status_code == 409


def test_other_roles_cannot_act_on_a_request(env: dict[str, Any]) -> None:
    item = make_request(env["mall"], [env["ktp"].pk])
    supervisor = user_with_role(Role.SUPERVISOR, mall=env["mall"])
    response = _post(
        Client(),
        f"/api/v1/outreach/requests/{item.pk}/triage",
        {"priority": "urgent"},
        **bearer(supervisor),
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == "requested"
    assert item.priority == "normal"


def test_public_creation_is_rate_limited(env: dict[str, Any], settings: Any) -> None:
    settings.RATELIMIT_PUBLIC = "2/m"
    codes = [
        _post(Client(), "/api/v1/outreach/requests", _payload(env)).status_code for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    assert OutreachRequest.objects.count() == 2


def test_list_puts_the_most_urgent_first(env: dict[str, Any]) -> None:
    officer = env["officer"]
    normal = make_request(env["mall"], [env["ktp"].pk])
    urgent = make_request(env["mall"], [env["ktp"].pk])
    high = make_request(env["mall"], [env["ktp"].pk])
    for item, priority in ((urgent, "urgent"), (high, "high")):
        services.outreach_request_triage(actor=officer, outreach_request=item, priority=priority)
    body = (
        Client().get(f"/api/v1/outreach/requests?mall={env['mall'].slug}", **bearer(officer)).json()
    )
    assert [i["id"] for i in body["items"]] == [urgent.pk, high.pk, normal.pk]
    triaged = (
        Client()
        .get(f"/api/v1/outreach/requests?mall={env['mall'].slug}&status=triaged", **bearer(officer))
        .json()
    )
    assert triaged["count"] == 2
