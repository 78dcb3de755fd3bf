"""The one outbox: everything this product sends to the world outside goes through it.

A caller writes the message with `outbox_enqueue(...)` inside the transaction of the change it
announces: a change that rolls back leaves no message, and a message is never sent for a change
that did not happen. Once the transaction commits, a task (`core.tasks.outbox_deliver`) tries
it; a periodic job (`outbox_process_due`, run by the scheduler every minute) tries whatever is
due and takes back messages whose worker died.

The life of a message (`OutboxMessage.Status`):

    pending --claim--> sending --ok--> sent
       ^                  |  \\--error, attempts left--> pending (next_attempt_at = backoff)
       |                  |   \\--error, no attempts left / permanent error--> dead
       |                  \\--lease expired (worker died)--> taken again by the next claim
       \\-- an operator queues a dead message again in the admin (attempts start over)
    skipped: the channel is not configured here (no gateway URL); nothing was sent.

Claiming: one short transaction marks the message `sending`, counts the attempt and sets
`lease_until` and a fresh `lease_token`; on PostgreSQL the candidate rows are read with
`SELECT ... FOR UPDATE SKIP LOCKED`, so two workers never take the same row; on SQLite the
transaction holds the database's write lock (IMMEDIATE transactions), which serialises claims.
The send itself runs outside any transaction; its outcome is written only if the worker still
holds the lease (same token). The `dedupe_key` is unique, so the same message enqueued twice is
one row, and it travels with the message (e-mail Message-ID, `Idempotency-Key` header) so a
receiver can drop the one redelivery that a crash between sending and recording can cause.

Channels are registered by the app that owns them (`outbox_register_channel`): core registers
e-mail and WhatsApp/SMS (`core/notify.py`), feedback the SP4N-LAPOR! calls. A channel's hooks
(`on_sent`, `on_failure`, `on_dead`) run inside the transaction that records the outcome."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from satupintu.core.models import OutboxMessage

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status


class PermanentError(Exception):
    """The message can never be delivered as it is (a refused address, a bad payload): it is
    dead-lettered at once instead of being retried."""


SendFn = Callable[[OutboxMessage, dict[str, Any]], dict[str, Any] | None]
HookFn = Callable[[OutboxMessage, str], None]
SentHookFn = Callable[[OutboxMessage, dict[str, Any]], None]


@dataclass(frozen=True)
class Channel:
    """How one kind of message is sent. `send(message, payload)` makes the call (outside any
    transaction) and returns the receiver's answer (a dict, stored on the row) or raises."""

    name: str
    send: SendFn
    on_sent: SentHookFn | None = None
    on_failure: HookFn | None = None  # after each failed attempt (the last one too)
    on_dead: HookFn | None = None
    label: str = ""


_CHANNELS: dict[str, Channel] = {}


def outbox_register_channel(channel: Channel) -> None:
    """Declare a channel (once, at import time of the owning app's module)."""
    _CHANNELS[channel.name] = channel


def outbox_channel(name: str) -> Channel:
    try:
        return _CHANNELS[name]
    except KeyError:
        raise LookupError(f"no outbox channel {name!r} is registered") from None


def outbox_channels() -> dict[str, Channel]:
    return dict(_CHANNELS)


# --- enqueue ---------------------------------------------------------------------------------


def outbox_enqueue(
    *,
    channel: str,
    payload: dict[str, Any],
    dedupe_key: str | None = None,
    reference: str = "",
    recipient_masked: str = "",
    subject: str = "",
    skipped_because: str = "",
    dead_because: str = "",
) -> OutboxMessage:
    """Write one message in the current transaction; it is tried once that transaction commits.

    `dedupe_key`: what makes this message unique (e.g. "lapor:forward:17"); a second enqueue
    with the same key returns the first row and sends nothing more. Without one, each call is a
    new message. `skipped_because` / `dead_because` record a message that will not be sent (its
    channel is not configured / its address is unusable), so the log still shows it."""
    outbox_channel(channel)  # an unknown channel is a programming error, caught at once
    key = (dedupe_key or f"{channel}:{uuid.uuid4().hex}")[:200]
    status = Status.PENDING
    if skipped_because:
        status = Status.SKIPPED
    elif dead_because:
        status = Status.DEAD
    message = OutboxMessage(
        channel=channel,
        dedupe_key=key,
        reference=reference[:64],
        recipient_masked=recipient_masked[:254],
        subject=subject[:255],
        status=status,
        error=skipped_because or dead_because,
        next_attempt_at=timezone.now() if status == Status.PENDING else None,
    )
    message.payload = payload
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        existing = OutboxMessage.objects.filter(dedupe_key=key).first()
        if existing is None:
            raise
        return existing
    if status == Status.PENDING:
        transaction.on_commit(lambda: _kick(message.pk))
    return message


def _kick(message_id: int, run_after: dt.datetime | None = None) -> None:
    """Hand one message to the task worker. A failure here loses nothing: the periodic job
    finds every due message in the table."""
    from satupintu.core.tasks import outbox_deliver

    try:
        backend = outbox_deliver.get_backend()
        if run_after is not None:
            if not backend.supports_defer:
                return  # the periodic job will try it when it is due
            outbox_deliver.using(run_after=run_after).enqueue(message_id)
        else:
            outbox_deliver.enqueue(message_id)
    except Exception:
        logger.exception("could not enqueue outbox message %s; the periodic job will", message_id)


# --- claim, send, record ---------------------------------------------------------------------


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _backoff(attempts: int) -> dt.timedelta:
    seconds = settings.OUTBOX_RETRY_SECONDS * (2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _claimable(now: dt.datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, lease_until__lt=now
    )


def outbox_claim(
    *,
    now: dt.datetime | None = None,
    ids: Iterable[int] | None = None,
    channels: Iterable[str] | None = None,
    worker: str = "",
) -> OutboxMessage | None:
    """Take one due message for one attempt (see the module's text), or None."""
    now = now or timezone.now()
    with transaction.atomic():
        candidates = OutboxMessage.objects.filter(_claimable(now)).filter(
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
        )
        if ids is not None:
            candidates = candidates.filter(pk__in=list(ids))
        if channels is not None:
            candidates = candidates.filter(channel__in=list(channels))
        candidates = candidates.order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        message = candidates.first()
        if message is None:
            return None
        message.status = Status.SENDING
        message.attempts += 1
        message.lease_until = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        message.leased_by = worker or _worker_name()
        message.lease_token = uuid.uuid4().hex
        message.save(
            update_fields=[
                "status",
                "attempts",
                "lease_until",
                "leased_by",
                "lease_token",
                "updated_at",
            ]
        )
        return message


def outbox_attempt(message: OutboxMessage, *, now: dt.datetime | None = None) -> str:
    """Send a claimed message and record the outcome: "sent", "retry", "dead" or "lost lease"."""
    try:
        channel = outbox_channel(message.channel)
        payload = message.payload
    except (LookupError, ValueError) as exc:
        return _record_failure(message, f"{type(exc).__name__}: {exc}", permanent=True, now=now)
    try:
        answer = channel.send(message, payload) or {}
    except PermanentError as exc:
        return _record_failure(message, str(exc), permanent=True, now=now)
    except Exception as exc:
        return _record_failure(message, f"{type(exc).__name__}: {exc}", permanent=False, now=now)
    return _record_sent(message, answer)


def _held(message: OutboxMessage) -> OutboxMessage | None:
    """The row, locked, if this worker still holds its lease."""
    return (
        OutboxMessage.objects.select_for_update()
        .filter(pk=message.pk, status=Status.SENDING, lease_token=message.lease_token)
        .first()
    )


def _record_sent(message: OutboxMessage, answer: dict[str, Any]) -> str:
    with transaction.atomic():
        row = _held(message)
        if row is None:
            logger.warning("outbox %s was sent after its lease was taken over", message.pk)
            return "lost lease"
        row.status = Status.SENT
        row.sent_at = timezone.now()
        row.error = ""
        row.result = answer if isinstance(answer, dict) else {}
        row.lease_until = None
        row.next_attempt_at = None
        row.save()
        channel = _CHANNELS.get(row.channel)
        if channel and channel.on_sent:
            channel.on_sent(row, row.result)
    return "sent"


def _record_failure(
    message: OutboxMessage, error: str, *, permanent: bool, now: dt.datetime | None
) -> str:
    error = error[:2000]
    now = now or timezone.now()
    with transaction.atomic():
        row = _held(message)
        if row is None:
            return "lost lease"
        give_up = permanent or row.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        row.error = error
        row.lease_until = None
        if give_up:
            row.status = Status.DEAD
            row.next_attempt_at = None
        else:
            row.status = Status.PENDING
            row.next_attempt_at = now + _backoff(row.attempts)
        row.save()
        channel = _CHANNELS.get(row.channel)
        if channel and channel.on_failure:
            channel.on_failure(row, error)
        if give_up and channel and channel.on_dead:
            channel.on_dead(row, error)
        if not give_up:
            retry_at = row.next_attempt_at
            transaction.on_commit(lambda: _kick(row.pk, run_after=retry_at))
    logger.warning(
        "outbox %s (%s) attempt %s failed%s: %s",
        row.pk,
        row.channel,
        row.attempts,
        "; given up" if give_up else "; will retry",
        error,
    )
    return "dead" if give_up else "retry"


def outbox_deliver(message_id: int, *, now: dt.datetime | None = None) -> str:
    """Try one message if it is due and nobody holds it (the task's body)."""
    message = outbox_claim(now=now, ids=[message_id])
    if message is None:
        return "nothing to do"
    return outbox_attempt(message, now=now)


@dataclass
class OutboxRun:
    sent: int = 0
    retry: int = 0
    dead: int = 0
    lost: int = 0
    recovered: int = 0
    outcomes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "retry": self.retry,
            "dead": self.dead,
            "lost": self.lost,
            "recovered": self.recovered,
        }


def outbox_recover_stuck(*, now: dt.datetime | None = None) -> int:
    """Messages whose worker died during their last allowed attempt (lease expired, no attempt
    left) are dead-lettered; the others are simply claimable again. The number dead-lettered."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = OutboxMessage.objects.filter(
            status=Status.SENDING,
            lease_until__lt=now,
            attempts__gte=settings.OUTBOX_MAX_ATTEMPTS,
        )
        if connection.features.has_select_for_update_skip_locked:
            stuck = stuck.select_for_update(skip_locked=True)
        rows = list(stuck)
        for row in rows:
            row.status = Status.DEAD
            row.lease_until = None
            row.error = (
                f"the worker {row.leased_by} stopped during the last attempt (lease expired)"
            )
            row.save()
            channel = _CHANNELS.get(row.channel)
            if channel and channel.on_dead:
                channel.on_dead(row, row.error)
    return len(rows)


def outbox_process_due(
    *,
    now: dt.datetime | None = None,
    limit: int | None = None,
    channels: Iterable[str] | None = None,
    worker: str = "",
) -> OutboxRun:
    """Try every message that is due (first attempts the task missed, retries whose backoff has
    passed, messages whose worker died), one claim at a time, at most `limit`."""
    run = OutboxRun()
    run.recovered = outbox_recover_stuck(now=now)
    limit = limit if limit is not None else settings.OUTBOX_BATCH_SIZE
    names = list(channels) if channels is not None else None
    for _ in range(limit):
        message = outbox_claim(now=now, channels=names, worker=worker)
        if message is None:
            break
        outcome = outbox_attempt(message, now=now)
        run.outcomes.append(outcome)
        if outcome == "sent":
            run.sent += 1
        elif outcome == "retry":
            run.retry += 1
        elif outcome == "dead":
            run.dead += 1
        else:
            run.lost += 1
    return run


# --- operators -------------------------------------------------------------------------------


def outbox_requeue(message: OutboxMessage, *, payload: dict[str, Any] | None = None) -> bool:
    """Queue a dead (or skipped) message again, attempts starting over; False for a message
    that is not dead or skipped (a pending one is already queued, a sent one stays sent)."""
    with transaction.atomic():
        row = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if row.status not in (Status.DEAD, Status.SKIPPED):
            return False
        row.status = Status.PENDING
        row.attempts = 0
        row.next_attempt_at = timezone.now()
        row.lease_until = None
        row.lease_token = ""
        if payload is not None:
            row.payload = payload
        row.save()
        transaction.on_commit(lambda: _kick(row.pk))
    return True


def outbox_counts() -> dict[str, int]:
    """How many messages are in each state (for /metrics and the admin)."""
    from django.db.models import Count

    counts = {status.value: 0 for status in Status}
    for row in OutboxMessage.objects.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts
