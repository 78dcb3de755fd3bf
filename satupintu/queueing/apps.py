from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueingConfig(AppConfig):
    name = "satupintu.queueing"
    label = "queueing"
    verbose_name = _("queueing")

    def ready(self) -> None:
        from satupintu.core.metrics import register_scrape_collector
        from satupintu.queueing.metrics import queue_metrics

        register_scrape_collector(queue_metrics)
