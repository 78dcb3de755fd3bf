"""Writing the audit trail. Call `audit_record` inside the transaction of the change it
describes, so that the trail and the change commit or roll back together."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from satupintu.core.client_address import client_ip
from satupintu.core.models import AuditEntry


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    mall_id: int | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if mall_id is None:
            mall_id = getattr(obj, "mall_id", None)
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_person else None,
        actor_label=(actor.get_username() if is_person else "anonymous")[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        mall_id=mall_id,
        summary=summary[:255],
        changes=changes or {},
        ip_address=(client_ip(request) or None) if request is not None else None,
    )


def model_changes(
    instance: models.Model, fields: list[str], before: dict[str, Any]
) -> dict[str, Any]:
    """The fields whose value differs from `before`, as {field: [old, new]} in JSON-safe form."""
    diff: dict[str, Any] = {}
    for name in fields:
        new = getattr(instance, name)
        old = before.get(name)
        if old != new:
            diff[name] = [_json_safe(old), _json_safe(new)]
    return diff


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)
