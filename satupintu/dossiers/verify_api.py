"""Public JSON API for checking results: `GET /api/v1/verify/{code}` (the facts of an issued
result) and `POST /api/v1/verify` (multipart `file`, optional `code`: check a PDF's signature and
whether it is the file that was issued). Anonymous and rate limited."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from satupintu.accounts.auth import anonymous_only
from satupintu.core.schemas import Code
from satupintu.dossiers.verification import (
    read_upload,
    result_public_facts,
    result_public_get,
    verification_check_upload,
)

# Public and stateless: no session effects, so neither credentials nor a CSRF token; every
# caller counts in the bucket, and the upload is only read once the call is counted.
router = Router(tags=["verification"], auth=anonymous_only("verify"))


class ResultFactsOut(Schema):
    verification_code: str
    status: str  # valid | revoked | expired
    document_number: str
    title: str
    holder_name_masked: str
    agency: str
    mall: str
    issued_at: dt.datetime
    valid_until: dt.date | None
    revoked: bool
    revoked_at: dt.datetime | None
    verification_url: str


class VerificationOut(Schema):
    valid: bool
    intact: bool
    trusted: bool
    signer_subject: str
    signed_at: dt.datetime | None
    reason: str
    sha256: str
    matches_issued: bool | None
    genuine: bool
    document: ResultFactsOut | None


@router.get("/verify/{code}", response=ResultFactsOut, summary="Facts of an issued result")
def verify_code(request: HttpRequest, code: Code) -> dict[str, object]:
    return result_public_facts(result_public_get(code=code))


@router.post("/verify", response=VerificationOut, summary="Check a signed result PDF")
def verify_upload(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's declaration style
    code: Code | None = Form(None),  # noqa: B008
) -> dict[str, object]:
    check = verification_check_upload(data=read_upload(file), code=code or None)
    outcome = check.outcome
    return {
        "valid": outcome.valid,
        "intact": outcome.intact,
        "trusted": outcome.trusted,
        "signer_subject": outcome.signer_subject,
        "signed_at": outcome.signed_at,
        "reason": outcome.reason,
        "sha256": check.sha256,
        "matches_issued": check.matches_issued,
        "genuine": check.genuine,
        "document": result_public_facts(check.result) if check.result is not None else None,
    }
