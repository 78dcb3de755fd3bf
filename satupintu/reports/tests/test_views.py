"""Report pages: each renders with data, agency scoping (another agency -> 404, nothing of it in
the page), the public page holds no personal data, the national view lists only visible malls."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from satupintu.accounts.models import Role, User
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.tests.factories import MallFactory
from satupintu.dossiers.models import Dossier
from satupintu.feedback.models import Complaint
from satupintu.queueing.models import Ticket
from satupintu.reports.tests.report_fixtures import Scene, build_scene

pytestmark = pytest.mark.django_db

PERSONAL = (
    "Siti Rahmawati",
    "6281234567890",
    "AB 1234 XY",
    "Budi Santoso",
    "3471",
    "petugas1",
    "Petugas Satu",
    "Antrean lama",
    "Pelapor Rahasia",
)


@pytest.fixture
def scene() -> Scene:
    cache.clear()
    scene = build_scene()
    # Personal data on the rows the figures come from: none of it may reach the public page.
    Ticket.objects.filter(mall=scene.mall).update(
        name="Siti Rahmawati", phone="+6281234567890", plate_number="AB 1234 XY"
    )
    Dossier.objects.filter(mall=scene.mall).update(applicant_name="Budi Santoso")
    Complaint.objects.filter(mall=scene.mall).update(
        reporter_name="Pelapor Rahasia", reporter_phone="+6281234567890"
    )
    return scene


def _period(scene: Scene) -> dict[str, str]:
    return {"from": scene.monday.isoformat(), "to": scene.mall.today().isoformat()}


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _get(client: Client, url: str, **params: Any) -> Any:
    return client.get(url, params)


# --- mall dashboard ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.MALL_ADMIN, Role.VIEWER])
def test_mall_dashboard_renders_the_figures_for_mall_wide_roles(scene: Scene, role: str) -> None:
    user = user_with_role(role, mall=scene.mall)
    response = _get(
        _client(user), reverse("reports:dashboard", args=[scene.mall.slug]), **_period(scene)
    )
    assert response.status_code == 200
    html = response.content.decode()
    # Every table is there with its caption and download links; charts are described images.
    for slug in (
        "summary",
        "trend",
        "series",
        "hours",
        "channels",
        "priorities",
        "agencies",
        "counters",
        "officers",
        "backlog",
        "overdue",
    ):
        assert f'id="h-{slug}"' in html
        assert reverse("reports:export", args=[scene.mall.slug, slug]) in html
    assert html.count('role="img"') >= 8
    assert "<caption" in html
    assert 'hx-trigger="every 30s"' in html
    assert scene.agency1.name in html
    assert scene.agency2.name in html
    assert scene.counter.name in html
    assert reverse("feedback:ikm-report", args=[scene.mall.slug]) in html
    # Tile figures: 5 tickets, IKM 87.50 grade B (from the hand-checked scene).
    tiles = response.context["kpis"]
    assert tiles["tickets"] == 5
    assert tiles["ikm"]["grade"] == "B"
    assert "87,50" in html or "87.50" in html


def test_dashboard_period_presets_and_bad_dates(scene: Scene) -> None:
    user = user_with_role(Role.SUPERVISOR, mall=scene.mall)
    client = _client(user)
    url = reverse("reports:dashboard", args=[scene.mall.slug])
    for preset in ("today", "7d", "30d", "month", "12m"):
        response = client.get(url, {"preset": preset})
        assert response.status_code == 200, preset
        assert response.context["period"].preset == preset
    response = client.get(url, {"from": "2026-13-01", "to": "x"})
    assert response.status_code == 200
    assert response.context["period"].error
    assert 'role="alert"' in response.content.decode()
    response = client.get(url, {"from": "2026-05-02", "to": "2026-05-01"})
    assert response.context["period"].error


def test_anonymous_is_sent_to_sign_in(scene: Scene) -> None:
    client = _client()
    for url in (
        reverse("reports:dashboard", args=[scene.mall.slug]),
        reverse("reports:agency-dashboard", args=[scene.mall.slug, scene.agency1.pk]),
        reverse("reports:today", args=[scene.mall.slug]),
        reverse("reports:export", args=[scene.mall.slug, "summary"]),
        reverse("reports:national"),
        reverse("reports:monthly-pdf", args=[scene.mall.slug, "2026", "01"]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("login") in response["Location"]


def test_users_without_a_reporting_role_get_404(scene: Scene) -> None:
    officer = _client(scene.officer)  # counter officer: no reports
    assert officer.get(reverse("reports:dashboard", args=[scene.mall.slug])).status_code == 404
    assert officer.get(reverse("reports:national")).status_code == 404
    other_mall = MallFactory()
    stranger = _client(user_with_role(Role.SUPERVISOR, mall=other_mall))
    assert stranger.get(reverse("reports:dashboard", args=[scene.mall.slug])).status_code == 404
    assert (
        stranger.get(reverse("reports:export", args=[scene.mall.slug, "summary"])).status_code
        == 404
    )
    unknown = officer.get(reverse("reports:dashboard", args=["no-such-mall"]))
    assert unknown.status_code == 404


# --- agency dashboard --------------------------------------------------------------------------


def test_agency_staff_see_only_their_agency(scene: Scene) -> None:
    admin = user_with_role(Role.AGENCY_ADMIN, mall=scene.mall, agency=scene.agency1)
    client = _client(admin)
    # The mall URL leads them to their own agency.
    response = client.get(reverse("reports:dashboard", args=[scene.mall.slug]), _period(scene))
    assert response.status_code == 302
    own = reverse("reports:agency-dashboard", args=[scene.mall.slug, scene.agency1.pk])
    assert response["Location"].startswith(own)
    response = client.get(own, _period(scene))
    assert response.status_code == 200
    html = response.content.decode()
    assert scene.agency1.name in html
    assert scene.agency2.name not in html
    assert scene.s3.name not in html
    assert 'id="h-agencies"' not in html  # the per-agency table is for mall-wide roles
    # Agency 1 had 4 of the 5 visits (T1, T2, T3, T5; T4 was at agency 2).
    assert response.context["kpis"]["tickets"] == 4
    # Another agency: 404, and so is an agency of another mall.
    other = reverse("reports:agency-dashboard", args=[scene.mall.slug, scene.agency2.pk])
    assert client.get(other).status_code == 404
    assert (
        client.get(
            reverse("reports:agency-today", args=[scene.mall.slug, scene.agency2.pk])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("reports:agency-dashboard", args=[scene.mall.slug, 999999])).status_code
        == 404
    )
    # The live panel of the whole mall is not theirs either.
    assert client.get(reverse("reports:today", args=[scene.mall.slug])).status_code == 404


def test_mall_wide_roles_open_any_agency_and_use_the_picker(scene: Scene) -> None:
    client = _client(user_with_role(Role.SUPERVISOR, mall=scene.mall))
    url = reverse("reports:agency-dashboard", args=[scene.mall.slug, scene.agency2.pk])
    response = client.get(url, _period(scene))
    assert response.status_code == 200
    assert response.context["kpis"]["tickets"] == 1
    picked = client.get(
        reverse("reports:dashboard", args=[scene.mall.slug]),
        {"agency": scene.agency2.pk, "preset": "30d"},
    )
    assert picked.status_code == 302
    assert picked["Location"] == f"{url}?preset=30d"


def test_today_panel_is_a_live_region(scene: Scene) -> None:
    client = _client(user_with_role(Role.VIEWER, mall=scene.mall))
    response = client.get(reverse("reports:today", args=[scene.mall.slug]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-live="polite"' in html
    assert "hx-get" in html
    assert response.context["today"]["waiting"] == 0


# --- national view ------------------------------------------------------------------------------


def test_national_view_lists_the_malls_the_viewer_may_see(scene: Scene) -> None:
    second = MallFactory(name="MPP Kota Kedua")
    hidden = MallFactory(name="MPP Tersembunyi")
    viewer = user_with_role(Role.VIEWER, mall=scene.mall)
    from satupintu.accounts.tests.factories import MembershipFactory

    MembershipFactory(user=viewer, mall=second, role=Role.VIEWER)
    response = _client(viewer).get(reverse("reports:national"), _period(scene))
    assert response.status_code == 200
    html = response.content.decode()
    assert scene.mall.name in html
    assert second.name in html
    assert hidden.name not in html
    rows = response.context["table"].rows
    assert [r[1] for r in rows] == [1, 2]
    by_mall = {r[0]: r for r in rows}
    assert by_mall[scene.mall.name][2] == 5  # tickets
    # The scene's mall has SLA figures, the empty one none: it ranks first.
    assert rows[0][0] == scene.mall.name
    assert reverse("reports:dashboard", args=[second.slug]) in html


def test_agency_staff_have_no_national_view(scene: Scene) -> None:
    admin = user_with_role(Role.AGENCY_ADMIN, mall=scene.mall, agency=scene.agency1)
    assert _client(admin).get(reverse("reports:national")).status_code == 404
    assert (
        _client(admin).get(reverse("reports:national-export"), {"format": "csv"}).status_code == 404
    )


# --- public page --------------------------------------------------------------------------------


def test_public_page_shows_aggregates_and_nothing_personal(scene: Scene) -> None:
    client = _client()
    response = client.get(reverse("reports:public", args=[scene.mall.slug]), {"preset": "12m"})
    assert response.status_code == 200
    html = response.content.decode()
    summary = response.context["summary"]
    assert summary["tickets"] == 5
    assert summary["served"] == 2
    assert summary["ikm"]["grade"] == "B"
    assert scene.agency1.name in html
    assert scene.agency2.name in html
    for secret in PERSONAL:
        assert secret not in html, secret
    assert "max-age=300" in response["Cache-Control"]
    export = client.get(
        reverse("reports:public-export", args=[scene.mall.slug]), {"preset": "12m", "format": "csv"}
    )
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    for secret in PERSONAL:
        assert secret not in text, secret
    assert scene.agency1.name in text


def test_public_page_is_cached_a_few_minutes(scene: Scene) -> None:
    client = _client()
    url = reverse("reports:public", args=[scene.mall.slug])
    assert client.get(url, {"preset": "12m"}).context["summary"]["complaints"]["received"] == 2
    Complaint.objects.filter(mall=scene.mall).delete()
    assert client.get(url, {"preset": "12m"}).context["summary"]["complaints"]["received"] == 2
    cache.clear()
    assert client.get(url, {"preset": "12m"}).context["summary"]["complaints"]["received"] == 0


def test_public_page_of_an_unknown_mall_is_404() -> None:
    assert Client().get(reverse("reports:public", args=["nowhere"])).status_code == 404


def test_staff_home_links_the_reports(scene: Scene) -> None:
    viewer = _client(user_with_role(Role.VIEWER, mall=scene.mall))
    html = viewer.get(reverse("portal:staff-home")).content.decode()
    assert reverse("reports:dashboard", args=[scene.mall.slug]) in html
    assert reverse("reports:national") in html
    assert reverse("reports:public", args=[scene.mall.slug]) in html
    officer = _client(
        user_with_role(Role.BACK_OFFICE_OFFICER, mall=scene.mall, agency=scene.agency1)
    )
    html = officer.get(reverse("portal:staff-home")).content.decode()
    assert reverse("reports:dashboard", args=[scene.mall.slug]) in html
    assert reverse("reports:national") not in html
