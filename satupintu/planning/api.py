"""The staffing planner API (API.md, "Estimates and the planner")."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from satupintu.accounts.auth import STAFF_AUTH
from satupintu.core.errors import InvalidInput
from satupintu.core.schemas import Slug
from satupintu.planning import planner, selectors
from satupintu.planning.schemas import PlanOut

router = Router(tags=["planning"])

TargetMinutes = Annotated[int, Field(ge=1, le=240)]
TargetShare = Annotated[float, Field(ge=0.05, le=0.99)]
PlannedText = Annotated[str, Field(max_length=2000, pattern=r"^[0-9@=, ]*$")]


@router.get("/planner", response=PlanOut, auth=STAFF_AUTH)
def planner_get(
    request: HttpRequest,
    mall: Slug,
    date: date,
    target_minutes: TargetMinutes = 15,
    target_share: TargetShare = 0.8,
    planned: PlannedText = "",
) -> dict[str, Any]:
    """Counters to open per hour and group of counters for a target share of visitors called
    within the target minutes (Erlang C, checked by simulation). `planned`: a what-if,
    `group@hour=counters` separated by commas (`0@10=3,0@12=1`). Supervisors and mall admins."""
    the_mall = selectors.access_planner(request.user, mall_slug=mall)
    try:
        overrides = planner.parse_planned(planned)
    except ValueError as exc:
        raise InvalidInput(
            f"Cannot read '{exc}': use group@hour=counters", field="query.planned"
        ) from None
    return planner.plan_day(
        mall=the_mall,
        day=date,
        target_minutes=target_minutes,
        target_share=target_share,
        planned=overrides,
    )
