"""API tokens end with the credentials they were issued under: a password change (in the admin,
by `set_password`, by `changepassword`) or a deactivation voids them, for good. Tokens expire
(people and devices have their own lifetimes) and record when they were last used."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from satupintu.accounts.admin import ApiTokenAdmin
from satupintu.accounts.models import ApiToken, User
from satupintu.accounts.services import api_token_authenticate, api_token_issue
from satupintu.accounts.tests.factories import DeviceUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def me(raw: str) -> int:
    return Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def test_a_password_change_in_the_admin_voids_the_users_tokens(client: Client) -> None:
    user = UserFactory(username="dina")
    raw = api_token_issue(user=user)
    assert me(raw) == 200  # and the token row is cached now
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "a-new-long-passphrase-42", "password2": "a-new-long-passphrase-42",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302
    assert me(raw) == 401
    # A token issued with the new password works.
    assert me(api_token_issue(user=User.objects.get(pk=user.pk))) == 200


def test_set_password_and_changepassword_void_the_tokens(monkeypatch: Any) -> None:
    user = UserFactory(username="fajar")
    first = api_token_issue(user=user)
    assert api_token_authenticate(first) == user
    user.set_password("another-long-passphrase-1")
    user.save()
    assert api_token_authenticate(first) is None

    second = api_token_issue(user=user)
    assert api_token_authenticate(second) == user
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "yet-another-passphrase-2")
    call_command("changepassword", "fajar", stdout=None)
    assert api_token_authenticate(second) is None


def test_a_password_hash_upgrade_at_sign_in_keeps_the_tokens(settings: Any) -> None:
    user = UserFactory(username="gita")
    raw = api_token_issue(user=user)
    # A new preferred hasher: the next successful password check re-hashes the password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    stored = User.objects.get(pk=user.pk)
    assert stored.check_password("correct-horse-battery")
    assert User.objects.get(pk=user.pk).password.startswith("pbkdf2_sha256$")
    assert api_token_authenticate(raw) == user


def test_a_deactivation_voids_the_tokens_even_after_reactivation() -> None:
    user = UserFactory(username="hadi")
    raw = api_token_issue(user=user)
    assert api_token_authenticate(raw) == user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert api_token_authenticate(raw) is None
    user.is_active = True
    user.save()
    assert api_token_authenticate(raw) is None
    assert api_token_authenticate(api_token_issue(user=user)) == user


def test_an_unusable_password_voids_the_tokens() -> None:
    user = UserFactory(username="indah")
    raw = api_token_issue(user=user)
    user.set_unusable_password()
    user.save()
    assert api_token_authenticate(raw) is None


def test_tokens_expire_after_their_lifetime(settings: Any) -> None:
    settings.API_TOKEN_DAYS = 30
    settings.API_TOKEN_DEVICE_DAYS = 365
    person = UserFactory(username="joko")
    kiosk = DeviceUserFactory(username="kiosk-9")
    api_token_issue(user=person)
    api_token_issue(user=kiosk)
    now = timezone.now()
    person_token = ApiToken.objects.get(user=person)
    kiosk_token = ApiToken.objects.get(user=kiosk)
    assert person_token.expires_at is not None
    assert kiosk_token.expires_at is not None
    assert timedelta(days=29) < person_token.expires_at - now <= timedelta(days=30)
    assert timedelta(days=364) < kiosk_token.expires_at - now <= timedelta(days=365)
    settings.API_TOKEN_DAYS = 0
    api_token_issue(user=person, name="never")
    assert ApiToken.objects.get(user=person, name="never").expires_at is None


def test_an_expired_token_is_refused(monkeypatch: Any) -> None:
    user = UserFactory(username="kartika")
    raw = api_token_issue(user=user, expires_at=timezone.now() + timedelta(minutes=5))
    assert me(raw) == 200
    later = timezone.now() + timedelta(minutes=6)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert me(raw) == 401


def test_last_use_is_written_at_most_once_a_minute(monkeypatch: Any) -> None:
    user = UserFactory(username="lina")
    raw = api_token_issue(user=user)
    start = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: start)
    with CaptureQueriesContext(connection) as first:
        assert api_token_authenticate(raw) == user
    assert ApiToken.objects.get(user=user).last_used_at == start
    # Further requests within the minute: the row comes from the cache, nothing is written.
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=50))
    with CaptureQueriesContext(connection) as within:
        assert api_token_authenticate(raw) == user
    assert len(within) == 0
    assert any("UPDATE" in q["sql"] for q in first.captured_queries)
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(seconds=65))
    assert api_token_authenticate(raw) == user
    assert ApiToken.objects.get(user=user).last_used_at == start + timedelta(seconds=65)


def test_the_admin_lists_last_use_expiry_and_validity(client: Client) -> None:
    assert {"last_used_at", "expires_at", "is_usable"} <= set(ApiTokenAdmin.list_display)
    user = UserFactory(username="maya")
    api_token_issue(user=user)
    client.force_login(UserFactory(username="root2", is_superuser=True, is_staff=True))
    page = client.get("/admin/accounts/apitoken/")
    assert page.status_code == 200
    assert "icon-yes" in page.text  # the token is shown as valid
