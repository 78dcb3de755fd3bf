"""Background work of dossiers: the SLA deadline check (periodic and after transitions)."""

from __future__ import annotations

from django_tasks import task


@task()
def dossier_sla_check(dossier_id: int | None = None) -> int:
    """Warn supervisors about dossiers past a state deadline; the number of warnings sent."""
    from satupintu.dossiers.services import sla_warn_overdue

    ids = [dossier_id] if dossier_id is not None else None
    return len(sla_warn_overdue(dossier_ids=ids))
