"""Bearer-token API requests skip the session, CSRF, authentication, messages and htmx
middleware; everything else goes through them as before."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from satupintu.accounts.tests.factories import UserFactory, bearer

pytestmark = pytest.mark.django_db


def test_a_bearer_api_request_loads_no_session_and_sets_no_cookie() -> None:
    user = UserFactory()
    client = Client()
    response = client.get("/api/v1/auth/me", **bearer(user))
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert settings.CSRF_COOKIE_NAME not in response.cookies


def test_a_wrong_bearer_token_never_falls_back_to_the_session() -> None:
    user = UserFactory()
    client = Client()
    client.force_login(user)
    assert client.get("/api/v1/auth/me").status_code == 200  # the session alone works
    response = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer abcdefgh.wrong")
    assert response.status_code == 401


def test_pages_and_session_requests_still_get_sessions_and_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert settings.CSRF_COOKIE_NAME in page.cookies
    refused = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert refused.status_code == 403  # no CSRF token
