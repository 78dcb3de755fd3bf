"""Bad input is a 422 naming the field, and nothing is stored: the same on SQLite (which would
overflow on big integers and store NUL) and PostgreSQL (which would refuse both in the
database). The schemas bound it once (`satupintu.core.schemas`)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.tests.factories import UserFactory, bearer
from satupintu.catalog.models import Mall, OpeningHours, Service
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.dossiers.models import Dossier, FormField
from satupintu.feedback.models import Complaint, Survey
from satupintu.feedback.tests.factories import survey_payload
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import QueueWorld

pytestmark = pytest.mark.django_db

TOO_BIG = str(2**63)
VALID_NIK = "3471014501900003"


@pytest.fixture
def root() -> Client:
    client = Client()
    client.defaults.update(bearer(UserFactory(is_superuser=True, is_staff=True)))
    return client


def locs(response: Any) -> list[list[Any]]:
    assert response["Content-Type"].startswith("application/json")
    return [item["loc"] for item in response.json()["detail"]]


@pytest.mark.parametrize(
    ("path", "params", "loc"),
    [
        ("/api/v1/malls", {"limit": TOO_BIG}, ["query", "limit"]),
        ("/api/v1/malls", {"offset": TOO_BIG}, ["query", "offset"]),
        ("/api/v1/malls", {"limit": "0"}, ["query", "limit"]),
        ("/api/v1/complaints", {"agency": TOO_BIG}, ["query", "agency"]),
        ("/api/v1/dossiers", {"agency": TOO_BIG}, ["query", "agency"]),
        ("/api/v1/tickets/" + TOO_BIG, {}, ["path", "ticket_id"]),
        ("/api/v1/services/-1", {}, ["path", "service_id"]),
    ],
)
def test_out_of_range_integers_are_422_naming_the_parameter(
    root: Client, world: QueueWorld, path: str, params: dict[str, str], loc: list[str]
) -> None:
    response = root.get(path, params)
    assert response.status_code == 422, response.content
    assert loc in locs(response)


def test_an_appointment_list_with_a_huge_service_id_is_422(root: Client, world: QueueWorld) -> None:
    response = root.get(
        "/api/v1/appointments",
        {"mall": world.mall.slug, "date": "2026-03-05", "service_id": TOO_BIG},
    )
    assert response.status_code == 422
    assert ["query", "service_id"] in locs(response)


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body, content_type="application/json")


def test_nul_in_complaint_text_is_422_and_nothing_is_stored(world: QueueWorld) -> None:
    response = _post(Client(), "/api/v1/complaints", {"mall": world.mall.slug, "text": "a\x00b"})
    assert response.status_code == 422
    assert ["body", "text"] in locs(response)
    assert Complaint.objects.count() == 0


def test_nul_in_a_survey_suggestion_is_422_and_nothing_is_stored(world: QueueWorld) -> None:
    body = survey_payload(world.service, suggestion="bagus\x00")
    response = _post(Client(), "/api/v1/surveys", body)
    assert response.status_code == 422
    assert ["body", "suggestion"] in locs(response)
    assert Survey.objects.count() == 0


@pytest.fixture
def form_service(world: QueueWorld) -> Service:
    service = ServiceFactory(agency=world.service.agency, mall=world.mall, offers_online=True)
    FormField.objects.create(service=service, name="kk_number", label="Nomor KK", kind="text")
    return service


@pytest.mark.parametrize(
    "value", ["3471\x000001", {"nested": "object"}, ["a", "list"], 2**60, 1.5, True]
)
def test_a_form_value_that_is_not_plain_text_is_422_naming_the_field(
    form_service: Service, value: Any
) -> None:
    body = {
        "service_id": form_service.pk,
        "channel": "online",
        "applicant": {"nik": VALID_NIK, "name": "Siti Aminah"},
        "form": {"kk_number": value},
    }
    response = _post(Client(), "/api/v1/dossiers", body)
    assert response.status_code == 422, response.content
    assert any(loc[:3] == ["body", "form", "kk_number"] for loc in locs(response))
    assert Dossier.objects.count() == 0


def test_a_plain_text_form_value_is_stored_as_given(form_service: Service) -> None:
    body = {
        "service_id": form_service.pk,
        "channel": "online",
        "applicant": {"nik": VALID_NIK, "name": "Siti Aminah"},
        "form": {"kk_number": "3471010101010001"},
    }
    response = _post(Client(), "/api/v1/dossiers", body)
    assert response.status_code == 201, response.content
    assert Dossier.objects.get().form_data == {"kk_number": "3471010101010001"}


def _mall_state(mall: Mall) -> tuple[Any, ...]:
    mall.refresh_from_db()
    hours = list(OpeningHours.objects.filter(mall=mall).values_list("weekday", "opens", "closes"))
    return mall.name, mall.address, hours


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "Baru", "colour": "red"}, ["body", "colour"]),
        ({"opening_hours": [{"weekday": 0, "opens": "08:00", "closes": "15:00", "x": 1}]},
         ["body", "opening_hours", 0, "x"]),
        ({"opening_hours": [{"weekday": 0, "opens": "08:00:00", "closes": "15:00"}]},
         ["body", "opening_hours", 0, "opens"]),
        ({"opening_hours": [{"weekday": 0, "opens": "8:00", "closes": "15:00"}]},
         ["body", "opening_hours", 0, "opens"]),
        ({"address": "Jl. Malioboro\x00"}, ["body", "address"]),
    ],
)  # fmt: skip
def test_a_patch_with_an_unknown_field_or_a_bad_time_changes_nothing(
    root: Client, world: QueueWorld, body: dict[str, Any], loc: list[Any]
) -> None:
    before = _mall_state(world.mall)
    response = root.patch(f"/api/v1/malls/{world.mall.slug}", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert loc in locs(response)
    assert _mall_state(world.mall) == before


def test_times_of_day_are_hh_mm_both_ways(root: Client, world: QueueWorld) -> None:
    body = {"opening_hours": [{"weekday": 0, "opens": "07:30", "closes": "15:45"}]}
    response = root.patch(f"/api/v1/malls/{world.mall.slug}", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["opening_hours"] == [{"weekday": 0, "opens": "07:30", "closes": "15:45"}]
    assert Client().get(f"/api/v1/malls/{world.mall.slug}").json()["opening_hours"] == [
        {"weekday": 0, "opens": "07:30", "closes": "15:45"}
    ]


def test_an_unknown_field_in_a_nested_patch_body_is_named(root: Client, world: QueueWorld) -> None:
    body = {"standard": {"fee": 5000, "fees": 1}}
    response = root.patch(
        f"/api/v1/services/{world.service.pk}", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert ["body", "standard", "fees"] in locs(response)
    world.service.refresh_from_db()
    assert world.service.fee == 0


def test_an_unknown_top_level_field_of_a_post_is_named(world: QueueWorld) -> None:
    response = _post(
        Client(), "/api/v1/tickets", {"service_id": world.service.pk, "priority_class": "x"}
    )
    assert response.status_code == 422
    assert ["body", "priority_class"] in locs(response)


@pytest.mark.parametrize("check_symbol", ["*", "~", "$", "=", "U", "7"])
def test_every_tracking_code_check_symbol_is_accepted_in_a_path(
    world: QueueWorld, check_symbol: str
) -> None:
    from satupintu.core.codes import crockford_check as symbol_of

    body = next(
        code[:8] for code in (f"{n:08d}" for n in range(10_000)) if symbol_of(code) == check_symbol
    )
    # A well-formed code of no application: 404, never a 422 for a code the system hands out.
    assert Client().get(f"/api/v1/track/{body}{check_symbol}").status_code == 404
