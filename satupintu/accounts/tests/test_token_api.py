import pytest
from django.test import Client

from satupintu.accounts.models import ApiToken
from satupintu.accounts.tests.factories import UserFactory


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
