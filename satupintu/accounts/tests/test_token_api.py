from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from satupintu.accounts.models import ApiToken, User
from satupintu.accounts.services import (
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
    api_tokens_forget,
)
from satupintu.accounts.tests.factories import ApiTokenFactory, DeviceUserFactory, UserFactory
from satupintu.core.models import AuditEntry


@pytest.mark.django_db
def test_token_issued_for_right_password_and_stored_hashed() -> None:
    user = UserFactory(username="siti")
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "siti", "password": "correct-horse-battery"},
        content_type="application/json",
    )
    assert response.status_code == 200
    raw = response.json()["token"]
    stored = ApiToken.objects.get(user=user)
    assert raw not in stored.key_hash
    assert stored.key_hash == ApiToken.hash(raw)
    me = Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200
    assert me.json()["username"] == "siti"


@pytest.mark.django_db
def test_wrong_password_is_401_and_issues_nothing() -> None:
    UserFactory(username="budi")
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "budi", "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_for_the_right_password(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="rina")
    client = Client()
    for _ in range(3):
        client.post(
            "/api/v1/auth/token",
            {"username": "rina", "password": "bad"},
            content_type="application/json",
        )
    response = client.post(
        "/api/v1/auth/token",
        {"username": "rina", "password": "correct-horse-battery"},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert ApiToken.objects.count() == 0


def test_missing_credentials_are_401(client: Client) -> None:
    assert client.get("/api/v1/auth/me").status_code == 401


# --- more about tokens: expiry, revocation, devices, bad input, rate limits ---------------------


def _token(client: Client, username: str, password: str = "correct-horse-battery", **extra):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password, **extra},
        content_type="application/json",
    )


@pytest.mark.django_db
def test_issuing_a_token_is_audited_and_the_token_is_named() -> None:
    user = UserFactory(username="ani")
    response = _token(Client(), "ani", name="kiosk script")
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user)
    assert token.name == "kiosk script"
    entry = AuditEntry.objects.get(action="token")
    assert entry.actor == user
    assert entry.object_id == str(token.pk)
    assert response.json()["token"] not in entry.summary  # only the prefix is written down


@pytest.mark.django_db
def test_an_inactive_account_gets_no_token() -> None:
    UserFactory(username="gone", is_active=False)
    assert _token(Client(), "gone").status_code == 401
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_user_is_401_like_a_wrong_password() -> None:
    response = _token(Client(), "nobody")
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "x"}, "username"),
        ({"username": "x"}, "password"),
        ({"username": "", "password": "x"}, "username"),
        ({"username": "a\x00b", "password": "x"}, "username"),
        ({"username": "x" * 151, "password": "x"}, "username"),
        ({"username": "x", "password": "x", "name": "n" * 101}, "name"),
    ],
)
def test_bad_token_requests_are_422_naming_the_field(body, field) -> None:
    response = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 422
    assert any(field in item["loc"] for item in response.json()["detail"])
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_400() -> None:
    response = Client().post("/api/v1/auth/token", "{", content_type="application/json")
    assert response.status_code in {400, 422}


@pytest.mark.django_db
def test_a_revoked_or_expired_token_no_longer_works() -> None:
    user = UserFactory(username="dewi")
    raw = api_token_issue(user=user)
    assert api_token_authenticate(raw) == user
    api_token_revoke(token=ApiToken.objects.get(user=user))
    assert api_token_authenticate(raw) is None
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401

    expired = api_token_issue(user=user, expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {expired}").status_code == (
        401
    )


@pytest.mark.django_db
def test_a_token_of_a_deactivated_user_stops_working() -> None:
    user = UserFactory()
    raw = api_token_issue(user=user)
    user.is_active = False
    user.save()
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer nonsense", "Bearer abcdefgh.wrong", "Token abc", "Bearer " + "x" * 500],
)
def test_malformed_or_forged_tokens_are_401(header) -> None:
    user = UserFactory()
    raw = api_token_issue(user=user)
    prefix = raw.split(".")[0]
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=header).status_code == 401
    forged = f"{prefix}.{'A' * 43}"
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == (
        401
    )


@pytest.mark.django_db
def test_a_stored_token_row_without_its_secret_authenticates_nobody() -> None:
    token = ApiTokenFactory()
    assert api_token_authenticate(f"{token.prefix}.guess") is None


@pytest.mark.django_db
def test_a_device_signs_in_and_is_marked_as_device() -> None:
    DeviceUserFactory(username="kiosk-9")
    raw = _token(Client(), "kiosk-9").json()["token"]
    me = Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert me["is_device"] is True


@pytest.mark.django_db
def test_the_lockout_is_per_user_name_and_spares_others(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(username="rina")
    UserFactory(username="wati")
    client = Client()
    assert _token(client, "rina", "bad").status_code == 401
    assert _token(client, "rina", "bad").status_code == 429  # the failure that reaches the limit
    assert _token(client, "rina").status_code == 429
    assert ApiToken.objects.count() == 0
    assert _token(client, "wati").status_code == 200


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_failure_count(settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="eko")
    client = Client()
    for _ in range(2):
        _token(client, "eko", "bad")
    assert _token(client, "eko").status_code == 200
    for _ in range(2):
        _token(client, "eko", "bad")
    assert _token(client, "eko").status_code == 200
    user = User.objects.get(username="eko")
    assert user.last_login is not None


@pytest.mark.django_db
def test_the_token_endpoint_is_rate_limited_per_address(settings) -> None:
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_LOGIN = "3/m"
    settings.AXES_FAILURE_LIMIT = 100
    client = Client()
    codes = [_token(client, f"nobody{i}").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_a_deactivated_user_is_refused_at_once_although_the_token_was_cached() -> None:
    user = UserFactory(username="dewi")
    raw = api_token_issue(user=user)
    assert api_token_authenticate(raw) == user  # now cached
    user.is_active = False
    user.save()
    api_tokens_forget(user=user)
    assert api_token_authenticate(raw) is None


@pytest.mark.django_db
def test_deactivating_a_user_in_the_admin_stops_the_token_on_the_next_request(
    client: Client,
) -> None:
    user = UserFactory(username="eko")
    raw = api_token_issue(user=user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert Client().get("/api/v1/auth/me", **headers).status_code == 200  # cached now
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"username": "eko", "is_active": "", "date_joined_0": "2026-01-01",
                 "date_joined_1": "08:00:00", "memberships-TOTAL_FORMS": "0",
                 "memberships-INITIAL_FORMS": "0"})  # fmt: skip
    data.pop("is_active")
    data.pop("password", None)
    data.pop("last_login", None)
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    user.refresh_from_db()
    assert not user.is_active
    assert Client().get("/api/v1/auth/me", **headers).status_code == 401
