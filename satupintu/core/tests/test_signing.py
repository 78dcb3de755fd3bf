"""The one HMAC signer: partner secrets, our own per-purpose keys, constant-time checks that
accept nothing without a key."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.core import signing

from satupintu.core.signing import HmacSigner

BODY = b'{"payment_code": "8840628319754060", "reference": "BANK-1"}'


def test_a_partner_signature_is_the_hex_hmac_of_the_body() -> None:
    signer = HmacSigner.from_secret("gateway-secret")
    expected = hmac.new(b"gateway-secret", BODY, hashlib.sha256).hexdigest()
    assert signer.sign(BODY) == expected
    assert signer.verify(BODY, expected)
    assert signer.verify(BODY, f"  {expected.upper()}\n")  # hex is hex in either case
    assert not signer.verify(BODY + b" ", expected)
    tampered = expected[:-1] + ("1" if expected[-1] == "0" else "0")
    assert not signer.verify(BODY, tampered)
    assert not signer.verify(BODY, "")
    assert not signer.verify(BODY, None)


def test_a_prefix_is_part_of_the_signature() -> None:
    signer = HmacSigner.from_secret("lapor", prefix="sha256=")
    bare = hmac.new(b"lapor", BODY, hashlib.sha256).hexdigest()
    assert signer.sign(BODY) == "sha256=" + bare
    assert not signer.verify(BODY, bare)


def test_without_a_secret_nothing_is_accepted() -> None:
    signer = HmacSigner.from_secret("")
    assert not signer.verify(BODY, signer.sign(BODY))


def test_purpose_keys_match_djangos_signer_and_separate_purposes(settings: Any) -> None:
    settings.SECRET_KEY = "k" * 50
    ours = HmacSigner.for_purpose("satupintu.queueing.ticket-status", encoding="base64url")
    django = signing.Signer(salt="satupintu.queueing.ticket-status")
    assert ours.sign("12:A-001:2026-03-16") == django.signature("12:A-001:2026-03-16")
    other = HmacSigner.for_purpose("satupintu.something-else", encoding="base64url")
    assert other.sign("12:A-001:2026-03-16") != ours.sign("12:A-001:2026-03-16")


def test_short_tokens_and_rotated_keys(settings: Any) -> None:
    settings.SECRET_KEY = "old-" + "k" * 46
    token = HmacSigner.for_purpose("p", encoding="base64url", length=22).sign("value")
    assert len(token) == 22
    settings.SECRET_KEY = "new-" + "k" * 46
    settings.SECRET_KEY_FALLBACKS = ["old-" + "k" * 46]
    signer = HmacSigner.for_purpose("p", encoding="base64url", length=22)
    assert signer.sign("value") != token
    assert signer.verify("value", token)  # made with the old key, still accepted meanwhile
    settings.SECRET_KEY_FALLBACKS = []
    assert not HmacSigner.for_purpose("p", encoding="base64url", length=22).verify("value", token)
