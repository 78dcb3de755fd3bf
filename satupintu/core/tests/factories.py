from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from satupintu.core.models import (
    AuditEntry,
    Heartbeat,
    IdempotencyKey,
    JobRun,
    OutboxMessage,
    ScheduledJob,
)


class AuditEntryFactory(DjangoModelFactory):
    class Meta:
        model = AuditEntry

    actor = None
    actor_label = "anonymous"
    action = AuditEntry.Action.UPDATE
    object_type = "catalog.service"
    object_id = factory.Sequence(str)
    summary = "changed"


class OutboxMessageFactory(DjangoModelFactory):
    class Meta:
        model = OutboxMessage

    channel = "email"
    dedupe_key = factory.Sequence(lambda n: f"test-message-{n}")
    recipient_masked = "s***@example.test"
    subject = "Permohonan Anda"
    reference = factory.Sequence(lambda n: f"TRK-{n:06d}")
    next_attempt_at = factory.LazyFunction(timezone.now)
    payload_sealed = factory.LazyFunction(
        lambda: (
            OutboxMessage(
                payload={"to": ["siti@example.test"], "subject": "Permohonan Anda", "text": "Halo"}
            ).payload_sealed
        )
    )


class HeartbeatFactory(DjangoModelFactory):
    class Meta:
        model = Heartbeat
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"process-{n}")
    beat_at = factory.LazyFunction(timezone.now)


class ScheduledJobFactory(DjangoModelFactory):
    class Meta:
        model = ScheduledJob
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"job-{n}")
    schedule = "0 1 * * *"
    time_zone = "Asia/Jakarta"
    description = "A nightly job"


class JobRunFactory(DjangoModelFactory):
    class Meta:
        model = JobRun

    job = factory.Sequence(lambda n: f"job-{n}")
    due_at = factory.LazyFunction(timezone.now)
    started_at = factory.LazyFunction(timezone.now)
    outcome = ScheduledJob.Outcome.OK


class IdempotencyKeyFactory(DjangoModelFactory):
    class Meta:
        model = IdempotencyKey

    scope = factory.Sequence(lambda n: f"user:{n}")
    key = factory.Sequence(lambda n: f"kiosk-retry-{n}")
    fingerprint = "0" * 64
    status_code = 201
    content_type = "application/json"
    body = "{}"
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=24))
