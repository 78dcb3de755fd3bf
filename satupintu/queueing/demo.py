"""Demo data of the queue (called by `satupintu seed_demo`): appointment settings for the busy
services, two counters at work, and today's tickets in every state so that the kiosk, the
console and the display boards look alive. Idempotent: a second run on the same day changes
nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from satupintu.catalog import demo_data
from satupintu.catalog.demo_data.loader import Tally, upsert
from satupintu.catalog.models import Counter, Mall, Service
from satupintu.queueing import hotpath, services
from satupintu.queueing.models import (
    AppointmentSlotConfig,
    CounterSession,
    Display,
    Kiosk,
    Ticket,
    TicketEvent,
)

# demo data: which services take appointments, with (slot minutes, capacity per slot).
APPOINTMENT_SERVICES: dict[str, tuple[int, int]] = {
    "DUK-KTP-BARU": (30, 4),
    "DUK-KK": (30, 4),
    "DUK-AKTA-LAHIR": (30, 3),
    "POL-SKCK": (20, 3),
    "IMI-PASPOR": (30, 2),
    "BPJSKES-DAFTAR": (15, 2),
}

# demo data: today's tickets: (service code, minutes ago it arrived, final status, counter
# number or None, priority, plate number, outcome).
TODAY: list[tuple[str, int, str, int | None, str, str, str]] = [
    ("DUK-KTP-BARU", 95, "done", 1, "", "", "served"),
    ("DUK-KK", 88, "done", 1, "elderly", "", "served"),
    ("DUK-KTP-BARU", 80, "done", 1, "", "", "not_served"),
    ("POL-SKCK", 78, "done", 6, "", "", "served"),
    ("POL-SKCK", 70, "no_show", 6, "", "", ""),
    ("POL-SKCK", 62, "done", 6, "", "", "served"),
    ("DUK-KTP-BARU", 55, "serving", 1, "", "", ""),
    ("POL-SKCK", 50, "called", 6, "", "", ""),
    ("DUK-KTP-BARU", 40, "waiting", None, "", "", ""),
    ("DUK-KK", 35, "waiting", None, "", "", ""),
    ("DUK-KTP-BARU", 30, "waiting", None, "disabled", "", ""),
    ("DUK-AKTA-LAHIR", 26, "waiting", None, "child_or_infant", "", ""),
    ("POL-SKCK", 22, "waiting", None, "", "", ""),
    ("BPJSKES-DAFTAR", 18, "waiting", None, "", "", ""),
    ("DUK-KTP-BARU", 12, "waiting", None, "", "", ""),
    ("POL-SKCK", 8, "waiting", None, "pregnant", "", ""),
    ("SAMSAT-PKB", 15, "waiting", None, "", "AB 1234 XY", ""),
    ("SAMSAT-PKB", 6, "waiting", None, "elderly", "AB 5678 KL", ""),
]

# demo data: the two counter officers at work, by counter number.
OFFICERS_AT_COUNTERS = {"loket1": 1, "loket2": 6}

DEMO_NAMES = ["Siti Aminah", "Budi Santoso", "Rina Wulandari", "Agus Prasetyo", "Dewi Lestari"]


def seed(mall: Mall, log: Callable[[str], None]) -> None:
    devices = _seed_devices(mall)
    log(f"Devices: 2 display boards and 2 kiosks ({devices}).")
    configs = _seed_appointment_settings(mall)
    sessions = _seed_counter_sessions(mall)
    tickets = _seed_today(mall)
    log(
        f"Queue: appointment settings for {configs} services, {sessions} counters at work, "
        f"{tickets} tickets today."
    )


def _seed_devices(mall: Mall) -> Tally:
    """A display board or a kiosk for each device account the catalog's loader made."""
    tally = Tally()
    floors = {f.number: f for f in mall.floors.all()}
    devices = get_user_model().objects.in_bulk(list(demo_data.DEVICES), field_name="username")
    for username, (name, role, floor_number) in demo_data.DEVICES.items():
        device = devices[username]
        floor = floors[floor_number] if floor_number is not None else None
        if role == "display":
            upsert(
                Display,
                tally,
                lookup={"mall": mall, "name": name},
                values={
                    "floor": floor,
                    "device": device,
                    "running_text": demo_data.DISPLAY_RUNNING_TEXT,
                    # demo data: both boards speak from the start (in a kiosk-mode browser);
                    # the whole-mall board, near Imigrasi's visitors, also in English.
                    "sound_at_load": True,
                    "announce_in_english": floor is None,
                },
            )
        else:
            upsert(
                Kiosk,
                tally,
                lookup={"mall": mall, "name": name},
                values={"floor": floor, "device": device},
            )
    return tally


def _seed_appointment_settings(mall: Mall) -> int:
    count = 0
    for code, (minutes, capacity) in APPOINTMENT_SERVICES.items():
        service = Service.objects.filter(mall=mall, code=code).first()
        if service is None:
            continue
        AppointmentSlotConfig.objects.get_or_create(
            service=service,
            defaults={
                "slot_minutes": minutes,
                "capacity_per_slot": capacity,
                "booking_window_days": 14,
                "cutoff_hour": 12,
                "checkin_early_minutes": 30,
                "checkin_late_minutes": 15,
            },
        )
        count += 1
    return count


def _seed_counter_sessions(mall: Mall) -> int:
    count = 0
    users = get_user_model().objects
    for username, number in OFFICERS_AT_COUNTERS.items():
        officer = users.filter(username=username).first()
        counter = Counter.objects.filter(mall=mall, number=number).first()
        if officer is None or counter is None:
            continue
        held = CounterSession.objects.filter(status__in=CounterSession.ACTIVE_STATUSES).filter(
            officer=officer
        ) | CounterSession.objects.filter(
            status__in=CounterSession.ACTIVE_STATUSES, counter=counter
        )
        if not held.exists():
            window = _open_window(mall, timezone.now())
            opened_at = timezone.now() - timedelta(hours=2)
            if window is not None:
                opened_at = max(window[0], min(opened_at, window[1]))
            CounterSession.objects.create(counter=counter, officer=officer, opened_at=opened_at)
        count += 1
    return count


def _open_window(mall: Mall, now: datetime) -> tuple[datetime, datetime] | None:
    """Today's opening time and the end of the seeded history (now, or closing time if the mall
    has closed); None before opening or on a day without opening hours."""
    from satupintu.catalog.models import OpeningHours

    local = mall.local_now(now)
    hours = OpeningHours.objects.filter(mall=mall, weekday=local.weekday()).first()
    if hours is None:
        return None
    opens = datetime.combine(local.date(), hours.opens, tzinfo=mall.zone)
    closes = datetime.combine(local.date(), hours.closes, tzinfo=mall.zone)
    if local < opens:
        return None
    return opens, min(local, closes)


def _seed_today(mall: Mall) -> int:
    """Today's queue as it would be at this hour: every ticket, call and service inside today's
    opening hours (the timeline is squeezed when the mall opened less than two hours ago, and
    nothing is seeded before it opens: a later run, once open, seeds it)."""
    now = timezone.now()
    day = mall.today(now)
    if Ticket.objects.filter(mall=mall, service_date=day).exists():
        return Ticket.objects.filter(mall=mall, service_date=day).count()
    window = _open_window(mall, now)
    if window is None:
        return 0
    opens, end = window
    span = max(row[1] for row in TODAY) + 1
    factor = min(1.0, (end - opens).total_seconds() / 60 / span)
    by_code = {s.code: s for s in Service.objects.filter(mall=mall, code__in={r[0] for r in TODAY})}
    counters = {c.number: c for c in Counter.objects.filter(mall=mall)}
    holders = {
        s.counter_id: s.officer
        for s in CounterSession.objects.filter(
            counter__mall=mall, status__in=CounterSession.ACTIVE_STATUSES
        ).select_related("officer")
    }
    made = 0
    for index, (code, minutes_ago, status, number, priority, plate, outcome) in enumerate(
        sorted(TODAY, key=lambda row: -row[1])
    ):
        service = by_code.get(code)
        if service is None:
            continue
        counter = counters.get(number) if number else None
        officer = holders.get(counter.pk) if counter else None
        _make_ticket(
            mall=mall,
            service=service,
            day=day,
            arrival=end - timedelta(minutes=minutes_ago * factor),
            factor=factor,
            status=status,
            counter=counter,
            officer=officer,
            priority=priority,
            plate=plate,
            outcome=outcome,
            name=DEMO_NAMES[index % len(DEMO_NAMES)],
        )
        made += 1
    return made


def _make_ticket(
    *,
    mall: Mall,
    service: Service,
    day: Any,
    arrival: datetime,
    status: str,
    counter: Counter | None,
    officer: Any,
    priority: str,
    plate: str,
    outcome: str,
    name: str,
    factor: float = 1.0,
) -> Ticket:
    """A ticket with the history it would have had: issued, then called, started, finished."""
    serial = hotpath.next_serial(mall_id=mall.pk, prefix=service.queue_prefix, day=day)
    channel = "drive_thru" if plate else "walk_in"
    ticket = Ticket.objects.create(
        mall=mall,
        service=service,
        current_service=service,
        channel=channel,
        priority=priority,
        queue_prefix=service.queue_prefix,
        serial=serial,
        number=services.format_ticket_number(service.queue_prefix, serial),
        service_date=day,
        status="waiting",
        arrival_at=arrival,
        name=name,
        plate_number=plate,
    )
    steps: list[tuple[str, str, str, int]] = [("issue", "", "waiting", 0)]
    if status in {"called", "serving", "done", "no_show"}:
        steps.append(("call", "waiting", "called", 12))
    if status == "no_show":
        steps.append(("no_show", "called", "no_show", 15))
    if status in {"serving", "done"}:
        steps.append(("start", "called", "serving", 13))
    if status == "done":
        steps.append(("finish", "serving", "done", 21))
    fields: dict[str, Any] = {"status": status}
    for action, from_status, to_status, minutes in steps:
        at = arrival + timedelta(minutes=minutes * factor)
        at_counter = counter if action != "issue" else None
        TicketEvent.objects.create(
            ticket=ticket,
            at=at,
            actor=officer if at_counter else None,
            actor_label=officer.get_username() if officer and at_counter else "kiosk-1",
            counter=at_counter,
            service=service,
            from_status=from_status,
            to_status=to_status,
            action=action,
            outcome=outcome if action == "finish" else "",
        )
        if action == "call":
            fields.update(counter=counter, called_at=at, last_called_at=at)
        elif action == "start":
            fields["started_at"] = at
        elif action == "finish":
            fields.update(finished_at=at, outcome=outcome)
        elif action == "no_show":
            fields["no_show_at"] = at
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    return ticket
