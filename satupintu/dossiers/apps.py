from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "satupintu.dossiers"
    label = "dossiers"
    verbose_name = _("dossiers")

    def ready(self) -> None:
        from satupintu.dossiers import checks, jobs  # noqa: F401 - deploy checks, periodic jobs
