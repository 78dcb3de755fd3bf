"""Admin of the outreach resources (vehicles and equipment), scoped to the mall admin's malls.

Outreach requests are deliberately not in the admin: they hold sensitive personal data that only
outreach officers may read, through the pages and the API that record every read."""

from __future__ import annotations

from django.contrib import admin

from satupintu.accounts.admin import ScopedModelAdmin
from satupintu.outreach.models import Equipment, Vehicle


@admin.register(Vehicle)
class VehicleAdmin(ScopedModelAdmin):
    list_display = ("name", "plate_number", "seats", "mall", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "plate_number")


@admin.register(Equipment)
class EquipmentAdmin(ScopedModelAdmin):
    list_display = ("name", "code", "mall", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
