"""Django admin of the catalog. Mall admins manage everything of their mall; an agency admin
manages only its own agency's services and their requirements (the `administer` rows of the role
table; see accounts/admin.py for the scoping every admin here follows, and each model's
`ScopedQuerySet` for what the foreign-key fields offer)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.admin import ScopedInline, ScopedModelAdmin
from satupintu.catalog.models import (
    Agency,
    BundleItem,
    ClosureDay,
    Counter,
    Floor,
    Mall,
    OpeningHours,
    Partnership,
    Service,
    ServiceBundle,
    ServiceRequirement,
)

# --- mall -------------------------------------------------------------------------------------


class OpeningHoursInline(ScopedInline, admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureDayInline(ScopedInline, admin.TabularInline):
    model = ClosureDay
    extra = 0


class FloorInline(ScopedInline, admin.TabularInline):
    model = Floor
    extra = 0


@admin.register(Mall)
class MallAdmin(ScopedModelAdmin):
    # Opening a new mall, or removing one, is for the superuser of the deployment: the role
    # table's `mall` `add` and `delete` rows.
    list_display = ("name", "slug", "city", "province", "operator", "opened_on", "is_active")
    list_filter = ("is_active", "province")
    search_fields = ("name", "slug", "city", "operator")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (OpeningHoursInline, ClosureDayInline, FloorInline)
    fieldsets = (
        (None, {"fields": ("name", "slug", "timezone", "is_active")}),
        (_("Address and contact"), {"fields": ("address", "city", "province", "phone", "email")}),
        (_("Operation"), {"fields": ("operator", "opened_on")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The slug is in URLs, API calls and printed QR codes: only whoever may add a mall (the
        # superuser, per the role table) may change it.
        if obj is not None and not self.scope(request, "add").staff:
            return ("slug",)
        return ()

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return {} if "slug" in self.get_readonly_fields(request, obj) else self.prepopulated_fields


@admin.register(Floor)
class FloorAdmin(ScopedModelAdmin):
    list_display = ("name", "mall", "number", "status", "opens_on")
    list_filter = ("status", ("mall", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("mall",)


@admin.register(OpeningHours)
class OpeningHoursAdmin(ScopedModelAdmin):
    list_display = ("mall", "weekday", "opens", "closes")
    list_filter = (("mall", admin.RelatedOnlyFieldListFilter), "weekday")


@admin.register(ClosureDay)
class ClosureDayAdmin(ScopedModelAdmin):
    list_display = ("date", "mall", "reason")
    list_filter = (("mall", admin.RelatedOnlyFieldListFilter),)
    date_hierarchy = "date"
    search_fields = ("reason",)


# --- agencies and partnerships ------------------------------------------------------------------


class PartnershipInline(ScopedInline, admin.StackedInline):
    model = Partnership
    extra = 0
    fields = ("mall", "status", "mou_number", "signed_on", "starts_on", "ends_on", "document")


@admin.register(Agency)
class AgencyAdmin(ScopedModelAdmin):
    list_display = ("name", "short_name", "kind", "mall", "service_count", "is_active")
    list_filter = ("kind", "is_active", ("mall", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "short_name", "slug")
    prepopulated_fields = {"slug": ("short_name",)}
    list_select_related = ("mall",)
    inlines = (PartnershipInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agency]:
        return super().get_queryset(request).annotate(_services=Count("services"))

    @admin.display(description=_("services"), ordering="_services")
    def service_count(self, obj: Any) -> int:
        return int(obj._services)


@admin.register(Partnership)
class PartnershipAdmin(ScopedModelAdmin):
    list_display = ("agency", "mall", "status", "mou_number", "signed_on", "ends_on")
    list_filter = ("status", ("mall", admin.RelatedOnlyFieldListFilter), "agency__kind")
    search_fields = ("mou_number", "agency__name", "notes")
    date_hierarchy = "ends_on"
    list_select_related = ("agency", "mall")


# --- services ---------------------------------------------------------------------------------


class ServiceRequirementInline(ScopedInline, admin.TabularInline):
    model = ServiceRequirement
    extra = 0
    fields = ("position", "key", "name", "document", "mandatory", "note", "accepted_types",
              "max_size_kb")  # fmt: skip


@admin.register(Service)
class ServiceAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "agency", "kind", "channel_list", "queue_prefix",
                    "duration", "fee", "is_active")  # fmt: skip
    list_filter = (
        "kind",
        "is_active",
        "offers_drive_thru",
        "offers_online",
        "offers_outreach",
        "agency__kind",
        ("mall", admin.RelatedOnlyFieldListFilter),
        ("agency", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("code", "name", "name_en", "agency__name", "agency__short_name")
    list_select_related = ("agency", "mall")
    inlines = (ServiceRequirementInline,)
    fieldsets = (
        (None, {"fields": ("mall", "agency", "code", "name", "name_en", "description", "kind",
                           "keywords", "is_active")}),
        (_("Channels and queue"), {"fields": (
            ("offers_walk_in", "offers_drive_thru", "offers_online", "offers_outreach"),
            "queue_prefix",
            ("quota_walk_in", "quota_drive_thru", "quota_online", "quota_outreach"),
            "capacity_cutoff",
        )}),
        (_("Service delivery (shown to the public)"), {"fields": (
            "procedure", ("duration_value", "duration_unit"), ("fee", "fee_note"), "fee_rule",
            "product", "result_key", "complaint_handling",
        )}),
        (_("Service manufacturing"), {"fields": (
            "legal_basis", "facilities", "staff_competence", "internal_supervision",
            "staff_count", "service_guarantee", "security_guarantee", "performance_evaluation",
        )}),
    )  # fmt: skip

    @admin.display(description=_("channels"))
    def channel_list(self, obj: Service) -> str:
        return ", ".join(obj.channels)

    @admin.display(description=_("time to complete"))
    def duration(self, obj: Service) -> str:
        return f"{obj.duration_value} {obj.get_duration_unit_display()}"


@admin.register(ServiceRequirement)
class ServiceRequirementAdmin(ScopedModelAdmin):
    list_display = ("name", "key", "service", "document", "mandatory", "position")
    list_filter = ("document", "mandatory", ("service__agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "key", "service__code", "service__name")
    list_select_related = ("service",)


# --- counters and bundles ---------------------------------------------------------------------


@admin.register(Counter)
class CounterAdmin(ScopedModelAdmin):
    list_display = ("number", "name", "mall", "floor", "area", "mode", "is_active")
    list_display_links = ("number", "name")
    list_filter = (
        "mode",
        "is_active",
        ("mall", admin.RelatedOnlyFieldListFilter),
        ("floor", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "area", "services__code")
    list_select_related = ("mall", "floor")
    filter_horizontal = ("services",)


class BundleItemInline(ScopedInline, admin.TabularInline):
    model = BundleItem
    fk_name = "bundle"
    extra = 0
    fields = ("position", "service", "depends_on")

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "depends_on":
            # Only items of the bundle being edited can come first.
            bundle_id = (
                request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            )
            kwargs["queryset"] = BundleItem.objects.filter(bundle_id=bundle_id).select_related(
                "service"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(ServiceBundle)
class ServiceBundleAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "mall", "item_count", "is_active")
    list_filter = ("is_active", ("mall", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name")
    inlines = (BundleItemInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceBundle]:
        return super().get_queryset(request).annotate(_items=Count("items"))

    @admin.display(description=_("services"), ordering="_items")
    def item_count(self, obj: Any) -> int:
        return int(obj._items)
