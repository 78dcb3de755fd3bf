"""Protection of personal data at rest (UU 27/2022): NIK, disability and health notes.

Values are encrypted with Fernet (AES-128-CBC + HMAC) under keys derived, per purpose, from
settings.PERSONAL_DATA_KEYS: a list, newest first, kept apart from SECRET_KEY. The newest key
encrypts; every key in the list decrypts (MultiFernet), so a new key is put in front, then
`satupintu personal_data_rotate` re-encrypts the stored values, then the old key is dropped.

A keyed hash (HMAC-SHA256) lets the product find a row by its NIK without storing the NIK in
clear. Its key is derived from the same master keys with another label, so the hash reveals
nothing about the cipher key, and it rotates with them: a row is written with the newest key's
hash, a look-up matches the hash under every configured key (`lookup_hashes`), and the rotation
command rewrites the hashes together with the values. A database dump or a backup alone
therefore reveals none of these values."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

UNREADABLE = "[?]"


def _master_keys() -> list[bytes]:
    keys = list(settings.PERSONAL_DATA_KEYS)
    if not keys:
        raise ImproperlyConfigured("PERSONAL_DATA_KEY is not set")
    return [key.encode() for key in keys]


@cache
def _derive(master: bytes, label: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"satupintu.personal-data", info=label.encode()
    ).derive(master)


def _fernet_for(master: bytes, purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(master, f"encrypt:{purpose}")))


def _ciphers(purpose: str) -> MultiFernet:
    return MultiFernet([_fernet_for(master, purpose) for master in _master_keys()])


def encrypt_personal(value: str, *, purpose: str) -> str:
    """The encrypted form of `value` ("" stays ""); `purpose` separates keys (e.g. "nik")."""
    if not value:
        return ""
    return _ciphers(purpose).encrypt(value.encode()).decode()


def decrypt_personal(token: str, *, purpose: str) -> str:
    """The clear value; UNREADABLE when no configured key opens it."""
    if not token:
        return ""
    try:
        return _ciphers(purpose).decrypt(token.encode()).decode()
    except InvalidToken:
        return UNREADABLE


def _hash_with(master: bytes, value: str, purpose: str) -> str:
    key = _derive(master, f"lookup:{purpose}")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def lookup_hash(value: str, *, purpose: str) -> str:
    """The keyed hash to store beside an encrypted `value` (under the newest key)."""
    return _hash_with(_master_keys()[0], value, purpose)


def lookup_hashes(value: str, *, purpose: str) -> list[str]:
    """The hashes of `value` under every configured key, newest first: a look-up matches any
    of them, so rows written before a key rotation are still found (`field__in=...`)."""
    return [_hash_with(master, value, purpose) for master in _master_keys()]


@dataclass(frozen=True)
class Reencrypted:
    """The outcome of re-encrypting one stored value under the newest key."""

    token: str
    value: str
    changed: bool
    readable: bool


def reencrypt_personal(token: str, *, purpose: str) -> Reencrypted:
    """`token` under the newest key, with its clear value (for the look-up hash). A token that
    the newest key already opens is kept as it is, so a second run changes nothing."""
    if not token:
        return Reencrypted(token="", value="", changed=False, readable=True)
    masters = _master_keys()
    newest = _fernet_for(masters[0], purpose)
    try:
        return Reencrypted(
            token=token, value=newest.decrypt(token.encode()).decode(), changed=False, readable=True
        )
    except InvalidToken:
        pass
    try:
        value = _ciphers(purpose).decrypt(token.encode()).decode()
    except InvalidToken:
        return Reencrypted(token=token, value="", changed=False, readable=False)
    return Reencrypted(
        token=newest.encrypt(value.encode()).decode(), value=value, changed=True, readable=True
    )


@dataclass(frozen=True)
class EncryptedColumn:
    """A model field that holds `encrypt_personal(..., purpose=purpose)`, and the field with
    its keyed hash, if any. A model lists its columns in `PERSONAL_DATA_COLUMNS`, which is how
    the rotation command finds every encrypted value."""

    field: str
    purpose: str
    lookup_field: str = ""
