"""The one visibility layer: a QuerySet that knows which of its rows are live and who may see or
act on which (`visible_to(user, action)`, in the spirit of NetBox's `restrict(user, action)`).

Each scoped model declares how its rows hang on a mall and an agency (`mall_field`,
`agency_field`), what "live" means (`live_q`), and optionally whose rows they are (`own_field`,
the applicant) and which came in through outreach (`outreach_q`); the reach of each role comes
from `accounts.roles.ROLE_TABLE`. Access helpers, selectors, the admin and the report queries
build on `visible_to` instead of writing the filter again. A model that cannot have one (core's
`AuditEntry`: core sits below accounts) filters with the same `scope_filter`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from satupintu.accounts.models import User
    from satupintu.accounts.roles import Scope

# accounts.roles is imported where it is used, not here: accounts.models builds its querysets
# on this module, and the role table reads accounts.models' roles.


def scope_filter(
    scope: Scope,
    *,
    mall_field: str,
    agency_field: str | None = None,
    agency_many_model: type[models.Model] | None = None,
    agency_only: Q | None = None,
    live_q: Q | None = None,
    outreach_field: str | None = None,
    own_field: str | None = None,
) -> Q:
    """The filter of the rows within `scope`, for rows that hang on their mall at `mall_field`
    and (optionally) on an agency at `agency_field` (nothing for an empty scope).

    `agency_many_model`: the model, when `agency_field` crosses a many-to-many (a counter
    serves several agencies' services), so that the join cannot repeat rows. `agency_only`:
    what an agency reach covers beyond the agency (a membership: only the agency roles).
    `live_q`: the rows anyone may see, for a scope that is public."""
    if scope.everywhere:
        return Q()
    q = Q(pk__in=[])
    if scope.public and live_q is not None:
        q |= live_q
    if scope.mall_ids:
        q |= Q(**{f"{mall_field}__in": sorted(scope.mall_ids)})
    if scope.agency_ids and agency_field:
        by_agency = Q(**{f"{agency_field}__in": sorted(scope.agency_ids)})
        if agency_only is not None:
            by_agency &= agency_only
        if agency_many_model is not None:
            by_agency = Q(pk__in=agency_many_model._base_manager.filter(by_agency).values("pk"))
        q |= by_agency
    if scope.outreach_mall_ids and outreach_field:
        q |= Q(**{f"{mall_field}__in": sorted(scope.outreach_mall_ids)}) & Q(
            **{outreach_field: "outreach"}
        )
    if scope.own_user_id is not None and own_field:
        q |= Q(**{own_field: scope.own_user_id})
    return q


class ScopedQuerySet(models.QuerySet):
    entity: ClassVar[str]
    mall_field: ClassVar[str] = "mall_id"
    # Path to the agency id; None when rows belong to a mall only. `agency_many`: the path
    # crosses a many-to-many (a counter serves several agencies' services).
    agency_field: ClassVar[str | None] = "agency_id"
    agency_many: ClassVar[bool] = False
    own_field: ClassVar[str | None] = None
    outreach_field: ClassVar[str | None] = None

    @classmethod
    def live_q(cls) -> Q:
        """The rows anyone may see (PUBLIC reach): override per model."""
        return Q()

    @classmethod
    def agency_only_q(cls) -> Q | None:
        """What an agency reach covers of the agency's rows (None: all of them)."""
        return None

    def live(self) -> Self:
        return self.filter(self.live_q())

    def scope_q(self, scope: Scope) -> Q:
        """The filter of the rows within `scope` (nothing for an empty scope)."""
        return scope_filter(
            scope,
            mall_field=self.mall_field,
            agency_field=self.agency_field,
            agency_many_model=self.model if self.agency_many else None,
            agency_only=self.agency_only_q(),
            live_q=self.live_q(),
            outreach_field=self.outreach_field,
            own_field=self.own_field,
        )

    def choice_q(self, scope: Scope) -> Q:
        """The rows a person with `scope` (their reach over the row being edited) may pick in
        a form's foreign-key field: the rows within that reach, live or not. The mall
        overrides it (an agency's mall is a choice for whoever reaches the agency)."""
        return self.scope_q(scope.staff_only())

    def within(self, scope: Scope) -> Self:
        """The rows within an already computed `scope`."""
        if scope.everywhere:
            return self.all()
        return self.filter(self.scope_q(scope))

    def visible_to(
        self,
        user: Any,
        action: str = "view",
        *,
        memberships: Iterable[tuple[int, int | None, str]] | None = None,
    ) -> Self:
        """The rows `user` may `action` ("view", "change", "administer", ...), per the role
        table."""
        from satupintu.accounts.roles import scope_for

        return self.within(scope_for(user, self.entity, action, memberships=memberships))


def users_within(scope: Scope) -> models.QuerySet[User]:
    """The people a `scope` (of the `staff` row, or another admin row) reaches: everyone for a
    superuser; otherwise people who are no superuser and whose every membership lies within
    the scope (so an agency admin cannot reset the password of someone who also runs another
    agency or the mall)."""
    from satupintu.accounts.models import Membership, User

    if scope.everywhere:
        return User.objects.all()
    inside = Membership.objects.all().scope_q(scope)
    managed = Membership.objects.filter(inside)
    foreign = Membership.objects.exclude(inside)
    return (
        User.objects.filter(is_superuser=False, pk__in=managed.values("user_id"))
        .exclude(pk__in=foreign.values("user_id"))
        .distinct()
    )
