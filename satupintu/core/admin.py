"""The audit trail in the admin: read-only. Nobody adds, changes or deletes an entry here, not
even a superuser; a mall admin reads the entries of their own mall."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from satupintu.accounts.admin import ScopedModelAdmin
from satupintu.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedModelAdmin):
    mall_path = "mall_id"
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "summary")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_type", "object_id", "summary")
    date_hierarchy = "at"
    readonly_fields = ("at", "actor", "actor_label", "mall_id", "action", "object_type",
                       "object_id", "summary", "changes", "ip_address")  # fmt: skip
    fields = readonly_fields
    list_select_related = ("actor",)

    def may_use(self, request: HttpRequest) -> bool:
        from satupintu.accounts.admin import admin_scope

        return admin_scope(request).is_mall_admin

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
