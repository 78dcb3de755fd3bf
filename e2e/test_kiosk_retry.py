"""The kiosk takes one ticket per press, even when the answer is lost on the way back: its script
sends the same request again with the same `Idempotency-Key`, and the server answers the ticket
of the first try."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

KIOSK = "/q/yogyakarta/kiosk/"


def _waiting(server: str, code: str) -> int:
    with urllib.request.urlopen(f"{server}/api/v1/queues?mall=yogyakarta&limit=1000") as answer:
        rows = json.load(answer)["items"]
    return next(row["waiting"] for row in rows if row["service_code"] == code)


def test_a_lost_answer_is_retried_with_the_same_key_and_issues_one_ticket(
    page: Any, server: str
) -> None:
    # A queue no other journey uses: its waiting count is this test's alone.
    page.goto(f"{KIOSK}?q=PDAM-PASANG")
    page.get_by_role("link", name=re.compile("Sambungan Baru Air Minum")).first.click()
    code = page.inner_text("main p.muted").split("·")[-1].strip()
    service_page = page.url
    before = _waiting(server, code)
    posts: list[dict[str, str]] = []

    def lose_the_first_answer(route: Any) -> None:
        request = route.request
        if request.method != "POST":
            route.continue_()
            return
        posts.append(request.headers)
        if len(posts) == 1:
            route.fetch()  # the server takes the ticket ...
            route.abort("connectionreset")  # ... and its answer never reaches the kiosk
        else:
            route.continue_()

    page.route(re.compile(r"/kiosk/service/\d+/$"), lose_the_first_answer)
    page.get_by_role("button", name=re.compile("Reguler", re.I)).click()
    page.wait_for_url(re.compile(r"/kiosk/ticket/"))
    number = page.locator(".q-number").inner_text().strip()

    assert len(posts) == 2
    keys = {headers.get("idempotency-key") for headers in posts}
    assert len(keys) == 1, keys
    assert None not in keys
    assert _waiting(server, code) == before + 1  # one ticket, not two
    # The number on screen is the ticket the first request took: the next one follows it.
    page.unroute(re.compile(r"/kiosk/service/\d+/$"))
    page.goto(service_page)
    page.get_by_role("button", name=re.compile("Reguler", re.I)).click()
    page.wait_for_url(re.compile(r"/kiosk/ticket/"))
    following = page.locator(".q-number").inner_text().strip()
    prefix, digits = number.rsplit("-", 1)
    assert following == f"{prefix}-{int(digits) + 1:03d}"
