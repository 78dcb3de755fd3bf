"""The audit trail: what `audit_record` writes, and that written lines never change."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from satupintu.accounts.tests.factories import UserFactory
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.core.audit import audit_record, model_changes
from satupintu.core.models import AuditEntry
from satupintu.core.tests.factories import AuditEntryFactory

pytestmark = pytest.mark.django_db


def test_a_record_names_the_actor_the_row_and_its_mall() -> None:
    user = UserFactory(username="siti")
    service = ServiceFactory()
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    entry = audit_record(
        actor=user,
        action="update",
        obj=service,
        summary="fee changed",
        changes={"fee": [0, 30000]},
        request=request,
    )
    entry.refresh_from_db()
    assert entry.actor == user
    assert entry.actor_label == "siti"
    assert entry.object_type == "catalog.service"
    assert entry.object_id == str(service.pk)
    assert entry.mall_id == service.mall_id
    assert entry.changes == {"fee": [0, 30000]}
    assert entry.ip_address == "10.1.2.3"
    assert entry.at is not None


def test_an_anonymous_actor_is_recorded_as_anonymous() -> None:
    from django.contrib.auth.models import AnonymousUser

    entry = audit_record(actor=AnonymousUser(), action="view", object_type="x", object_id=1)
    assert entry.actor is None
    assert entry.actor_label == "anonymous"


def test_an_entry_cannot_be_changed() -> None:
    entry = AuditEntryFactory(summary="original")
    entry.summary = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    entry.refresh_from_db()
    assert entry.summary == "original"


def test_an_entry_cannot_be_deleted() -> None:
    entry = AuditEntryFactory()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_bulk_update_and_delete_are_refused() -> None:
    entry = AuditEntryFactory(summary="original")
    with pytest.raises(ValueError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(ValueError, match="append-only"):
        AuditEntry.objects.all().delete()
    entry.refresh_from_db()
    assert entry.summary == "original"


def test_entries_only_accumulate_newest_first() -> None:
    first = AuditEntryFactory()
    second = AuditEntryFactory()
    assert list(AuditEntry.objects.all()) == [second, first]


def test_deleting_the_actor_keeps_the_line_and_the_name() -> None:
    user = UserFactory(username="budi")
    entry = audit_record(actor=user, action="login", object_type="accounts.user", object_id=1)
    user.delete()
    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_label == "budi"


def test_model_changes_lists_only_what_changed_in_json_safe_form() -> None:
    service = ServiceFactory(fee=0, name="Lama")
    before = {"fee": 0, "name": "Lama", "updated_at": service.updated_at}
    service.fee = 30000
    diff = model_changes(service, ["fee", "name", "updated_at"], before)
    assert diff == {"fee": [0, 30000]}
    service.updated_at = None
    diff = model_changes(service, ["updated_at"], before)
    assert diff["updated_at"][0] == str(before["updated_at"])
