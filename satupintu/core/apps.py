import atexit
import os

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "satupintu.core"
    label = "core"
    verbose_name = _("core")

    def ready(self) -> None:
        from prometheus_client import multiprocess

        from satupintu.core import (
            checks,  # noqa: F401 - registers the deployment checks
            jobs,  # noqa: F401 - registers the outbox's periodic jobs
            notify,  # noqa: F401 - registers the e-mail and message channels
        )
        from satupintu.core.metrics import core_metrics, register_scrape_collector

        register_scrape_collector(core_metrics)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # A process that ends takes its live gauges (open SSE streams) with it.
            atexit.register(multiprocess.mark_process_dead, os.getpid())
