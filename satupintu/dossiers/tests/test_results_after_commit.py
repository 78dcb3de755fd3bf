"""The result PDF is made after the issuing transition commits: the transition records the
result, an idempotent task renders, signs and stores it with no row lock held meanwhile, a
rollback leaves neither row nor file, and a periodic run catches up results whose task was lost."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import TestCase

from satupintu.dossiers import pdf, services
from satupintu.dossiers.models import Dossier, ResultDocument
from satupintu.dossiers.tests.conftest import World, make_dossier, tick_all_present


def _approved(world: World) -> Dossier:
    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    services.dossier_transition(actor=world.counter, dossier_id=dossier.pk, action="verify")
    services.dossier_transition(actor=world.bo, dossier_id=dossier.pk, action="process")
    services.dossier_transition(actor=world.bo, dossier_id=dossier.pk, action="approve")
    return dossier


def _issue(world: World, dossier: Dossier) -> ResultDocument:
    services.dossier_transition(actor=world.bo, dossier_id=dossier.pk, action="issue_result")
    return ResultDocument.objects.get(dossier=dossier)


@pytest.fixture
def tasks_kept(settings: Any) -> None:
    """Queued tasks are kept, not run (no worker): the test runs them itself."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _stored_pdfs(settings: Any) -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*.pdf") if p.is_file())


@pytest.mark.django_db
def test_the_transition_records_the_result_and_the_task_makes_its_pdf_once(
    world: World, settings: Any
) -> None:
    dossier = _approved(world)
    with TestCase.captureOnCommitCallbacks() as after_commit:
        result = _issue(world, dossier)
    # Committed: the dossier moved on and the result is recorded, without its file yet.
    dossier.refresh_from_db()
    assert dossier.status == "result_issued"
    assert result.issued_by == world.bo
    assert not result.file
    assert not result.sha256
    assert _stored_pdfs(settings) == []
    pending = world.client(world.bo).get(f"/api/v1/dossiers/{dossier.pk}/result.pdf")
    assert pending.status_code == 404
    assert "being prepared" in pending.json()["detail"]
    # The task was queued for after the commit (beside the applicant's message).
    assert len(after_commit) >= 1
    for callback in after_commit:
        callback()  # the immediate task backend runs `result_render_task` right here
    result.refresh_from_db()
    assert result.file
    assert result.signer_subject
    assert [p.name for p in _stored_pdfs(settings)] == [f"{result.verification_code}.pdf"]
    ready = world.client(world.bo).get(f"/api/v1/dossiers/{dossier.pk}/result.pdf")
    assert ready.status_code == 200
    # Run again (a retried task, the periodic catch-up): nothing more is made.
    first_name, first_sha = result.file.name, result.sha256
    assert services.result_render(result_id=result.pk) is False
    result.refresh_from_db()
    assert (result.file.name, result.sha256) == (first_name, first_sha)
    assert len(_stored_pdfs(settings)) == 1
    assert ResultDocument.objects.filter(dossier=dossier).count() == 1


@pytest.mark.django_db
def test_a_rolled_back_transition_leaves_no_result_no_file_and_no_task(
    world: World, settings: Any
) -> None:
    dossier = _approved(world)

    class Abort(Exception):
        pass

    def issue_then_fail() -> None:
        with transaction.atomic():
            _issue(world, dossier)
            raise Abort  # anything later in the same transaction fails

    with TestCase.captureOnCommitCallbacks(execute=True) as after_commit, pytest.raises(Abort):
        issue_then_fail()
    assert after_commit == []
    dossier.refresh_from_db()
    assert dossier.status == "approved"
    assert not ResultDocument.objects.exists()
    assert _stored_pdfs(settings) == []


@pytest.mark.django_db
def test_a_render_whose_transaction_fails_deletes_its_file(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dossier = _approved(world)
    with TestCase.captureOnCommitCallbacks():
        result = _issue(world, dossier)
    real_save = ResultDocument.save

    def refused(self: ResultDocument, *args: Any, **kwargs: Any) -> None:
        if "file" in (kwargs.get("update_fields") or ()):
            raise DatabaseError("the database went away")  # a fault outside our code
        real_save(self, *args, **kwargs)

    monkeypatch.setattr(ResultDocument, "save", refused)
    with pytest.raises(DatabaseError):
        services.result_render(result_id=result.pk)
    assert _stored_pdfs(settings) == []  # the file written before the failed update is gone
    monkeypatch.setattr(ResultDocument, "save", real_save)
    assert services.result_render(result_id=result.pk) is True
    assert len(_stored_pdfs(settings)) == 1


@pytest.mark.django_db
def test_the_periodic_run_makes_results_whose_task_was_lost(world: World, settings: Any) -> None:
    dossier = _approved(world)
    with TestCase.captureOnCommitCallbacks():  # the task is never run: a worker died
        result = _issue(world, dossier)
    assert services.results_render_pending() == 0  # too recent: its own task may still run
    from datetime import timedelta

    assert services.results_render_pending(older_than=timedelta(0)) == 1
    assert services.results_render_pending(older_than=timedelta(0)) == 0
    result.refresh_from_db()
    assert result.file
    assert len(_stored_pdfs(settings)) == 1


@pytest.mark.django_db
def test_an_agency_without_a_signing_key_is_refused_at_the_transition(
    world: World, settings: Any, tmp_path: Path
) -> None:
    dossier = _approved(world)
    settings.SIGNING_DIR = str(tmp_path / "no-keys")
    settings.SIGNING_AUTO_INIT = False
    response = world.client(world.bo).post(
        f"/api/v1/dossiers/{dossier.pk}/transitions",
        data={"action": "issue_result"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "signing_init" in str(response.json()["detail"])
    dossier.refresh_from_db()
    assert dossier.status == "approved"
    assert not ResultDocument.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_no_lock_is_held_while_the_pdf_is_rendered(
    world: World, monkeypatch: pytest.MonkeyPatch, tasks_kept: None
) -> None:
    """While the task renders, the task's connection is in no transaction, and (PostgreSQL)
    another connection may lock the dossier and the result at once (NOWAIT)."""
    dossier = _approved(world)
    with TestCase.captureOnCommitCallbacks():
        result = _issue(world, dossier)
    seen: list[Any] = []
    real_render = pdf.render_result_pdf

    def others_may_lock() -> None:
        try:
            with transaction.atomic():
                Dossier.objects.select_for_update(nowait=True).get(pk=dossier.pk)
                ResultDocument.objects.select_for_update(nowait=True).get(pk=result.pk)
            seen.append("locked by another connection")
        except DatabaseError as exc:
            seen.append(exc)
        finally:
            connection.close()

    def watched_render(row: ResultDocument) -> bytes:
        seen.append(connection.in_atomic_block)
        if connection.vendor == "postgresql":
            other = threading.Thread(target=others_may_lock)
            other.start()
            other.join(30)
        return real_render(row)

    monkeypatch.setattr(pdf, "render_result_pdf", watched_render)
    assert services.result_render(result_id=result.pk) is True
    expected: list[Any] = [False]
    if connection.vendor == "postgresql":
        expected.append("locked by another connection")
    assert seen == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_rendering_at_once_store_one_file(
    world: World, settings: Any, tasks_kept: None
) -> None:
    dossier = _approved(world)
    with TestCase.captureOnCommitCallbacks():
        result = _issue(world, dossier)
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def run() -> None:
        try:
            barrier.wait(10)
            outcomes.append(services.result_render(result_id=result.pk))
        except BaseException as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(outcomes) == [False, True]
    result.refresh_from_db()
    assert [p.name for p in _stored_pdfs(settings)] == [Path(result.file.name).name]
