from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from satupintu.accounts.tests.factories import UserFactory
from satupintu.core.errors import Conflict, InvalidInput, NotFound, RateLimited
from satupintu.core.ratelimit import enforce_public_rate_limit


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


def _request(ip: str, user=None):
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    request.user = user or AnonymousUser()
    return request


def test_anonymous_callers_are_limited_per_address(settings) -> None:
    settings.RATELIMIT_ENABLE = True
    for _ in range(3):
        enforce_public_rate_limit(_request("10.0.0.1"), "test-group", rate="3/m")
    with pytest.raises(RateLimited):
        enforce_public_rate_limit(_request("10.0.0.1"), "test-group", rate="3/m")
    # Another address and another group keep their own budget.
    enforce_public_rate_limit(_request("10.0.0.2"), "test-group", rate="3/m")
    enforce_public_rate_limit(_request("10.0.0.1"), "other-group", rate="3/m")


@pytest.mark.django_db
def test_signed_in_staff_are_not_limited(settings) -> None:
    settings.RATELIMIT_ENABLE = True
    user = UserFactory()
    for _ in range(10):
        enforce_public_rate_limit(_request("10.0.0.3", user), "test-group", rate="3/m")


def test_the_limit_can_be_switched_off(settings) -> None:
    settings.RATELIMIT_ENABLE = False
    for _ in range(10):
        enforce_public_rate_limit(_request("10.0.0.4"), "test-group", rate="3/m")
