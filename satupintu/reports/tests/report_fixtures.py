"""A small, hand-checkable event set on one past working day (see test_kpis.py for the
expected figures): five visits, one transferred once, one no-show, one abandoned, one not
served; three dossiers, one paused for revision; two surveys, two complaints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from satupintu.accounts.models import Role, User
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.models import Agency, Counter, Mall, Service
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    CounterFactory,
    MallFactory,
    ServiceFactory,
)
from satupintu.core.workdays import add_working_days, is_working_day
from satupintu.dossiers.models import Dossier
from satupintu.feedback.models import Complaint, Survey
from satupintu.queueing.models import CounterSession, Ticket, TicketEvent

JAKARTA = ZoneInfo("Asia/Jakarta")
S = Ticket.Status
A = TicketEvent.Action


def past_wednesday(weeks_back: int = 3) -> date:
    """A Wednesday a few weeks ago whose Monday..next Tuesday are all working days."""
    today = timezone.localdate()
    day = today - timedelta(days=today.weekday() - 2 + 7 * weeks_back)
    while not all(
        is_working_day(day + timedelta(days=o)) for o in (-2, -1, 0, 1, 2, 5, 6)
    ):  # pragma: no cover - depends on the holiday calendar
        day -= timedelta(days=7)
    return day


@dataclass
class Scene:
    mall: Mall
    agency1: Agency
    agency2: Agency
    s1: Service
    s2: Service
    s3: Service
    counter: Counter
    officer: User
    day: date
    monday: date
    dossier_paused: Dossier
    dossier_late: Dossier
    dossier_open: Dossier


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=JAKARTA)


def _ticket(service: Service, day: date, serial: int, arrival: datetime, **extra: Any) -> Ticket:
    return Ticket.objects.create(
        mall=service.mall,
        service=service,
        current_service=service,
        queue_prefix="A",
        serial=serial,
        number=f"A-{serial:03d}",
        service_date=day,
        arrival_at=arrival,
        **extra,
    )


def _events(ticket: Ticket, rows: list[tuple[Any, ...]], counter: Counter, officer: User) -> None:
    for when, action, from_status, to_status, *rest in rows:
        TicketEvent.objects.create(
            ticket=ticket,
            at=when,
            action=action,
            from_status=from_status,
            to_status=to_status,
            outcome=rest[0] if rest else "",
            counter=None if action in (A.ISSUE,) else counter,
            actor=None if action in (A.ISSUE,) else officer,
            service=ticket.current_service,
        )


def _dossier(service: Service, code: str, submitted: datetime, **fields: Any) -> Dossier:
    dossier = Dossier.objects.create(
        mall=service.mall,
        service=service,
        agency=service.agency,
        channel="walk_in",
        status=fields.pop("status", "processing"),
        tracking_code=code,
        applicant_nik_encrypted="x",
        applicant_nik_hash=code,
        applicant_nik_masked="3471********0001",
        applicant_name="Pemohon",
        **fields,
    )
    Dossier.objects.filter(pk=dossier.pk).update(submitted_at=submitted)
    dossier.refresh_from_db()
    return dossier


def build_scene(mall: Mall | None = None) -> Scene:
    mall = mall or MallFactory(slug="kota-uji")
    agency1 = AgencyFactory(mall=mall, name="Dinas Satu")
    agency2 = AgencyFactory(mall=mall, name="Dinas Dua")
    s1 = ServiceFactory(agency=agency1, code="S1")
    s2 = ServiceFactory(agency=agency1, code="S2")
    s3 = ServiceFactory(agency=agency2, code="S3", offers_drive_thru=True)
    counter = CounterFactory(mall=mall, services=[s1, s2, s3])
    officer = user_with_role(
        Role.COUNTER_OFFICER, mall=mall, username="petugas1", first_name="Petugas", last_name="Satu"
    )
    day = past_wednesday()
    monday = day - timedelta(days=2)
    CounterSession.objects.create(
        counter=counter,
        officer=officer,
        status=CounterSession.Status.CLOSED,
        opened_at=at(day, 8, 0),
        closed_at=at(day, 10, 0),
    )
    # T1: waits 10, served in 10.
    t1 = _ticket(s1, day, 1, at(day, 8, 0), status=S.DONE, outcome="served")
    _events(
        t1,
        [
            (at(day, 8, 0), A.ISSUE, "", S.WAITING),
            (at(day, 8, 10), A.CALL, S.WAITING, S.CALLED),
            (at(day, 8, 12), A.START, S.CALLED, S.SERVING),
            (at(day, 8, 22), A.FINISH, S.SERVING, S.DONE, "served"),
        ],
        counter,
        officer,
    )
    # T2 (elderly): waits 20, then does not come.
    t2 = _ticket(s1, day, 2, at(day, 8, 5), status=S.NO_SHOW, priority="elderly")
    _events(
        t2,
        [
            (at(day, 8, 5), A.ISSUE, "", S.WAITING),
            (at(day, 8, 25), A.CALL, S.WAITING, S.CALLED),
            (at(day, 8, 30), A.NO_SHOW, S.CALLED, S.NO_SHOW),
        ],
        counter,
        officer,
    )
    # T3: called after 30 minutes, transferred to S3 while being served, served there in 18.
    t3 = _ticket(s1, day, 3, at(day, 8, 10), status=S.TRANSFERRED)
    _events(
        t3,
        [
            (at(day, 8, 10), A.ISSUE, "", S.WAITING),
            (at(day, 8, 40), A.CALL, S.WAITING, S.CALLED),
            (at(day, 8, 41), A.START, S.CALLED, S.SERVING),
            (at(day, 8, 45), A.TRANSFER, S.SERVING, S.TRANSFERRED),
        ],
        counter,
        officer,
    )
    t3b = _ticket(s3, day, 3, at(day, 8, 10), status=S.DONE, outcome="served", transferred_from=t3)
    _events(
        t3b,
        [
            (at(day, 8, 45), A.TRANSFER, "", S.WAITING),
            (at(day, 9, 0), A.CALL, S.WAITING, S.CALLED),
            (at(day, 9, 2), A.START, S.CALLED, S.SERVING),
            (at(day, 9, 20), A.FINISH, S.SERVING, S.DONE, "served"),
        ],
        counter,
        officer,
    )
    # T4 (drive-thru, S3): leaves while waiting.
    t4 = _ticket(
        s3, day, 4, at(day, 9, 0), status=S.CANCELLED, channel="drive_thru", plate_number="AB 1 X"
    )
    _events(
        t4,
        [
            (at(day, 9, 0), A.ISSUE, "", S.WAITING),
            (at(day, 9, 15), A.CANCEL, S.WAITING, S.CANCELLED),
        ],
        counter,
        officer,
    )
    # T5 (S2): waits 5, finished not served after 5.
    t5 = _ticket(s2, day, 5, at(day, 9, 30), status=S.DONE, outcome="not_served")
    _events(
        t5,
        [
            (at(day, 9, 30), A.ISSUE, "", S.WAITING),
            (at(day, 9, 35), A.CALL, S.WAITING, S.CALLED),
            (at(day, 9, 36), A.START, S.CALLED, S.SERVING),
            (at(day, 9, 41), A.FINISH, S.SERVING, S.DONE, "not_served"),
        ],
        counter,
        officer,
    )
    # Dossiers. Paused for revision: 3 working days from Monday, plus 2 paused working days;
    # finished one working day after the original due date, still before the adjusted one.
    original_due = add_working_days(monday, 3)[0]
    adjusted_due = add_working_days(monday, 5)[0]
    finished_on = add_working_days(monday, 4)[0]
    paused = _dossier(
        s1,
        "DPAUSED",
        at(monday, 9, 0),
        sla_days=3,
        sla_started_on=monday,
        sla_paused_days=2,
        sla_due=adjusted_due,
        sla_stopped_on=finished_on,
        status="issued",
    )
    assert original_due < finished_on <= adjusted_due
    late = _dossier(
        s1,
        "DLATE",
        at(monday, 10, 0),
        sla_days=1,
        sla_started_on=monday,
        sla_due=monday + timedelta(days=1),
        sla_stopped_on=day,
        status="issued",
    )
    still_open = _dossier(
        s3,
        "DOPEN",
        at(day, 11, 0),
        sla_days=1,
        sla_started_on=day,
        sla_due=day + timedelta(days=1),
    )
    # Surveys: one all 4, one all 3 -> NRR 3.5 each, IKM 87.50 (B).
    for score, minute in ((4, 0), (3, 5)):
        Survey.objects.create(
            mall=mall,
            agency=agency1,
            service=s1,
            gender="female",
            age=40,
            education="sma",
            occupation="swasta",
            submitted_at=at(day, 10, minute),
            **{f"u{i}": score for i in range(1, 10)},
        )
    # Complaints: one answered in time, one never answered and past its date.
    Complaint.objects.create(
        mall=mall,
        code="CMP-1",
        text="Antrean lama",
        agency=agency1,
        received_at=at(day, 10, 0),
        first_response_due=day + timedelta(days=1),
        first_responded_at=at(day, 14, 0),
    )
    Complaint.objects.create(
        mall=mall,
        code="CMP-2",
        text="Loket tutup",
        agency=agency2,
        received_at=at(day, 11, 0),
        first_response_due=day + timedelta(days=1),
    )
    return Scene(
        mall=mall,
        agency1=agency1,
        agency2=agency2,
        s1=s1,
        s2=s2,
        s3=s3,
        counter=counter,
        officer=officer,
        day=day,
        monday=monday,
        dossier_paused=paused,
        dossier_late=late,
        dossier_open=still_open,
    )
