from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Display(models.Model):
    """A display board (papan informasi antrian) for one floor, or the whole mall when no floor."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="displays"
    )
    floor = models.ForeignKey(
        "catalog.Floor",
        verbose_name=_("floor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="displays",
    )
    name = models.CharField(_("name"), max_length=100)
    running_text = models.TextField(_("running text"), blank=True)
    device = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("device account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="display",
    )

    class Meta:
        verbose_name = _("display board")
        verbose_name_plural = _("display boards")
        ordering = ["mall", "name"]

    def __str__(self) -> str:
        return self.name


class Kiosk(models.Model):
    """A ticket kiosk (anjungan), optionally with a network thermal printer."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="kiosks"
    )
    floor = models.ForeignKey(
        "catalog.Floor",
        verbose_name=_("floor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kiosks",
    )
    name = models.CharField(_("name"), max_length=100)
    printer_host = models.CharField(
        _("printer address"),
        max_length=255,
        blank=True,
        help_text=_(
            "Host name or IP of an ESC/POS network printer; empty prints from the browser."
        ),
    )
    printer_port = models.PositiveIntegerField(_("printer port"), default=9100)
    device = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("device account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kiosk",
    )

    class Meta:
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")
        ordering = ["mall", "name"]

    def __str__(self) -> str:
        return self.name
