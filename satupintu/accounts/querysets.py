"""The one visibility layer: a QuerySet that knows which of its rows are live and who may see or
act on which (`visible_to(user, action)`, in the spirit of NetBox's `restrict(user, action)`).

Each scoped model declares how its rows hang on a mall and an agency (`mall_field`,
`agency_field`), what "live" means (`live_q`), and optionally whose rows they are (`own_field`,
the applicant) and which came in through outreach (`outreach_q`); the reach of each role comes
from `accounts.roles.ROLE_TABLE`. Access helpers, selectors, the admin and the report queries
build on `visible_to` instead of writing the filter again."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Self

from django.db import models
from django.db.models import Q

from satupintu.accounts.roles import Scope, scope_for


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

    def live(self) -> Self:
        return self.filter(self.live_q())

    def scope_q(self, scope: Scope) -> Q:
        """The filter of the rows within `scope` (nothing for an empty scope)."""
        if scope.everywhere:
            return Q()
        q = Q(pk__in=[])
        if scope.public:
            q |= self.live_q()
        if scope.mall_ids:
            q |= Q(**{f"{self.mall_field}__in": sorted(scope.mall_ids)})
        if scope.agency_ids and self.agency_field:
            by_agency = Q(**{f"{self.agency_field}__in": sorted(scope.agency_ids)})
            if self.agency_many:
                by_agency = Q(pk__in=self.model._base_manager.filter(by_agency).values("pk"))
            q |= by_agency
        if scope.outreach_mall_ids and self.outreach_field:
            q |= Q(**{f"{self.mall_field}__in": sorted(scope.outreach_mall_ids)}) & Q(
                **{self.outreach_field: "outreach"}
            )
        if scope.own_user_id is not None and self.own_field:
            q |= Q(**{self.own_field: scope.own_user_id})
        return q

    def visible_to(
        self,
        user: Any,
        action: str = "view",
        *,
        memberships: Iterable[tuple[int, int | None, str]] | None = None,
    ) -> Self:
        """The rows `user` may `action` ("view", "change", ...), per the role table."""
        scope = scope_for(user, self.entity, action, memberships=memberships)
        if scope.everywhere:
            return self.all()
        return self.filter(self.scope_q(scope))
