"""Rotation of the personal-data key over every encrypted column: NIKs of dossiers,
appointments and outreach requests, and the outreach disability and health notes."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from satupintu.core.crypto import UNREADABLE, encrypt_personal, lookup_hash
from satupintu.core.key_rotation import models_with_personal_data
from satupintu.core.models import AuditEntry
from satupintu.dossiers.models import Dossier
from satupintu.dossiers.tests.result_factories import make_dossier
from satupintu.outreach.models import OutreachRequest, OutreachSensitiveNote
from satupintu.outreach.tests.factories import VALID_NIK, make_request, outreach_setup
from satupintu.queueing.models import Appointment

pytestmark = pytest.mark.django_db

OLD = "personal-data-key-of-last-year-0123456789ab"
NEW = "personal-data-key-of-this-year-0123456789cd"
OTHER_NIK = "3471011203900001"


def _rows_under_the_old_key(settings: Any) -> dict[str, Any]:
    settings.PERSONAL_DATA_KEYS = [OLD]
    world = outreach_setup()
    request = make_request(world["mall"], [world["ktp"].pk])
    dossier = make_dossier(mall=world["mall"])
    Dossier.objects.filter(pk=dossier.pk).update(
        applicant_nik_encrypted=encrypt_personal(OTHER_NIK, purpose="nik"),
        applicant_nik_hash=lookup_hash(OTHER_NIK, purpose="nik"),
    )
    slot = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    appointment = Appointment.objects.create(
        mall=world["mall"],
        service=world["ktp"],
        date=slot.date(),
        slot_start=slot.time(),
        slot_at=slot,
        name="Siti",
        phone="+6281234567890",
        nik_encrypted=encrypt_personal(VALID_NIK, purpose="nik"),
        nik_hash=lookup_hash(VALID_NIK, purpose="nik"),
        nik_masked="3471**********03",
        code="ROTATE01",
    )
    return {"request": request, "dossier": dossier, "appointment": appointment}


def _reload(rows: dict[str, Any]) -> dict[str, Any]:
    return {
        "request": OutreachRequest.objects.get(pk=rows["request"].pk),
        "note": OutreachSensitiveNote.objects.get(request_id=rows["request"].pk),
        "dossier": Dossier.objects.get(pk=rows["dossier"].pk),
        "appointment": Appointment.objects.get(pk=rows["appointment"].pk),
    }


def _clear_values(rows: dict[str, Any]) -> dict[str, str]:
    from satupintu.core.crypto import decrypt_personal

    return {
        "outreach nik": rows["request"].nik,
        "disability": rows["note"].disability,
        "health": rows["note"].health,
        "dossier nik": decrypt_personal(rows["dossier"].applicant_nik_encrypted, purpose="nik"),
        "appointment nik": decrypt_personal(rows["appointment"].nik_encrypted, purpose="nik"),
    }


def test_every_encrypted_column_is_declared() -> None:
    declared = {
        (model._meta.label, column.field) for model, columns in models_with_personal_data()
        for column in columns
    }  # fmt: skip
    assert declared == {
        ("queueing.Appointment", "nik_encrypted"),
        ("dossiers.Dossier", "applicant_nik_encrypted"),
        ("outreach.OutreachRequest", "nik_encrypted"),
        ("outreach.OutreachSensitiveNote", "disability_encrypted"),
        ("outreach.OutreachSensitiveNote", "health_encrypted"),
        ("core.OutboxMessage", "payload_sealed"),
        ("citizens.CitizenProfile", "nik_encrypted"),
    }


def test_rotation_reencrypts_every_value_and_its_lookup_hash(settings: Any) -> None:
    rows = _rows_under_the_old_key(settings)
    before = _clear_values(_reload(rows))
    assert UNREADABLE not in before.values()
    settings.PERSONAL_DATA_KEYS = [NEW, OLD]
    assert _clear_values(_reload(rows)) == before  # the old key still opens them

    out = StringIO()
    call_command("personal_data_rotate", "--batch-size", "2", stdout=out)
    assert "dossiers.Dossier: 1 rows, re-encrypted 1 values, 1 look-up hashes" in out.getvalue()
    assert "outreach.OutreachSensitiveNote: 1 rows, re-encrypted 2 values" in out.getvalue()

    settings.PERSONAL_DATA_KEYS = [NEW]  # the old key is gone: everything still reads
    after = _reload(rows)
    assert _clear_values(after) == before
    assert after["dossier"].applicant_nik_hash == lookup_hash(OTHER_NIK, purpose="nik")
    assert after["appointment"].nik_hash == lookup_hash(VALID_NIK, purpose="nik")
    assert AuditEntry.objects.filter(object_type="core.personal_data").count() == 1

    # A second run finds nothing to do.
    settings.PERSONAL_DATA_KEYS = [NEW, OLD]
    again = StringIO()
    call_command("personal_data_rotate", stdout=again)
    assert "re-encrypted 1 values" not in again.getvalue()
    assert "re-encrypted 0 values, 0 look-up hashes, 0 unreadable" in again.getvalue()


def test_a_dry_run_changes_nothing(settings: Any) -> None:
    rows = _rows_under_the_old_key(settings)
    stored = _reload(rows)["dossier"].applicant_nik_encrypted
    settings.PERSONAL_DATA_KEYS = [NEW, OLD]
    out = StringIO()
    call_command("personal_data_rotate", "--dry-run", stdout=out)
    assert "would re-encrypt 1 values" in out.getvalue()
    assert _reload(rows)["dossier"].applicant_nik_encrypted == stored


def test_values_no_key_opens_are_reported_and_left_alone(settings: Any) -> None:
    rows = _rows_under_the_old_key(settings)
    stored = _reload(rows)["appointment"].nik_encrypted
    settings.PERSONAL_DATA_KEYS = [NEW]  # the old key was dropped too early
    with pytest.raises(CommandError, match="open with none of PERSONAL_DATA_KEYS"):
        call_command("personal_data_rotate", stdout=StringIO())
    assert _reload(rows)["appointment"].nik_encrypted == stored
    settings.PERSONAL_DATA_KEYS = [NEW, OLD]  # put back, the values are there to be read
    assert UNREADABLE not in _clear_values(_reload(rows)).values()
