from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from satupintu.core.models import AuditEntry, Heartbeat, NotificationLog


class AuditEntryFactory(DjangoModelFactory):
    class Meta:
        model = AuditEntry

    actor = None
    actor_label = "anonymous"
    action = AuditEntry.Action.UPDATE
    object_type = "catalog.service"
    object_id = factory.Sequence(str)
    summary = "changed"


class NotificationLogFactory(DjangoModelFactory):
    class Meta:
        model = NotificationLog

    channel = NotificationLog.Channel.EMAIL
    recipient_masked = "s***@example.test"
    subject = "Permohonan Anda"
    reference = factory.Sequence(lambda n: f"TRK-{n:06d}")


class HeartbeatFactory(DjangoModelFactory):
    class Meta:
        model = Heartbeat
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"process-{n}")
    beat_at = factory.LazyFunction(timezone.now)
