"""Electronic signatures on result documents (PAdES, with pyHanko) and their validation.

Each agency signs its results with its own key and certificate, kept as a PKCS#12 file at
`settings.SIGNING_DIR/<mall-slug>/<agency-slug>.p12`, opened with `settings.SIGNING_PASSPHRASE`.
In production the agency's own certificate (e.g. from BSrE) is placed there; for the demo and the
tests `satupintu signing_init` (or the first signature when `SIGNING_AUTO_INIT` is on) creates a
demo certification authority and issues one certificate per agency.

A signature is judged against the trust roots: the demo CA (unless `SIGNING_TRUST_DEMO_CA` is
off) and every certificate file listed in `SIGNING_TRUST_ROOTS`. A QR code alone is not a
signature (PP 71/2019 Pasal 60): the QR only leads to the verification page, which checks this
signature."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.translation import gettext as _

from satupintu.core.errors import Conflict

logger = logging.getLogger(__name__)

CA_DIR_NAME = "ca"
CA_CERT_FILE = "demo-ca.pem"
CA_KEY_FILE = "demo-ca-key.pem"
CA_COMMON_NAME = "Satu Pintu Demo CA"
CA_VALID_DAYS = 3650
AGENCY_CERT_VALID_DAYS = 825
SIGNATURE_FIELD = "TTE"


# --- key material -----------------------------------------------------------------------------


def signing_dir() -> Path:
    return Path(settings.SIGNING_DIR)


def _passphrase() -> bytes:
    if not settings.SIGNING_PASSPHRASE:
        raise Conflict(
            _("Result documents cannot be signed: SIGNING_PASSPHRASE is not set."),
            code="signing_passphrase_missing",
        )
    return str(settings.SIGNING_PASSPHRASE).encode()


def agency_pkcs12_path(agency: Any) -> Path:
    """Where the PKCS#12 file of `agency` lives (it may not exist yet)."""
    return signing_dir() / agency.mall.slug / f"{agency.slug}.p12"


def _write_once(path: Path, data: bytes) -> bool:
    """Write `data` to `path` unless the file exists; True if this call created it.

    The file appears whole or not at all (written aside, then hard-linked into place), and when
    two processes race only the first one's file is kept, so a CA is never replaced under the
    feet of a certificate it issued."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return False
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp_name, 0o600)
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp_name)


def _name(common_name: str, organisation: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(attributes)


@dataclass(frozen=True)
class DemoCA:
    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey


def _demo_ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    subject = _name(CA_COMMON_NAME, "Satu Pintu (demo, not for production)")
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )


def demo_ca_ensure() -> tuple[DemoCA, bool]:
    """Load the demo CA, creating it first if it does not exist; True when it was created.

    The key is written first and the certificate made from it, so a run stopped in between (or
    a second process arriving then) completes the CA instead of failing or replacing the key."""
    ca_dir = signing_dir() / CA_DIR_NAME
    cert_path, key_path = ca_dir / CA_CERT_FILE, ca_dir / CA_KEY_FILE
    created = False
    if not key_path.exists():
        new_key = ec.generate_private_key(ec.SECP256R1())
        created = _write_once(
            key_path,
            new_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(_passphrase()),
            ),
        )
    key = serialization.load_pem_private_key(key_path.read_bytes(), _passphrase())
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise Conflict(_("The demo CA key is not an EC key."), code="signing_ca")
    if not cert_path.exists():
        certificate = _demo_ca_certificate(key)
        _write_once(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    loaded_cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return DemoCA(certificate=loaded_cert, private_key=key), created


def agency_certificate_ensure(agency: Any) -> tuple[Path, bool]:
    """Issue a demo certificate and key for `agency` unless its PKCS#12 file exists.

    An existing file (a demo one, or the agency's own) is left exactly as it is."""
    path = agency_pkcs12_path(agency)
    if path.exists():
        return path, False
    ca, _created = demo_ca_ensure()
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    mall_name = getattr(agency.mall, "name", agency.mall.slug)
    subject = _name(agency.name, mall_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=AGENCY_CERT_VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()),
            False,
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    bundle = pkcs12.serialize_key_and_certificates(
        name=f"{agency.mall.slug}/{agency.slug}".encode(),
        key=key,
        cert=certificate,
        cas=[ca.certificate],
        encryption_algorithm=serialization.BestAvailableEncryption(_passphrase()),
    )
    return path, _write_once(path, bundle)


def _load_signer(agency: Any) -> Any:
    from pyhanko.sign import signers

    path = agency_pkcs12_path(agency)
    if not path.exists() and settings.SIGNING_AUTO_INIT:
        agency_certificate_ensure(agency)
    if not path.exists():
        raise Conflict(
            _(
                "Agency %(agency)s has no signing key. Run 'satupintu signing_init' (demo) or "
                "install the agency's PKCS#12 file at %(path)s."
            )
            % {"agency": agency.name, "path": str(path)},
            code="no_signing_key",
        )
    signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=_passphrase())
    if signer is None:
        raise Conflict(
            _(
                "The PKCS#12 file of agency %(agency)s cannot be opened with the configured "
                "passphrase (SIGNING_PASSPHRASE)."
            )
            % {"agency": agency.name},
            code="signing_key_unreadable",
        )
    return signer


def signing_key_check(agency: Any) -> None:
    """Raise Conflict (409) when `agency` has no key that `sign_pdf` could use: checked by
    the transition that issues a result, before the PDF is made after the commit."""
    _load_signer(agency)


def _subject_text(cert: asn1_x509.Certificate) -> str:
    return str(cert.subject.human_friendly)


# --- signing ----------------------------------------------------------------------------------


def sign_pdf(pdf: bytes, *, agency: Any) -> tuple[bytes, str]:
    """Sign `pdf` (PAdES baseline B) with the key of `agency`; return the signed bytes and the
    signer's certificate subject. Raise Conflict when the agency has no usable key."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _load_signer(agency)
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=_("Issued by %(agency)s") % {"agency": agency.name},
        location=getattr(agency.mall, "name", ""),
    )
    output = signers.sign_pdf(writer, metadata, signer=signer)
    return output.getvalue(), _subject_text(signer.signing_cert)


# --- validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationOutcome:
    """What a check of a signed PDF found, in words a citizen understands.

    `valid` is the bottom line: the file carries a signature that is intact (the signed bytes are
    unchanged), covers the whole file (nothing added after signing), and chains to a trust root."""

    valid: bool
    intact: bool
    trusted: bool
    signer_subject: str
    signed_at: dt.datetime | None
    reason: str


def trust_roots() -> list[asn1_x509.Certificate]:
    """The certificates a signature must chain to in order to count as trusted."""
    roots: list[asn1_x509.Certificate] = []
    ca_cert = signing_dir() / CA_DIR_NAME / CA_CERT_FILE
    if settings.SIGNING_TRUST_DEMO_CA and ca_cert.exists():
        roots.append(load_certificate_file(ca_cert))
    for name in settings.SIGNING_TRUST_ROOTS:
        try:
            roots.append(load_certificate_file(Path(name)))
        except (OSError, ValueError) as exc:
            logger.error("trust root %s cannot be loaded: %s", name, exc)
    return roots


def load_certificate_file(path: Path) -> asn1_x509.Certificate:
    from asn1crypto import pem

    data = path.read_bytes()
    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


def verify_pdf(data: bytes) -> VerificationOutcome:
    """Check the signature(s) of a PDF against the trust roots. Never raises for bad input."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    def unreadable(reason: str) -> VerificationOutcome:
        return VerificationOutcome(
            valid=False,
            intact=False,
            trusted=False,
            signer_subject="",
            signed_at=None,
            reason=reason,
        )

    if not data.startswith(b"%PDF-"):
        return unreadable(_("The file is not a PDF document."))
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        logger.info("unreadable PDF uploaded for verification: %s", exc)
        return unreadable(_("The PDF cannot be read: it is damaged or has been altered."))
    if not signatures:
        return unreadable(_("The PDF carries no electronic signature."))

    # A result carries one signature; should there be several, the last one (covering the most)
    # decides, and every earlier one must hold too.
    context = ValidationContext(
        trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail"
    )
    outcome: VerificationOutcome | None = None
    for position, embedded in enumerate(signatures, start=1):
        is_last = position == len(signatures)
        try:
            status = validate_pdf_signature(embedded, context)
        except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
            logger.info("signature cannot be validated: %s", exc)
            return unreadable(_("The signature cannot be checked: the file has been altered."))
        signer = _subject_text(status.signing_cert) if status.signing_cert else ""
        signed_at = status.signer_reported_dt
        # Only the last signature can cover the whole file; earlier ones cover their revision.
        whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
            not is_last and status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        )
        intact = bool(status.intact and status.valid and whole_file)
        trusted = bool(status.trusted)
        if not (status.intact and status.valid):
            reason = _(
                "The file has been changed after it was signed: the signature does not match."
            )
        elif not whole_file:
            reason = _("Content was added to the file after it was signed.")
        elif not trusted:
            reason = _(
                "The signature is intact, but the signer's certificate is not issued by a "
                "trusted authority."
            )
        else:
            reason = _("The signature is valid and the file has not been changed since signing.")
        outcome = VerificationOutcome(
            valid=intact and trusted,
            intact=intact,
            trusted=trusted,
            signer_subject=signer,
            signed_at=signed_at,
            reason=reason,
        )
        if not outcome.valid:
            return outcome
    assert outcome is not None
    return outcome
