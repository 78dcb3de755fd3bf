"""Daily roll-ups of the recorded events, so that KPIs over years read hundreds of rows, not
millions. They hold nothing that cannot be rebuilt from the source rows (`rollup_rebuild`), and
carry one-minute histograms so that medians and 90th percentiles come from them too."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RollupLevel(models.TextChoices):
    MALL = "mall", _("whole mall")
    AGENCY = "agency", _("agency")
    SERVICE = "service", _("service")


class DailyTicketStats(models.Model):
    """The visits (ticket numbers) of one mall-local day, at one level: the whole mall, one
    agency, or one service. The three levels are written together from one computation; a
    query reads the one level that matches its filter, so histograms never need merging across
    services."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    level = models.CharField(_("level"), max_length=8, choices=RollupLevel.choices)
    agency = models.ForeignKey(
        "catalog.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    tickets = models.PositiveIntegerField(_("visits"), default=0)
    served = models.PositiveIntegerField(_("served"), default=0)
    not_served = models.PositiveIntegerField(_("finished, not served"), default=0)
    no_show = models.PositiveIntegerField(_("no-shows"), default=0)
    abandoned = models.PositiveIntegerField(_("abandoned"), default=0)
    transferred = models.PositiveIntegerField(_("transferred"), default=0)
    # Waiting: first call - arrival, one per called visit; sums in microseconds (exact).
    wait_count = models.PositiveIntegerField(_("called visits"), default=0)
    wait_us = models.BigIntegerField(_("waiting time (µs)"), default=0)
    wait_hist = models.JSONField(_("waiting minutes histogram"), default=dict)
    # Service: finish - start, one per service episode.
    service_count = models.PositiveIntegerField(_("service episodes"), default=0)
    service_us = models.BigIntegerField(_("service time (µs)"), default=0)
    service_hist = models.JSONField(_("service minutes histogram"), default=dict)
    by_channel = models.JSONField(_("visits by channel"), default=dict)
    by_priority = models.JSONField(_("visits by priority class"), default=dict)
    # Per arrival hour (mall time): [visits, served, no_show, abandoned, wait_count, wait_us].
    by_hour = models.JSONField(_("by hour"), default=dict)

    class Meta:
        verbose_name = _("daily ticket statistics")
        verbose_name_plural = _("daily ticket statistics")
        ordering = ["mall", "day", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["mall", "day"],
                condition=models.Q(level="mall"),
                name="daily_ticket_stats_mall_unique",
            ),
            models.UniqueConstraint(
                fields=["mall", "day", "agency"],
                condition=models.Q(level="agency"),
                name="daily_ticket_stats_agency_unique",
            ),
            models.UniqueConstraint(
                fields=["mall", "day", "service"],
                condition=models.Q(level="service"),
                name="daily_ticket_stats_service_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["mall", "level", "day"], name="dts_mall_level_day_idx"),
            models.Index(fields=["agency", "level", "day"], name="dts_agency_level_day_idx"),
            models.Index(fields=["service", "level", "day"], name="dts_service_level_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mall_id} {self.day} {self.level} {self.agency_id} {self.service_id}"


class DailyDossierStats(models.Model):
    """Dossiers of one service on one mall-local day: received that day, SLA clock stopped that
    day (and how many of those on time), and the open and overdue ones at the end of the day."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    agency = models.ForeignKey(
        "catalog.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    received = models.PositiveIntegerField(_("received"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    completed_on_time = models.PositiveIntegerField(_("completed on time"), default=0)

    class Meta:
        verbose_name = _("daily dossier statistics")
        verbose_name_plural = _("daily dossier statistics")
        ordering = ["mall", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["mall", "day", "service"], name="daily_dossier_stats_unique"
            )
        ]
        indexes = [
            models.Index(fields=["mall", "day"], name="dds_mall_day_idx"),
            models.Index(fields=["agency", "day"], name="dds_agency_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mall_id} {self.day} {self.service_id}"


class DailySurveyStats(models.Model):
    """Satisfaction surveys of one service on one mall-local day: respondents and the sum of
    each unsur's answers, which is all the IKM needs."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    agency = models.ForeignKey(
        "catalog.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    respondents = models.PositiveIntegerField(_("respondents"), default=0)
    sums = models.JSONField(_("sums per unsur"), default=dict)

    class Meta:
        verbose_name = _("daily survey statistics")
        verbose_name_plural = _("daily survey statistics")
        ordering = ["mall", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["mall", "day", "service"], name="daily_survey_stats_unique"
            )
        ]
        indexes = [
            models.Index(fields=["mall", "day"], name="dss_mall_day_idx"),
            models.Index(fields=["agency", "day"], name="dss_agency_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mall_id} {self.day} {self.service_id}"


class DailyWorkStats(models.Model):
    """What one officer finished at one counter for one agency on one mall-local day (from the
    `start`/`finish` events), for officer throughput and counter utilisation."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    counter = models.ForeignKey(
        "catalog.Counter",
        verbose_name=_("counter"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    agency = models.ForeignKey(
        "catalog.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+"
    )
    finished = models.PositiveIntegerField(_("finished"), default=0)
    served = models.PositiveIntegerField(_("served"), default=0)
    service_count = models.PositiveIntegerField(_("timed services"), default=0)
    service_us = models.BigIntegerField(_("service time (µs)"), default=0)

    class Meta:
        verbose_name = _("daily work statistics")
        verbose_name_plural = _("daily work statistics")
        ordering = ["mall", "day"]
        indexes = [models.Index(fields=["mall", "day"], name="dws_mall_day_idx")]

    def __str__(self) -> str:
        return f"{self.mall_id} {self.day} {self.counter_id} {self.officer_id}"


class RollupDay(models.Model):
    """Marks a past mall-local day whose roll-ups are built. A day without this row is computed
    live from the source rows (and its roll-up is queued), so a missing roll-up is never read as
    zero."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    built_at = models.DateTimeField(_("built at"), auto_now=True)

    class Meta:
        verbose_name = _("built roll-up day")
        verbose_name_plural = _("built roll-up days")
        constraints = [models.UniqueConstraint(fields=["mall", "day"], name="rollup_day_unique")]

    def __str__(self) -> str:
        return f"{self.mall_id} {self.day}"
