"""Ids in page query strings and forms: anything but a row id in range is "not found" (or the
form's own message), never a 500, on SQLite as on PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from satupintu.core.schemas import MAX_ID, id_param

pytestmark = pytest.mark.django_db

TOO_LARGE = str(MAX_ID + 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", 7), (str(MAX_ID), MAX_ID), (TOO_LARGE, None), ("0", None), ("-3", None),
     ("٣", None), ("1e3", None), ("", None), (None, None)],
)  # fmt: skip
def test_id_param_accepts_only_row_ids(raw: str | None, expected: int | None) -> None:
    assert id_param(raw) == expected


@pytest.mark.parametrize(
    "url",
    [
        f"/q/yogyakarta/kiosk/?kiosk={TOO_LARGE}",
        f"/q/yogyakarta/kiosk/?agency={TOO_LARGE}",
        f"/q/yogyakarta/booking/?service={TOO_LARGE}",
        "/q/yogyakarta/booking/?service=abc",
        f"/loket/berkas/baru/?service={TOO_LARGE}&ticket={TOO_LARGE}",
        "/loket/berkas/baru/?service=abc&bundle=x",
        f"/laporan/ikm/yogyakarta/?agency={TOO_LARGE}&service=abc&population={TOO_LARGE}",
    ],
)
def test_pages_answer_bad_ids_without_an_error(url: str) -> None:
    call_command("seed_demo", verbosity=0)
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username="admin"))
    assert client.get(url).status_code in (200, 404)
