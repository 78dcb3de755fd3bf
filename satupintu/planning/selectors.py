"""Reads of the planning app: who may plan, the plan of a day (`planner.plan_day`)."""

from __future__ import annotations

from typing import Any

from satupintu.accounts.models import Role
from satupintu.accounts.selectors import memberships_of
from satupintu.catalog.models import Mall
from satupintu.catalog.selectors import mall_get
from satupintu.core.errors import NotFound

PLANNER_ROLES = (Role.SUPERVISOR, Role.MALL_ADMIN)


def may_plan(user: Any, mall: Mall) -> bool:
    """Mall-wide supervisors and mall admins of the mall, and superusers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return memberships_of(user, PLANNER_ROLES).filter(mall=mall, agency__isnull=True).exists()


def access_planner(user: Any, *, mall_slug: str) -> Mall:
    """The mall if `user` may plan its staffing; "not found" otherwise."""
    mall = mall_get(slug=mall_slug)
    if not may_plan(user, mall):
        raise NotFound("No such planner", field="query.mall")
    return mall


def planner_malls(user: Any) -> list[Mall]:
    """The malls whose planner `user` may open."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return list(Mall.objects.filter(is_active=True).order_by("name"))
    ids = memberships_of(user, PLANNER_ROLES).filter(agency__isnull=True).values("mall_id")
    return list(Mall.objects.filter(is_active=True, pk__in=ids).order_by("name"))
