"""Background tasks of the shared kernel: delivering notifications to applicants.

Each task works on one `NotificationLog` row: it counts the attempt, sends, and records the
outcome. A failed send is queued again (after `NOTIFY_RETRY_SECONDS` times the attempt number,
where the task backend can defer) until `NOTIFY_MAX_ATTEMPTS`; then the row stays `failed` with
the last error. A row already `sent` is never sent again, so a task run twice sends once."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from satupintu.core import notify
from satupintu.core.models import NotificationLog

logger = logging.getLogger(__name__)

# How long one attempt may take before its row is considered abandoned by a dead worker.
SENDING_LEASE = dt.timedelta(minutes=10)


def _claim_attempt(log_id: int) -> NotificationLog | None:
    """Take the row for one attempt: count it and mark it `sending`; None when there is nothing
    to do (already sent, given up, or another worker is sending it right now).

    A row left `sending` longer than SENDING_LEASE (its worker died) may be taken again."""
    stale = timezone.now() - SENDING_LEASE
    with transaction.atomic():
        log = NotificationLog.objects.select_for_update().filter(pk=log_id).first()
        if log is None:
            return None
        takeable = log.status == NotificationLog.Status.PENDING or (
            log.status == NotificationLog.Status.SENDING and log.updated_at < stale
        )
        if not takeable:
            return None
        log.attempts += 1
        log.status = NotificationLog.Status.SENDING
        log.save(update_fields=["attempts", "status", "updated_at"])
        return log


def _deliver(log_id: int, send: Callable[[], None], retry: Callable[[dt.datetime], None]) -> str:
    log = _claim_attempt(log_id)
    if log is None:
        return "nothing to do"
    try:
        send()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        give_up = log.attempts >= settings.NOTIFY_MAX_ATTEMPTS
        NotificationLog.objects.filter(pk=log.pk).update(
            status=NotificationLog.Status.FAILED if give_up else NotificationLog.Status.PENDING,
            error=error,
            updated_at=timezone.now(),
        )
        logger.warning(
            "notification %s (%s) attempt %s failed%s: %s",
            log.pk,
            log.channel,
            log.attempts,
            "; giving up" if give_up else "; will retry",
            error,
        )
        if not give_up:
            retry(
                timezone.now() + dt.timedelta(seconds=settings.NOTIFY_RETRY_SECONDS * log.attempts)
            )
        return "failed"
    NotificationLog.objects.filter(pk=log.pk).update(
        status=NotificationLog.Status.SENT,
        error="",
        sent_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return "sent"


def _requeue(task_obj: object, run_after: dt.datetime, *args: object) -> None:
    backend = task_obj.get_backend()  # type: ignore[attr-defined]
    if backend.supports_defer:
        task_obj.using(run_after=run_after).enqueue(*args)  # type: ignore[attr-defined]
    else:
        # The immediate backend (tests, a demo without a worker) cannot wait: retry at once.
        task_obj.enqueue(*args)  # type: ignore[attr-defined]


@task()
def send_email_notification(log_id: int, to: str, subject: str, text: str) -> str:
    return _deliver(
        log_id,
        lambda: notify.send_email_now(to=to, subject=subject, text=text),
        lambda run_after: _requeue(send_email_notification, run_after, log_id, to, subject, text),
    )


@task()
def send_gateway_message(log_id: int, to: str, message: str) -> str:
    return _deliver(
        log_id,
        lambda: notify.send_gateway_message_now(to=to, message=message),
        lambda run_after: _requeue(send_gateway_message, run_after, log_id, to, message),
    )
