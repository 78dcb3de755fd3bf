"""Protection of personal data at rest (UU 27/2022): NIK, disability and health notes.

Values are encrypted with Fernet (AES-128-CBC + HMAC) under a key derived, per purpose, from
settings.PERSONAL_DATA_KEY (falling back to SECRET_KEY). A keyed hash (HMAC-SHA256) lets the
product find a row by its NIK without storing the NIK in clear: the hash key is derived with a
different label from the cipher key, so the look-up hash reveals nothing about it. A database
dump or a backup alone therefore reveals none of these values."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

UNREADABLE = "[?]"


def _master_secret() -> bytes:
    return (getattr(settings, "PERSONAL_DATA_KEY", "") or settings.SECRET_KEY).encode()


@cache
def _derive(master: bytes, label: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"satupintu.personal-data", info=label.encode()
    ).derive(master)


def _fernet(purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(_master_secret(), f"encrypt:{purpose}")))


def encrypt_personal(value: str, *, purpose: str) -> str:
    """The encrypted form of `value` ("" stays ""); `purpose` separates keys (e.g. "nik")."""
    if not value:
        return ""
    return _fernet(purpose).encrypt(value.encode()).decode()


def decrypt_personal(token: str, *, purpose: str) -> str:
    """The clear value; UNREADABLE when the key changed without re-encryption."""
    if not token:
        return ""
    try:
        return _fernet(purpose).decrypt(token.encode()).decode()
    except InvalidToken:
        return UNREADABLE


def lookup_hash(value: str, *, purpose: str) -> str:
    """A keyed hash to find rows by `value` without storing it in clear."""
    key = _derive(_master_secret(), f"lookup:{purpose}")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
