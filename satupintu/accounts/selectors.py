"""Who may do what, where. Every access helper of the other apps builds on these functions.

A superuser may do whatever any role may do, in every mall (API.md). Everyone else acts through
memberships: a mall-wide membership (no agency) covers every agency of its mall; an agency
membership covers that agency only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from satupintu.accounts.models import Membership, Role


def _is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def memberships_of(user: Any, roles: Iterable[str] | None = None) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Membership.objects.none()
    qs = Membership.objects.filter(user=user)
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return qs


def has_role(
    user: Any, *, mall_id: int, roles: Iterable[str], agency_id: int | None = None
) -> bool:
    """Whether `user` holds one of `roles` in the mall; with `agency_id`, for that agency."""
    if _is_superuser(user):
        return True
    qs = memberships_of(user, roles).filter(mall_id=mall_id)
    if agency_id is not None:
        qs = qs.filter(Q(agency__isnull=True) | Q(agency_id=agency_id))
    return qs.exists()


def mall_ids_with_role(user: Any, roles: Iterable[str]) -> set[int] | None:
    """The malls where `user` holds one of `roles`; None means every mall (superuser)."""
    if _is_superuser(user):
        return None
    return set(memberships_of(user, roles).values_list("mall_id", flat=True))


def agency_scope(user: Any, *, roles: Iterable[str]) -> Q:
    """A filter on an agency foreign key (`agency_id`, with `mall_id` beside it) that keeps the
    rows of agencies where `user` holds one of `roles`. Empty for a user with none."""
    if _is_superuser(user):
        return Q()
    scope = Q(pk__in=[])
    for mall_id, agency_id in memberships_of(user, roles).values_list("mall_id", "agency_id"):
        scope |= Q(mall_id=mall_id) if agency_id is None else Q(agency_id=agency_id)
    return scope


def is_mall_admin(user: Any, mall_id: int) -> bool:
    return has_role(user, mall_id=mall_id, roles=[Role.MALL_ADMIN])


def staff_roles_summary(user: Any) -> list[dict[str, Any]]:
    """The user's roles for a page header: role, mall and agency names."""
    return [
        {
            "role": m.role,
            "role_label": m.get_role_display(),
            "mall": m.mall.slug,
            "mall_name": m.mall.name,
            "agency_id": m.agency_id,
            "agency_name": m.agency.name if m.agency else None,
        }
        for m in memberships_of(user).select_related("mall", "agency")
    ]
