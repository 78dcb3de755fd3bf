"""Display boards and kiosks in the admin, managed by the mall admin of their mall."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from satupintu.accounts.admin import ScopedModelAdmin, admin_scope
from satupintu.accounts.models import Membership, Role, User
from satupintu.queueing.models import Display, Kiosk


class DeviceChoiceMixin:
    device_role: str

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "device":
            kwargs["queryset"] = device_choices(request, self.device_role)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


def device_choices(request: HttpRequest, role: str) -> QuerySet[User]:
    """Device accounts holding `role` in a mall whose equipment the person administers."""
    scope = admin_scope(request, "equipment")
    devices = User.objects.filter(is_device=True)
    if scope.everywhere:
        return devices
    members = Membership.objects.filter(role=role).within(scope)
    return devices.filter(pk__in=members.values("user_id"))


@admin.register(Display)
class DisplayAdmin(DeviceChoiceMixin, ScopedModelAdmin):
    device_role = Role.DISPLAY
    list_display = ("name", "mall", "floor", "device", "sound_at_load", "announce_in_english")
    list_filter = (
        ("mall", admin.RelatedOnlyFieldListFilter),
        ("floor", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "device__username")
    list_select_related = ("mall", "floor", "device")


@admin.register(Kiosk)
class KioskAdmin(DeviceChoiceMixin, ScopedModelAdmin):
    device_role = Role.KIOSK
    list_display = ("name", "mall", "floor", "printer_host", "printer_port", "device")
    list_filter = (
        ("mall", admin.RelatedOnlyFieldListFilter),
        ("floor", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "printer_host", "device__username")
    list_select_related = ("mall", "floor", "device")
