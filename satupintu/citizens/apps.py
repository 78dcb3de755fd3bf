from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "satupintu.citizens"
    label = "citizens"
    verbose_name = _("citizen accounts")

    def ready(self) -> None:
        # The queue's API takes `"channel": "remote"` tickets through the hook it offers; the
        # remote ticket (a citizen's account, an arrival window) belongs to this app.
        from satupintu.citizens import remote
        from satupintu.queueing import hooks

        hooks.register_remote_ticket_issuer(remote.issue_for_api)
        from satupintu.citizens import jobs  # noqa: F401 - registers the periodic job
