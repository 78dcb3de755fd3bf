"""The monthly PDF report: a valid PDF (parsed by pyHanko's reader), in Indonesian, naming the
mall and the month; scoped like the dashboards."""

from __future__ import annotations

import io
import zlib
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.reports import pdf
from satupintu.reports.tests.report_fixtures import Scene, build_scene

pytestmark = pytest.mark.django_db

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


@pytest.fixture
def scene() -> Scene:
    return build_scene()


def _pages(reader: PdfFileReader) -> list[Any]:
    pages: list[Any] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if node["/Type"] == "/Pages":
            for kid in node["/Kids"]:
                walk(kid)
        else:
            pages.append(node)

    walk(reader.root.raw_get("/Pages"))
    return pages


def _page_text(page: Any) -> bytes:
    contents = page["/Contents"]
    streams = contents if isinstance(contents, list) else [contents]
    out = b""
    for stream in streams:
        stream = stream.get_object()
        try:
            out += stream.data
        except Exception:  # pragma: no cover - an unknown filter
            out += zlib.decompress(stream.encoded_data)
    return out


def _read(content: bytes) -> tuple[PdfFileReader, bytes]:
    reader = PdfFileReader(io.BytesIO(content))
    text = b"".join(_page_text(p) for p in _pages(reader))
    return reader, text


def _url(scene: Scene, month: date) -> str:
    return reverse(
        "reports:monthly-pdf", args=[scene.mall.slug, f"{month.year}", f"{month.month:02d}"]
    )


def test_monthly_pdf_is_a_valid_pdf_in_indonesian_with_the_mall_and_month(scene: Scene) -> None:
    client = Client()
    client.force_login(user_with_role(Role.SUPERVISOR, mall=scene.mall))
    month = scene.day.replace(day=1)
    response = client.get(_url(scene, month))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF-")
    reader, text = _read(content)
    pages = _pages(reader)
    assert len(pages) >= 3  # cover, figures, per-agency
    title = str(reader.trailer_view["/Info"]["/Title"])
    month_name = BULAN[month.month - 1]
    assert scene.mall.name in title
    assert f"{month_name} {month.year}" in title
    assert scene.mall.name.encode() in text
    assert f"{month_name} {month.year}".encode() in text
    # Indonesian, and the per-agency table names both agencies.
    assert b"Laporan bulanan" in text or b"Laporan Bulanan" in text
    assert scene.agency1.name.encode() in text
    assert scene.agency2.name.encode() in text
    assert (
        f"laporan-bulanan-{scene.mall.slug}-{month.year}-{month.month:02d}.pdf"
        in response["Content-Disposition"]
    )


def test_monthly_pdf_of_one_agency_for_its_staff(scene: Scene) -> None:
    client = Client()
    client.force_login(user_with_role(Role.AGENCY_ADMIN, mall=scene.mall, agency=scene.agency1))
    month = scene.day.replace(day=1)
    response = client.get(_url(scene, month))
    assert response.status_code == 200
    _reader, text = _read(response.content)
    assert scene.agency1.name.encode() in text
    assert scene.agency2.name.encode() not in text
    assert client.get(_url(scene, month), {"agency": scene.agency2.pk}).status_code == 404


def test_monthly_pdf_refuses_future_and_impossible_months(scene: Scene) -> None:
    client = Client()
    client.force_login(user_with_role(Role.VIEWER, mall=scene.mall))
    today = scene.mall.today()
    assert client.get(_url(scene, date(today.year + 1, 1, 1))).status_code == 404
    bad = f"/laporan/{scene.mall.slug}/bulanan/{today.year}-13.pdf"
    assert client.get(bad).status_code == 404
    assert Client().get(_url(scene, today.replace(day=1))).status_code == 302


def test_previous_month_comparison_covers_the_month_before() -> None:
    assert pdf.previous_month(date(2026, 1, 1)) == date(2025, 12, 1)
    assert pdf.month_last_day(date(2028, 2, 1)) == date(2028, 2, 29)
