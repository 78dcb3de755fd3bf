from __future__ import annotations

from django.contrib import admin

from satupintu.citizens.models import RemoteQueueConfig, SignInEvent


@admin.register(RemoteQueueConfig)
class RemoteQueueConfigAdmin(admin.ModelAdmin):
    """Which services take tickets from home (superusers; mall scoping is left to the queue)."""

    list_display = ("service", "is_active", "arrival_minutes", "notify_ahead")
    list_filter = ("is_active",)
    raw_id_fields = ("service",)

    def has_module_permission(self, request: object) -> bool:
        return bool(getattr(request, "user", None) and request.user.is_superuser)  # type: ignore[attr-defined]


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """The sign-in log, read-only (superusers)."""

    list_display = ("created_at", "kind", "channel", "destination_masked", "via", "client_ip")
    list_filter = ("kind", "channel", "via")

    def has_module_permission(self, request: object) -> bool:
        return bool(getattr(request, "user", None) and request.user.is_superuser)  # type: ignore[attr-defined]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
