"""IKM arithmetic (REGULATIONS.md): hand-worked examples, rounding boundaries, minimum sample."""

from __future__ import annotations

from decimal import Decimal

import pytest

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import bearer, user_with_role
from satupintu.catalog.tests.factories import AgencyFactory, MallFactory, ServiceFactory
from satupintu.feedback.ikm import compute_ikm, grade_converted, minimum_sample
from satupintu.feedback.tests.factories import surveys_with_total
from satupintu.feedback.unsur import UNSUR_CODES


def equal_totals(total: int, count: int) -> dict[str, tuple[int, int]]:
    return dict.fromkeys(UNSUR_CODES, (total, count))


def test_perfect_score_is_exactly_100():
    result = compute_ikm(UNSUR_CODES, equal_totals(4 * 7, 7))
    assert result.converted == Decimal("100.00")
    assert result.grade == "A"
    assert result.performance == "Sangat Baik"
    assert result.ikm_exact == Decimal(4)


def test_lowest_score_is_25_and_d():
    result = compute_ikm(UNSUR_CODES, equal_totals(3, 3))
    assert result.converted == Decimal("25.00")
    assert result.grade == "D"
    assert result.performance == "Tidak Baik"


def test_hand_worked_example():
    # NRR: u1 3.5, u2 3.25, u3 3, u4 4, u5 3.5, u6 3.75, u7 3.75, u8 2.5, u9 3.25 (4 answers each)
    # sum = 30.5; IKM = 30.5/9 = 3.38888...; x25 = 84.7222... -> 84.72, grade B (Baik).
    sums = {
        "u1": 14,
        "u2": 13,
        "u3": 12,
        "u4": 16,
        "u5": 14,
        "u6": 15,
        "u7": 15,
        "u8": 10,
        "u9": 13,
    }
    result = compute_ikm(UNSUR_CODES, {k: (v, 4) for k, v in sums.items()})
    assert result.converted == Decimal("84.72")
    assert result.ikm_rounded == Decimal("3.3889")
    assert result.grade == "B"
    assert result.performance == "Baik"
    assert result.unsur["u8"].nrr_rounded == Decimal("2.5000")
    assert result.unsur["u8"].grade == "D"
    assert result.unsur["u4"].grade == "A"
    assert result.unsur["u3"].grade == "C"
    assert result.weakest == ["u8"]


def test_converted_rounding_to_88_31_is_a_and_88_30_is_b():
    # 24 respondents, 763 points: 25 x 763 / 216 = 88.3101... -> 88.31 -> A
    a = compute_ikm(UNSUR_CODES, _spread(763, 24))
    assert a.converted == Decimal("88.31")
    assert a.grade == "A"
    # 19 respondents, 604 points: 25 x 604 / 171 = 88.3040... -> 88.30 -> B
    b = compute_ikm(UNSUR_CODES, _spread(604, 19))
    assert b.converted == Decimal("88.30")
    assert b.grade == "B"


def test_exact_half_rounds_up_with_decimals():
    # Eight unsur at 3.5 and one at 3.7898: sum 31.7898, x25/9 = 88.305 exactly. Half-up gives
    # 88.31 (A); binary floating point would hold 88.30499999... and give 88.30 (B).
    totals = dict.fromkeys(UNSUR_CODES[:8], (7, 2))
    totals["u9"] = (37898, 10000)
    result = compute_ikm(UNSUR_CODES, totals)
    assert result.ikm_exact * 25 == Decimal("88.305")
    assert result.converted == Decimal("88.31")
    assert result.grade == "A"
    assert round(float(sum(Decimal(t) / Decimal(c) for t, c in totals.values())) / 9 * 25, 2) in {
        88.3,
        88.31,
    }


def test_grade_bounds_of_the_converted_value():
    assert grade_converted(Decimal("88.31")) == "A"
    assert grade_converted(Decimal("88.30")) == "B"
    assert grade_converted(Decimal("76.61")) == "B"
    assert grade_converted(Decimal("76.60")) == "C"
    assert grade_converted(Decimal("65.00")) == "C"
    assert grade_converted(Decimal("64.99")) == "D"


def test_unsur_nrr_rounded_to_four_places_then_graded():
    # 3.53235 rounds half-up to 3.5324 (A); 3.53234 to 3.5323 (B).
    up = compute_ikm(("u1",), {"u1": (70647, 20000)})
    assert up.unsur["u1"].nrr_rounded == Decimal("3.5324")
    assert up.unsur["u1"].grade == "A"
    down = compute_ikm(("u1",), {"u1": (353234, 100000)})
    assert down.unsur["u1"].nrr_rounded == Decimal("3.5323")
    assert down.unsur["u1"].grade == "B"
    c_bound = compute_ikm(("u1",), {"u1": (13, 5)})  # 2.60
    assert c_bound.unsur["u1"].grade == "C"
    b_bound = compute_ikm(("u1",), {"u1": (15322, 5000)})  # 3.0644
    assert b_bound.unsur["u1"].grade == "B"


def test_no_answers_no_ikm():
    result = compute_ikm(UNSUR_CODES, {})
    assert result.converted is None
    assert result.grade is None


@pytest.mark.parametrize(
    ("population", "sample"),
    [(0, 0), (1, 1), (10, 10), (100, 80), (500, 218), (1000, 278), (10000, 370), (1000000, 384)],
)
def test_minimum_sample_krejcie_morgan(population, sample):
    assert minimum_sample(population) == sample


def _spread(total: int, respondents: int) -> dict[str, tuple[int, int]]:
    """Per-unsur sums of `respondents` full surveys whose scores add up to `total`."""
    per_unsur = [0] * 9
    base, extra = divmod(total, 9)
    for i in range(9):
        per_unsur[i] = base + (1 if i < extra else 0)
    return {code: (per_unsur[i], respondents) for i, code in enumerate(UNSUR_CODES)}


# --- the report through the API -----------------------------------------------------------------


@pytest.fixture
def mall_setup(db):
    mall = MallFactory(slug="ikm-mall")
    agency = AgencyFactory(mall=mall)
    other_agency = AgencyFactory(mall=mall)
    service = ServiceFactory(agency=agency, mall=mall)
    other_service = ServiceFactory(agency=other_agency, mall=mall)
    return mall, agency, other_agency, service, other_service


def test_ikm_report_boundary_through_the_database(client, mall_setup):
    mall, _agency, _other, service, _other_service = mall_setup
    surveys_with_total(service, respondents=24, total=763)
    supervisor = user_with_role(Role.SUPERVISOR, mall=mall)
    response = client.get(
        f"/api/v1/reports/ikm?mall={mall.slug}&population=100", **bearer(supervisor)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["respondents"] == 24
    assert body["ikm"] == 88.31
    assert body["grade"] == "A"
    assert body["performance"] == "Sangat Baik"
    assert body["min_sample"] == 80
    assert body["sample_sufficient"] is False
    assert set(body["nrr"]) == set(UNSUR_CODES)
    assert all(isinstance(v, float) for v in body["nrr"].values())
    assert sum(p["count"] for p in body["profile"]["gender"]) == 24


def test_ikm_report_88_30_is_b(client, mall_setup):
    mall, _agency, _other, service, _other_service = mall_setup
    surveys_with_total(service, respondents=19, total=604)
    admin = user_with_role(Role.MALL_ADMIN, mall=mall)
    body = client.get(f"/api/v1/reports/ikm?mall={mall.slug}", **bearer(admin)).json()
    assert body["ikm"] == 88.30
    assert body["grade"] == "B"
    assert body["performance"] == "Baik"


def test_ikm_report_perfect_and_filters(client, mall_setup):
    mall, _agency, other_agency, service, other_service = mall_setup
    surveys_with_total(service, respondents=5, total=5 * 36)
    surveys_with_total(other_service, respondents=5, total=5 * 9)
    viewer = user_with_role(Role.VIEWER, mall=mall)
    whole = client.get(f"/api/v1/reports/ikm?mall={mall.slug}", **bearer(viewer)).json()
    assert whole["respondents"] == 10
    assert whole["ikm"] == 62.5
    assert whole["grade"] == "D"
    one = client.get(
        f"/api/v1/reports/ikm?mall={mall.slug}&service={service.pk}", **bearer(viewer)
    ).json()
    assert one["ikm"] == 100.0
    assert one["grade"] == "A"
    by_agency = client.get(
        f"/api/v1/reports/ikm?mall={mall.slug}&agency={other_agency.pk}", **bearer(viewer)
    ).json()
    assert by_agency["ikm"] == 25.0
    assert by_agency["weakest_unsur"] == list(UNSUR_CODES)


def test_ikm_report_period_filter(client, mall_setup):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    mall, _agency, _other, service, _other_service = mall_setup
    jakarta = ZoneInfo("Asia/Jakarta")
    surveys_with_total(
        service, respondents=2, total=72, at=datetime(2026, 1, 31, 23, 30, tzinfo=jakarta)
    )
    surveys_with_total(
        service, respondents=3, total=27, at=datetime(2026, 2, 1, 0, 10, tzinfo=jakarta)
    )
    viewer = user_with_role(Role.VIEWER, mall=mall)
    jan = client.get(
        f"/api/v1/reports/ikm?mall={mall.slug}&from=2026-01-01&to=2026-01-31", **bearer(viewer)
    ).json()
    assert jan["respondents"] == 2
    assert jan["ikm"] == 100.0
    feb = client.get(f"/api/v1/reports/ikm?mall={mall.slug}&from=2026-02-01", **bearer(viewer))
    assert feb.json()["respondents"] == 3
    bad = client.get(
        f"/api/v1/reports/ikm?mall={mall.slug}&from=2026-02-02&to=2026-02-01", **bearer(viewer)
    )
    assert bad.status_code == 422


def test_ikm_report_agency_admin_sees_own_agency_only(client, mall_setup):
    mall, agency, other_agency, service, other_service = mall_setup
    surveys_with_total(service, respondents=2, total=72)
    surveys_with_total(other_service, respondents=2, total=18)
    agency_admin = user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=agency)
    headers = bearer(agency_admin)
    own = client.get(f"/api/v1/reports/ikm?mall={mall.slug}", **headers).json()
    assert own["agency_id"] == agency.pk
    assert own["respondents"] == 2
    assert own["ikm"] == 100.0
    other = client.get(f"/api/v1/reports/ikm?mall={mall.slug}&agency={other_agency.pk}", **headers)
    assert other.status_code == 404
    other_service_answer = client.get(
        f"/api/v1/reports/ikm?mall={mall.slug}&service={other_service.pk}", **headers
    )
    assert other_service_answer.status_code == 404


def test_ikm_report_denied_without_role(client, mall_setup):
    mall, *_ = mall_setup
    assert client.get(f"/api/v1/reports/ikm?mall={mall.slug}").status_code == 401
    officer = user_with_role(Role.COUNTER_OFFICER, mall=mall)
    assert client.get(f"/api/v1/reports/ikm?mall={mall.slug}", **bearer(officer)).status_code == 404
    elsewhere = user_with_role(Role.SUPERVISOR, mall=MallFactory())
    assert (
        client.get(f"/api/v1/reports/ikm?mall={mall.slug}", **bearer(elsewhere)).status_code == 404
    )


def test_population_counts_served_tickets_and_completed_dossiers(client, mall_setup):
    from satupintu.feedback.tests.helpers import make_dossier, make_ticket

    mall, agency, _other, service, other_service = mall_setup
    make_dossier(service)
    make_dossier(service, completed=False)
    make_dossier(other_service)
    make_ticket(service)
    make_ticket(service, status="waiting")
    supervisor = user_with_role(Role.SUPERVISOR, mall=mall)
    body = client.get(
        f"/api/v1/reports/ikm?mall={mall.slug}&agency={agency.pk}", **bearer(supervisor)
    ).json()
    assert body["population"] == 2
    assert body["population_source"] == "dossiers_completed+tickets_served"
    assert body["min_sample"] == 2
    whole = client.get(f"/api/v1/reports/ikm?mall={mall.slug}", **bearer(supervisor)).json()
    assert whole["population"] == 3
    given = client.get(
        f"/api/v1/reports/ikm?mall={mall.slug}&population=10000", **bearer(supervisor)
    ).json()
    assert given["min_sample"] == 370
    assert given["population_source"] == "query"
