"""Public verification of issued results: what anyone holding a QR code or a PDF may learn.

Only public facts leave this module: the document number, title, dates, issuing agency and the
holder's name masked. A code that was never issued looks exactly like any other unknown code."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.core.codes import CROCKFORD_ALIASES
from satupintu.core.errors import InvalidInput, NotFound
from satupintu.core.validators import mask_name
from satupintu.dossiers.models import ResultDocument
from satupintu.dossiers.signing import VerificationOutcome, verify_pdf

# A signed result is a page or two; anything far larger is not one of ours.
MAX_VERIFY_UPLOAD_BYTES = 10 * 1024 * 1024
VERIFICATION_CODE_RE = re.compile(r"^[A-Z0-9-]{4,32}$")


class ResultStatus:
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"


def normalise_verification_code(code: str) -> str:
    return (code or "").strip().upper()


def result_public_get(*, code: str) -> ResultDocument:
    """The issued result with this verification code, or NotFound (also for malformed codes)."""
    normalised = normalise_verification_code(code)
    if not VERIFICATION_CODE_RE.match(normalised):
        raise NotFound()
    # Codes are Crockford base32: a typed O, I or L means 0, 1 or 1.
    candidates = {normalised, normalised.translate(CROCKFORD_ALIASES)}
    result = (
        ResultDocument.objects.select_related("agency", "agency__mall", "dossier__service")
        .filter(verification_code__in=candidates)
        .first()
    )
    if result is None:
        raise NotFound()
    return result


def result_status(result: ResultDocument, *, today: dt.date | None = None) -> str:
    if result.revoked_at is not None:
        return ResultStatus.REVOKED
    today = today or timezone.localdate()
    if result.valid_until is not None and result.valid_until < today:
        return ResultStatus.EXPIRED
    return ResultStatus.VALID


def result_title(result: ResultDocument) -> str:
    details: dict[str, Any] = result.details or {}
    service = result.dossier.service
    return str(
        details.get("product")
        or details.get("title")
        or (service.product if service else "")
        or (service.name if service else "")
    )


def result_public_facts(result: ResultDocument) -> dict[str, Any]:
    """The facts the verification page and API show about an issued result."""
    return {
        "verification_code": result.verification_code,
        "status": result_status(result),
        "document_number": result.document_number,
        "title": result_title(result),
        "holder_name_masked": mask_name(result.holder_name),
        "agency": result.agency.name,
        "mall": result.agency.mall.name,
        "issued_at": result.issued_at,
        "valid_until": result.valid_until,
        "revoked": result.revoked_at is not None,
        "revoked_at": result.revoked_at,
        "verification_url": result.verification_url,
    }


@dataclass(frozen=True)
class UploadCheck:
    """An uploaded PDF checked: its signature, and whether it is the file issued under a code."""

    outcome: VerificationOutcome
    sha256: str
    # None when no code was given and the checksum matches no issued result.
    matches_issued: bool | None
    result: ResultDocument | None

    @property
    def genuine(self) -> bool:
        return bool(
            self.outcome.valid
            and self.matches_issued
            and self.result is not None
            and self.result.revoked_at is None
        )


def read_upload(upload: IO[bytes] | Any, *, field: str = "file") -> bytes:
    """The bytes of an uploaded file, refusing empty or oversized ones (422 naming the field)."""
    if upload is None:
        raise InvalidInput(_("Choose a PDF file to check."), field=field, code="required")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_VERIFY_UPLOAD_BYTES:
        raise InvalidInput(
            _("The file is larger than %(mb)d MB; a signed result is much smaller.")
            % {"mb": MAX_VERIFY_UPLOAD_BYTES // (1024 * 1024)},
            field=field,
            code="too_large",
        )
    chunks, total = [], 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        total += len(chunk)
        if total > MAX_VERIFY_UPLOAD_BYTES:
            raise InvalidInput(
                _("The file is larger than %(mb)d MB; a signed result is much smaller.")
                % {"mb": MAX_VERIFY_UPLOAD_BYTES // (1024 * 1024)},
                field=field,
                code="too_large",
            )
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise InvalidInput(_("The file is empty."), field=field, code="empty")
    return data


def verification_check_upload(*, data: bytes, code: str | None = None) -> UploadCheck:
    """Check the signature of `data` and compare it with the result issued under `code` (or,
    without a code, with any issued result of the same checksum)."""
    outcome = verify_pdf(data)
    digest = hashlib.sha256(data).hexdigest()
    result: ResultDocument | None
    if code:
        result = result_public_get(code=code)
        matches: bool | None = bool(result.sha256) and result.sha256 == digest
    else:
        result = (
            ResultDocument.objects.select_related("agency", "agency__mall", "dossier__service")
            .filter(sha256=digest)
            .first()
        )
        matches = True if result is not None else None
    return UploadCheck(outcome=outcome, sha256=digest, matches_issued=matches, result=result)
