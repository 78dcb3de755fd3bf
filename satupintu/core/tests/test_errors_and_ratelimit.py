from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation

from satupintu.accounts.tests.factories import UserFactory
from satupintu.core.errors import Conflict, InvalidInput, NotFound, RateLimited
from satupintu.core.ratelimit import RateLimit, rate_limit_enforce, rate_limited

LIMIT = RateLimit("test-group", rate="3/m")


def test_errors_name_the_field_with_its_location() -> None:
    assert InvalidInput("bad", field="nik").as_detail() == [
        {"loc": ["body", "nik"], "msg": "bad", "type": "invalid"}
    ]
    assert InvalidInput("bad", field="query.days").as_detail() == [
        {"loc": ["query", "days"], "msg": "bad", "type": "invalid"}
    ]
    assert InvalidInput("bad", field="standard.requirements.0.id").as_detail()[0]["loc"] == [
        "body",
        "standard",
        "requirements",
        "0",
        "id",
    ]
    assert NotFound().as_detail() == "Not found"
    assert (InvalidInput.status_code, Conflict.status_code, NotFound.status_code) == (422, 409, 404)
    assert RateLimited().status_code == 429


def _request(ip: str, user=None, method: str = "get"):
    request = getattr(RequestFactory(), method)("/", REMOTE_ADDR=ip)
    request.user = user or AnonymousUser()
    return request


def test_anonymous_callers_are_limited_per_address(settings) -> None:
    settings.RATELIMIT_ENABLE = True
    for _ in range(3):
        rate_limit_enforce(_request("10.0.0.1"), LIMIT)
    with pytest.raises(RateLimited) as caught:
        rate_limit_enforce(_request("10.0.0.1"), LIMIT)
    assert 1 <= caught.value.retry_after <= 60
    # Another address and another group keep their own budget.
    rate_limit_enforce(_request("10.0.0.2"), LIMIT)
    rate_limit_enforce(_request("10.0.0.1"), RateLimit("other-group", rate="3/m"))


def test_ipv6_callers_share_the_bucket_of_their_64_network(settings) -> None:
    settings.RATELIMIT_ENABLE = True
    for host in range(3):
        rate_limit_enforce(_request(f"2001:db8:1:2::{host + 1}"), LIMIT)
    with pytest.raises(RateLimited):
        rate_limit_enforce(_request("2001:db8:1:2:ffff::9"), LIMIT)
    rate_limit_enforce(_request("2001:db8:1:3::1"), LIMIT)


def test_a_limit_without_a_rate_follows_its_setting(settings) -> None:
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_PUBLIC = "1/m"
    rate_limit_enforce(_request("10.0.0.5"), RateLimit("setting-group"))
    with pytest.raises(RateLimited):
        rate_limit_enforce(_request("10.0.0.5"), RateLimit("setting-group"))


@rate_limited(LIMIT)
def _page(request):
    return HttpResponse("ok")


@pytest.mark.django_db
def test_pages_limit_anonymous_posts_only(settings) -> None:
    settings.RATELIMIT_ENABLE = True
    for _ in range(3):
        assert _page(_request("10.0.0.6", method="post")).status_code == 200
    with translation.override("id"):
        limited = _page(_request("10.0.0.6", method="post"))
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert "Terlalu banyak permintaan" in limited.content.decode()
    # Reading the page is not counted, and signed-in staff are not limited.
    assert _page(_request("10.0.0.6")).status_code == 200
    user = UserFactory()
    for _ in range(5):
        assert _page(_request("10.0.0.6", user, method="post")).status_code == 200
    assert _page.rate_limit == LIMIT


def test_the_limit_can_be_switched_off(settings) -> None:
    settings.RATELIMIT_ENABLE = False
    for _ in range(10):
        rate_limit_enforce(_request("10.0.0.4"), LIMIT)
