import pytest
from cryptography.fernet import Fernet

from satupintu.core.crypto import UNREADABLE, decrypt_personal, encrypt_personal, lookup_hash

NIK = "3471014507900001"


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
    settings.PERSONAL_DATA_KEY = Fernet.generate_key().decode()  # type: ignore[attr-defined]
    assert decrypt_personal(token, purpose="nik") == UNREADABLE


def test_empty_stays_empty() -> None:
    assert encrypt_personal("", purpose="nik") == ""
    assert decrypt_personal("", purpose="nik") == ""
