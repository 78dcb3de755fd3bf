from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from satupintu.core.crypto import (
    UNREADABLE,
    EncryptedColumn,
    decrypt_personal,
    encrypt_personal,
)


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes, so that no code path rewrites or erases a history."""

    def update(self, **kwargs: Any) -> int:
        raise ValueError(f"{self.model._meta.label} rows are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{self.model._meta.label} rows are append-only")


class AppendOnlyModel(models.Model):
    """A history row (audit line, ticket/dossier/complaint/visit event): written once, never
    changed or deleted, one by one or in bulk. Durations and KPIs are computed from these rows,
    so they must stay as they were recorded."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"{self._meta.label} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{self._meta.label} rows are append-only")


class AuditEntry(AppendOnlyModel):
    """One line of the append-only audit trail: who did what to which row, and when.

    Reads of personal data (NIK, disability and health notes) are recorded too, with
    action "view", as UU 27/2022 asks for an access trail."""

    class Action(models.TextChoices):
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        VIEW = "view", _("view personal data")
        LOGIN = "login", _("log in")
        TOKEN = "token", _("token issued")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    mall_id = models.BigIntegerField(_("mall"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"


class OutboxMessage(models.Model):
    """One message for the world outside (an e-mail, a WhatsApp/SMS, a call to SP4N-LAPOR!, a
    callback), written in the transaction of the change it announces and delivered after that
    transaction commits (`core/outbox.py`).

    States: `pending` (waits for its first or next attempt at `next_attempt_at`), `sending` (a
    worker holds it until `lease_until`; after that it may be taken again), `sent`, `dead` (given
    up after OUTBOX_MAX_ATTEMPTS attempts, or unsendable; an operator may queue it again in the
    admin) and `skipped` (its channel is not configured here). `dedupe_key` is unique: the same
    message enqueued twice is one row, and it travels with the message (Message-ID,
    Idempotency-Key) so a receiver can drop a redelivery.

    What is sent (addresses, texts) is kept encrypted like other personal data; the row shows
    the recipient masked."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        DEAD = "dead", _("given up")
        SKIPPED = "skipped", _("not sent (channel not configured)")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    channel = models.CharField(_("channel"), max_length=32, db_index=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    recipient_masked = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    reference = models.CharField(
        _("reference"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("What the message is about, e.g. a tracking code."),
    )
    payload_sealed = models.TextField(_("payload (encrypted)"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    leased_by = models.CharField(_("leased by"), max_length=100, blank=True)
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    error = models.TextField(_("last error"), blank=True)
    result = models.JSONField(_("answer"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    PERSONAL_DATA_COLUMNS = (EncryptedColumn("payload_sealed", "outbox"),)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["status", "lease_until"], name="outbox_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.recipient_masked} {self.status}"

    @property
    def payload(self) -> dict[str, Any]:
        if not self.payload_sealed:
            return {}
        clear = decrypt_personal(self.payload_sealed, purpose="outbox")
        if clear == UNREADABLE:
            raise ValueError("the payload cannot be decrypted with the configured keys")
        value = json.loads(clear)
        return value if isinstance(value, dict) else {}

    @payload.setter
    def payload(self, value: dict[str, Any]) -> None:
        self.payload_sealed = encrypt_personal(
            json.dumps(value, ensure_ascii=False, sort_keys=True, default=str), purpose="outbox"
        )


class Heartbeat(models.Model):
    """The last sign of life of a background process (the task worker, the scheduler): one row
    per name, overwritten on every beat. `/readyz` compares `beat_at` with the staleness limit
    of that name (settings.HEARTBEAT_STALE_SECONDS)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    beat_at = models.DateTimeField(_("last beat"))
    detail = models.CharField(_("detail"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class IdempotencyKey(models.Model):
    """The first answer to a request that carried an `Idempotency-Key` (API.md): a retry with
    the same key by the same caller gets this answer again instead of creating anything. The
    row is inserted before the request's work, in the same transaction, so a concurrent request
    with the same key waits for it (the unique constraint) and then replays its answer; only
    successful answers are kept (a refused request rolls its row back and may be retried).
    Rows are deleted after `expires_at` (`core.idempotency.idempotency_keys_purge`)."""

    scope = models.CharField(_("caller"), max_length=80)
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    body = models.TextField(_("body"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class ScheduledJob(models.Model):
    """A periodic job of the scheduler (`core/scheduler.py`): its schedule as declared in code,
    and how its last run went. One row per job, written by the scheduler; shown in the admin."""

    class Outcome(models.TextChoices):
        OK = "ok", _("ok")
        FAILED = "failed", _("failed")
        RUNNING = "running", _("running")

    name = models.CharField(_("name"), max_length=64, unique=True)
    schedule = models.CharField(_("schedule (cron)"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    last_due_at = models.DateTimeField(_("last due at"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)
    last_outcome = models.CharField(
        _("last outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    last_result = models.TextField(_("last result"), blank=True)
    last_host = models.CharField(_("last run by"), max_length=100, blank=True)
    next_run_at = models.DateTimeField(_("next run at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One run of a periodic job for one due time. The row is the lease: it is unique per job
    and due time, so when two schedulers are up, the one whose insert commits first runs the
    job and the other skips it."""

    job = models.CharField(_("job"), max_length=64)
    due_at = models.DateTimeField(_("due at"))
    host = models.CharField(_("run by"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ScheduledJob.Outcome.choices, blank=True
    )
    result = models.TextField(_("result"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-due_at", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "due_at"], name="job_run_once_per_due_time")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.due_at:%Y-%m-%d %H:%M}"
