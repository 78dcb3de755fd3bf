"""The SLA clock of a dossier, in working days (reference/REGULATIONS.md, "Working days").

- The clock starts on the day the front office finds the dossier complete (`verify`).
- It pauses while the applicant revises: the working days after the pause began up to and
  including the day the applicant resubmits are added to the due date.
- due = add_working_days(start, sla_days + paused working days).
- Each state gets a deadline from its share of the SLA, counted from the day it was entered,
  never later than the dossier's own due date.

These functions only compute; services.py stores the answers on the dossier."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

from satupintu.core.workdays import add_working_days, working_days_between


def sla_due_date(
    *, started_on: date, sla_days: int, paused_days: int, closures: Mapping[date, str]
) -> date:
    return add_working_days(started_on, sla_days + paused_days, closures)[0]


def paused_working_days(
    *, paused_since: date, resumed_on: date, closures: Mapping[date, str]
) -> int:
    return working_days_between(paused_since, resumed_on, closures)


def state_share_days(*, sla_days: int, share_percent: int) -> int:
    """Working days a state may use; at least one when it has any share of a non-zero SLA."""
    if sla_days <= 0 or share_percent <= 0:
        return 0
    return max(1, math.ceil(sla_days * share_percent / 100))


def state_deadline(
    *,
    entered_on: date,
    sla_days: int,
    share_percent: int,
    dossier_due: date | None,
    closures: Mapping[date, str],
) -> date | None:
    days = state_share_days(sla_days=sla_days, share_percent=share_percent)
    if days == 0:
        return None
    deadline = add_working_days(entered_on, days, closures)[0]
    if dossier_due is not None and deadline > dossier_due:
        return dossier_due
    return deadline


def deadline_level(deadline: date | None, today: date) -> str:
    """How close a deadline is, for colours: overdue, due_today, soon (2 days), ok, none."""
    if deadline is None:
        return "none"
    if deadline < today:
        return "overdue"
    if deadline == today:
        return "due_today"
    if (deadline - today).days <= 2:
        return "soon"
    return "ok"
