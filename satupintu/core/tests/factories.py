from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from satupintu.core.models import AuditEntry


class AuditEntryFactory(DjangoModelFactory):
    class Meta:
        model = AuditEntry

    actor = None
    actor_label = "anonymous"
    action = AuditEntry.Action.UPDATE
    object_type = "catalog.service"
    object_id = factory.Sequence(str)
    summary = "changed"
