"""PAdES signatures of results: valid when untouched, invalid after any change to the signed bytes,
untrusted when signed by a key outside the trust roots; keys from `signing_init` or the agency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command
from django.utils import translation

from satupintu.catalog.tests.factories import AgencyFactory, MallFactory
from satupintu.core.errors import Conflict
from satupintu.dossiers import signing
from satupintu.dossiers.pdf import render_result_pdf
from satupintu.dossiers.tests.result_factories import make_result

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The reasons are asserted in English (their msgids); the pages show them in Indonesian.
    with translation.override("en"):
        yield


@pytest.fixture
def signed_result_pdf() -> tuple[bytes, object]:
    result = make_result()
    signed, _subject = signing.sign_pdf(render_result_pdf(result), agency=result.agency)
    return signed, result


def test_signed_result_verifies_valid_intact_and_trusted(
    signed_result_pdf: tuple[bytes, object],
) -> None:
    signed, result = signed_result_pdf
    outcome = signing.verify_pdf(signed)
    assert outcome.valid is True
    assert outcome.intact is True
    assert outcome.trusted is True
    assert result.agency.name in outcome.signer_subject  # type: ignore[attr-defined]
    assert outcome.signed_at is not None
    assert abs(outcome.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_sign_returns_the_subject_of_the_agency_certificate() -> None:
    result = make_result()
    _signed, subject = signing.sign_pdf(render_result_pdf(result), agency=result.agency)
    assert result.agency.name in subject
    assert result.agency.mall.name in subject


def _signed_byte_range(data: bytes) -> tuple[int, int]:
    """Start and end of the /Contents hex string, the only bytes a signature does not cover."""
    import re

    match = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", data)
    assert match is not None
    return match.span(1)


def test_one_changed_byte_in_the_signed_content_makes_it_invalid(
    signed_result_pdf: tuple[bytes, object],
) -> None:
    signed, _result = signed_result_pdf
    position = signed.index(b"/Producer")  # inside the signed revision, still parseable
    tampered = bytearray(signed)
    tampered[position + 2] = ord("X")
    outcome = signing.verify_pdf(bytes(tampered))
    assert outcome.valid is False
    assert outcome.intact is False
    assert outcome.reason


@pytest.mark.parametrize("fraction", [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 0.999])
def test_a_flipped_byte_anywhere_outside_the_signature_value_is_never_valid(
    signed_result_pdf: tuple[bytes, object], fraction: float
) -> None:
    signed, _result = signed_result_pdf
    start, end = _signed_byte_range(signed)
    position = int(len(signed) * fraction)
    if start <= position < end:
        position = end + 1
    tampered = bytearray(signed)
    tampered[position] ^= 0x01
    assert signing.verify_pdf(bytes(tampered)).valid is False


def test_content_appended_after_signing_is_not_intact(
    signed_result_pdf: tuple[bytes, object],
) -> None:
    from io import BytesIO

    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed, _result = signed_result_pdf
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    writer.root[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    assert out.getvalue().startswith(signed)  # the signed revision itself is untouched
    outcome = signing.verify_pdf(out.getvalue())
    assert outcome.valid is False
    assert outcome.intact is False


def test_pdf_signed_by_a_key_outside_the_trust_roots_is_untrusted(
    settings: object, tmp_path: Path
) -> None:
    result = make_result()
    trusted_dir = settings.SIGNING_DIR  # type: ignore[attr-defined]
    signing.demo_ca_ensure()  # the CA the verifier trusts
    settings.SIGNING_DIR = str(tmp_path / "rogue")  # type: ignore[attr-defined]
    signed, _subject = signing.sign_pdf(render_result_pdf(result), agency=result.agency)
    settings.SIGNING_DIR = trusted_dir  # type: ignore[attr-defined]

    outcome = signing.verify_pdf(signed)
    assert outcome.intact is True
    assert outcome.trusted is False
    assert outcome.valid is False
    assert "trusted" in outcome.reason


def test_unsigned_and_non_pdf_files_are_refused_in_words() -> None:
    result = make_result()
    unsigned = signing.verify_pdf(render_result_pdf(result))
    assert unsigned.valid is False
    assert "signature" in unsigned.reason
    junk = signing.verify_pdf(b"GIF89a not a pdf at all")
    assert junk.valid is False
    assert "PDF" in junk.reason
    truncated = signing.verify_pdf(b"%PDF-1.7\n1 0 obj <<")
    assert truncated.valid is False


def test_agency_without_key_and_without_auto_init_is_a_clear_conflict(
    settings: object, tmp_path: Path
) -> None:
    settings.SIGNING_DIR = str(tmp_path / "empty")  # type: ignore[attr-defined]
    settings.SIGNING_AUTO_INIT = False  # type: ignore[attr-defined]
    result = make_result()
    with pytest.raises(Conflict) as excinfo:
        signing.sign_pdf(render_result_pdf(result), agency=result.agency)
    assert "signing_init" in excinfo.value.message
    assert excinfo.value.status_code == 409
    assert not (tmp_path / "empty" / "ca").exists()


def test_signing_init_creates_ca_and_one_pkcs12_per_agency_idempotently(
    settings: object, tmp_path: Path
) -> None:
    settings.SIGNING_DIR = str(tmp_path / "keys")  # type: ignore[attr-defined]
    yogya = MallFactory(slug="yogyakarta", name="MPP Kota Yogyakarta")
    other = MallFactory(slug="sleman", name="MPP Sleman")
    AgencyFactory(mall=yogya, slug="disdukcapil")
    AgencyFactory(mall=yogya, slug="dpmptsp")
    AgencyFactory(mall=other, slug="samsat")

    out = StringIO()
    call_command("signing_init", "--mall", "yogyakarta", stdout=out)
    assert "2 created" in out.getvalue()
    keys = tmp_path / "keys"
    first = (keys / "yogyakarta" / "disdukcapil.p12").read_bytes()
    ca = (keys / "ca" / "demo-ca.pem").read_bytes()
    assert (keys / "yogyakarta" / "dpmptsp.p12").exists()
    assert not (keys / "sleman").exists()

    out = StringIO()
    call_command("signing_init", stdout=out)
    assert "1 created, 2 already present" in out.getvalue()
    assert (keys / "yogyakarta" / "disdukcapil.p12").read_bytes() == first
    assert (keys / "ca" / "demo-ca.pem").read_bytes() == ca
    assert (keys / "sleman" / "samsat.p12").exists()

    key, cert, _cas = pkcs12.load_key_and_certificates(
        first,
        settings.SIGNING_PASSPHRASE.encode(),  # type: ignore[attr-defined]
    )
    assert key is not None
    assert cert is not None


def test_signing_init_rejects_an_unknown_mall(settings: object, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    settings.SIGNING_DIR = str(tmp_path / "keys")  # type: ignore[attr-defined]
    with pytest.raises(CommandError):
        call_command("signing_init", "--mall", "atlantis", stdout=StringIO())


def test_agency_own_pkcs12_is_used_as_is_and_trusted_once_its_root_is_configured(
    settings: object, tmp_path: Path
) -> None:
    """Production: the agency's own certificate (from another CA, e.g. BSrE) is placed at the
    agency's path; signatures carry its subject, and are trusted once its root is configured."""
    result = make_result()
    agency = result.agency
    # An outside CA issues the agency's certificate (made here with the same helper, elsewhere).
    settings.SIGNING_DIR = str(tmp_path / "outside-ca")  # type: ignore[attr-defined]
    own_p12, _ = signing.agency_certificate_ensure(agency)
    outside_root = tmp_path / "outside-ca" / "ca" / "demo-ca.pem"

    settings.SIGNING_DIR = str(tmp_path / "mall")  # type: ignore[attr-defined]
    settings.SIGNING_AUTO_INIT = False  # type: ignore[attr-defined]
    target = signing.agency_pkcs12_path(agency)
    target.parent.mkdir(parents=True)
    target.write_bytes(own_p12.read_bytes())

    signed, subject = signing.sign_pdf(render_result_pdf(result), agency=agency)
    _key, own_cert, _cas = pkcs12.load_key_and_certificates(
        own_p12.read_bytes(),
        settings.SIGNING_PASSPHRASE.encode(),  # type: ignore[attr-defined]
    )
    assert own_cert is not None
    assert agency.name in subject
    assert target.read_bytes() == own_p12.read_bytes()
    assert not (tmp_path / "mall" / "ca").exists()  # no demo CA was made for it
    assert signing.verify_pdf(signed).trusted is False

    settings.SIGNING_TRUST_ROOTS = [str(outside_root)]  # type: ignore[attr-defined]
    outcome = signing.verify_pdf(signed)
    assert outcome.valid is True
    assert outcome.trusted is True
    assert own_cert.public_bytes(serialization.Encoding.DER)


def test_wrong_passphrase_is_a_clear_conflict(settings: object, tmp_path: Path) -> None:
    settings.SIGNING_DIR = str(tmp_path / "keys")  # type: ignore[attr-defined]
    result = make_result()
    signing.agency_certificate_ensure(result.agency)
    settings.SIGNING_PASSPHRASE = "not-the-passphrase"  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as excinfo:
        signing.sign_pdf(render_result_pdf(result), agency=result.agency)
    assert "SIGNING_PASSPHRASE" in excinfo.value.message


def test_a_ca_left_without_its_certificate_is_completed_with_the_same_key(
    settings: object, tmp_path: Path
) -> None:
    settings.SIGNING_DIR = str(tmp_path / "keys")  # type: ignore[attr-defined]
    first, created = signing.demo_ca_ensure()
    assert created is True
    key_file = tmp_path / "keys" / "ca" / signing.CA_KEY_FILE
    key_bytes = key_file.read_bytes()
    (tmp_path / "keys" / "ca" / signing.CA_CERT_FILE).unlink()  # a run stopped half-way

    again, created_again = signing.demo_ca_ensure()
    assert created_again is False
    assert key_file.read_bytes() == key_bytes
    assert again.certificate.public_key() == first.certificate.public_key()
    result = make_result()
    signed, _subject = signing.sign_pdf(render_result_pdf(result), agency=result.agency)
    assert signing.verify_pdf(signed).valid is True
