from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "satupintu.catalog"
    label = "catalog"
    verbose_name = _("catalog")

    def ready(self) -> None:
        from satupintu.catalog import jobs, partners  # noqa: F401 - MOU channel, periodic jobs
