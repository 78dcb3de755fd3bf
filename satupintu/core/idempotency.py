"""Idempotency keys (API.md, "General rules"): a request that creates something (a ticket, a
dossier, an appointment, a complaint) may carry an `Idempotency-Key` header; a retry with the
same key by the same caller gets the first answer again, status and body, and creates nothing.

How it holds, also for two requests with one key at the same moment:

1. The request's work runs in one transaction that first inserts the key's row
   (`IdempotencyKey`, unique on caller and key), then does the work, then stores the answer in
   that row and commits. Work and answer commit together, or neither does.
2. A second request with the same key inserts too: on PostgreSQL its INSERT waits on the unique
   index until the first transaction ends (on SQLite the IMMEDIATE transaction waits for the
   write lock), then fails, and the second request reads the committed answer and replays it.
   If the first failed, its row went with it and the second does the work itself.
3. Only successful answers (2xx) are kept: a refused request (409 quota exhausted, 422) created
   nothing, so a retry simply tries again. The same key with a different request (another body,
   another endpoint) is a 422 naming the header.
4. Keys are kept `IDEMPOTENCY_KEY_HOURS` (24 h by default); `idempotency_keys_purge` deletes the
   expired ones (a periodic job) and an expired key found on the way is treated as new.

"The same caller" is the signed-in user or device; an anonymous caller is its client address
(`core.client_address`), so that nobody reads another caller's answer with a guessed key.

For a django-ninja operation, declare the header parameter and decorate the handler:

    @router.post("/tickets", response={201: TicketOut}, auth=public_auth("ticket"))
    @idempotent
    def ticket_create(request, payload: TicketIn, idempotency_key: IdempotencyKeyHeader = None):

(the handler runs after ninja's authentication, so the caller is known; the view around it
keeps the exact bytes of the answer). A page view uses `idempotent_call` around its own work.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header
from ninja.decorators import decorate_view

from satupintu.core.client_address import client_ip
from satupintu.core.errors import Conflict, InvalidInput
from satupintu.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Printable ASCII without spaces: a UUID, a ULID or any token a device makes.
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=255,
        pattern=KEY_PATTERN,
        description=(
            "A key the client makes for this one attempt (a UUID), sent again unchanged when it "
            "retries. A retry with the same key by the same caller gets the first answer "
            "(status and body, with the header `Idempotent-Replayed: true`) and creates "
            "nothing; while the first request runs, the retry waits for it. Only successful "
            "answers are kept: after an error the retry is tried anew. The same key with a "
            "different request is a 422 naming this header. Keys are kept 24 hours."
        ),
    ),
]


def key_lifetime() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def caller_scope(request: HttpRequest) -> str:
    """Who is calling, for the key's scope: the signed-in account, else the client address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"addr:{client_ip(request)}"


def _body_digest(request: HttpRequest) -> bytes:
    try:
        body = request.body
    except RawPostDataException:
        # A multipart body already parsed: its fields and its files' names and sizes.
        fields = sorted((k, request.POST.getlist(k)) for k in request.POST)
        files = sorted(
            (k, [(f.name, f.size) for f in request.FILES.getlist(k)]) for k in request.FILES
        )
        return orjson.dumps([fields, files])
    if request.content_type == "application/json" and body:
        try:
            # The same JSON with its keys in another order is the same request.
            return orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
        except orjson.JSONDecodeError:
            pass
    return body


def request_fingerprint(request: HttpRequest, *, body: bytes | None = None) -> str:
    """A digest of what the request asks for: method, path and body (or `body`, what a page
    view read from its form: a form carries other fields, such as its CSRF token)."""
    digest = hashlib.sha256()
    for part in (
        request.method or "",
        request.path,
        _body_digest(request) if body is None else body,
    ):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class Claim:
    """A key taken by this request (`replayed` False: do the work, then `store` the answer) or
    found with a stored answer (`replayed` True: answer `row`'s answer)."""

    row: IdempotencyKey
    replayed: bool
    answer: Any = field(default=None)

    def store(self, *, status: int, content_type: str, body: bytes | str) -> None:
        self.row.status_code = status
        self.row.content_type = content_type[:100]
        self.row.body = body.decode() if isinstance(body, bytes) else body
        self.row.save(update_fields=["status_code", "content_type", "body"])

    def release(self) -> None:
        """The work failed: forget the key, so that a retry does it again."""
        self.row.delete()

    def response(self) -> HttpResponse:
        answer = HttpResponse(
            self.row.body, status=self.row.status_code, content_type=self.row.content_type
        )
        answer[REPLAYED_HEADER] = "true"
        return answer

    def stored_json(self) -> Any:
        return orjson.loads(self.row.body)


def idempotency_claim(
    *, scope: str, key: str, fingerprint: str, now: datetime | None = None
) -> Claim:
    """Take `key` for `scope`, or find its stored answer. Must run inside the transaction that
    does the work (see the module's docstring); waits while another transaction holds the key.
    A different `fingerprint` under the same key: InvalidInput (422) naming the header."""
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_claim must run inside the request's transaction")
    now = now or timezone.now()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + key_lifetime(),
                )
            return Claim(row=row, replayed=False)
        except IntegrityError:
            pass  # taken, and committed by now: read it
        found = IdempotencyKey.objects.select_for_update().filter(scope=scope, key=key).first()
        if found is None:
            continue  # deleted meanwhile (expired and purged): take it anew
        if found.expires_at <= now:
            found.delete()
            continue
        if found.fingerprint != fingerprint:
            raise InvalidInput(
                _(
                    "This Idempotency-Key was already used for a different request; "
                    "use a new key for a new request."
                ),
                field=f"header.{HEADER}",
                code="idempotency_key_reused",
            )
        return Claim(row=found, replayed=True)
    raise Conflict(_("This Idempotency-Key is busy; retry in a moment."), code="idempotency_busy")


@contextmanager
def idempotent_call(*, scope: str, key: str, fingerprint: str) -> Iterator[Claim]:
    """For a page view: one transaction around the claim and the work. Inside, when
    `claim.replayed` is False, do the work and set `claim.answer` (anything orjson encodes);
    it is stored on the way out. When True, `claim.answer` is the stored one. An exception
    rolls everything back, the key included."""
    with transaction.atomic():
        claim = idempotency_claim(scope=scope, key=key, fingerprint=fingerprint)
        if claim.replayed:
            claim.answer = claim.stored_json()
        yield claim
        if not claim.replayed:
            if claim.answer is None:
                claim.release()
            else:
                claim.store(
                    status=200, content_type="application/json", body=orjson.dumps(claim.answer)
                )


_CLAIM_ATTRIBUTE = "_satupintu_idempotency_claim"


def _keep_answer(run: Callable[..., Any]) -> Callable[..., Any]:
    """Around ninja's whole operation (authentication, parsing, handler, rendering): with an
    `Idempotency-Key` header, one transaction, and the rendered answer stored in the claimed
    key's row before it commits."""

    @functools.wraps(run)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if HEADER not in request.headers:
            return run(request, *args, **kwargs)
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            claim: Claim | None = request.__dict__.pop(_CLAIM_ATTRIBUTE, None)
            if claim is not None and not claim.replayed:
                if 200 <= response.status_code < 300 and not response.streaming:
                    claim.store(
                        status=response.status_code,
                        content_type=response.get("Content-Type", "application/json"),
                        body=response.content,
                    )
                else:
                    try:
                        with transaction.atomic():
                            claim.release()
                    except DatabaseError:
                        # The work broke the transaction: nothing of it may commit anyway.
                        transaction.set_rollback(True)
        return response

    return view


def idempotent(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Makes a ninja POST handler idempotent under `Idempotency-Key` (module docstring). The
    handler declares `idempotency_key: IdempotencyKeyHeader = None`."""

    @functools.wraps(handler)
    def claimed(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = kwargs.get("idempotency_key")
        if not key:
            return handler(request, *args, **kwargs)
        claim = idempotency_claim(
            scope=caller_scope(request), key=key, fingerprint=request_fingerprint(request)
        )
        if claim.replayed:
            return claim.response()
        setattr(request, _CLAIM_ATTRIBUTE, claim)
        return handler(request, *args, **kwargs)

    # ninja reads the parameters from the signature; resolved here, in the handler's module
    # (its annotations may be strings naming that module's schemas).
    claimed.__signature__ = inspect.signature(handler, eval_str=True)  # type: ignore[attr-defined]
    return decorate_view(_keep_answer)(claimed)


def idempotency_keys_purge(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete expired keys, in batches (a periodic job; safe to run anywhere, any time).
    Answers how many were deleted."""
    now = now or timezone.now()
    deleted = 0
    while True:
        ids = list(
            IdempotencyKey.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        deleted += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]
