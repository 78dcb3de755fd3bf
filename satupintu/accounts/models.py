from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.querysets import ScopedQuerySet, users_within

if TYPE_CHECKING:
    from satupintu.accounts.roles import Scope


class User(AbstractUser):
    """A person on the staff, an applicant with an account, or a device (kiosk, display board)."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_device = models.BooleanField(
        _("device account"),
        default=False,
        help_text=_("Kiosks and display boards sign in as devices, not as people."),
    )
    credentials_changed_at = models.DateTimeField(
        _("credentials changed at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("API tokens issued before this moment are void."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._credentials_changed = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new password (from any path: the admin, the password forms, `changepassword`) or
        a deactivation voids every API token issued before it: the tokens are checked against
        `credentials_changed_at`, and their cached rows are dropped. A hash upgrade at sign-in
        is not a change (Django clears `_password` before saving it)."""
        password_set = getattr(self, "_password", None) is not None
        changed = password_set or getattr(self, "_credentials_changed", False)
        if changed or not self.is_active:
            self.credentials_changed_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "credentials_changed_at"}
        self._credentials_changed = False
        super().save(*args, **kwargs)
        if changed or not self.is_active:
            api_tokens_forget_cached(self.pk)


class Role(models.TextChoices):
    MALL_ADMIN = "mall_admin", _("mall admin")
    AGENCY_ADMIN = "agency_admin", _("agency admin")
    COUNTER_OFFICER = "counter_officer", _("counter officer")
    BACK_OFFICE_OFFICER = "back_office_officer", _("back-office officer")
    OUTREACH_OFFICER = "outreach_officer", _("outreach officer")
    SUPERVISOR = "supervisor", _("supervisor")
    CASHIER = "cashier", _("cashier")
    VIEWER = "viewer", _("viewer (reports only)")
    KIOSK = "kiosk", _("kiosk device")
    DISPLAY = "display", _("display board device")


# Roles whose work belongs to one agency: a membership with these roles names the agency.
AGENCY_ROLES = frozenset({Role.AGENCY_ADMIN, Role.BACK_OFFICE_OFFICER})
DEVICE_ROLES = frozenset({Role.KIOSK, Role.DISPLAY})


class MembershipQuerySet(ScopedQuerySet):
    """Memberships are the `staff` of the role table: a mall reach covers every membership in
    the mall, an agency reach those of the agency roles in the agency (an agency admin manages
    its agency's admins and back office, never a mall-wide role)."""

    entity = "staff"

    @classmethod
    def agency_only_q(cls) -> models.Q:
        return models.Q(role__in=sorted(AGENCY_ROLES))

    @staticmethod
    def covers(scope: Scope, *, mall_id: int | None, agency_id: int | None, role: str) -> bool:
        """Whether a membership (saved or not) lies within `scope`: the rule of
        `agency_only_q` and `scope_q`, for a row not in the database yet."""
        if scope.everywhere or mall_id in scope.mall_ids:
            return True
        return role in AGENCY_ROLES and agency_id is not None and agency_id in scope.agency_ids

    @staticmethod
    def grantable_roles(scope: Scope) -> list[str]:
        """The roles a person with `scope` may grant: all of them with a mall-wide reach, the
        agency roles with an agency one."""
        if scope.mall_wide:
            return list(Role.values)
        if scope.agency_ids:
            return [r for r in Role.values if r in AGENCY_ROLES]
        return []


class Membership(models.Model):
    """Ties a person to a mall and, where the role needs it, to one agency of that mall."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        "catalog.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text=_("Required for agency admins and back-office officers; empty means mall-wide."),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "mall", "agency", "role"], name="membership_unique_role"
            ),
            models.UniqueConstraint(
                fields=["user", "mall", "role"],
                condition=models.Q(agency__isnull=True),
                name="membership_unique_mallwide_role",
            ),
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        where = self.agency.name if self.agency_id and self.agency else self.mall.name
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self) -> None:
        if self.role in AGENCY_ROLES and not self.agency_id:
            raise ValidationError({"agency": _("This role belongs to one agency: choose it.")})
        if self.agency_id and self.agency and self.agency.mall_id != self.mall_id:
            raise ValidationError({"agency": _("The agency must belong to the chosen mall.")})
        if self.role in DEVICE_ROLES and self.user_id and not self.user.is_device:
            raise ValidationError({"role": _("Device roles are for device accounts only.")})


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_cache_key(prefix: str) -> str:
    return f"accounts:api-token:{prefix}"


def api_tokens_forget_cached(user_id: int) -> None:
    """Drop the cached rows of the user's tokens, now and after commit: a change to the user or
    to a token (revocation, deactivation, expiry) then applies to the very next request."""
    keys = [
        api_token_cache_key(prefix)
        for prefix in ApiToken.objects.filter(user_id=user_id).values_list("prefix", flat=True)
    ]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


class ApiTokenQuerySet(ScopedQuerySet):
    """Tokens belong to people: a reach covers the tokens of the people it covers wholly
    (`users_within`)."""

    entity = "api_token"

    def scope_q(self, scope: Scope) -> models.Q:
        if scope.everywhere:
            return models.Q()
        return models.Q(user__in=users_within(scope))


class ApiToken(models.Model):
    """A bearer token for scripts and devices. Only a hash is stored; the token is shown once."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def new_raw_token() -> tuple[str, str]:
        """A fresh token `<prefix>.<secret>` and its prefix."""
        prefix = secrets.token_hex(ApiToken.PREFIX_LENGTH // 2)
        return f"{prefix}.{secrets.token_urlsafe(32)}", prefix

    @staticmethod
    def hash(raw: str) -> str:
        # The secret is 256 random bits, so one round of SHA-256 is enough: no dictionary to guess
        # from, and a fast check keeps device requests cheap.
        return _hash_token(raw)

    def is_usable(self) -> bool:
        """Not revoked, not expired, and its user active and unchanged since it was issued."""
        now = timezone.now()
        if self.revoked_at is not None or (self.expires_at is not None and self.expires_at <= now):
            return False
        user = self.user
        changed = user.credentials_changed_at
        return user.is_active and (changed is None or self.created_at >= changed)

    is_usable.boolean = True  # type: ignore[attr-defined]
    is_usable.short_description = _("valid")  # type: ignore[attr-defined]
