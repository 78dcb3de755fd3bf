"""The demo mall, seeded once per test module, plus a second mall, with one row of every scoped
entity in three places: Disdukcapil ("own" for the Disdukcapil accounts), Polresta ("other":
another agency of the same mall) and an agency of the second mall ("foreign").

`demo_world` (module scope) seeds inside one outer transaction that is rolled back when the
module ends; each test runs in a savepoint of its own (pytest-django's `db`), so the tests of a
module share the seed but not each other's changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from satupintu.accounts.models import Membership, Role, User
from satupintu.accounts.services import api_token_issue
from satupintu.catalog.models import Agency, Channel, Counter, Floor, Mall, Partnership, Service
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    CounterFactory,
    FloorFactory,
    MallFactory,
    ServiceFactory,
)
from satupintu.dossiers import services as dossier_services
from satupintu.dossiers.demo import DEMO_FORMS
from satupintu.dossiers.models import Bill, Dossier
from satupintu.feedback.models import Complaint, Survey
from satupintu.outreach.models import OutreachRequest
from satupintu.queueing.models import Appointment, Ticket
from satupintu.queueing.tests.factories import TicketFactory, open_mall

# A Wednesday, 10:00 in Yogyakarta, no holiday: the mall is open.
WEDNESDAY_10 = datetime(2026, 12, 9, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
NIK = "3471014501900003"

DEMO_USERS = (
    "admin",
    "mall.admin",
    "dukcapil.admin",
    "loket1",
    "dukcapil.bo",
    "bpjs.bo",
    "outreach",
    "supervisor",
    "kasir",
    "pimpinan",
    "kiosk-1",
    "display-1",
)
PLACES = ("own", "other", "foreign")


@dataclass
class DemoWorld:
    mall: Mall
    other_mall: Mall
    agencies: dict[str, Agency]
    services: dict[str, Service]
    users: dict[str, User]
    tokens: dict[str, str]
    # entity -> place -> row
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def headers(self, username: str | None) -> dict[str, str]:
        if username is None:
            return {}
        return {"HTTP_AUTHORIZATION": f"Bearer {self.tokens[username]}"}


# Personal data of each place's rows: a response that shows one to an account that may not
# see that row is a leak (the isolation matrix looks for them in every answer).
def marker(entity: str, place: str) -> str:
    return f"{MARKER_PREFIX[entity]} {place.title()}"


MARKER_PREFIX = {
    "ticket": "Tamu",
    "appointment": "Janji",
    "dossier": "Pemohon",
    "complaint": "Pelapor",
    "outreach_request": "Warga",
}


def _ticket(service: Service, n: int, **extra: Any) -> Ticket:
    return TicketFactory(
        service=service,
        name=marker("ticket", PLACES[n]),
        phone="081234567890",
        serial=900 + n,
        service_date=WEDNESDAY_10.date(),
        **extra,
    )


def _appointment(service: Service, n: int) -> Appointment:
    return Appointment.objects.create(
        mall=service.mall,
        service=service,
        date=WEDNESDAY_10.date(),
        slot_start=time(11, 0),
        slot_at=WEDNESDAY_10.replace(hour=11),
        name=marker("appointment", PLACES[n]),
        phone="081200000111",
        nik_encrypted="x",
        nik_hash=f"hash-{n}",
        nik_masked="3471************",
        code=f"TESTAP{n:02d}",
    )


def _dossier(service: Service, actor: User, place: str, channel: str = Channel.WALK_IN) -> Dossier:
    return dossier_services.dossier_create(
        actor=actor,
        channel=channel,
        applicant={
            "nik": NIK,
            "name": marker("dossier", place),
            "phone": "081298765432",
            "email": "",
        },
        form=DEMO_FORMS.get(service.code, {}),
        service_id=service.pk,
    )


def dossier_body(service: Service, channel: str = Channel.WALK_IN) -> dict[str, Any]:
    """A valid `POST /dossiers` body for `service`."""
    return {
        "service_id": service.pk,
        "channel": channel,
        "applicant": {"nik": NIK, "name": "Siti Aminah", "phone": "081298765432"},
        "form": DEMO_FORMS.get(service.code, {}),
    }


def build_world() -> DemoWorld:
    call_command("seed_demo", verbosity=0)
    mall = Mall.objects.get(slug="yogyakarta")
    open_mall(mall)
    other_mall = MallFactory(slug="solo", name="MPP Kota Surakarta")
    open_mall(other_mall)
    agencies = {
        "own": Agency.objects.get(mall=mall, slug="disdukcapil"),
        "other": Agency.objects.get(mall=mall, slug="polresta"),
        "foreign": AgencyFactory(mall=other_mall, slug="disdukcapil", name="Disdukcapil Solo"),
    }
    foreign_service = ServiceFactory(
        agency=agencies["foreign"], mall=other_mall, code="SOLO-KK", queue_prefix="S"
    )
    CounterFactory(
        mall=other_mall,
        floor=FloorFactory(mall=other_mall, number=1),
        number=1,
        services=[foreign_service],
    )
    services = {
        "own": Service.objects.get(mall=mall, code="DUK-KK"),
        "other": Service.objects.get(mall=mall, code="POL-SKCK"),
        "foreign": foreign_service,
    }
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
    # The second mall's own admin: everything of the demo mall is "foreign" to it.
    users["solo.admin"] = User.objects.create_user("solo.admin", password="x", is_staff=True)
    Membership.objects.create(user=users["solo.admin"], mall=other_mall, role=Role.MALL_ADMIN)
    tokens = {name: api_token_issue(user=user) for name, user in users.items()}
    world = DemoWorld(mall, other_mall, agencies, services, users, tokens)
    root = users["admin"]
    for n, place in enumerate(PLACES):
        service = services[place]
        world.rows.setdefault("ticket", {})[place] = _ticket(service, n)
        world.rows.setdefault("appointment", {})[place] = _appointment(service, n)
        dossier = _dossier(service, root, place)
        world.rows.setdefault("dossier", {})[place] = dossier
        world.rows.setdefault("complaint", {})[place] = Complaint.objects.create(
            mall=service.mall,
            agency=service.agency,
            service=service,
            code=f"ADU-TEST-{n}",
            text="Antrean terlalu lama",
            reporter_name=marker("complaint", place),
            first_response_due=WEDNESDAY_10.date(),
        )
        bill = Bill.objects.create(
            dossier=dossier,
            mall=service.mall,
            amount=50_000,
            payment_code=f"99887766554433{n:02d}",
        )
        world.rows.setdefault("bill", {})[place] = bill
        world.rows.setdefault("service", {})[place] = service
        world.rows.setdefault("counter", {})[place] = (
            Counter.objects.filter(services=service).order_by("pk").first()
        )
        world.rows.setdefault("survey", {})[place] = Survey.objects.filter(
            agency=service.agency
        ).first()
        world.rows.setdefault("partnership", {})[place] = Partnership.objects.filter(
            agency=service.agency
        ).first() or Partnership.objects.create(
            mall=service.mall, agency=service.agency, status="active", mou_number="X/1",
            signed_on=WEDNESDAY_10.date(),
        )  # fmt: skip
    # Outreach requests belong to a mall, not an agency: two of the demo's, one in the second
    # mall.
    demo_requests = list(OutreachRequest.objects.filter(mall=mall).order_by("pk")[:2])
    foreign_request = OutreachRequest.objects.create(
        mall=other_mall,
        reference="JB-SOLO-1",
        person_name="x",
        phone="081200000999",
        address="Jl. Slamet Riyadi 1",
        kecamatan=demo_requests[0].kecamatan,
        kelurahan=demo_requests[0].kelurahan,
        first_preferred_date=WEDNESDAY_10.date(),
        requested_by="self",
        reason="elderly",
    )
    for place, request in zip(PLACES, [*demo_requests, foreign_request], strict=True):
        OutreachRequest.objects.filter(pk=request.pk).update(
            person_name=marker("outreach_request", place)
        )
        request.refresh_from_db()
        world.rows.setdefault("outreach_request", {})[place] = request
    return world


@pytest.fixture(scope="module")
def demo_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoWorld]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with _frozen_clock():
                yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


class _frozen_clock:
    """`timezone.now` answers WEDNESDAY_10 for the seed (tests freeze it themselves)."""

    def __enter__(self) -> None:
        self._now = timezone.now
        timezone.now = lambda: WEDNESDAY_10.astimezone(ZoneInfo("UTC"))

    def __exit__(self, *exc: object) -> None:
        timezone.now = self._now


@pytest.fixture
def world(demo_world: DemoWorld, db: None, monkeypatch: pytest.MonkeyPatch) -> DemoWorld:
    monkeypatch.setattr(timezone, "now", lambda: WEDNESDAY_10.astimezone(ZoneInfo("UTC")))
    for row in (r for places in demo_world.rows.values() for r in places.values()):
        if row is not None and hasattr(row, "refresh_from_db"):
            row.refresh_from_db()
    return demo_world


__all__ = ["DemoWorld", "Floor", "demo_world", "world"]
