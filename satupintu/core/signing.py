"""HMAC-SHA256 signatures: one signer for everything Satu Pintu signs or checks (payment gateway
callbacks, SP4N-LAPOR! webhooks, the tokens in ticket addresses).

A signer holds a key: a secret shared with a partner (`from_secret`), or a key of our own derived
from SECRET_KEY for one purpose (`for_purpose`), so that a signature made for one purpose is
worthless for any other. Signatures are checked in constant time, and a signer without a key
accepts nothing (an unsigned door would let anyone in)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings

Encoding = Literal["hex", "base64url"]


@dataclass(frozen=True)
class HmacSigner:
    """Signatures written as `prefix` + the HMAC in `encoding`, cut to `length` characters if set.
    `fallback_keys` are older keys whose signatures `verify` still accepts."""

    key: bytes = field(repr=False)
    prefix: str = ""
    encoding: Encoding = "hex"
    length: int | None = None
    fallback_keys: tuple[bytes, ...] = field(default=(), repr=False)

    @classmethod
    def from_secret(
        cls, secret: str, *, prefix: str = "", encoding: Encoding = "hex"
    ) -> HmacSigner:
        """A signer with a secret shared with a partner system (empty: it accepts nothing)."""
        return cls(key=secret.encode(), prefix=prefix, encoding=encoding)

    @classmethod
    def for_purpose(
        cls, purpose: str, *, encoding: Encoding = "hex", length: int | None = None
    ) -> HmacSigner:
        """A signer with our own key for `purpose`, derived from SECRET_KEY (and accepting the
        keys of SECRET_KEY_FALLBACKS while a rotated key is phased out). The derivation is the
        one of Django's `signing.Signer(salt=purpose)`, so signatures made with it stay valid."""
        return cls(
            key=_purpose_key(purpose, settings.SECRET_KEY),
            encoding=encoding,
            length=length,
            fallback_keys=tuple(
                _purpose_key(purpose, old) for old in getattr(settings, "SECRET_KEY_FALLBACKS", [])
            ),
        )

    def sign(self, message: bytes | str) -> str:
        return self._signature(self.key, message)

    def verify(self, message: bytes | str, signature: str | None) -> bool:
        """Whether `signature` (surrounding blanks ignored, hex in either case) signs `message`."""
        if not self.key or not signature:
            return False
        given = signature.strip()
        if self.encoding == "hex":
            given = given.lower()
        return any(
            hmac.compare_digest(self._signature(key, message), given)
            for key in (self.key, *self.fallback_keys)
        )

    def _signature(self, key: bytes, message: bytes | str) -> str:
        data = message.encode() if isinstance(message, str) else message
        digest = hmac.new(key, data, hashlib.sha256).digest()
        if self.encoding == "hex":
            text = digest.hex()
        else:
            text = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        return self.prefix + (text[: self.length] if self.length else text)


def _purpose_key(purpose: str, secret: str) -> bytes:
    return hashlib.sha256(f"{purpose}signer{secret}".encode()).digest()
