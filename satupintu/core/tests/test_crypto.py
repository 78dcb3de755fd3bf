import base64

import pytest
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from satupintu.core.crypto import (
    UNREADABLE,
    decrypt_personal,
    encrypt_personal,
    lookup_hash,
    lookup_hashes,
    reencrypt_personal,
)

NIK = "3471014507900001"
OLD_KEY = "old-personal-data-key-0123456789-abcdefghij"
NEW_KEY = "new-personal-data-key-9876543210-zyxwvutsrq"


def test_round_trip_and_ciphertext_hides_the_value() -> None:
    token = encrypt_personal(NIK, purpose="nik")
    assert NIK not in token
    assert decrypt_personal(token, purpose="nik") == NIK


def test_each_encryption_differs_but_the_lookup_hash_is_stable() -> None:
    assert encrypt_personal(NIK, purpose="nik") != encrypt_personal(NIK, purpose="nik")
    assert lookup_hash(NIK, purpose="nik") == lookup_hash(NIK, purpose="nik")
    assert lookup_hash(NIK, purpose="nik") != lookup_hash(NIK, purpose="other")


def test_purposes_use_different_keys() -> None:
    token = encrypt_personal(NIK, purpose="nik")
    assert decrypt_personal(token, purpose="health") == UNREADABLE


def test_a_changed_key_makes_old_values_unreadable_not_an_error(
    settings: pytest.FixtureRequest,
) -> None:
    token = encrypt_personal(NIK, purpose="nik")
    settings.PERSONAL_DATA_KEYS = [NEW_KEY]  # type: ignore[attr-defined]
    assert decrypt_personal(token, purpose="nik") == UNREADABLE


def test_empty_stays_empty() -> None:
    assert encrypt_personal("", purpose="nik") == ""
    assert decrypt_personal("", purpose="nik") == ""


def test_old_keys_still_decrypt_and_the_newest_encrypts(settings: pytest.FixtureRequest) -> None:
    settings.PERSONAL_DATA_KEYS = [OLD_KEY]  # type: ignore[attr-defined]
    old_token = encrypt_personal(NIK, purpose="nik")
    old_hash = lookup_hash(NIK, purpose="nik")
    settings.PERSONAL_DATA_KEYS = [NEW_KEY, OLD_KEY]  # type: ignore[attr-defined]
    assert decrypt_personal(old_token, purpose="nik") == NIK
    new_token = encrypt_personal(NIK, purpose="nik")
    new_hash = lookup_hash(NIK, purpose="nik")
    assert new_hash != old_hash
    assert lookup_hashes(NIK, purpose="nik") == [new_hash, old_hash]
    # The newest key alone opens what was written after the rotation, not what was before.
    settings.PERSONAL_DATA_KEYS = [NEW_KEY]  # type: ignore[attr-defined]
    assert decrypt_personal(new_token, purpose="nik") == NIK
    assert decrypt_personal(old_token, purpose="nik") == UNREADABLE


def test_reencrypt_moves_a_value_to_the_newest_key_once(settings: pytest.FixtureRequest) -> None:
    settings.PERSONAL_DATA_KEYS = [OLD_KEY]  # type: ignore[attr-defined]
    old_token = encrypt_personal(NIK, purpose="nik")
    settings.PERSONAL_DATA_KEYS = [NEW_KEY, OLD_KEY]  # type: ignore[attr-defined]
    moved = reencrypt_personal(old_token, purpose="nik")
    assert moved.changed
    assert moved.readable
    assert moved.value == NIK
    again = reencrypt_personal(moved.token, purpose="nik")
    assert not again.changed
    assert again.token == moved.token
    settings.PERSONAL_DATA_KEYS = [NEW_KEY]  # type: ignore[attr-defined]
    assert decrypt_personal(moved.token, purpose="nik") == NIK
    settings.PERSONAL_DATA_KEYS = [NEW_KEY, "a-third-key-that-opened-nothing-0123456789"]  # type: ignore[attr-defined]
    lost = reencrypt_personal(old_token, purpose="nik")
    assert not lost.readable
    assert lost.token == old_token


def _stock_cipher(purpose: str) -> Fernet:
    """The cipher the stock code used: HKDF of the SECRET_KEY published in the repository."""
    published = b"satupintu-insecure-development-key-change-me-in-production"
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"satupintu.personal-data",
        info=f"encrypt:{purpose}".encode(),
    ).derive(published)  # fmt: skip
    return Fernet(base64.urlsafe_b64encode(key))


def test_the_stock_codes_published_key_no_longer_opens_a_stored_nik() -> None:
    # Before: with no PERSONAL_DATA_KEY and no SECRET_KEY, NIKs were encrypted under a key
    # anyone could derive from the repository. Now the key is the deployment's own.
    token = encrypt_personal(NIK, purpose="nik")
    with pytest.raises(InvalidToken):
        _stock_cipher("nik").decrypt(token.encode())
    # The derivation above is the stock one: it does open what the published key encrypted.
    assert _stock_cipher("nik").decrypt(_stock_cipher("nik").encrypt(NIK.encode())) == NIK.encode()
