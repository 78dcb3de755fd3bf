from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "satupintu.feedback"
    label = "feedback"
    verbose_name = _("feedback")

    def ready(self) -> None:
        from satupintu.feedback import deliveries, jobs  # noqa: F401 - LAPOR channels, jobs
