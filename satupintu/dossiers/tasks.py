"""Background work of dossiers: the SLA deadline check (periodic and after transitions), and
the result PDF, rendered, signed and stored after the transition that issued it commits."""

from __future__ import annotations

from django_tasks import task


@task()
def dossier_sla_check(dossier_id: int | None = None) -> int:
    """Warn supervisors about dossiers past a state deadline; the number of warnings sent."""
    from satupintu.dossiers.services import sla_warn_overdue

    ids = [dossier_id] if dossier_id is not None else None
    return len(sla_warn_overdue(dossier_ids=ids))


@task()
def result_render_task(result_id: int) -> bool:
    """Render, sign and store the PDF of an issued result (idempotent: see
    `services.result_render`); True when this run stored it."""
    from satupintu.dossiers.services import result_render

    return result_render(result_id=result_id)


@task()
def results_render_pending_task() -> int:
    """The periodic catch-up: results issued a while ago that still have no PDF."""
    from satupintu.dossiers.services import results_render_pending

    return results_render_pending()
