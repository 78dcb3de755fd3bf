"""Sign-in by a one-time code to a phone (through the real local WhatsApp/SMS gateway) and to an
e-mail address (through a real local SMTP server): hashed codes, expiry, tries, rate limits per
address, the log, and the same answers whether an account exists or not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from satupintu.accounts.models import ApiToken, User
from satupintu.citizens.models import CitizenProfile, OneTimeCode, SignInEvent
from satupintu.citizens.tests.conftest import (
    Gateway,
    SmtpServer,
    last_mail_code,
    last_message_code,
)

pytestmark = pytest.mark.django_db

Send = Callable[..., Any]


def _ask(client: Client, send: Send, **address: str) -> Any:
    return send(lambda: client.post("/api/v1/auth/code", address, content_type="application/json"))


def _verify(client: Client, code: str, **address: str) -> Any:
    return client.post(
        "/api/v1/auth/code/verify", {**address, "code": code}, content_type="application/json"
    )


def test_phone_sign_in_through_the_gateway_gives_an_expiring_token(
    gateway: Gateway, send: Send
) -> None:
    client = Client(REMOTE_ADDR="10.0.0.1")
    response = _ask(client, send, phone="0812-3456-7890")
    assert response.status_code == 202
    assert len(gateway.requests) == 1
    sent = gateway.requests[0]
    assert sent["json"]["to"] == "+6281234567890"
    assert sent["authorization"] == "Bearer gateway-secret-token"
    code = last_message_code(gateway)
    # Only a keyed hash of the code is stored, and no account exists before the sign-in.
    row = OneTimeCode.objects.get()
    assert code not in row.code_hash
    assert len(row.code_hash) == 64
    assert row.destination_masked == "+62812*****890"
    assert not CitizenProfile.objects.exists()

    response = _verify(client, code, phone="+6281234567890")
    assert response.status_code == 200, response.content
    body = response.json()
    expires = timezone.datetime.fromisoformat(body["expires_at"])
    assert timezone.now() + timedelta(hours=167) < expires <= timezone.now() + timedelta(hours=168)
    token_row = ApiToken.objects.get(user__citizen__phone="+6281234567890")
    assert token_row.expires_at is not None

    me = Client(HTTP_AUTHORIZATION=f"Bearer {body['token']}").get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["phone"] == "+6281234567890"
    assert me.json()["nik_proven"] is False
    # Every step is in the sign-in log, masked.
    kinds = list(
        SignInEvent.objects.order_by("id").values_list("kind", "destination_masked", "via")
    )
    assert kinds == [
        ("code_sent", "+62812*****890", "api"),
        ("signed_in", "+62812*****890", "api"),
    ]
    # The code is used up: a second exchange fails.
    assert _verify(client, code, phone="+6281234567890").status_code == 401


def test_email_sign_in_on_the_pages_through_smtp(smtp_server: SmtpServer, send: Send) -> None:
    browser = Client()
    page = browser.get("/saya/")
    assert page.status_code == 302
    assert page["Location"].startswith("/saya/masuk/")
    response = send(
        lambda: browser.post("/saya/masuk/", {"address": "Siti@Example.ORG", "next": "/saya/"})
    )
    assert response.status_code == 302
    assert smtp_server.received[-1].recipients == ["Siti@example.org"]
    code = last_mail_code(smtp_server)
    page = browser.get(response["Location"])
    assert "S***@example.org" in page.content.decode()
    response = browser.post("/saya/masuk/kode/", {"code": code, "next": "/saya/"})
    assert response.status_code == 302
    assert response["Location"] == "/saya/"
    home = browser.get("/saya/")
    assert home.status_code == 200
    assert "Siti@example.org" in home.content.decode()
    user = User.objects.get(citizen__email="Siti@example.org")
    assert not user.has_usable_password()
    assert not user.is_staff
    assert SignInEvent.objects.filter(kind="signed_in", via="page", user=user).exists()


def test_same_answer_for_known_and_unknown_addresses(
    gateway: Gateway, send: Send, phone_citizen: Any
) -> None:
    phone_citizen("081234567890")
    known = _ask(Client(REMOTE_ADDR="10.0.0.2"), send, phone="081234567890")
    unknown = _ask(Client(REMOTE_ADDR="10.0.0.3"), send, phone="081298765432")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    wrong_known = _verify(Client(), "000000", phone="081234567890")
    wrong_unknown = _verify(Client(), "000000", phone="081298765432")
    assert wrong_known.status_code == wrong_unknown.status_code == 401
    assert wrong_known.json() == wrong_unknown.json()
    # An unknown number that never signs in gets no account.
    assert CitizenProfile.objects.count() == 1


def test_wrong_tries_kill_the_code_and_change_nothing(
    gateway: Gateway, send: Send, settings: Any
) -> None:
    settings.CITIZEN_CODE_MAX_ATTEMPTS = 3
    client = Client()
    _ask(client, send, phone="081234567890")
    code = last_message_code(gateway)
    wrong = "111111" if code != "111111" else "222222"
    for _try in range(3):
        response = _verify(client, wrong, phone="081234567890")
        assert response.status_code == 401
        assert response.json()["detail"][0]["loc"] == ["body", "code"]
    # The right code no longer works: it died after three wrong tries.
    assert _verify(client, code, phone="081234567890").status_code == 401
    assert not User.objects.filter(citizen__isnull=False).exists()
    assert not ApiToken.objects.exists()
    assert SignInEvent.objects.filter(kind="code_dead").count() == 1


def test_expired_code_is_refused(gateway: Gateway, send: Send) -> None:
    client = Client()
    _ask(client, send, email="budi@example.org")
    # Not a mail server here: the code row is what expires.
    OneTimeCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    row = OneTimeCode.objects.get()
    assert row.channel == "email"
    response = _verify(client, "123456", email="budi@example.org")
    assert response.status_code == 401
    assert not CitizenProfile.objects.exists()


def test_expired_code_sent_by_smtp_is_refused(smtp_server: SmtpServer, send: Send) -> None:
    client = Client()
    _ask(client, send, email="budi@example.org")
    code = last_mail_code(smtp_server)
    OneTimeCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _verify(client, code, email="budi@example.org").status_code == 401
    assert not CitizenProfile.objects.exists()


def test_a_new_code_voids_the_earlier_one(gateway: Gateway, send: Send) -> None:
    _ask(Client(REMOTE_ADDR="10.0.0.4"), send, phone="081234567890")
    first = last_message_code(gateway)
    _ask(Client(REMOTE_ADDR="10.0.0.5"), send, phone="081234567890")
    second = last_message_code(gateway)
    if first != second:
        assert _verify(Client(), first, phone="081234567890").status_code == 401
    assert _verify(Client(), second, phone="081234567890").status_code == 200


def test_codes_are_rate_limited_per_number_from_any_address(
    gateway: Gateway, send: Send, settings: Any
) -> None:
    settings.RATELIMIT_ENABLE = True
    settings.CITIZEN_CODE_RATE = "3/10m"
    for n in range(3):
        assert (
            _ask(Client(REMOTE_ADDR=f"10.9.0.{n}"), send, phone="081234567890").status_code == 202
        )
    refused = _ask(Client(REMOTE_ADDR="10.9.0.99"), send, phone="081234567890")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert len(gateway.requests) == 3  # nothing sent for the refused one
    assert OneTimeCode.objects.count() == 3
    # Another number is not held back by this one.
    assert _ask(Client(REMOTE_ADDR="10.9.0.98"), send, phone="081298765432").status_code == 202
    assert SignInEvent.objects.filter(kind="rate_limited").count() == 1


def test_codes_are_rate_limited_per_client_address(
    gateway: Gateway, send: Send, settings: Any
) -> None:
    settings.RATELIMIT_ENABLE = True
    client = Client(REMOTE_ADDR="10.8.0.1")
    answers = [_ask(client, send, phone=f"08129876{n:04d}").status_code for n in range(11)]
    assert answers[:10] == [202] * 10
    assert answers[10] == 429
    assert len(gateway.requests) == 10


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({}, "email"),
        ({"email": "a@example.org", "phone": "081234567890"}, "email"),
        ({"phone": "081234567890", "extra": 1}, "extra"),
    ],
)
def test_bad_addresses_are_422_naming_the_field(
    body: dict[str, Any], field: str, send: Send
) -> None:
    response = send(
        lambda: Client().post("/api/v1/auth/code", body, content_type="application/json")
    )
    assert response.status_code == 422
    assert field in str(response.json()["detail"])
    assert not OneTimeCode.objects.exists()


def test_staff_and_devices_have_no_citizen_profile(world: Any) -> None:
    response = world.client(world.bo).get("/api/v1/me")
    assert response.status_code == 404
    assert world.client(world.bo).get("/api/v1/me/dossiers").status_code == 404
