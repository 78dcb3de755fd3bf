"""Encryption at rest for the outreach app's sensitive personal data (NIK, disability and health
notes). A database dump or a backup alone does not reveal them.

The key comes from `OUTREACH_ENCRYPTION_KEY` (a Fernet key) when set; otherwise it is derived
from SECRET_KEY with HKDF, so that a deployment is protected without extra configuration."""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@cache
def _fernet(secret: str, explicit_key: str) -> Fernet:
    if explicit_key:
        return Fernet(explicit_key.encode())
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"satupintu.outreach",
        info=b"sensitive-personal-data",
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _current() -> Fernet:
    return _fernet(settings.SECRET_KEY, getattr(settings, "OUTREACH_ENCRYPTION_KEY", ""))


def encrypt_text(value: str) -> str:
    if not value:
        return ""
    return _current().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        # A key change without re-encryption: show that the text cannot be read rather than fail.
        return "[?]"
