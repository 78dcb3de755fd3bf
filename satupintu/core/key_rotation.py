"""Re-encryption of every stored personal value under the newest PERSONAL_DATA_KEYS entry.

Every model that holds encrypted values lists them in `PERSONAL_DATA_COLUMNS` (see
`core.crypto.EncryptedColumn`); nothing else needs to know which tables they are. Rows are
handled in batches, each batch in one transaction with its rows locked, so a value edited at
the same time is never overwritten with its older self, and an interrupted run simply resumes:
values already under the newest key are left as they are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction

from satupintu.core.audit import audit_record
from satupintu.core.crypto import EncryptedColumn, lookup_hash, reencrypt_personal
from satupintu.core.models import AuditEntry


@dataclass
class RotationCount:
    model: str
    rows: int = 0
    reencrypted: int = 0
    rehashed: int = 0
    unreadable: int = 0


def models_with_personal_data() -> list[tuple[type[models.Model], tuple[EncryptedColumn, ...]]]:
    return [
        (model, model.PERSONAL_DATA_COLUMNS)  # type: ignore[attr-defined]
        for model in apps.get_models()
        if getattr(model, "PERSONAL_DATA_COLUMNS", None)
    ]


def _rotate_row(
    row: models.Model, columns: tuple[EncryptedColumn, ...], count: RotationCount
) -> list[str]:
    changed: list[str] = []
    for column in columns:
        outcome = reencrypt_personal(getattr(row, column.field), purpose=column.purpose)
        if not outcome.readable:
            count.unreadable += 1
            continue
        if outcome.changed:
            setattr(row, column.field, outcome.token)
            changed.append(column.field)
            count.reencrypted += 1
        if column.lookup_field and outcome.value:
            fresh = lookup_hash(outcome.value, purpose=column.purpose)
            if getattr(row, column.lookup_field) != fresh:
                setattr(row, column.lookup_field, fresh)
                changed.append(column.lookup_field)
                count.rehashed += 1
    return changed


def personal_data_rotate(*, batch_size: int = 500, dry_run: bool = False) -> list[RotationCount]:
    """Bring every encrypted value and keyed hash under the newest key; count what was done
    (with `dry_run`, what would be done)."""
    counts = []
    for model, columns in models_with_personal_data():
        count = RotationCount(model=model._meta.label)
        fields = [
            "pk",
            *(c.field for c in columns),
            *(c.lookup_field for c in columns if c.lookup_field),
        ]
        manager: Any = model._default_manager
        last_pk: Any = None
        while True:
            with transaction.atomic():
                batch = manager.select_for_update().order_by("pk").only(*fields)
                if last_pk is not None:
                    batch = batch.filter(pk__gt=last_pk)
                rows = list(batch[:batch_size])
                if not rows:
                    break
                last_pk = rows[-1].pk
                dirty, changed_fields = [], set()
                for row in rows:
                    count.rows += 1
                    changed = _rotate_row(row, columns, count)
                    if changed:
                        dirty.append(row)
                        changed_fields.update(changed)
                if dirty and not dry_run:
                    manager.bulk_update(dirty, sorted(changed_fields))
        counts.append(count)
    if not dry_run:
        audit_record(
            actor=None,
            action=AuditEntry.Action.UPDATE,
            object_type="core.personal_data",
            summary="personal data re-encrypted under the newest key",
            changes={
                c.model: {"reencrypted": c.reencrypted, "unreadable": c.unreadable} for c in counts
            },
        )
    return counts
