"""Django admin for accounts, and the scoping every Satu Pintu admin page builds on.

Who may use the admin is decided by the role table (`accounts/roles.py`, the `administer` rows,
docs/ARCHITECTURE.md), not by Django's model permissions; the account also needs its staff flag.
Each admin's rows are its model's `visible_to(user, "administer")` (NetBox's `restrict(user,
action)`), and everything else derives from that one scope:
- a superuser manages everything, in every mall;
- a mall admin manages everything that belongs to their mall(s), but adds or removes no mall and
  changes no mall's slug (the table's `mall` `add`/`delete` rows: the superuser only);
- an agency admin manages only their agency's services (with their requirements) and their
  agency's staff (memberships of agency roles, and the people whose every membership is one).
A row outside the person's scope does not exist for them: it is missing from lists, foreign-key
choices leave it out, and its pages answer 404. Every save and delete made through the admin is
written to the audit trail with the fields that changed.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.models import ApiToken, Membership, MembershipQuerySet, Role, User
from satupintu.accounts.querysets import ScopedQuerySet, scope_filter, users_within
from satupintu.accounts.roles import Scope, admin_action, scope_for
from satupintu.accounts.services import api_token_issue, api_token_revoke, api_tokens_forget
from satupintu.core.audit import audit_record
from satupintu.core.models import AuditEntry

_MEMBERSHIPS_CACHE = "_satupintu_admin_memberships"
_SCOPES_CACHE = "_satupintu_admin_scopes"

ADMINISTER = "administer"
STAFF = "staff"  # the role table's row of people and memberships


def may_enter_admin(user: Any) -> bool:
    """The staff flag (and an active account) opens the admin's door; the role table decides
    what is behind it."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def admin_memberships(request: HttpRequest) -> list[tuple[int, int | None, str]]:
    """(mall id, agency id, role) of the signed-in person's memberships, read once per request
    (nothing without the staff flag)."""
    cached = getattr(request, _MEMBERSHIPS_CACHE, None)
    if cached is not None:
        return cast("list[tuple[int, int | None, str]]", cached)
    user = request.user
    rows: list[tuple[int, int | None, str]] = []
    if may_enter_admin(user) and not user.is_superuser:
        rows = list(
            Membership.objects.filter(user_id=cast("int", user.pk))
            .order_by()
            .values_list("mall_id", "agency_id", "role")
        )
    setattr(request, _MEMBERSHIPS_CACHE, rows)
    return rows


def admin_scope(request: HttpRequest, entity: str, action: str = ADMINISTER) -> Scope:
    """The reach of the signed-in person over `entity` in the admin: `scope_for` of the role
    table's row, from the memberships read once per request; nothing without the staff flag."""
    scopes: dict[tuple[str, str], Scope] = getattr(request, _SCOPES_CACHE, None) or {}
    key = (entity, action)
    if key not in scopes:
        if not may_enter_admin(request.user):
            scopes[key] = Scope()
        else:
            scopes[key] = scope_for(
                request.user, entity, action, memberships=admin_memberships(request)
            )
        setattr(request, _SCOPES_CACHE, scopes)
    return scopes[key]


def staff_scope(request: HttpRequest) -> Scope:
    """The person's reach over people and memberships (the table's `staff` row)."""
    return admin_scope(request, STAFF)


def entity_of(model: type[models.Model]) -> str | None:
    """The role table's entity of a model with a `ScopedQuerySet` (None for any other)."""
    queryset = model._default_manager.all()
    return queryset.entity if isinstance(queryset, ScopedQuerySet) else None


def _json(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, QuerySet | list | tuple | set):
        return [_json(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str | dict):
        return value
    return str(value)


def form_changes(form: ModelForm[Any], *, created: bool) -> dict[str, Any]:
    """{field: [old, new]} for the fields a form changed (passwords never written)."""
    changes: dict[str, Any] = {}
    for name in form.changed_data:
        if "password" in name:
            changes[name] = "changed"
            continue
        old = None if created else form.initial.get(name)
        changes[name] = [_json(old), _json(form.cleaned_data.get(name))]
    return changes


def audit_admin(
    request: HttpRequest, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> None:
    audit_record(
        actor=request.user,
        action=action,
        obj=obj,
        mall_id=_mall_id_of(obj),
        summary=f"admin {action}: {obj}"[:255],
        changes=changes or {},
        request=request,
    )


def _mall_id_of(obj: models.Model) -> int | None:
    for path in ("mall_id", "service.mall_id", "bundle.mall_id"):
        value: Any = obj
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
        if isinstance(value, int):
            return value
    return None


def limited_choices(model: type[models.Model], scope: Scope) -> QuerySet[Any] | None:
    """The rows of `model` that a person may pick in a form of a row they reach with `scope`:
    the model's `ScopedQuerySet.choice_q` (people: `users_within`); None: no limit."""
    if scope.everywhere:
        return None
    if model is User:
        return users_within(scope)
    queryset = model._default_manager.all()
    if isinstance(queryset, ScopedQuerySet):
        return queryset.filter(queryset.choice_q(scope))
    return None


class ScopedFormFieldsMixin:
    """Limits foreign-key and many-to-many choices to the person's reach over the row being
    edited (`form_scope`)."""

    def form_scope(self, request: HttpRequest) -> Scope:
        raise NotImplementedError

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        choices = limited_choices(db_field.related_model, self.form_scope(request))
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        choices = limited_choices(db_field.related_model, self.form_scope(request))
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class AuditedAdminMixin:
    """Every save and delete made in the admin, with its inlines, writes the audit trail in the
    same transaction as the change."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        audit_admin(
            request,
            "update" if change else "create",
            obj,
            form_changes(form, created=not change),
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # One transaction for the row, its many-to-many fields, its inlines and their audit.
        with transaction.atomic():
            super().save_related(request, form, formsets, change)  # type: ignore[misc]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        save_formset_with_audit(request, formset)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_admin(request, "delete", obj)
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit_admin(request, "delete", obj)
            super().delete_queryset(request, queryset)  # type: ignore[misc]


class ScopedModelAdmin(AuditedAdminMixin, ScopedFormFieldsMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows, choices and permissions follow the role table.

    Its rows are `visible_to(user, "administer")` of the model's `ScopedQuerySet` (the entity
    is the queryset's, or `entity` where the model has none); seeing, opening and changing a
    row need it within that scope, adding and deleting need the table's row that
    `roles.admin_action` names (the entity's own `add`/`delete` row, else `administer`).
    """

    entity: ClassVar[str | None] = None
    scope_action: ClassVar[str] = ADMINISTER
    # A web address typed without a scheme (an agency's "dukcapil.jogjakota.go.id") is https, as
    # Django 6 will assume; saying so now also silences its transitional warning.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def admin_entity(self) -> str:
        entity = self.entity or entity_of(self.model)
        assert entity, f"{self.model.__name__} needs a ScopedQuerySet or an `entity`"
        return entity

    def scope(self, request: HttpRequest, action: str | None = None) -> Scope:
        """The person's reach for `action` ("add", "delete"; default: what lists use)."""
        entity = self.admin_entity()
        return admin_scope(
            request, entity, admin_action(entity, action) if action else self.scope_action
        )

    def form_scope(self, request: HttpRequest) -> Scope:
        return self.scope(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if not may_enter_admin(request.user):
            return qs.none()
        return cast("ScopedQuerySet", qs).visible_to(
            request.user, self.scope_action, memberships=admin_memberships(request)
        )

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        # A row outside the scope does not exist for this person: 404, as in the API, instead of
        # Django's redirect with "perhaps it was deleted?".
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    # --- permissions, from the same scope ---------------------------------------------------
    def may_touch(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = self.scope(request)
        if not scope.staff:
            return False
        if obj is None or scope.everywhere:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.scope(request).staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_touch(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_touch(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The new row's mall and agency are then limited to the reach by the form's choices.
        return self.scope(request, "add").staff

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = self.scope(request, "delete")
        if not scope.staff or not self.may_touch(request, obj):
            return False
        if obj is None or scope.everywhere:
            return True
        rows = self.model._default_manager.all()
        return bool(rows.within(scope).filter(pk=obj.pk).exists())


def save_formset_with_audit(
    request: HttpRequest, formset: BaseInlineFormSet[Any, Any, Any]
) -> None:
    instances = formset.save(commit=False)
    for obj in formset.deleted_objects:
        audit_admin(request, "delete", obj)
        obj.delete()
    changed = {id(obj): fields for obj, fields in formset.changed_objects}
    forms_by_instance = {id(f.instance): f for f in formset.forms}
    for obj in instances:
        obj.save()
    formset.save_m2m()
    for obj in formset.new_objects:
        form = forms_by_instance.get(id(obj))
        audit_admin(request, "create", obj, form_changes(form, created=True) if form else {})
    for obj, _fields in formset.changed_objects:
        form = forms_by_instance.get(id(obj))
        audit_admin(
            request,
            "update",
            obj,
            form_changes(form, created=False)
            if form
            else dict.fromkeys(changed[id(obj)], "changed"),
        )


class ScopedInline(ScopedFormFieldsMixin):
    """An inline that may be used exactly when its parent row may be changed."""

    def _parent_admin(self) -> ScopedModelAdmin:
        return self.admin_site._registry[self.parent_model]  # type: ignore[attr-defined]

    def form_scope(self, request: HttpRequest) -> Scope:
        # The inline's rows are the table's rows of their own model where it has a
        # `ScopedQuerySet`, else part of the parent row.
        entity = entity_of(self.model)  # type: ignore[attr-defined]
        if entity is None:
            return self._parent_admin().form_scope(request)
        return admin_scope(request, entity)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent_admin().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent_admin().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        parent = self._parent_admin()
        if obj is None:
            return parent.has_add_permission(request)
        return parent.has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent_admin().has_change_permission(request, obj)


# --- memberships ------------------------------------------------------------------------------


class MembershipFormMixin:
    """Role choices limited to what the person may grant, checked again on save."""

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role":
            allowed = MembershipQuerySet.grantable_roles(staff_scope(request))
            kwargs["choices"] = [(v, label) for v, label in Role.choices if v in allowed]
        return super().formfield_for_choice_field(db_field, request, **kwargs)  # type: ignore[misc]


def refuse_forged_grants(request: HttpRequest) -> None:
    """403 for a submitted membership role or agency that the form never offered this person:
    such a request was forged, and nothing of it is saved."""
    scope = staff_scope(request)
    if request.method != "POST" or scope.everywhere:
        return
    allowed_roles = set(MembershipQuerySet.grantable_roles(scope))
    agency_model = cast("type[models.Model]", Membership._meta.get_field("agency").related_model)
    agencies = limited_choices(agency_model, scope)
    allowed_agencies = (
        {str(pk) for pk in agencies.values_list("pk", flat=True)} if agencies is not None else set()
    )
    for key, values in request.POST.lists():
        name = key.rsplit("-", 1)[-1]
        for value in values:
            if name == "role" and value and value not in allowed_roles:
                raise PermissionDenied
            if name == "agency" and value and value not in allowed_agencies:
                raise PermissionDenied


def check_grant(request: HttpRequest, membership: Membership) -> None:
    """Refuse a membership outside the person's scope even if a form let it through."""
    if not MembershipQuerySet.covers(
        staff_scope(request),
        mall_id=membership.mall_id,
        agency_id=membership.agency_id,
        role=membership.role,
    ):
        raise PermissionDenied


class MembershipInlineFormSet(BaseInlineFormSet):
    request: HttpRequest

    def save_new(self, form: Any, commit: bool = True) -> Any:
        obj = super().save_new(form, commit=False)
        check_grant(self.request, obj)
        if commit:
            obj.save()
        return obj

    def save_existing(self, form: Any, obj: Any, commit: bool = True) -> Any:
        obj = super().save_existing(form, obj, commit=False)
        check_grant(self.request, obj)
        if commit:
            obj.save()
        return obj


class MembershipInline(MembershipFormMixin, ScopedInline, admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    fk_name = "user"
    extra = 0
    fields = ("mall", "agency", "role", "created_at")
    readonly_fields = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        memberships = cast("MembershipQuerySet", super().get_queryset(request))
        return memberships.within(staff_scope(request))

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if not staff_scope(request).everywhere and obj is None:
            # A person must belong somewhere the creator manages, or the creator loses them.
            kwargs["min_num"] = 1
            kwargs["validate_min"] = True
            kwargs.setdefault("extra", 0)
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request  # type: ignore[attr-defined]
        return formset


@admin.register(Membership)
class MembershipAdmin(MembershipFormMixin, ScopedModelAdmin):
    list_display = ("user", "role", "mall", "agency", "created_at")
    list_filter = (
        "role",
        ("mall", admin.RelatedOnlyFieldListFilter),
        ("agency", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("user__username", "user__full_name", "agency__name")
    list_select_related = ("user", "mall", "agency")
    autocomplete_fields = ()

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if object_id is not None:
            self.get_object(request, unquote(object_id))  # 404 out of reach, before the body
        refuse_forged_grants(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        check_grant(request, obj)
        super().save_model(request, obj, form, change)


# --- users ------------------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(AuditedAdminMixin, ScopedFormFieldsMixin, DjangoUserAdmin):
    inlines = (MembershipInline,)
    list_display = ("username", "full_name", "email", "is_device", "is_staff", "is_active")
    list_filter = ("is_device", "is_staff", "is_superuser", "is_active", "memberships__role")
    search_fields = ("username", "full_name", "first_name", "last_name", "email", "phone")
    actions = ("issue_api_token",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email", "phone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_device", "is_staff", "is_superuser", "groups",
                        "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )  # fmt: skip
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def form_scope(self, request: HttpRequest) -> Scope:
        return staff_scope(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # People are reached through their memberships (the table's `staff` row): only those
        # whose every membership lies within the reach.
        scope = staff_scope(request)
        return super().get_queryset(request) if scope.everywhere else users_within(scope)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if object_id is not None:
            self.get_object(request, unquote(object_id))  # 404 out of reach, before the body
        refuse_forged_grants(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        scope = staff_scope(request)
        if obj is None or scope.everywhere:
            return fieldsets
        # Superuser status and Django permissions are not for mall or agency admins to give;
        # staff and device flags are for a mall-wide reach only.
        hidden = {"is_superuser", "groups", "user_permissions"}
        if not scope.mall_wide:
            hidden |= {"is_staff", "is_device"}
        return [
            (name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in hidden)})
            for name, opts in fieldsets
        ]

    def may_use(self, request: HttpRequest) -> bool:
        return staff_scope(request).staff

    def may_touch(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.may_use(request):
            return False
        if obj is None or staff_scope(request).everywhere:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_use(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_touch(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_touch(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.may_use(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_touch(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        api_tokens_forget(user=obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            audit_admin(request, "update", user, {"password": "changed"})
        return response

    @admin.action(description=_("Issue an API token (shown once)"))
    def issue_api_token(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            if not self.has_change_permission(request, user):
                continue
            with transaction.atomic():
                raw = api_token_issue(user=user, name=f"admin:{request.user}", request=request)
                audit_admin(request, "token", user, {"token_prefix": raw.split(".")[0]})
            messages.warning(
                request,
                _("API token for %(user)s (copy it now, it is not shown again): %(token)s")
                % {"user": user.username, "token": raw},
            )


# --- API tokens -------------------------------------------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "expires_at",
                    "revoked_at", "is_usable")  # fmt: skip
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "user__username", "name")
    list_select_related = ("user",)
    readonly_fields = ("user", "prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are issued from the user list ("Issue an API token"), never typed in.
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        api_tokens_forget(user=obj.user)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> HttpResponse | None:
        for token in queryset:
            with transaction.atomic():
                api_token_revoke(token=token)
                audit_admin(request, "update", token, {"revoked_at": [None, "now"]})
        messages.success(request, _("Tokens revoked."))
        return None


# --- the audit trail ----------------------------------------------------------------------------
# Registered here and not in core/admin.py: it is scoped by memberships, and core sits below
# accounts.


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedModelAdmin):
    """Read-only: nobody adds, changes or deletes an entry here, not even a superuser; a mall
    admin reads the entries of their own mall."""

    entity = "audit"
    scope_action = "view"
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "summary")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_type", "object_id", "summary")
    date_hierarchy = "at"
    readonly_fields = ("at", "actor", "actor_label", "mall_id", "action", "object_type",
                       "object_id", "summary", "changes", "ip_address")  # fmt: skip
    fields = readonly_fields
    list_select_related = ("actor",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        # core's model has no ScopedQuerySet (core sits below accounts): the same filter, from
        # the same scope, by the shared `scope_filter`.
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs.filter(scope_filter(self.scope(request), mall_field="mall_id"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
