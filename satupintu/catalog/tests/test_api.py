"""Every catalog endpoint of API.md: what it answers, what it refuses, and that a refused change
changed nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.tests.factories import bearer
from satupintu.catalog.models import ClosureDay, Mall, OpeningHours, Service, ServiceRequirement
from satupintu.core.models import AuditEntry

pytestmark = pytest.mark.django_db

STANDARD_KEYS = {
    "requirements",
    "procedure",
    "duration",
    "fee",
    "product",
    "complaint_handling",
    "legal_basis",
    "facilities",
    "staff_competence",
    "internal_supervision",
    "staff_count",
    "service_guarantee",
    "security_guarantee",
    "performance_evaluation",
}


def get(path: str, **params: Any):
    return Client().get(path, params)


def patch(path: str, body: Any, user=None, raw: str | None = None):
    headers = bearer(user) if user is not None else {}
    return Client().patch(
        path,
        raw if raw is not None else json.dumps(body),
        content_type="application/json",
        **headers,
    )


def locs(response) -> list[list[Any]]:
    detail = response.json()["detail"]
    assert isinstance(detail, list), detail
    return [item["loc"] for item in detail]


def names_field(response, field: str) -> bool:
    return any(field in [str(part) for part in loc] for loc in locs(response))


# --- malls -----------------------------------------------------------------------------------


def test_malls_list_is_public_and_paginated(world) -> None:
    response = get("/api/v1/malls")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2  # the inactive mall is not listed
    assert {m["slug"] for m in data["items"]} == {"yk", "solo"}
    assert set(data["items"][0]) >= {"id", "slug", "name", "timezone"}
    page = get("/api/v1/malls", limit=1, offset=1).json()
    assert page["count"] == 2
    assert len(page["items"]) == 1


@pytest.mark.parametrize("params", [{"limit": -1}, {"offset": -1}, {"limit": "x"}])
def test_malls_list_refuses_bad_pagination(world, params) -> None:
    assert get("/api/v1/malls", **params).status_code == 422


def test_mall_detail(world) -> None:
    response = get("/api/v1/malls/yk")
    assert response.status_code == 200
    data = response.json()
    assert data["slug"] == "yk"
    assert data["timezone"] == "Asia/Jakarta"
    assert data["opening_hours"][0] == {"weekday": 0, "opens": "08:00", "closes": "15:00"}
    assert len(data["opening_hours"]) == 5
    assert [(f["number"], f["status"]) for f in data["floors"]] == [(1, "open"), (2, "planned")]
    assert data["closure_days"] == []


@pytest.mark.parametrize("slug", ["nope", "mati"])
def test_unknown_or_inactive_mall_is_404(world, slug) -> None:
    response = get(f"/api/v1/malls/{slug}")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("slug", ["a%00b", "x" * 100, "a%20b"])
def test_a_malformed_mall_slug_is_422_naming_it(world, slug) -> None:
    response = get(f"/api/v1/malls/{slug}")
    assert response.status_code == 422
    assert names_field(response, "slug")


def mall_state(slug: str = "yk") -> Any:
    mall = Mall.objects.get(slug=slug)
    return (
        mall.name,
        mall.address,
        list(OpeningHours.objects.filter(mall=mall).values_list("weekday", "opens", "closes")),
        list(ClosureDay.objects.filter(mall=mall).values_list("date", "reason")),
    )


GOOD_MALL_PATCH = {
    "opening_hours": [
        {"weekday": 0, "opens": "07:30", "closes": "16:00"},
        {"weekday": 5, "opens": "08:00", "closes": "12:00"},
    ],
    "closure_days": ["2026-03-25", {"date": "2026-04-10", "reason": "Pemeliharaan gedung"}],
}


def test_a_mall_admin_sets_opening_hours_and_closure_days(world) -> None:
    response = patch("/api/v1/malls/yk", GOOD_MALL_PATCH, world["people"]["mall_admin"])
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["opening_hours"] == [
        {"weekday": 0, "opens": "07:30", "closes": "16:00"},
        {"weekday": 5, "opens": "08:00", "closes": "12:00"},
    ]
    assert data["closure_days"] == [
        {"date": "2026-03-25", "reason": ""},
        {"date": "2026-04-10", "reason": "Pemeliharaan gedung"},
    ]
    entry = AuditEntry.objects.get(action="update", object_type="catalog.mall")
    assert entry.actor == world["people"]["mall_admin"]
    assert entry.mall_id == world["mall"].pk
    assert "opening_hours" in entry.changes
    assert entry.changes["closure_days"][1] == ["2026-03-25", "2026-04-10"]


def test_a_patch_changes_only_what_it_names(world) -> None:
    before = mall_state()
    response = patch("/api/v1/malls/yk", {"name": "MPP Yogya"}, world["people"]["mall_admin"])
    assert response.status_code == 200
    after = mall_state()
    assert after[0] == "MPP Yogya"
    assert after[2:] == before[2:]


def test_a_superuser_may_patch_any_mall(world) -> None:
    response = patch(
        "/api/v1/malls/solo", {"closure_days": ["2026-05-02"]}, world["people"]["root"]
    )
    assert response.status_code == 200
    assert response.json()["closure_days"] == [{"date": "2026-05-02", "reason": ""}]


def test_patching_a_mall_anonymously_is_401_and_changes_nothing(world) -> None:
    before = mall_state()
    assert patch("/api/v1/malls/yk", GOOD_MALL_PATCH).status_code == 401
    assert mall_state() == before


@pytest.mark.parametrize(
    "who", ["counter_officer", "dukcapil_admin", "supervisor", "back_office", "solo_admin"]
)
def test_patching_a_mall_without_being_its_admin_is_404_and_changes_nothing(world, who) -> None:
    before = mall_state()
    response = patch("/api/v1/malls/yk", GOOD_MALL_PATCH, world["people"][who])
    assert response.status_code == 404
    assert mall_state() == before
    assert not AuditEntry.objects.filter(action="update").exists()


def test_an_admin_of_another_mall_cannot_patch_even_an_unknown_slug_differently(world) -> None:
    # A missing mall and a forbidden one look the same from outside.
    admin = world["people"]["solo_admin"]
    forbidden = patch("/api/v1/malls/yk", {"name": "x"}, admin)
    missing = patch("/api/v1/malls/nope", {"name": "x"}, admin)
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"opening_hours": [{"weekday": 7, "opens": "08:00", "closes": "15:00"}]}, "weekday"),
        ({"opening_hours": [{"weekday": -1, "opens": "08:00", "closes": "15:00"}]}, "weekday"),
        ({"opening_hours": [{"weekday": 1, "opens": "15:00", "closes": "08:00"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 1, "opens": "08:00", "closes": "08:00"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 1, "opens": "25:00", "closes": "26:00"}]}, "opens"),
        ({"opening_hours": [{"weekday": 1, "opens": "08:00"}]}, "closes"),
        (
            {
                "opening_hours": [
                    {"weekday": 1, "opens": "08:00", "closes": "15:00"},
                    {"weekday": 1, "opens": "09:00", "closes": "12:00"},
                ]
            },
            "opening_hours",
        ),
        ({"opening_hours": "every day"}, "opening_hours"),
        ({"closure_days": ["2026-02-30"]}, "closure_days"),
        ({"closure_days": ["tomorrow"]}, "closure_days"),
        ({"closure_days": [{"date": "2026-03-25", "reason": "x" * 201}]}, "closure_days"),
        ({"closure_days": [{"date": "2026-03-25", "reason": "a\x00b"}]}, "closure_days"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_mall_patches_are_refused_naming_the_field(world, body, field) -> None:
    before = mall_state()
    response = patch("/api/v1/malls/yk", body, world["people"]["mall_admin"])
    assert response.status_code == 422, response.content
    assert names_field(response, field), response.json()
    assert mall_state() == before


def test_a_mall_patch_that_is_not_json_is_refused(world) -> None:
    before = mall_state()
    response = patch("/api/v1/malls/yk", None, world["people"]["mall_admin"], raw="{not json")
    assert response.status_code in {400, 422}
    assert mall_state() == before


# --- agencies --------------------------------------------------------------------------------


def test_agencies_of_a_mall(world) -> None:
    response = get("/api/v1/agencies", mall="yk")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2  # the inactive agency is not listed
    by_name = {a["name"]: a for a in data["items"]}
    polres = by_name["Polresta"]
    assert set(polres) >= {"id", "name", "kind", "counter_ids", "partnership_status"}
    assert polres["kind"] == "central_government"
    assert polres["partnership_status"] == "active"  # the newest partnership
    # Counter ids: active counters serving an active service of the agency.
    assert polres["counter_ids"] == [world["lane"].pk]
    assert by_name["Disdukcapil"]["counter_ids"] == [world["loket1"].pk]
    assert by_name["Disdukcapil"]["partnership_status"] is None
    kinds = {
        "city_office",
        "central_government",
        "state_enterprise",
        "regional_enterprise",
        "private",
        "non_government",
    }
    assert all(a["kind"] in kinds for a in data["items"])


def test_agencies_need_a_known_mall(world) -> None:
    response = get("/api/v1/agencies")
    assert response.status_code == 422
    assert names_field(response, "mall")
    assert get("/api/v1/agencies", mall="nope").status_code == 404
    assert names_field(get("/api/v1/agencies", mall="a\x00"), "mall")


# --- services --------------------------------------------------------------------------------


def test_services_of_a_mall_with_their_standard(world) -> None:
    response = get("/api/v1/services", mall="yk")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3  # not the retired service, not the other mall's
    ktp = next(s for s in data["items"] if s["code"] == "DUK-KTP-BARU")
    assert ktp["agency_id"] == world["dukcapil"].pk
    assert ktp["kind"] in {"licensing", "non_licensing"}
    assert ktp["channels"] == ["walk_in"]
    assert set(ktp["standard"]) >= STANDARD_KEYS
    assert ktp["standard"]["requirements"][0] == {
        **ktp["standard"]["requirements"][0],
        "id": world["req_kk"].pk,
        "name": "Kartu Keluarga",
        "document": True,
        "mandatory": True,
    }
    assert ktp["standard"]["requirements"][1]["mandatory"] is False
    assert ktp["standard"]["duration"] == {"value": 3, "unit": "working_days"}
    assert ktp["standard"]["fee"] == 0


def test_services_filtered_by_agency_channel_and_text(world) -> None:
    def codes(**params: Any) -> set[str]:
        response = get("/api/v1/services", mall="yk", **params)
        assert response.status_code == 200, response.content
        return {s["code"] for s in response.json()["items"]}

    assert codes(agency=world["polres"].pk) == {"POL-SIM-A", "POL-SKCK"}
    assert codes(channel="drive_thru") == {"POL-SIM-A"}
    assert codes(channel="online") == {"POL-SKCK"}
    assert codes(channel="outreach") == set()
    assert codes(q="sim") == {"POL-SIM-A"}
    assert codes(q="polresta skck") == {"POL-SKCK"}  # every word must match
    assert codes(q="DUK-KTP") == {"DUK-KTP-BARU"}
    assert codes(q="tidak ada") == set()
    assert codes(agency=world["polres"].pk, channel="walk_in", q="skck") == {"POL-SKCK"}
    # An agency of another mall gives nothing here.
    assert codes(agency=world["solo_service"].agency_id) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"mall": "yk", "channel": "teleport"}, "channel"),
        ({"mall": "yk", "agency": "polresta"}, "agency"),
        ({"mall": "yk", "agency": 2**70}, "agency"),
        ({"mall": "yk", "agency": 0}, "agency"),
        ({"mall": "yk", "q": "x" * 101}, "q"),
        ({"mall": "yk", "q": "a\x00b"}, "q"),
        ({}, "mall"),
    ],
)
def test_bad_service_filters_are_422_naming_the_field(world, params, field) -> None:
    response = get("/api/v1/services", **params)
    assert response.status_code == 422
    assert names_field(response, field), response.json()


def test_service_detail_has_the_daily_quota_of_every_channel(world) -> None:
    response = get(f"/api/v1/services/{world['sim'].pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["daily_quota"] == {
        "walk_in": None,
        "drive_thru": 100,
        "online": None,
        "outreach": None,
    }
    assert data["channels"] == ["walk_in", "drive_thru"]
    assert data["standard"]["fee"] == 80000
    assert data["mall"] == "yk"


@pytest.mark.parametrize("service_id", ["0", "999999", str(2**63 - 1), str(2**63), "abc"])
def test_unknown_service_is_404_and_a_malformed_id_422(world, service_id) -> None:
    response = get(f"/api/v1/services/{service_id}")
    if service_id in ("999999", str(2**63 - 1)):
        assert response.status_code == 404
    else:
        assert response.status_code == 422
        assert names_field(response, "service_id")


def test_a_retired_service_is_404(world) -> None:
    assert get(f"/api/v1/services/{world['retired'].pk}").status_code == 404


def service_state(service: Service) -> dict[str, Any]:
    fresh = Service.objects.get(pk=service.pk)
    return {
        "row": {f.attname: getattr(fresh, f.attname) for f in Service._meta.concrete_fields},
        "requirements": list(
            ServiceRequirement.objects.filter(service=fresh).order_by("id").values()
        ),
    }


GOOD_SERVICE_PATCH = {
    "channels": ["walk_in", "online"],
    "daily_quota": {"walk_in": 150, "online": None},
    "standard": {
        "fee": 10000,
        "duration": {"value": 2, "unit": "working_days"},
        "procedure": ["Ambil nomor", "Serahkan berkas", "Terima hasil"],
        "product": "KTP-el",
        "requirements": [
            {"name": "Kartu Keluarga asli", "mandatory": True},
            {"name": "Surat pengantar RT/RW", "mandatory": False, "document": False},
        ],
    },
}


@pytest.mark.parametrize("who", ["mall_admin", "dukcapil_admin", "root"])
def test_an_admin_of_the_mall_or_of_the_agency_patches_a_service(world, who) -> None:
    ktp = world["ktp"]
    body = json.loads(json.dumps(GOOD_SERVICE_PATCH))
    body["standard"]["requirements"][0]["id"] = world["req_kk"].pk  # keep this one by its id
    response = patch(f"/api/v1/services/{ktp.pk}", body, world["people"][who])
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["channels"] == ["walk_in", "online"]
    assert data["daily_quota"]["walk_in"] == 150
    assert data["daily_quota"]["online"] is None
    assert data["standard"]["fee"] == 10000
    assert data["standard"]["duration"] == {"value": 2, "unit": "working_days"}
    assert data["standard"]["procedure"] == ["Ambil nomor", "Serahkan berkas", "Terima hasil"]
    requirements = data["standard"]["requirements"]
    assert [r["name"] for r in requirements] == ["Kartu Keluarga asli", "Surat pengantar RT/RW"]
    assert requirements[0]["id"] == world["req_kk"].pk
    assert not ServiceRequirement.objects.filter(pk=world["req_kuasa"].pk).exists()
    entry = AuditEntry.objects.get(object_type="catalog.service", action="update")
    assert entry.changes["fee"] == [0, 10000]
    assert entry.changes["offers_online"] == [False, True]
    assert "requirements" in entry.changes


def test_daily_quota_patch_keeps_the_channels_it_does_not_name(world) -> None:
    sim = world["sim"]
    response = patch(
        f"/api/v1/services/{sim.pk}",
        {"daily_quota": {"walk_in": 20}},
        world["people"]["polres_admin"],
    )
    assert response.status_code == 200
    assert response.json()["daily_quota"]["drive_thru"] == 100
    assert response.json()["daily_quota"]["walk_in"] == 20


def test_patching_a_service_anonymously_is_401_and_changes_nothing(world) -> None:
    before = service_state(world["ktp"])
    assert patch(f"/api/v1/services/{world['ktp'].pk}", GOOD_SERVICE_PATCH).status_code == 401
    assert service_state(world["ktp"]) == before


@pytest.mark.parametrize(
    "who", ["counter_officer", "polres_admin", "back_office", "supervisor", "solo_admin"]
)
def test_patching_a_service_without_the_right_is_404_and_changes_nothing(world, who) -> None:
    before = service_state(world["ktp"])
    response = patch(
        f"/api/v1/services/{world['ktp'].pk}", GOOD_SERVICE_PATCH, world["people"][who]
    )
    assert response.status_code == 404
    assert service_state(world["ktp"]) == before
    assert not AuditEntry.objects.filter(action="update").exists()


def test_forbidden_and_missing_services_look_the_same(world) -> None:
    admin = world["people"]["polres_admin"]
    forbidden = patch(f"/api/v1/services/{world['ktp'].pk}", {"standard": {"fee": 1}}, admin)
    missing = patch("/api/v1/services/999999", {"standard": {"fee": 1}}, admin)
    assert forbidden.status_code == missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": []}, "channels"),
        ({"channels": ["teleport"]}, "channels"),
        ({"channels": "walk_in"}, "channels"),
        ({"daily_quota": {"walk_in": -1}}, "walk_in"),
        ({"daily_quota": {"walk_in": 10**9}}, "walk_in"),
        ({"daily_quota": {"walk_in": "many"}}, "walk_in"),
        ({"standard": {"fee": -1}}, "fee"),
        ({"standard": {"fee": 10**15}}, "fee"),
        ({"standard": {"fee": 10**30}}, "fee"),
        ({"standard": {"fee": None}}, "fee"),
        ({"standard": {"fee": "gratis"}}, "fee"),
        ({"standard": {"staff_count": 10**12}}, "staff_count"),
        ({"standard": {"duration": {"value": 2, "unit": "hours"}}}, "unit"),
        ({"standard": {"duration": {"value": -2, "unit": "minutes"}}}, "value"),
        ({"standard": {"procedure": ["Ambil nomor", "  "]}}, "procedure"),
        ({"standard": {"product": "a\x00b"}}, "product"),
        ({"standard": {"requirements": [{"name": ""}]}}, "name"),
        (
            {"standard": {"requirements": [{"name": "KK", "accepted_types": ["exe"]}]}},
            "accepted_types",
        ),
        ({"standard": {"requirements": [{"name": "KK", "max_size_kb": 0}]}}, "max_size_kb"),
        ({"standard": {"requirements": [{"name": "KK", "key": "Not A Key"}]}}, "key"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"is_active": "perhaps"}, "is_active"),
    ],
)
def test_bad_service_patches_are_refused_naming_the_field(world, body, field) -> None:
    before = service_state(world["ktp"])
    response = patch(f"/api/v1/services/{world['ktp'].pk}", body, world["people"]["mall_admin"])
    assert response.status_code == 422, response.content
    assert names_field(response, field), response.json()
    assert service_state(world["ktp"]) == before


def test_a_requirement_of_another_service_is_refused_and_nothing_is_half_saved(world) -> None:
    foreign = world["req_kk"].pk
    before = service_state(world["sim"])
    body = {
        "channels": ["online"],
        "standard": {
            "fee": 1,
            "requirements": [{"name": "SIM lama"}, {"id": foreign, "name": "x"}],
        },
    }
    response = patch(f"/api/v1/services/{world['sim'].pk}", body, world["people"]["mall_admin"])
    assert response.status_code == 422
    assert ["body", "standard", "requirements", "1", "id"] in locs(response)
    assert service_state(world["sim"]) == before
    assert ServiceRequirement.objects.get(pk=foreign).name == "Kartu Keluarga"


def test_a_requirement_id_twice_is_refused(world) -> None:
    kk = world["req_kk"].pk
    before = service_state(world["ktp"])
    body = {"standard": {"requirements": [{"id": kk, "name": "A"}, {"id": kk, "name": "B"}]}}
    response = patch(f"/api/v1/services/{world['ktp'].pk}", body, world["people"]["mall_admin"])
    assert response.status_code == 422
    assert names_field(response, "requirements")
    assert service_state(world["ktp"]) == before


def test_a_service_may_be_retired_and_then_disappears_from_the_public_list(world) -> None:
    ktp = world["ktp"]
    response = patch(
        f"/api/v1/services/{ktp.pk}", {"is_active": False}, world["people"]["mall_admin"]
    )
    assert response.status_code == 200
    assert get(f"/api/v1/services/{ktp.pk}").status_code == 404
    codes = {s["code"] for s in get("/api/v1/services", mall="yk").json()["items"]}
    assert "DUK-KTP-BARU" not in codes


# --- counters and displays -------------------------------------------------------------------


def test_counters_of_a_mall(world) -> None:
    response = get("/api/v1/counters", mall="yk")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2  # the inactive counter is not listed
    by_name = {c["name"]: c for c in data["items"]}
    lane = by_name["Drive-thru 1"]
    assert lane["mode"] == "drive_thru"
    assert lane["floor"] == 1
    assert lane["service_ids"] == [world["sim"].pk]  # the retired service is not served
    assert lane["agency_ids"] == [world["polres"].pk]
    assert by_name["Loket 1"]["mode"] == "walk_in"
    assert get("/api/v1/counters", mall="nope").status_code == 404
    assert get("/api/v1/counters").status_code == 422


def test_displays_of_a_mall(world) -> None:
    response = get("/api/v1/displays", mall="yk")
    assert response.status_code == 200
    assert response.json()["items"] == [
        {**response.json()["items"][0], "id": world["display"].pk, "name": "Papan lobi", "floor": 1}
    ]
    assert get("/api/v1/displays", mall="solo").json()["count"] == 0
    assert get("/api/v1/displays", mall="nope").status_code == 404


# --- working-day calendar --------------------------------------------------------------------


def test_calendar_around_nyepi_and_idul_fitri_2026(world) -> None:
    response = get("/api/v1/calendar/add-working-days", mall="yk", start="2026-03-17", days=1)
    assert response.status_code == 200
    data = response.json()
    assert data["start"] == "2026-03-17"
    assert data["days"] == 1
    assert data["due"] == "2026-03-25"
    assert [s["date"] for s in data["skipped"]] == [f"2026-03-{d}" for d in range(18, 25)]
    assert all(s["reason"] for s in data["skipped"])
    reasons = {s["date"]: s["reason"] for s in data["skipped"]}
    assert reasons["2026-03-19"] == "Hari Suci Nyepi"


def test_calendar_reasons_in_english(world) -> None:
    response = Client().get(
        "/api/v1/calendar/add-working-days",
        {"mall": "yk", "start": "2026-03-17", "days": 1},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    reasons = {s["date"]: s["reason"] for s in response.json()["skipped"]}
    assert reasons["2026-03-19"] == "Day of Silence"


def test_calendar_skips_a_closure_day_set_through_the_api(world) -> None:
    body = {"closure_days": [{"date": "2026-03-25", "reason": "Pemadaman listrik"}]}
    assert patch("/api/v1/malls/yk", body, world["people"]["mall_admin"]).status_code == 200
    data = get("/api/v1/calendar/add-working-days", mall="yk", start="2026-03-17", days=1).json()
    assert data["due"] == "2026-03-26"
    assert data["skipped"][-1] == {"date": "2026-03-25", "reason": "Pemadaman listrik"}
    # Another mall's calendar is not affected by this mall's closure day.
    other = get("/api/v1/calendar/add-working-days", mall="solo", start="2026-03-17", days=1)
    assert other.json()["due"] == "2026-03-25"


def test_calendar_zero_days_is_the_start(world) -> None:
    data = get("/api/v1/calendar/add-working-days", mall="yk", start="2026-03-19", days=0).json()
    assert data["due"] == "2026-03-19"
    assert data["skipped"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"mall": "yk", "start": "2026-03-17", "days": -1}, "days"),
        ({"mall": "yk", "start": "2026-03-17", "days": 1001}, "days"),
        ({"mall": "yk", "start": "2026-03-17", "days": "two"}, "days"),
        ({"mall": "yk", "start": "2026-02-30", "days": 1}, "start"),
        ({"mall": "yk", "start": "17-03-2026", "days": 1}, "start"),
        ({"mall": "yk", "start": "9999-12-31", "days": 1}, "start"),
        ({"mall": "yk", "start": "0001-01-01", "days": 1}, "start"),
        ({"mall": "yk", "days": 1}, "start"),
        ({"start": "2026-03-17", "days": 1}, "mall"),
    ],
)
def test_calendar_refuses_bad_input_naming_the_field(world, params, field) -> None:
    response = get("/api/v1/calendar/add-working-days", **params)
    assert response.status_code == 422, response.content
    assert names_field(response, field), response.json()


def test_calendar_of_an_unknown_mall_is_404(world) -> None:
    response = get("/api/v1/calendar/add-working-days", mall="nope", start="2026-03-17", days=1)
    assert response.status_code == 404
