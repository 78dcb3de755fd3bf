"""Django admin for accounts, and the scoping every Satu Pintu admin page builds on.

Who may use the admin is decided by memberships, not by Django's model permissions:
- a superuser manages everything, in every mall;
- a mall admin (role `mall_admin`) manages everything that belongs to their mall(s);
- an agency admin (role `agency_admin`) manages only their agency's services (with their
  requirements) and their agency's staff (memberships of agency roles).
A row outside the person's scope does not exist for them: it is missing from lists, foreign-key
choices leave it out, and its pages answer 404. Every save and delete made through the admin is
written to the audit trail with the fields that changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.models import AGENCY_ROLES, ApiToken, Membership, Role, User
from satupintu.accounts.services import api_token_issue, api_token_revoke, api_tokens_forget
from satupintu.core.audit import audit_record
from satupintu.core.models import AuditEntry

_SCOPE_CACHE = "_satupintu_admin_scope"


@dataclass(frozen=True)
class AdminScope:
    """What one person may manage in the admin."""

    is_superuser: bool = False
    mall_ids: frozenset[int] = field(default_factory=frozenset)  # mall_admin of these malls
    agency_ids: frozenset[int] = field(default_factory=frozenset)  # agency_admin of these
    agency_mall_ids: frozenset[int] = field(default_factory=frozenset)  # malls of those agencies

    @property
    def is_mall_admin(self) -> bool:
        return self.is_superuser or bool(self.mall_ids)

    @property
    def is_anything(self) -> bool:
        return self.is_superuser or bool(self.mall_ids) or bool(self.agency_ids)

    def membership_q(self, prefix: str = "") -> Q:
        """Memberships this person may manage (also usable through a relation `prefix`)."""
        if self.is_superuser:
            return Q()
        scope = Q(**{f"{prefix}mall_id__in": self.mall_ids})
        if self.agency_ids:
            scope |= Q(
                **{f"{prefix}agency_id__in": self.agency_ids, f"{prefix}role__in": AGENCY_ROLES}
            )
        return scope

    def grantable_roles(self) -> list[str]:
        if self.is_mall_admin:
            return list(Role.values)
        return sorted(AGENCY_ROLES)


def admin_scope(request: HttpRequest) -> AdminScope:
    """The scope of the signed-in person, computed once per request."""
    cached = getattr(request, _SCOPE_CACHE, None)
    if cached is not None:
        return cached
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        scope = AdminScope()
    elif user.is_superuser:
        scope = AdminScope(is_superuser=True)
    else:
        rows = Membership.objects.filter(
            user=user, role__in=[Role.MALL_ADMIN, Role.AGENCY_ADMIN]
        ).values_list("role", "mall_id", "agency_id")
        mall_ids = {mall for role, mall, _agency in rows if role == Role.MALL_ADMIN}
        agency_rows = [
            (mall, agency) for role, mall, agency in rows if role == Role.AGENCY_ADMIN and agency
        ]
        scope = AdminScope(
            mall_ids=frozenset(mall_ids),
            agency_ids=frozenset(agency for _mall, agency in agency_rows),
            agency_mall_ids=frozenset(mall for mall, _agency in agency_rows),
        )
    setattr(request, _SCOPE_CACHE, scope)
    return scope


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


# Which rows of another app's model a person may pick in a form, by model. The apps that own
# the models register their rule here (catalog/admin.py: malls, agencies, services, ...), so that
# accounts needs no import from the apps above it.
_CHOICE_RULES: dict[type[models.Model], Callable[[AdminScope], Q]] = {}


def register_choice_rule(model: type[models.Model], rule: Callable[[AdminScope], Q]) -> None:
    """Limit the choices of `model` in every scoped form to the rows `rule(scope)` selects."""
    _CHOICE_RULES[model] = rule


def limited_choices(model: type[models.Model], scope: AdminScope) -> QuerySet[Any] | None:
    """The rows of `model` that a person with `scope` may pick in a form; None: no limit."""
    if scope.is_superuser:
        return None
    if model is User:
        return users_in_scope(scope)
    rule = _CHOICE_RULES.get(model)
    if rule is None:
        return None
    manager: Any = model._default_manager
    return manager.filter(rule(scope))


def users_in_scope(scope: AdminScope) -> QuerySet[User]:
    """People this person may manage: everyone for a superuser; otherwise non-superusers whose
    every membership lies within the scope (so an agency admin cannot reset the password of
    someone who also runs another agency or the mall)."""
    if scope.is_superuser:
        return User.objects.all()
    managed = Membership.objects.filter(scope.membership_q())
    foreign = Membership.objects.exclude(scope.membership_q())
    return (
        User.objects.filter(is_superuser=False, pk__in=managed.values("user_id"))
        .exclude(pk__in=foreign.values("user_id"))
        .distinct()
    )


class ScopedFormFieldsMixin:
    """Limits foreign-key and many-to-many choices to the person's scope."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        choices = limited_choices(db_field.related_model, admin_scope(request))
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        choices = limited_choices(db_field.related_model, admin_scope(request))
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
    """A ModelAdmin whose rows, choices and permissions follow the person's memberships.

    `mall_path`: the lookup from the model to its mall's id (mall admins see those rows).
    `agency_path`: the lookup to its agency's id, when agency admins manage the model too.
    """

    mall_path: str = "mall_id"
    agency_path: str | None = None
    mall_admin_can_add = True
    mall_admin_can_delete = True

    def scope_q(self, scope: AdminScope) -> Q:
        q = Q(**{f"{self.mall_path}__in": scope.mall_ids})
        if self.agency_path and scope.agency_ids:
            q |= Q(**{f"{self.agency_path}__in": scope.agency_ids})
        return q

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        scope = admin_scope(request)
        if scope.is_superuser:
            return qs
        return qs.filter(self.scope_q(scope))

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        # A row outside the scope does not exist for this person: 404, as in the API, instead of
        # Django's redirect with "perhaps it was deleted?".
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    # --- permissions from memberships -------------------------------------------------------
    def may_use(self, request: HttpRequest) -> bool:
        scope = admin_scope(request)
        return scope.is_mall_admin or bool(self.agency_path and scope.agency_ids)

    def may_touch(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.may_use(request):
            return False
        if obj is None or admin_scope(request).is_superuser:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_use(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_touch(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_touch(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        scope = admin_scope(request)
        if scope.is_superuser:
            return True
        if scope.mall_ids:
            return self.mall_admin_can_add
        return self.may_use(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        scope = admin_scope(request)
        if not scope.is_superuser and scope.mall_ids and not self.mall_admin_can_delete:
            return False
        return self.may_touch(request, obj)


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
            allowed = admin_scope(request).grantable_roles()
            kwargs["choices"] = [(v, label) for v, label in Role.choices if v in allowed]
        return super().formfield_for_choice_field(db_field, request, **kwargs)  # type: ignore[misc]


def refuse_forged_grants(request: HttpRequest) -> None:
    """403 for a submitted membership role or agency that the form never offered this person:
    such a request was forged, and nothing of it is saved."""
    scope = admin_scope(request)
    if request.method != "POST" or scope.is_superuser:
        return
    allowed_roles = set(scope.grantable_roles())
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
    scope = admin_scope(request)
    if scope.is_superuser:
        return
    if membership.mall_id in scope.mall_ids:
        return
    if (
        membership.role in AGENCY_ROLES
        and membership.agency_id in scope.agency_ids
        and membership.role in scope.grantable_roles()
    ):
        return
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
        return super().get_queryset(request).filter(admin_scope(request).membership_q())

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if not admin_scope(request).is_superuser and obj is None:
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
    agency_path = "agency_id"

    def scope_q(self, scope: AdminScope) -> Q:
        return scope.membership_q()

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        scope = admin_scope(request)
        return users_in_scope(scope) if not scope.is_superuser else super().get_queryset(request)

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
        refuse_forged_grants(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        scope = admin_scope(request)
        if obj is None or scope.is_superuser:
            return fieldsets
        # Superuser status and Django permissions are not for mall or agency admins to give;
        # staff and device flags are for mall admins only.
        hidden = {"is_superuser", "groups", "user_permissions"}
        if not scope.is_mall_admin:
            hidden |= {"is_staff", "is_device"}
        return [
            (name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in hidden)})
            for name, opts in fieldsets
        ]

    def may_use(self, request: HttpRequest) -> bool:
        return admin_scope(request).is_anything

    def may_touch(self, request: HttpRequest, obj: Any = None) -> bool:
        if not self.may_use(request):
            return False
        if obj is None or admin_scope(request).is_superuser:
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        scope = admin_scope(request)
        qs = ApiToken.objects.select_related("user")
        if scope.is_superuser:
            return qs
        return qs.filter(user__in=users_in_scope(scope))

    def may_use(self, request: HttpRequest) -> bool:
        return admin_scope(request).is_mall_admin

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
        return admin_scope(request).is_mall_admin

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
