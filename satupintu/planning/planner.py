"""The staffing planner: for a day, per hour and per group of counters, how many counters to open
so that a target share of visitors is called within a target time.

A group is a set of counters linked by the services they serve (two counters that share a
service are in one group; walk-in and drive-thru apart): their visitors compete for the same
counters. Per hour, the forecast arrivals of the group's services (`forecast.py`) and their mean
service time (the roll-ups of the last weeks; the published standard time when there is no
history, and the plan says so) give the first answer by Erlang C (`erlang.py`). It is then checked
by simulating the day with the real calling policy (`simulation.py`): Erlang C knows neither the
queue left over from the previous hour, nor priorities, pauses and counters that serve only some of
the group's services; where the simulation misses the target the planner adds a counter and says
why (the simulation wins). A what-if (`planned`) sets the counters of some hours by hand and gets
the simulated share back.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from satupintu.catalog.models import Counter, Mall, Service
from satupintu.planning import erlang, forecast
from satupintu.planning.simulation import CounterSpec, Scenario, ServiceSpec, simulate_day
from satupintu.queueing import selectors as queue_selectors
from satupintu.reports.models import DailyTicketStats, RollupLevel

HISTORY_WEEKS = 8
SIM_SEEDS = (101, 202, 303)
MAX_ROUNDS = 2


@dataclass(frozen=True)
class Group:
    index: int
    service_ids: tuple[int, ...]
    counters: tuple[tuple[int, frozenset[int]], ...]  # (counter id, services it serves)
    drive_thru: bool
    label: str


def counter_groups(mall: Mall) -> list[Group]:
    """The active counters of the mall split into groups linked by shared services."""
    counters = list(
        Counter.objects.filter(mall=mall, is_active=True)
        .prefetch_related("services")
        .order_by("number", "id")
    )
    names = dict(Service.objects.filter(mall=mall).values_list("id", "name"))
    pending = [
        (c.pk, frozenset(s.pk for s in c.services.all()), c.mode == Counter.Mode.DRIVE_THRU)
        for c in counters
    ]
    pending = [p for p in pending if p[1]]
    groups: list[Group] = []
    while pending:
        first = pending.pop(0)
        members, services, lane = [first], set(first[1]), first[2]
        changed = True
        while changed:
            changed = False
            for item in list(pending):
                if item[2] == lane and item[1] & services:
                    members.append(item)
                    services |= item[1]
                    pending.remove(item)
                    changed = True
        # The most versatile counters open first.
        members.sort(key=lambda m: (-len(m[1]), m[0]))
        ids = tuple(sorted(services))
        label = ", ".join(sorted(names.get(s, str(s)) for s in ids)[:3])
        if len(ids) > 3:
            label += _(" and %(n)d more") % {"n": len(ids) - 3}
        groups.append(Group(len(groups), ids, tuple((m[0], m[1]) for m in members), lane, label))
    return groups


def service_minutes(mall: Mall, day: date) -> tuple[dict[int, float], set[int]]:
    """Mean service minutes per service from the roll-ups of the weeks before `day`; the
    published standard time (or the default) for a service without history, whose id is in the
    second set."""
    rows = (
        DailyTicketStats.objects.filter(
            mall=mall,
            level=RollupLevel.SERVICE,
            day__gte=day - timedelta(weeks=HISTORY_WEEKS),
            day__lt=day,
        )
        .values("service_id")
        .annotate(n=Sum("service_count"), us=Sum("service_us"))
    )
    measured = {r["service_id"]: r["us"] / r["n"] / 60e6 for r in rows if r["n"]}
    out: dict[int, float] = {}
    standard: set[int] = set()
    for service in Service.objects.filter(mall=mall):
        if service.pk in measured and measured[service.pk] > 0:
            out[service.pk] = measured[service.pk]
        else:
            out[service.pk] = (
                float(service.duration_value)
                if service.duration_unit == Service.DurationUnit.MINUTES and service.duration_value
                else float(settings.QUEUE_DEFAULT_SERVICE_MINUTES)
            )
            standard.add(service.pk)
    return out, standard


def _simulated_shares(
    group: Group,
    hours: list[int],
    arrivals: Mapping[int, Mapping[int, float]],
    minutes: Mapping[int, float],
    planned: Mapping[int, int],
    target_minutes: float,
) -> dict[int, float]:
    """Share of visitors called within the target, per issue hour, when the day runs with
    `planned[hour]` counters of the group (the most versatile first)."""
    first = hours[0]
    span = len(hours)
    services = [
        ServiceSpec(
            id=sid,
            name=str(sid),
            mean=minutes[sid],
            cv=0.6,
            no_show=0.03,
            priority_share=0.1,
            arrivals_per_hour=tuple(arrivals.get(sid, {}).get(h, 0.0) for h in hours),
        )
        for sid in group.service_ids
    ]
    counters = []
    for i, (cid, served) in enumerate(group.counters):
        off = tuple(
            (k * 60.0, (k + 1) * 60.0) for k, h in enumerate(hours) if planned.get(h, 0) <= i
        )
        counters.append(CounterSpec(cid, served, 0.0, span * 60.0, off))
    scenario = Scenario("plan", "plan", services, counters, issue_minutes=span * 60.0)
    inside: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    for seed in SIM_SEEDS:
        day = simulate_day(scenario, seed=seed)
        for visit in day.visits:
            hour = first + int(visit.issued // 60)
            total[hour] += 1
            if visit.wait is not None and visit.wait <= target_minutes:
                inside[hour] += 1
    return {h: (inside[h] / total[h] if total[h] else 1.0) for h in hours}


def plan_day(
    *,
    mall: Mall,
    day: date,
    target_minutes: float = 15,
    target_share: float = 0.8,
    planned: Mapping[tuple[int, int], int] | None = None,
) -> dict[str, Any]:
    """The plan of `day` in the shape of API.md ("Estimates and the planner")."""
    planned = planned or {}
    notes: list[str] = []
    closed = queue_selectors.mall_day_closed_reason(mall, day)
    hours_open = queue_selectors.mall_hours_on(mall, day)
    answer: dict[str, Any] = {
        "date": day.isoformat(),
        "target": {"minutes": target_minutes, "share": target_share},
        "method": "erlang_c+simulation",
        "hours": [],
        "groups": [],
        "notes": notes,
        "kind_of_day": None,
        "standard_times": False,
    }
    if closed or hours_open is None:
        notes.append(closed or _("The mall does not open that day."))
        return answer
    opens, closes = hours_open
    hours = list(range(opens.hour, closes.hour + (1 if closes.minute else 0)))
    predicted = forecast.forecast_day(mall, day)
    answer["kind_of_day"] = predicted.kind
    if predicted.kind == "after_break":
        notes.append(
            _("First opening day after holidays or a closure: %(pct)d %% more visitors expected.")
            % {"pct": round(100 * (predicted.factor - 1))}
        )
    elif predicted.kind == "before_break":
        notes.append(
            _("Last opening day before holidays or a closure: %(pct)d %% more visitors expected.")
            % {"pct": round(100 * (predicted.factor - 1))}
        )
    if predicted.history_days == 0:
        notes.append(
            _("No arrival history for this weekday yet: the forecast is empty; plan by hand.")
        )
    minutes, standard = service_minutes(mall, day)
    # The groups somebody is expected at; without any forecast, every group (to plan by hand).
    every_group = counter_groups(mall)
    groups = [
        g for g in every_group if any(predicted.by_service.get(s) for s in g.service_ids)
    ] or every_group
    used_standard = sorted({s for g in groups for s in g.service_ids} & standard)
    if used_standard or predicted.history_days == 0:
        answer["standard_times"] = True
        notes.append(
            _(
                "No service-time history for %(n)d service(s): the published standard times "
                "are used for them."
            )
            % {"n": len(used_standard)}
        )
    rows: dict[int, list[dict[str, Any]]] = {h: [] for h in hours}
    for group in groups:
        arrivals = {s: predicted.by_service.get(s, {}) for s in group.service_ids}
        available = len(group.counters)
        per_hour: dict[int, dict[str, Any]] = {}
        for h in hours:
            lam = sum(arrivals[s].get(h, 0.0) for s in group.service_ids)
            if lam > 0:
                s_mean = sum(arrivals[s].get(h, 0.0) * minutes[s] for s in group.service_ids) / lam
            else:
                s_mean = sum(minutes[s] for s in group.service_ids) / len(group.service_ids)
            needed = erlang.counters_needed(lam, s_mean, target_minutes, target_share)
            per_hour[h] = {
                "lam": lam,
                "s": s_mean,
                "needed": needed,
                "erlang_share": erlang.share_within(
                    min(needed, available), lam, s_mean, target_minutes
                ),
                "reason": None,
            }
        plan = {
            h: planned.get((group.index, h), min(per_hour[h]["needed"], available)) for h in hours
        }
        plan = {h: max(0, min(available, n)) for h, n in plan.items()}
        by_hand = {h for h in hours if (group.index, h) in planned}
        shares = _simulated_shares(group, hours, arrivals, minutes, plan, target_minutes)
        for _round in range(MAX_ROUNDS):
            short = [
                h
                for h in hours
                if h not in by_hand
                and shares[h] < target_share
                and plan[h] < available
                and per_hour[h]["lam"] > 0
            ]
            if not short:
                break
            for h in short:
                plan[h] += 1
                per_hour[h]["needed"] = max(per_hour[h]["needed"], plan[h])
                per_hour[h]["reason"] = _(
                    "The simulation needs one more counter than Erlang C: visitors left waiting "
                    "from the hour before, priorities and counters that serve only some of "
                    "these services."
                )
            shares = _simulated_shares(group, hours, arrivals, minutes, plan, target_minutes)
        for h in hours:
            info = per_hour[h]
            met = shares[h] >= target_share
            reason = info["reason"]
            if met and info["needed"] > plan[h] and h not in by_hand:
                reason = _(
                    "Erlang C asks for %(n)d counters; the simulation of the day meets the target "
                    "with %(m)d (few visitors, each long: the hour's averages mislead Erlang C)."
                ) % {"n": info["needed"], "m": plan[h]}
                info["needed"] = plan[h]
            elif info["needed"] > available and not met:
                reason = _(
                    "Cannot be met with the %(n)d counters of this group: the best achievable "
                    "is %(pct)d %% within %(t)d minutes."
                ) % {"n": available, "pct": math.floor(100 * shares[h]), "t": target_minutes}
            elif not met and h in by_hand:
                reason = _("Too few counters planned by hand for the target.")
            elif not met:
                reason = _("The simulation misses the target even with every counter open.")
            rows[h].append(
                {
                    "group": group.index,
                    "service_ids": list(group.service_ids),
                    "arrivals_expected": round(info["lam"], 1),
                    "service_minutes": round(info["s"], 1),
                    "counters_needed": info["needed"],
                    "counters_planned": plan[h],
                    "counters_available": available,
                    "share_within_target": round(shares[h], 3),
                    "share_erlang": round(info["erlang_share"], 3),
                    "met": met,
                    "reason": reason,
                }
            )
        answer["groups"].append(
            {
                "index": group.index,
                "label": group.label,
                "service_ids": list(group.service_ids),
                "counter_ids": [cid for cid, _s in group.counters],
                "drive_thru": group.drive_thru,
            }
        )
    answer["hours"] = [{"hour": f"{h:02d}:00", "groups": rows[h]} for h in hours]
    return answer


def parse_planned(text: str) -> dict[tuple[int, int], int]:
    """`"0@10=3,0@11=2"` (group@hour=counters) into {(0, 10): 3, (0, 11): 2}; ValueError naming
    the bad part."""
    out: dict[tuple[int, int], int] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        try:
            where, count = part.split("=")
            group, hour = where.split("@")
            g, h, n = int(group), int(hour), int(count)
        except ValueError:
            raise ValueError(part) from None
        if not (0 <= g < 1000 and 0 <= h <= 23 and 0 <= n <= 200):
            raise ValueError(part)
        out[(g, h)] = n
    return out


def plan_csv_rows(plan: Mapping[str, Any]) -> list[list[Any]]:
    groups = {g["index"]: g for g in plan["groups"]}
    rows: list[list[Any]] = [
        [
            "date",
            "hour",
            "group",
            "services",
            "arrivals_expected",
            "counters_needed",
            "counters_planned",
            "counters_available",
            "share_within_target",
            "met",
            "reason",
        ]
    ]
    for hour in plan["hours"]:
        for g in hour["groups"]:
            rows.append(
                [
                    plan["date"],
                    hour["hour"],
                    g["group"],
                    groups[g["group"]]["label"],
                    g["arrivals_expected"],
                    g["counters_needed"],
                    g["counters_planned"],
                    g["counters_available"],
                    g["share_within_target"],
                    "yes" if g["met"] else "no",
                    g["reason"] or "",
                ]
            )
    return rows
