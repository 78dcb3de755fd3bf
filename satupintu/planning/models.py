from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArrivalForecast(models.Model):
    """Expected walk-in arrivals of one service in one hour (mall time) of one day, made by the
    nightly forecast (`forecast.forecast_store`) from the daily roll-ups."""

    class Kind(models.TextChoices):
        NORMAL = "normal", _("normal day")
        AFTER_BREAK = "after_break", _("first day after holidays or closure")
        BEFORE_BREAK = "before_break", _("last day before holidays or closure")
        CLOSED = "closed", _("closed")

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    expected = models.FloatField(_("expected arrivals"))
    kind = models.CharField(_("kind of day"), max_length=16, choices=Kind.choices)
    history_days = models.PositiveSmallIntegerField(_("days of history used"), default=0)
    made_at = models.DateTimeField(_("made at"), auto_now=True)

    class Meta:
        verbose_name = _("arrival forecast")
        verbose_name_plural = _("arrival forecasts")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "day", "hour"], name="arrival_forecast_unique"
            )
        ]
        indexes = [models.Index(fields=["mall", "day"], name="arrival_forecast_mall_day_idx")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.day} {self.hour}:00 {self.expected:.1f}"
