"""Fixtures of the citizen-account tests: the dossier tests' mall and people, the real local
SMTP server and WhatsApp/SMS gateway of the notification tests, and helpers that sign a
citizen in through those servers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from satupintu.core.tests.servers import Gateway, SmtpServer
from satupintu.dossiers.tests.conftest import World, world  # noqa: F401

CODE_RE = re.compile(r"\b(\d{6})\b")


def code_in(text: str) -> str:
    found = CODE_RE.search(text)
    assert found, f"no code in {text!r}"
    return found.group(1)


def last_message_code(gateway: Gateway) -> str:
    return code_in(gateway.requests[-1]["json"]["message"])


def last_mail_code(smtp: SmtpServer) -> str:
    return code_in(smtp.received[-1].message.get_content())


@pytest.fixture
def send(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """Call `fn` and run what it scheduled after commit (the messages), like a real request."""

    def run(fn: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


@pytest.fixture
def phone_citizen(gateway: Gateway, send: Callable[..., Any]) -> Callable[..., Any]:
    """Sign in by phone through the API and the local gateway: (client with bearer, token)."""

    def sign_in(phone: str = "081234567890", ip: str = "10.1.0.1") -> Client:
        client = Client(REMOTE_ADDR=ip)
        response = send(
            lambda: client.post(
                "/api/v1/auth/code", {"phone": phone}, content_type="application/json"
            )
        )
        assert response.status_code == 202, response.content
        code = last_message_code(gateway)
        response = client.post(
            "/api/v1/auth/code/verify",
            {"phone": phone, "code": code},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        token = response.json()["token"]
        return Client(REMOTE_ADDR=ip, HTTP_AUTHORIZATION=f"Bearer {token}")

    return sign_in
