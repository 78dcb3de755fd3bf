"""Optional single sign-on against an OpenID Connect provider started by the test on this
machine (token, keys and user-info endpoints; RS256 ID tokens): the code flow signs a citizen
into the same account a one-time code opens; a token for another client, from another issuer,
with a wrong nonce or a forged signature signs nobody in and makes no account."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from satupintu.citizens.models import CitizenProfile, SignInEvent

pytestmark = pytest.mark.django_db

CLIENT_ID = "satupintu-test"


@dataclass
class Provider:
    url: str = ""
    key: Any = None
    forger: Any = None
    nonces: dict[str, str] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    forge: bool = False

    def id_token(self, code: str) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url,
            "sub": "user-1",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonces.get(code, ""),
            **self.overrides,
        }
        signer = self.forger if self.forge else self.key
        return jwt.encode(payload, signer, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
def provider(settings: Any) -> Iterator[Provider]:
    state = Provider(
        key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        forger=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        claims={"email": "rina@example.org", "email_verified": True, "name": "Rina Wulandari"},
    )

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: dict[str, Any], status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            if self.path != "/token" or form.get("client_secret") != ["s3cret"]:
                self._answer({"error": "invalid_client"}, 401)
                return
            code = form["code"][0]
            self._answer(
                {
                    "access_token": f"at-{code}",
                    "token_type": "Bearer",
                    "id_token": state.id_token(code),
                }
            )

        def do_GET(self) -> None:
            if self.path == "/jwks":
                public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(state.key.public_key()))
                self._answer({"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]})
            elif self.path == "/userinfo":
                self._answer({"sub": "user-1", **state.claims})
            else:
                self._answer({"error": "not_found"}, 404)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{state.url}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{state.url}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{state.url}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{state.url}/jwks"
    settings.OIDC_OP_ISSUER = state.url
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "s3cret"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _round_trip(browser: Client, provider: Provider, code: str = "c1") -> Any:
    """The browser goes to the provider and comes back with a code (the provider's own sign-in
    page is what a real person would see in between)."""
    start = browser.get("/saya/sso/")
    assert start.status_code == 302
    target = urlparse(start["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.url}/authorize"
    query = parse_qs(target.query)
    assert query["client_id"] == [CLIENT_ID]
    provider.nonces[code] = query["nonce"][0]
    return browser.get("/saya/sso/callback/", {"code": code, "state": query["state"][0]})


def test_single_sign_on_opens_the_same_account_as_a_code(provider: Provider) -> None:
    browser = Client()
    assert "/saya/sso/" in browser.get("/saya/masuk/").content.decode()
    done = _round_trip(browser, provider)
    assert done.status_code == 302
    assert done["Location"] == "/saya/"
    assert browser.get("/saya/").status_code == 200
    profile = CitizenProfile.objects.get(email="rina@example.org")
    assert profile.user.full_name == "Rina Wulandari"
    assert SignInEvent.objects.filter(kind="signed_in_oidc", user=profile.user).exists()
    # A second sign-in finds the same account.
    again = _round_trip(Client(), provider, code="c2")
    assert again["Location"] == "/saya/"
    assert CitizenProfile.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"overrides": {"aud": "another-client"}},
        {"overrides": {"iss": "https://elsewhere.example"}},
        {"overrides": {"nonce": "replayed"}},
        {"forge": True},
        {"claims": {"email": "rina@example.org", "email_verified": False}},
    ],
)
def test_a_bad_token_signs_nobody_in(provider: Provider, change: dict[str, Any]) -> None:
    for name, value in change.items():
        setattr(provider, name, value)
    browser = Client()
    done = _round_trip(browser, provider)
    assert done.status_code == 302
    assert done["Location"].startswith("/saya/masuk/")
    assert browser.get("/saya/").status_code == 302
    assert not CitizenProfile.objects.exists()


def test_without_a_provider_single_sign_on_is_off(settings: Any) -> None:
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = ""
    assert Client().get("/saya/sso/").status_code == 404
    assert Client().get("/saya/sso/callback/", {"code": "x", "state": "y"}).status_code == 404
    assert "/saya/sso/" not in Client().get("/saya/masuk/").content.decode()
