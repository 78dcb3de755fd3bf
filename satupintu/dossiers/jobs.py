"""Periodic jobs of dossiers: the SLA sweep, and the result PDFs whose task was lost."""

from __future__ import annotations

from satupintu.core.scheduler import register_job


def sla_sweep() -> int:
    """Warn supervisors, once per dossier and state, about dossiers past a state deadline."""
    from satupintu.dossiers.services import sla_warn_overdue

    return len(sla_warn_overdue())


register_job("sla-sweep", "0 * * * *", sla_sweep, "SLA sweep of dossiers")


def results_render() -> int:
    """Render, sign and store results issued a while ago that still have no file."""
    from satupintu.dossiers.services import results_render_pending

    return results_render_pending()


register_job("results-render-pending", "*/5 * * * *", results_render, "Result PDFs still to make")
