"""The wire format of the SP4N-LAPOR! exchange.

Inbound: LAPOR POSTs a forwarded complaint as JSON to /api/v1/lapor/inbound with the header
`X-Lapor-Signature: sha256=<hex HMAC-SHA256 of the raw body with LAPOR_WEBHOOK_SECRET>`.
Outbound: we POST JSON with `Authorization: Bearer <LAPOR_TOKEN>` (and the same signature
header over our body) to `LAPOR_BASE_URL/complaints` (forward one of ours; LAPOR answers
`{"reference": "..."}`) and `LAPOR_BASE_URL/complaints/<reference>/responses` (our answer)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

from satupintu.core.signing import HmacSigner

SIGNATURE_HEADER = "X-Lapor-Signature"


class LaporError(Exception):
    """The LAPOR endpoint could not be reached or refused the call."""


def _signer(secret: str) -> HmacSigner:
    return HmacSigner.from_secret(secret, prefix="sha256=")


def sign(body: bytes, secret: str) -> str:
    return _signer(secret).sign(body)


def signature_valid(body: bytes, signature: str | None) -> bool:
    """Whether `signature` is the HMAC of `body` under LAPOR_WEBHOOK_SECRET.

    Without a configured secret nothing is accepted: an unsigned door would let anyone file
    complaints in LAPOR's name."""
    return _signer(settings.LAPOR_WEBHOOK_SECRET).verify(body, signature)


def is_configured() -> bool:
    return bool(settings.LAPOR_BASE_URL)


def post(path: str, payload: dict[str, Any], *, idempotency_key: str = "") -> dict[str, Any]:
    """POST `payload` to LAPOR_BASE_URL + path; the decoded JSON answer (or {}). The outbox's
    dedupe key goes along as `Idempotency-Key`, the same on every attempt of one message."""
    if not is_configured():
        raise LaporError("LAPOR_BASE_URL is not set")
    url = settings.LAPOR_BASE_URL.rstrip("/") + path
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    if settings.LAPOR_TOKEN:
        headers["Authorization"] = f"Bearer {settings.LAPOR_TOKEN}"
    if settings.LAPOR_WEBHOOK_SECRET:
        headers[SIGNATURE_HEADER] = sign(body, settings.LAPOR_WEBHOOK_SECRET)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.LAPOR_TIMEOUT_SECONDS) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise LaporError(f"HTTP {exc.code} from {url}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise LaporError(f"cannot reach {url}: {exc}") from exc
    if not raw:
        return {}
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise LaporError(f"answer from {url} is not JSON") from exc
    return answer if isinstance(answer, dict) else {}


def response_path(reference: str) -> str:
    return f"/complaints/{urllib.parse.quote(reference, safe='')}/responses"
