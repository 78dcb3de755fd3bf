"""Periodic jobs of the shared kernel: the outbox's retries, the recovery of deliveries whose
worker died, and the clean-up of old job runs and delivered messages."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from satupintu.core import outbox
from satupintu.core.models import JobRun, OutboxMessage
from satupintu.core.scheduler import register_job


def outbox_retry() -> dict[str, int]:
    """Send what is due: first attempts a lost task missed, retries past their backoff, and
    messages whose worker died (lease expired)."""
    return outbox.outbox_process_due().as_dict()


def outbox_recover() -> int:
    """Dead-letter messages whose worker died during their last allowed attempt."""
    return outbox.outbox_recover_stuck()


register_job("outbox-retry", "* * * * *", outbox_retry, "Send due and retried outbox messages")
register_job("outbox-recover", "*/5 * * * *", outbox_recover, "Recover deliveries of dead workers")


def housekeeping() -> dict[str, int]:
    """Forget job runs older than SCHEDULER_KEEP_RUNS_DAYS and sent or skipped outbox messages
    older than OUTBOX_KEEP_DAYS (their content is personal data); dead ones stay for an
    operator."""
    now = timezone.now()
    runs, _ = JobRun.objects.filter(
        due_at__lt=now - timedelta(days=settings.SCHEDULER_KEEP_RUNS_DAYS)
    ).delete()
    messages, _ = OutboxMessage.objects.filter(
        status__in=[OutboxMessage.Status.SENT, OutboxMessage.Status.SKIPPED],
        created_at__lt=now - timedelta(days=settings.OUTBOX_KEEP_DAYS),
    ).delete()
    return {"job_runs": runs, "outbox_messages": messages}


register_job("housekeeping", "15 3 * * *", housekeeping, "Forget old job runs and sent messages")
