"""The reports API: who sees what (agency scoping, 401/404) and bad input (422)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import UserFactory, bearer, user_with_role
from satupintu.catalog.tests.factories import MallFactory
from satupintu.reports import selectors
from satupintu.reports.tests.report_fixtures import Scene, build_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene() -> Scene:
    return build_scene()


def _get(client: Client, path: str, user: Any = None, **params: Any) -> Any:
    headers = bearer(user) if user is not None else {}
    return client.get(f"/api/v1/reports/{path}", params, **headers)


def _period(scene: Scene) -> dict[str, str]:
    return {
        "mall": scene.mall.slug,
        "from": scene.monday.isoformat(),
        "to": scene.dossier_paused.sla_due.isoformat(),
    }


def test_kpis_for_a_mall_supervisor(client: Client, scene: Scene) -> None:
    supervisor = user_with_role(Role.SUPERVISOR, mall=scene.mall)
    response = _get(client, "kpis", supervisor, **_period(scene))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tickets"] == 5
    assert body["served"] == 2
    assert body["no_show_rate"] == 0.2
    assert body["wait_minutes"] == {"mean": 16.25, "p50": 10.0, "p90": 30.0}
    assert body["service_minutes"] == {"mean": 11.0, "p50": 10.0, "p90": 18.0}
    assert body["dossiers"]["sla_compliance"] == 0.5
    assert body["from"] == scene.monday.isoformat()
    viewer = user_with_role(Role.VIEWER, mall=scene.mall)
    assert _get(client, "kpis", viewer, **_period(scene)).json() == body


def test_agency_staff_see_only_their_agency(client: Client, scene: Scene) -> None:
    admin = user_with_role(Role.AGENCY_ADMIN, mall=scene.mall, agency=scene.agency1)
    own = _get(client, "kpis", admin, **_period(scene))
    assert own.status_code == 200
    assert own.json()["agency_id"] == scene.agency1.pk  # forced to their agency
    assert own.json()["tickets"] == 4
    other = _get(client, "kpis", admin, agency=scene.agency2.pk, **_period(scene))
    assert other.status_code == 404
    # A service of the other agency is not found either.
    assert _get(client, "kpis", admin, service=scene.s3.pk, **_period(scene)).status_code == 404
    back_office = user_with_role(Role.BACK_OFFICE_OFFICER, mall=scene.mall, agency=scene.agency2)
    for path in ("kpis", "series", "counters", "officers"):
        response = _get(client, path, back_office, agency=scene.agency1.pk, **_period(scene))
        assert response.status_code == 404, path
    rows = _get(client, "overdue", back_office, mall=scene.mall.slug, on=_period(scene)["to"])
    assert rows.status_code == 200
    assert [r["agency_id"] for r in rows.json()] == [scene.agency2.pk]
    officers = _get(client, "officers", back_office, **_period(scene)).json()
    assert [(o["finished"], o["served"]) for o in officers] == [(1, 1)]


def test_access_scope_selector(scene: Scene) -> None:
    admin = user_with_role(Role.AGENCY_ADMIN, mall=scene.mall, agency=scene.agency1)
    assert selectors.access_report_scope(admin, mall_slug=scene.mall.slug) == (
        scene.mall,
        scene.agency1.pk,
    )
    with pytest.raises(selectors.NotFound):
        selectors.access_report_scope(admin, mall_slug=scene.mall.slug, agency_id=scene.agency2.pk)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(selectors.NotFound):
        selectors.access_report_scope(AnonymousUser(), mall_slug=scene.mall.slug)
    counter_officer = user_with_role(Role.COUNTER_OFFICER, mall=scene.mall)
    with pytest.raises(selectors.NotFound):
        selectors.access_report_scope(counter_officer, mall_slug=scene.mall.slug)


def test_anonymous_other_mall_and_roleless_callers(client: Client, scene: Scene) -> None:
    assert _get(client, "kpis", None, **_period(scene)).status_code == 401
    elsewhere = user_with_role(Role.SUPERVISOR, mall=MallFactory(slug="kota-lain"))
    assert _get(client, "kpis", elsewhere, **_period(scene)).status_code == 404
    nobody = UserFactory()
    assert _get(client, "kpis", nobody, **_period(scene)).status_code == 404
    supervisor = user_with_role(Role.SUPERVISOR, mall=scene.mall)
    unknown = {**_period(scene), "mall": "tidak-ada"}
    assert _get(client, "kpis", supervisor, **unknown).status_code == 404
    missing_agency = _get(client, "kpis", supervisor, agency=999999, **_period(scene))
    assert missing_agency.status_code == 404


def test_bad_input_is_422_naming_the_field(client: Client, scene: Scene) -> None:
    supervisor = user_with_role(Role.SUPERVISOR, mall=scene.mall)
    base = _period(scene)
    backwards = {**base, "from": base["to"], "to": base["from"]}
    response = _get(client, "kpis", supervisor, **backwards)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "from"]
    too_long = {**base, "from": (scene.day - timedelta(days=3 * 366)).isoformat()}
    response = _get(client, "kpis", supervisor, **too_long)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "to"]
    assert _get(client, "kpis", supervisor, **{**base, "from": "2026-13-01"}).status_code == 422
    assert _get(client, "kpis", supervisor, mall=scene.mall.slug).status_code == 422
    assert _get(client, "series", supervisor, bucket="year", **base).status_code == 422
    hourly = _get(client, "series", supervisor, bucket="hour", **too_long)
    assert hourly.status_code == 422
    assert _get(client, "kpis", supervisor, agency="abc", **base).status_code == 422


def test_tables_and_comparison(client: Client, scene: Scene) -> None:
    supervisor = user_with_role(Role.SUPERVISOR, mall=scene.mall)
    series = _get(client, "series", supervisor, bucket="week", **_period(scene))
    assert series.status_code == 200
    assert series.json()[0]["tickets"] == 5
    backlog = _get(client, "backlog", supervisor, mall=scene.mall.slug, on=str(scene.day))
    assert backlog.json()[0] == {"bucket": "0-2", "count": 2, "overdue": 0}
    counters = _get(client, "counters", supervisor, **_period(scene)).json()
    assert counters[0]["utilisation"] == 0.275
    viewer = user_with_role(Role.VIEWER, mall=scene.mall)
    second = MallFactory(slug="kota-dua")
    period = {k: v for k, v in _period(scene).items() if k != "mall"}
    rows = _get(client, "comparison", viewer, **period).json()
    assert [r["slug"] for r in rows] == [scene.mall.slug]
    assert rows[0]["tickets"] == 5
    # A mall the viewer does not see whole: not found.
    denied = _get(client, "comparison", viewer, malls=f"{scene.mall.slug},kota-dua", **period)
    assert denied.status_code == 404
    assert second.pk


def test_public_summary_endpoint_is_anonymous_and_impersonal(client: Client, scene: Scene) -> None:
    response = _get(client, "public", None, **_period(scene))
    assert response.status_code == 200
    text = response.content.decode()
    assert response.json()["tickets"] == 5
    for personal in ("Pemohon", "petugas1", "Petugas", "AB 1 X", "DPAUSED", "CMP-1", "officer"):
        assert personal not in text
