"""Periodic jobs of dossiers: the SLA sweep."""

from __future__ import annotations

from satupintu.core.scheduler import register_job


def sla_sweep() -> int:
    """Warn supervisors, once per dossier and state, about dossiers past a state deadline."""
    from satupintu.dossiers.services import sla_warn_overdue

    return len(sla_warn_overdue())


register_job("sla-sweep", "0 * * * *", sla_sweep, "SLA sweep of dossiers")
