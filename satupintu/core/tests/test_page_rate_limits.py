"""Every page that anonymous visitors post to (or look codes up on) is limited by the same
mechanism as the API (`@rate_limited`), and the limit holds before the form is read."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import resolve, reverse

from satupintu.core.ratelimit import RateLimit

# (URL name, arguments) of the public pages that take anonymous posts or look-ups.
PUBLIC_PAGES = [
    ("login", {}),
    ("queueing:kiosk-service", {"mall_slug": "m", "service_id": 1}),
    ("queueing:kiosk-check-in", {"mall_slug": "m"}),
    ("queueing:booking", {"mall_slug": "m"}),
    ("dossiers:apply", {"slug": "m", "code": "X"}),
    ("dossiers:track-code", {"code": "X"}),
    ("dossiers:verify", {"code": "X"}),
    ("dossiers:verify-index", {}),
    ("feedback:survey-ticket", {"ticket_id": 1, "token": "t"}),
    ("feedback:survey-dossier", {"tracking_code": "X"}),
    ("feedback:survey-form", {"mall_slug": "m", "service_id": 1}),
    ("feedback:complaint", {"mall_slug": "m"}),
    ("feedback:complaint-status", {"code": "X"}),
    ("outreach:request", {"slug": "m"}),
]


@pytest.mark.parametrize(("name", "kwargs"), PUBLIC_PAGES)
def test_public_pages_declare_a_rate_limit(name: str, kwargs: dict[str, Any]) -> None:
    view = resolve(reverse(name, kwargs=kwargs)).func
    assert isinstance(getattr(view, "rate_limit", None), RateLimit), name


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_rate_windows")
def test_a_full_bucket_answers_429_before_the_form_is_read(settings: Any) -> None:
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_PUBLIC = "2/m"
    url = reverse("feedback:complaint", kwargs={"mall_slug": "no-such-mall"})
    client = Client()
    codes = [client.post(url, {"text": "x"}).status_code for _ in range(3)]
    # The mall does not exist (404) until the bucket is full: then 429 without looking.
    assert codes == [404, 404, 429]
