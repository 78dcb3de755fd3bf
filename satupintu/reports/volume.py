"""A realistic history for a mall (`satupintu seed_volume`): tickets with their events, counter
sessions, dossiers with their events and SLA fields, surveys and complaints, following the
mall's opening days and the Indonesian holiday calendar.

Patterns (demo data, documented in docs/BENCHMARKS.md): no tickets on weekends, national
holidays, cuti bersama or the mall's closure days; Monday the busiest day, Friday the shortest
(Friday prayers: no arrivals 11:30-13:00 and the doors close at 14:00); mornings busiest;
services by popularity; the day after a holiday busier. About 4,100 visits and 1,400 dossiers
per working day at scale 1.0 (3 million and 1 million over three years).

Rows go in with PostgreSQL COPY (psycopg) in batches; on SQLite with executemany. Primary keys
of tickets and dossiers are allocated here (their events need them) and the sequences are moved
past them at the end."""

from __future__ import annotations

import json
import random
import resource
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, models, transaction

from satupintu.catalog.models import Counter, Mall, Service
from satupintu.catalog.selectors import mall_closures
from satupintu.core.workdays import is_working_day
from satupintu.dossiers.models import Dossier, DossierEvent
from satupintu.feedback.models import Complaint, ComplaintEvent, Survey
from satupintu.queueing.models import CounterSession, Ticket, TicketEvent

TICKETS_PER_YEAR = 1_000_000
DOSSIERS_PER_YEAR = 333_000
SURVEY_SHARE = 0.10  # of served visits
COMPLAINT_SHARE = 0.003  # of visits
BATCH = 20_000
SEED_CODE_PREFIX = "V"  # dossier tracking codes and complaint codes of generated history

# demo data: relative popularity of services (others weigh 1).
POPULARITY: dict[str, float] = {
    "DUK-KTP-BARU": 14,
    "DUK-KTP-GANTI": 10,
    "DUK-KK": 14,
    "DUK-AKTA-LAHIR": 7,
    "DUK-KIA": 5,
    "DUK-PINDAH": 5,
    "DUK-DATANG": 4,
    "DUK-IKD": 6,
    "DUK-LEGALISIR": 4,
    "POL-SKCK": 12,
    "POL-SKCK-ULANG": 6,
    "POL-SIM-A": 6,
    "POL-SIM-C": 9,
    "SAMSAT-PKB": 14,
    "SAMSAT-5TH": 4,
    "BPJSKES-DAFTAR": 6,
    "BPJSKES-UBAH": 5,
    "BPJSTK-JHT": 5,
    "IMI-PASPOR": 6,
    "KPP-NPWP": 3,
    "DPM-NIB": 4,
    "BPD-PBB": 3,
}
WEEKDAY_FACTOR = {0: 1.30, 1: 1.05, 2: 1.0, 3: 0.95, 4: 0.70}
# Share of arrivals per half hour from 08:00 (mornings busiest).
HALF_HOURS = [6, 10, 12, 12, 11, 9, 7, 5, 5, 6, 6, 5, 4, 2]
PRIORITIES = [("", 0.92), ("elderly", 0.045), ("disabled", 0.01), ("pregnant", 0.0125)]
PRIORITIES.append(("child_or_infant", 1 - sum(p for _c, p in PRIORITIES)))
NAMES = ["Siti", "Budi", "Rina", "Agus", "Dewi", "Wahyu", "Sri", "Joko", "Ani", "Bambang"]

S = Ticket.Status
A = TicketEvent.Action


def peak_memory_mb() -> float:
    """Peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class FastCalendar:
    """Working days of a span, with O(1) `add_working_days` / `working_days_between` that give
    the same answers as `core.workdays` (tests compare them)."""

    def __init__(self, first: date, last: date, closures: dict[date, str]):
        self.first = first
        self.days: list[date] = []
        self.rank: dict[date, int] = {}  # working days up to and including the day
        count = 0
        day = first
        while day <= last:
            if is_working_day(day, closures):
                count += 1
                self.days.append(day)
            self.rank[day] = count
            day += timedelta(days=1)

    def is_working(self, day: date) -> bool:
        i = self.rank[day]
        return i > 0 and self.days[i - 1] == day

    def add(self, start: date, n: int) -> date:
        if n == 0:
            return start
        return self.days[self.rank[start] + n - 1]

    def between(self, start: date, end: date) -> int:
        return self.rank[end] - self.rank[start] if end > start else 0


class Inserter:
    """Buffered inserts of one model with a fixed set of given columns; every other column
    gets its field default (a missing required value fails at once, not at row 2 million)."""

    def __init__(self, model: type[models.Model], given: Sequence[str], stats: dict[str, int]):
        self.model = model
        self.given = list(given)
        self.stats = stats
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.constants: list[tuple[str, Any]] = []
        for name, f in fields.items():
            if name in self.given or (f.primary_key and name not in self.given):
                continue
            default = f.get_default()
            if default is None and not f.null:
                raise ValueError(f"{model.__name__}.{name} needs a value")
            self.constants.append((name, default))
        self.columns = self.given + [name for name, _v in self.constants]
        self.fields = [fields[name] for name in self.columns]
        self.json_positions = [
            i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)
        ]
        self.suffix = tuple(value for _n, value in self.constants)
        self.rows: list[tuple[Any, ...]] = []
        self.postgres = connection.vendor == "postgresql"

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        table = self.model._meta.db_table
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        rows = [row + self.suffix for row in self.rows]
        if self.json_positions:
            rows = [self._json(row) for row in rows]
        with connection.cursor() as cursor:
            if self.postgres:
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                    [
                        tuple(
                            f.get_db_prep_value(v, connection) if v is not None else None
                            for f, v in zip(self.fields, row, strict=True)
                        )
                        for row in rows
                    ],
                )
        self.stats[self.model.__name__] = self.stats.get(self.model.__name__, 0) + len(rows)
        self.rows = []

    def _json(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for i in self.json_positions:
            if not isinstance(values[i], str) or self.postgres:
                values[i] = json.dumps(values[i]) if self.postgres else values[i]
        return tuple(values)


def _next_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def _reset_sequences(*models_: type[models.Model]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def _analyze(*models_: type[models.Model]) -> None:
    """Fresh planner statistics after a bulk load: with the old ones PostgreSQL believes a
    ticket has thousands of events and scans the whole table instead of the index."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


@dataclass
class ServicePlan:
    service: Service
    weight: float
    counters: list[tuple[int, int]]  # (counter id, officer id)
    drive_counters: list[tuple[int, int]]
    minutes: float  # typical service time
    quality: float  # survey: share of 4s among 3s and 4s


@dataclass
class VolumeResult:
    days: int
    working_days: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    rollup_seconds: float = 0.0
    peak_mb: float = 0.0


def _officers(mall: Mall, counters: list[Counter]) -> dict[int, int]:
    """One history officer account per counter (no password: they only sign history)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    out = {}
    for counter in counters:
        user, created = user_model.objects.get_or_create(
            username=f"vol-{mall.slug}-{counter.pk}",
            defaults={"first_name": "Petugas", "last_name": counter.name, "is_active": False},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        out[counter.pk] = user.pk
    return out


def _plans(mall: Mall, rng: random.Random) -> list[ServicePlan]:
    counters = list(Counter.objects.filter(mall=mall, is_active=True).prefetch_related("services"))
    officer_of = _officers(mall, counters)
    plans = []
    for service in Service.objects.filter(mall=mall, is_active=True).select_related("agency"):
        walk = [
            (c.pk, officer_of[c.pk])
            for c in counters
            if c.mode == Counter.Mode.WALK_IN and service in c.services.all()
        ]
        drive = [
            (c.pk, officer_of[c.pk])
            for c in counters
            if c.mode == Counter.Mode.DRIVE_THRU and service in c.services.all()
        ]
        if not walk and not drive:
            continue
        minutes = (
            float(service.duration_value)
            if service.duration_unit == Service.DurationUnit.MINUTES
            else 12.0
        )
        plans.append(
            ServicePlan(
                service=service,
                weight=POPULARITY.get(service.code, 1.0),
                counters=walk or drive,
                drive_counters=drive,
                minutes=max(3.0, min(minutes, 45.0)),
                quality=rng.uniform(0.35, 0.8),
            )
        )
    return plans


def _arrival_minutes(rng: random.Random, n: int, friday: bool) -> list[float]:
    """Minutes after 08:00 of n arrivals, sorted."""
    slots = list(HALF_HOURS)
    if friday:
        for i in range(7, len(slots)):  # 11:30 onwards: prayers, then a short afternoon
            slots[i] = 0 if i < 10 or i >= 12 else slots[i] // 2
    chosen = rng.choices(range(len(slots)), weights=slots, k=n)
    return sorted(i * 30 + rng.random() * 30 for i in chosen)


def generate(
    *,
    mall: Mall,
    date_from: date,
    date_to: date,
    scale: float,
    seed: int = 20240101,
    log: Callable[[str], None] = print,
    progress: Callable[[int], None] | None = None,
) -> VolumeResult:
    """Insert the history of [date_from, date_to] (inclusive) for `mall`."""
    started = clock.monotonic()
    rng = random.Random(seed)
    zone = mall.zone
    closures = mall_closures(mall=mall)
    cal = FastCalendar(date_from - timedelta(days=1), date_to + timedelta(days=400), closures)
    plans = _plans(mall, rng)
    if not plans:
        raise ValueError("the mall has no active services served at a counter")
    weights = [p.weight for p in plans]
    dossier_plans = [
        p for p in plans if p.service.duration_unit == Service.DurationUnit.WORKING_DAYS
    ]
    dossier_weights = [p.weight for p in dossier_plans]
    opening = {o.weekday: (o.opens, o.closes) for o in mall.opening_hours.all()}
    working = [d for d in cal.days if date_from <= d <= date_to]
    per_day = TICKETS_PER_YEAR / 245 * scale
    dossiers_per_day = DOSSIERS_PER_YEAR / 245 * scale
    today_limit = date_to  # dossiers finishing after this day are still open

    stats: dict[str, int] = {}
    tickets = Inserter(
        Ticket,
        [
            "id",
            "mall_id",
            "service_id",
            "current_service_id",
            "channel",
            "priority",
            "queue_prefix",
            "serial",
            "number",
            "service_date",
            "status",
            "arrival_at",
            "created_at",
            "plate_number",
            "counter_id",
            "called_at",
            "last_called_at",
            "started_at",
            "finished_at",
            "no_show_at",
            "outcome",
            "transferred_from_id",
        ],
        stats,
    )
    events = Inserter(
        TicketEvent,
        [
            "ticket_id",
            "at",
            "actor_id",
            "counter_id",
            "service_id",
            "from_status",
            "to_status",
            "action",
            "outcome",
        ],
        stats,
    )
    sessions = Inserter(
        CounterSession, ["counter_id", "officer_id", "status", "opened_at", "closed_at"], stats
    )
    surveys = Inserter(
        Survey,
        [
            "mall_id",
            "agency_id",
            "service_id",
            "ticket_id",
            "source",
            *[f"u{i}" for i in range(1, 10)],
            "gender",
            "age",
            "education",
            "occupation",
            "submitted_at",
        ],
        stats,
    )
    complaints = Inserter(
        Complaint,
        [
            "id",
            "mall_id",
            "code",
            "category",
            "text",
            "agency_id",
            "service_id",
            "ticket_id",
            "status",
            "received_at",
            "first_response_due",
            "first_responded_at",
            "answer",
            "answered_at",
            "closed_at",
        ],
        stats,
    )
    complaint_events = Inserter(
        ComplaintEvent, ["complaint_id", "kind", "at", "from_status", "to_status"], stats
    )
    dossiers = Inserter(
        Dossier,
        [
            "id",
            "mall_id",
            "service_id",
            "agency_id",
            "channel",
            "status",
            "tracking_code",
            "applicant_nik_encrypted",
            "applicant_nik_hash",
            "applicant_nik_masked",
            "applicant_name",
            "form_data",
            "submitted_at",
            "sla_days",
            "sla_started_on",
            "sla_paused_days",
            "sla_due",
            "sla_stopped_on",
            "state_seq",
            "state_entered_at",
            "completed_at",
            "updated_at",
        ],
        stats,
    )
    dossier_events = Inserter(
        DossierEvent, ["dossier_id", "at", "action", "from_status", "to_status"], stats
    )
    ticket_id = _next_id(Ticket)
    dossier_id = _next_id(Dossier)
    complaint_id = _next_id(Complaint)
    from satupintu.core.crypto import encrypt_personal, lookup_hash

    nik_pool = []
    for i in range(50):
        nik = f"3471{rng.randint(10, 99)}{rng.randint(100000, 999999)}{i:04d}"[:16]
        nik_pool.append(
            (
                encrypt_personal(nik, purpose="nik"),
                lookup_hash(nik, purpose="nik"),
                nik[:4] + "********" + nik[-4:],
            )
        )

    def local(day: date, minutes: float, opens: time = time(8)) -> datetime:
        return datetime.combine(day, opens, tzinfo=zone) + timedelta(minutes=minutes)

    previous_working: date | None = None
    for index, day in enumerate(working, start=1):
        weekday = day.weekday()
        opens, closes = opening.get(weekday, (time(8), time(15)))
        friday = weekday == 4
        factor = WEEKDAY_FACTOR.get(weekday, 1.0) * rng.uniform(0.9, 1.1)
        if previous_working is not None and (day - previous_working).days > 3:
            factor *= 1.2  # the day after a long weekend or a holiday
        previous_working = day
        n = max(0, int(rng.gauss(per_day * factor, (per_day * factor) ** 0.5)))
        open_minutes = (
            datetime.combine(day, closes) - datetime.combine(day, opens)
        ).total_seconds() / 60
        arrivals = [min(m, open_minutes - 1) for m in _arrival_minutes(rng, n, friday)]
        chosen = rng.choices(plans, weights=weights, k=n)
        serials: dict[str, int] = {}
        counter_hours: set[tuple[int, int]] = set()
        for minute, plan in zip(arrivals, chosen, strict=True):
            service = plan.service
            tid = ticket_id
            ticket_id += 1
            prefix = service.queue_prefix
            serial = serials[prefix] = serials.get(prefix, 0) + 1
            drive = bool(plan.drive_counters) and rng.random() < 0.6
            channel = "drive_thru" if drive else "walk_in"
            counter_id, officer_id = rng.choice(plan.drive_counters if drive else plan.counters)
            counter_hours.add((counter_id, officer_id))
            priority = rng.choices([c for c, _p in PRIORITIES], [p for _c, p in PRIORITIES])[0]
            busy = HALF_HOURS[min(int(minute // 30), len(HALF_HOURS) - 1)] / 12
            arrival = local(day, minute, opens)
            wait = rng.expovariate(1 / (4 + 26 * busy * factor)) * (0.5 if priority else 1)
            # Everyone who took a ticket is called before the doors close (those already
            # called are served to the end).
            last_call = datetime.combine(day, closes, tzinfo=zone) - timedelta(minutes=1)
            called = max(arrival, min(arrival + timedelta(minutes=wait), last_call))
            start = called + timedelta(minutes=rng.uniform(0.3, 2))
            length = plan.minutes * rng.lognormvariate(0, 0.35)
            finish = start + timedelta(minutes=length)
            plate = f"AB {rng.randint(1000, 9999)} {rng.choice('ABCDEFGHJK')}" if drive else ""
            base = (
                tid,
                mall.pk,
                service.pk,
                service.pk,
                channel,
                priority,
                prefix,
                serial,
                f"{prefix}-{serial:03d}",
                day,
            )
            issue = (tid, arrival, None, None, service.pk, "", S.WAITING, A.ISSUE, "")
            roll = rng.random()
            if roll < 0.06:  # left while waiting
                gone = arrival + timedelta(minutes=wait * rng.uniform(0.3, 0.9))
                tickets.add(
                    (
                        *base,
                        S.CANCELLED,
                        arrival,
                        arrival,
                        plate,
                        None,
                        None,
                        None,
                        None,
                        gone,
                        None,
                        "",
                        None,
                    )
                )
                events.add(issue)
                events.add(
                    (tid, gone, None, None, service.pk, S.WAITING, S.CANCELLED, A.CANCEL, "")
                )
                continue
            call = (
                tid,
                called,
                officer_id,
                counter_id,
                service.pk,
                S.WAITING,
                S.CALLED,
                A.CALL,
                "",
            )
            if roll < 0.12:  # called, did not come
                gone = called + timedelta(minutes=5)
                tickets.add(
                    (
                        *base,
                        S.NO_SHOW,
                        arrival,
                        arrival,
                        plate,
                        counter_id,
                        called,
                        called,
                        None,
                        None,
                        gone,
                        "",
                        None,
                    )
                )
                events.add(issue)
                events.add(call)
                events.add(
                    (
                        tid,
                        gone,
                        officer_id,
                        counter_id,
                        service.pk,
                        S.CALLED,
                        S.NO_SHOW,
                        A.NO_SHOW,
                        "",
                    )
                )
                continue
            started_row = (
                tid,
                start,
                officer_id,
                counter_id,
                service.pk,
                S.CALLED,
                S.SERVING,
                A.START,
                "",
            )
            if roll < 0.14:  # sent to another service of the same agency, served there
                others = [
                    p
                    for p in plans
                    if p.service.agency_id == service.agency_id
                    and p is not plan
                    and (not drive or p.drive_counters)
                ]
                if others:
                    other = rng.choice(others)
                    moved = start + timedelta(minutes=3)
                    tickets.add(
                        (
                            *base,
                            S.TRANSFERRED,
                            arrival,
                            arrival,
                            plate,
                            counter_id,
                            called,
                            called,
                            start,
                            moved,
                            None,
                            "",
                            None,
                        )
                    )
                    events.add(issue)
                    events.add(call)
                    events.add(started_row)
                    events.add(
                        (
                            tid,
                            moved,
                            officer_id,
                            counter_id,
                            service.pk,
                            S.SERVING,
                            S.TRANSFERRED,
                            A.TRANSFER,
                            "",
                        )
                    )
                    sid = ticket_id
                    ticket_id += 1
                    c2, o2 = rng.choice(other.drive_counters if drive else other.counters)
                    called2 = moved + timedelta(minutes=rng.expovariate(1 / 8))
                    start2 = called2 + timedelta(minutes=1)
                    finish2 = start2 + timedelta(minutes=other.minutes * rng.lognormvariate(0, 0.3))
                    o = other.service.pk
                    tickets.add(
                        (
                            sid,
                            mall.pk,
                            o,
                            o,
                            channel,
                            priority,
                            prefix,
                            serial,
                            f"{prefix}-{serial:03d}",
                            day,
                            S.DONE,
                            arrival,
                            moved,
                            plate,
                            c2,
                            called2,
                            called2,
                            start2,
                            finish2,
                            None,
                            "served",
                            tid,
                        )
                    )
                    events.add(
                        (sid, moved, officer_id, counter_id, o, "", S.WAITING, A.TRANSFER, "")
                    )
                    events.add((sid, called2, o2, c2, o, S.WAITING, S.CALLED, A.CALL, ""))
                    events.add((sid, start2, o2, c2, o, S.CALLED, S.SERVING, A.START, ""))
                    events.add((sid, finish2, o2, c2, o, S.SERVING, S.DONE, A.FINISH, "served"))
                    continue
            outcome = "not_served" if roll < 0.19 else "served"
            tickets.add(
                (
                    *base,
                    S.DONE,
                    arrival,
                    arrival,
                    plate,
                    counter_id,
                    called,
                    called,
                    start,
                    finish,
                    None,
                    outcome,
                    None,
                )
            )
            events.add(issue)
            events.add(call)
            events.add(started_row)
            events.add(
                (
                    tid,
                    finish,
                    officer_id,
                    counter_id,
                    service.pk,
                    S.SERVING,
                    S.DONE,
                    A.FINISH,
                    outcome,
                )
            )
            if outcome == "served" and rng.random() < SURVEY_SHARE:
                answers = [
                    4 if rng.random() < plan.quality else (3 if rng.random() < 0.93 else 2)
                    for _ in range(9)
                ]
                surveys.add(
                    (
                        mall.pk,
                        service.agency_id,
                        service.pk,
                        tid,
                        "kiosk",
                        *answers,
                        rng.choice(["male", "female"]),
                        rng.randint(17, 75),
                        rng.choice(["sma", "d4_s1", "smp", "d1_d3"]),
                        rng.choice(["swasta"]),
                        finish + timedelta(minutes=2),
                    )
                )
            if rng.random() < COMPLAINT_SHARE / 0.8:
                cid = complaint_id
                complaint_id += 1
                received = finish + timedelta(minutes=rng.uniform(5, 600))
                received_day = received.astimezone(zone).date()
                due = cal.add(received_day, 5)
                answered_day = cal.add(received_day, rng.choice([0, 1, 1, 2, 2, 3, 4, 5, 6, 8]))
                answered = datetime.combine(answered_day, time(10), tzinfo=zone)
                done = answered_day <= today_limit
                complaint_status = str(
                    Complaint.Status.CLOSED if done else Complaint.Status.RECEIVED
                )
                complaints.add(
                    (
                        cid,
                        mall.pk,
                        f"{SEED_CODE_PREFIX}-{cid:08d}",
                        "waiting_time",
                        "Antrean terlalu lama.",
                        service.agency_id,
                        service.pk,
                        tid,
                        complaint_status,
                        received,
                        due,
                        answered if done else None,
                        "Terima kasih, sudah kami tindak lanjuti." if done else "",
                        answered if done else None,
                        answered if done else None,
                    )
                )
                complaint_events.add((cid, "received", received, "", "received"))
                if done:
                    complaint_events.add((cid, "transition", answered, "received", "closed"))
        for counter_id, officer_id in counter_hours:
            close_at = time(14) if friday else closes
            sessions.add(
                (
                    counter_id,
                    officer_id,
                    "closed",
                    datetime.combine(day, opens, tzinfo=zone),
                    datetime.combine(day, close_at, tzinfo=zone),
                )
            )
        # Dossiers submitted this day.
        nd = max(0, int(rng.gauss(dossiers_per_day * factor, (dossiers_per_day * factor) ** 0.5)))
        for plan in rng.choices(dossier_plans, weights=dossier_weights, k=nd) if nd else []:
            service = plan.service
            did = dossier_id
            dossier_id += 1
            submitted = local(day, rng.uniform(0, 400))
            sla_days = max(1, service.duration_value)
            started_on = day
            paused = rng.choice([1, 2, 3, 4, 5]) if rng.random() < 0.08 else 0
            used = max(1, round(sla_days * rng.uniform(0.3, 1.12)))
            stopped_on = cal.add(started_on, used + paused)
            due = cal.add(started_on, sla_days + paused)
            rejected = rng.random() < 0.03
            open_now = stopped_on > today_limit
            identity = nik_pool[did % len(nik_pool)]
            history: list[tuple[Any, ...]] = [
                (did, submitted, "submit", "", "submitted"),
                (did, submitted + timedelta(minutes=10), "verify", "submitted", "verified"),
                (did, submitted + timedelta(minutes=40), "process", "verified", "in_process"),
            ]
            if paused:
                ask = datetime.combine(cal.add(started_on, 1), time(10), tzinfo=zone)
                back = datetime.combine(cal.add(started_on, 1 + paused), time(10), tzinfo=zone)
                history += [
                    (did, ask, "request_revision", "in_process", "revision"),
                    (did, back, "resubmit", "revision", "submitted"),
                    (did, back + timedelta(minutes=5), "verify", "submitted", "verified"),
                    (did, back + timedelta(minutes=30), "process", "verified", "in_process"),
                ]
            d_status, completed_at, stop = "in_process", None, None
            if not open_now:
                stop = stopped_on
                end = datetime.combine(stopped_on, time(11), tzinfo=zone)
                if rejected:
                    history.append((did, end, "reject", "in_process", "rejected"))
                    d_status, completed_at = "rejected", end
                else:
                    history.append(
                        (did, end - timedelta(hours=1), "approve", "in_process", "approved")
                    )
                    history.append((did, end, "issue_result", "approved", "result_issued"))
                    d_status = "result_issued"
                    collect_day = cal.add(stopped_on, rng.choice([0, 1, 2, 5]))
                    if collect_day <= today_limit:
                        collected = datetime.combine(collect_day, time(13), tzinfo=zone)
                        history.append((did, collected, "collect", "result_issued", "collected"))
                        d_status, completed_at = "collected", collected
            last_at = history[-1][1]
            dossiers.add(
                (
                    did,
                    mall.pk,
                    service.pk,
                    service.agency_id,
                    "walk_in",
                    d_status,
                    f"{SEED_CODE_PREFIX}{did:010d}",
                    identity[0],
                    identity[1],
                    identity[2],
                    rng.choice(NAMES) + " " + rng.choice(NAMES),
                    {},
                    submitted,
                    sla_days,
                    started_on,
                    paused,
                    due,
                    stop,
                    len(history),
                    last_at,
                    completed_at,
                    last_at,
                )
            )
            for row in history:
                dossier_events.add(row)
        if progress is not None:
            progress(index)
    for inserter in (
        tickets,
        events,
        sessions,
        surveys,
        complaints,
        complaint_events,
        dossiers,
        dossier_events,
    ):
        inserter.flush()
    _analyze(
        Ticket,
        TicketEvent,
        CounterSession,
        Survey,
        Complaint,
        ComplaintEvent,
        Dossier,
        DossierEvent,
    )
    _reset_sequences(
        Ticket,
        TicketEvent,
        CounterSession,
        Survey,
        Complaint,
        ComplaintEvent,
        Dossier,
        DossierEvent,
    )
    return VolumeResult(
        days=(date_to - date_from).days + 1,
        working_days=len(working),
        rows=stats,
        seconds=clock.monotonic() - started,
        peak_mb=peak_memory_mb(),
    )


@transaction.atomic
def history_delete(*, mall: Mall, date_from: date, date_to: date) -> int:
    """Remove generated history of the period (before re-seeding): tickets and their events,
    counter sessions, surveys of those days, and generated dossiers and complaints."""
    zone = mall.zone
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM queueing_ticketevent WHERE ticket_id IN (SELECT id FROM queueing_ticket"
            " WHERE mall_id = %s AND service_date BETWEEN %s AND %s)",
            [mall.pk, date_from, date_to],
        )
        # Successors first: they share their number with the ticket they came from.
        cursor.execute(
            "DELETE FROM queueing_ticket WHERE mall_id = %s AND service_date BETWEEN %s AND %s"
            " AND transferred_from_id IS NOT NULL",
            [mall.pk, date_from, date_to],
        )
        successors = cursor.rowcount
        cursor.execute(
            "DELETE FROM queueing_ticket WHERE mall_id = %s AND service_date BETWEEN %s AND %s",
            [mall.pk, date_from, date_to],
        )
        deleted = cursor.rowcount + successors
        cursor.execute(
            "DELETE FROM queueing_countersession WHERE opened_at >= %s AND opened_at < %s AND"
            " counter_id IN (SELECT id FROM catalog_counter WHERE mall_id = %s)",
            [start, end, mall.pk],
        )
        cursor.execute(
            "DELETE FROM feedback_survey WHERE mall_id = %s AND submitted_at >= %s"
            " AND submitted_at < %s AND dossier_id IS NULL",
            [mall.pk, start, end],
        )
        cursor.execute(
            "DELETE FROM feedback_complaintevent WHERE complaint_id IN (SELECT id FROM"
            " feedback_complaint WHERE mall_id = %s AND code LIKE %s)",
            [mall.pk, f"{SEED_CODE_PREFIX}-%"],
        )
        cursor.execute(
            "DELETE FROM feedback_complaint WHERE mall_id = %s AND code LIKE %s",
            [mall.pk, f"{SEED_CODE_PREFIX}-%"],
        )
        cursor.execute(
            "DELETE FROM dossiers_dossierevent WHERE dossier_id IN (SELECT id FROM"
            " dossiers_dossier WHERE mall_id = %s AND tracking_code LIKE %s)",
            [mall.pk, f"{SEED_CODE_PREFIX}0%"],
        )
        cursor.execute(
            "DELETE FROM dossiers_dossier WHERE mall_id = %s AND tracking_code LIKE %s",
            [mall.pk, f"{SEED_CODE_PREFIX}0%"],
        )
    return deleted
