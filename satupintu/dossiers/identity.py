"""Protection of the applicant's NIK: encrypted at rest (Fernet), found by a keyed hash.

The keys come from settings.DOSSIER_ENCRYPTION_KEY, or are derived from SECRET_KEY, with a
different label for each purpose so that the look-up hash reveals nothing about the cipher key."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings


def _master_secret() -> bytes:
    return (getattr(settings, "DOSSIER_ENCRYPTION_KEY", "") or settings.SECRET_KEY).encode()


@lru_cache(maxsize=4)
def _fernet(master: bytes) -> Fernet:
    key = hmac.new(master, b"satupintu.dossiers.nik.encrypt", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _hash_key(master: bytes) -> bytes:
    return hmac.new(master, b"satupintu.dossiers.nik.lookup", hashlib.sha256).digest()


def nik_encrypt(nik: str) -> str:
    return _fernet(_master_secret()).encrypt(nik.encode()).decode()


def nik_decrypt(token: str) -> str:
    return _fernet(_master_secret()).decrypt(token.encode()).decode()


def nik_lookup_hash(nik: str) -> str:
    return hmac.new(_hash_key(_master_secret()), nik.encode(), hashlib.sha256).hexdigest()
