from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "satupintu.planning"
    label = "planning"
    verbose_name = _("planning")

    def ready(self) -> None:
        from satupintu.planning import jobs  # noqa: F401 - periodic jobs
        from satupintu.planning.dashboard import predicted_table
        from satupintu.reports.tables import register_table

        register_table("predicted", predicted_table)
