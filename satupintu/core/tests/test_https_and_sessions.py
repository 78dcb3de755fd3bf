"""HTTPS=1 behind a TLS proxy: plain HTTP is redirected (except the probes), HSTS is sent,
cookies are secure. Staff sessions end after a working day and when the browser closes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from satupintu.accounts.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[3]
SECURITY_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
]


def settings_with(env: dict[str, str]) -> dict[str, Any]:
    """The security settings as the real settings module computes them from `env`."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {SECURITY_SETTINGS!r}}}))"
    )
    base = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "satupintu.settings",
        "SECRET_KEY": "https-test-secret-key-" + "x" * 40,
        "PERSONAL_DATA_KEY": "https-test-personal-data-key-" + "y" * 20,
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="module")
def https_settings() -> dict[str, Any]:
    return settings_with({"HTTPS": "1"})


def test_https_turns_on_redirect_hsts_and_secure_cookies(https_settings: dict[str, Any]) -> None:
    assert https_settings["SECURE_SSL_REDIRECT"] is True
    assert https_settings["SECURE_HSTS_SECONDS"] >= 180 * 24 * 3600
    assert https_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert https_settings["SESSION_COOKIE_SECURE"] is True
    assert https_settings["CSRF_COOKIE_SECURE"] is True
    assert https_settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    # Without HTTPS=1 (a laptop, the demo) none of it: plain HTTP must keep working.
    plain = settings_with({})
    assert plain["SECURE_SSL_REDIRECT"] is False
    assert plain["SESSION_COOKIE_SECURE"] is False


@pytest.fixture
def behind_tls(settings: Any, https_settings: dict[str, Any]) -> None:
    for name, value in https_settings.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)


@pytest.mark.django_db
def test_plain_http_is_redirected_but_the_probes_are_not(behind_tls: None, client: Client) -> None:
    page = client.get("/", HTTP_HOST="127.0.0.1")
    assert page.status_code == 301
    assert page["Location"] == "https://127.0.0.1/"
    for probe in ("/healthz", "/metrics"):
        assert client.get(probe, HTTP_HOST="127.0.0.1").status_code == 200, probe


@pytest.mark.django_db
def test_through_the_proxy_pages_send_hsts_and_secure_cookies(
    behind_tls: None, client: Client
) -> None:
    UserFactory(username="loket9")
    tls = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "127.0.0.1"}
    login = client.get("/accounts/login/", **tls)
    assert login.status_code == 200
    assert "max-age=31536000; includeSubDomains" in login["Strict-Transport-Security"]
    assert login.cookies["csrftoken"]["secure"]
    signed_in = client.post(
        "/accounts/login/",
        {"username": "loket9", "password": "correct-horse-battery"},
        **tls,
    )
    assert signed_in.status_code == 302
    assert signed_in.cookies["sessionid"]["secure"]


@pytest.mark.django_db
def test_a_staff_session_ends_with_the_browser_and_after_a_working_day(client: Client) -> None:
    UserFactory(username="loket8")
    signed_in = client.post(
        "/accounts/login/", {"username": "loket8", "password": "correct-horse-battery"}
    )
    cookie = signed_in.cookies["sessionid"]
    # No Expires/Max-Age: the browser forgets the session when it closes (a shared counter PC).
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    session = Session.objects.get()
    lasts = session.expire_date - timezone.now()
    assert timedelta(hours=9, minutes=55) < lasts <= timedelta(hours=10)
    assert client.get("/staff/").status_code == 200
    # The next morning the same cookie opens nothing.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/staff/").status_code == 302
