from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "satupintu.reports"
    label = "reports"
    verbose_name = _("reports")

    def ready(self) -> None:
        from satupintu.core.late_events import on_past_day_changed
        from satupintu.reports import jobs  # noqa: F401 - registers the nightly roll-ups
        from satupintu.reports.services import rollup_mark_stale

        on_past_day_changed(rollup_mark_stale)
