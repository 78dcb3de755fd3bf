from typing import Any

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
        _drop_lookups_on_change()
        from satupintu.queueing import jobs  # noqa: F401 - registers the periodic jobs


def _drop_lookups_on_change() -> None:
    """The hot path's cached catalog rows and memberships (`queueing.lookups`) go as soon as a
    row behind them is saved or deleted, and again after commit (a reader in between may have
    cached the row as it was before the change)."""
    from django.db import transaction
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from satupintu.accounts.models import Membership
    from satupintu.catalog.models import (
        Agency,
        ClosureDay,
        Counter,
        Floor,
        Mall,
        OpeningHours,
        Partnership,
        Service,
    )
    from satupintu.queueing import lookups, selectors

    def twice(drop: Any, *args: Any) -> None:
        drop(*args)
        transaction.on_commit(lambda: drop(*args))

    def service_changed(sender: Any, instance: Service, **kwargs: Any) -> None:
        twice(lookups.drop_services, [instance.pk])

    def agency_changed(sender: Any, instance: Agency, **kwargs: Any) -> None:
        twice(lookups.drop_services, list(instance.services.values_list("pk", flat=True)))

    def partnership_changed(sender: Any, instance: Partnership, **kwargs: Any) -> None:
        # Whether the agency may take tickets (`lookups.service(...).agency_serving`).
        twice(
            lookups.drop_services,
            list(Service.objects.filter(agency_id=instance.agency_id).values_list("pk", flat=True)),
        )

    def mall_changed(sender: Any, instance: Mall, **kwargs: Any) -> None:
        twice(lookups.drop_mall, instance.pk)

    def floor_changed(sender: Any, instance: Floor, **kwargs: Any) -> None:
        twice(lookups.drop_counters, list(instance.counters.values_list("pk", flat=True)))

    def counter_changed(sender: Any, instance: Counter, **kwargs: Any) -> None:
        twice(lookups.drop_counters, [instance.pk])

    def calendar_changed(sender: Any, instance: OpeningHours | ClosureDay, **kwargs: Any) -> None:
        twice(lookups.drop_calendar, instance.mall_id)

    def membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
        twice(lookups.drop_memberships, instance.user_id)

    def layout_changed(
        sender: Any, instance: Any, action: str, pk_set: set[int] | None, **kwargs: Any
    ) -> None:
        if not action.startswith("post_"):
            return
        # Added from either side: counter.services.add(...) or service.counters.add(...).
        if isinstance(instance, Counter):
            counter_ids, service_ids = [instance.pk], list(pk_set or [])
        else:
            counter_ids, service_ids = list(pk_set or []), [instance.pk]
        twice(selectors.drop_layout, counter_ids, service_ids)
        twice(lookups.drop_counters, counter_ids)

    uid = "queueing.lookups"
    for model, receiver in (
        (Service, service_changed),
        (Agency, agency_changed),
        (Partnership, partnership_changed),
        (Mall, mall_changed),
        (Floor, floor_changed),
        (Counter, counter_changed),
        (OpeningHours, calendar_changed),
        (ClosureDay, calendar_changed),
        (Membership, membership_changed),
    ):
        # weak=False: the receivers are closures of this function, kept alive by the signal.
        post_save.connect(
            receiver, sender=model, weak=False, dispatch_uid=f"{uid}.save.{model.__name__}"
        )
        post_delete.connect(
            receiver, sender=model, weak=False, dispatch_uid=f"{uid}.delete.{model.__name__}"
        )
    m2m_changed.connect(
        layout_changed,
        sender=Counter.services.through,
        weak=False,
        dispatch_uid=f"{uid}.counter-services",
    )
