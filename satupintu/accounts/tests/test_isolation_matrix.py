"""The isolation matrix: every account of the demo (and a superuser, an anonymous caller, the
device accounts and the admin of a second mall) x every operation of the OpenAPI document
(read from the live `api` object, so a new endpoint is in the matrix the day it is added) and
the staff pages x a row of the own agency, of another agency and of another mall, checked
against the role table (`accounts.roles.ROLE_TABLE`), computed here on its own from the
accounts' memberships:

- an answer the table allows gets through (no 401/403, and no 404 unless the superuser gets
  the same 404 for the same row: a missing result is a property of the row, not of the caller);
- an answer the table denies is a 404 (401 for anonymous callers of staff operations, 403 for a
  session without CSRF), or exactly what a row that does not exist gets (input refused before
  the row is looked at tells nothing about the row);
- a denied change leaves the database as it was (row snapshots compared);
- no answer shows the personal data of a row the caller may not see (each row carries a unique
  name: `demo_world.marker`), whatever the operation;
- nothing answers 5xx.

Each case runs in a savepoint that is rolled back, so allowed changes do not leak into the
next case. The test prints the number of cases it ran."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client

from satupintu.accounts.models import Membership
from satupintu.accounts.roles import ANONYMOUS, APPLICANT, ROLE_TABLE, Reach
from satupintu.accounts.tests.demo_world import (
    MARKER_PREFIX,
    PLACES,
    WEDNESDAY_10,
    DemoWorld,
    dossier_body,
    marker,
)
from satupintu.api import api
from satupintu.catalog.models import Counter, Mall, Partnership, Service
from satupintu.dossiers.models import Bill, Dossier, DossierDocument, DossierEvent
from satupintu.feedback.models import Complaint, ComplaintEvent
from satupintu.outreach.models import OutreachEvent, OutreachRequest
from satupintu.queueing import lookups
from satupintu.queueing.models import Appointment, CounterSession, Ticket, TicketEvent

PRINCIPALS: tuple[str | None, ...] = (
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
    "solo.admin",
    None,  # anonymous
)
DAY = WEDNESDAY_10.date().isoformat()
MISSING_ID = 2**62
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Operation -> (entity, action, strict). The entity names the table row; `strict` says the
# table decides alone (view and plain changes). Not strict: the operation asks more than the
# table (a workflow role, the NIK readers, complaint managers): the table then only says who
# must be refused. First match wins; an operation that matches none is still run (no 5xx, no
# personal data of an invisible row), as "unclassified".
RULES: list[tuple[str, str, str, str, bool]] = [
    # (method, path regex, entity, action, strict)
    # Without the ticket's token (the matrix sends none) the table decides alone.
    ("GET", r"^/tickets/\{ticket_id\}$", "ticket", "view", True),
    ("POST", r"^/tickets/\{ticket_id\}/", "ticket", "change", False),
    ("POST", r"^/counters/\{counter_id\}/", "counter", "change", False),
    ("GET", r"^/counters/\{counter_id\}/state$", "counter", "change", True),
    ("GET", r"^/appointments$", "appointment", "list", True),
    ("PATCH", r"^/malls/\{slug\}$", "mall", "change", True),
    ("PATCH", r"^/services/\{service_id\}$", "service", "change", True),
    ("GET", r"^/partnerships$", "partnership", "list", True),
    ("POST", r"^/partnerships$", "partnership", "change", False),
    ("GET", r"^/partnerships/\{partnership_id\}$", "partnership", "view", True),
    ("POST", r"^/partnerships/\{partnership_id\}/", "partnership", "change", False),
    ("GET", r"^/dossiers$", "dossier", "list", True),
    ("GET", r"^/dossiers/\{dossier_id\}$", "dossier", "view", True),
    ("GET", r"^/dossiers/\{dossier_id\}/", "dossier", "view", False),
    ("POST", r"^/dossiers/\{dossier_id\}/documents", "document", "change", False),
    ("POST", r"^/dossiers/\{dossier_id\}/", "dossier", "change", False),
    ("GET", r"^/bills$", "bill", "list", True),
    ("POST", r"^/bills/\{payment_code\}/pay$", "bill", "change", True),
    ("GET", r"^/outreach/requests$", "outreach_request", "list", True),
    ("GET", r"^/outreach/requests/\{request_id\}$", "outreach_request", "view", True),
    ("POST", r"^/outreach/requests/\{request_id\}/", "outreach_request", "change", False),
    ("GET", r"^/outreach/(day-plan|resources)$", "outreach_request", "list", True),
    ("GET", r"^/complaints$", "complaint", "list", True),
    ("GET", r"^/complaints/\{code\}/detail$", "complaint", "view", True),
    ("POST", r"^/complaints/\{code\}/(transitions|notes)$", "complaint", "change", True),
    ("POST", r"^/complaints/\{code\}/", "complaint", "change", False),
    ("GET", r"^/reports/ikm$", "survey", "view", True),
    ("GET", r"^/reports/(kpis|series|backlog|overdue|counters|officers)$", "report", "view", True),
    # Signed callbacks of partners: no account gets in without the partner's signature.
    ("POST", r"^/(payments/callback|lapor/inbound)$", "-", "signed", False),
]
# Operations that anyone may call (the OpenAPI document's empty security requirement) are
# "public" unless a rule above says more.


@dataclass(frozen=True)
class Row:
    entity: str
    place: str
    mall_id: int
    agency_ids: tuple[int, ...]
    live: bool
    outreach: bool = False
    applicant_id: int | None = None


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # without /api/v1
    entity: str
    action: str
    strict: bool
    anonymous: bool  # open to anonymous callers
    takes_path_object: bool
    body_type: str | None


# --- the role table, read here on its own ---------------------------------------------------


def table_allows(
    memberships: list[tuple[int, int | None, str]],
    *,
    superuser: bool,
    user_id: int | None,
    entity: str,
    action: str,
    row: Row,
) -> bool:
    grants = ROLE_TABLE.get(entity, {}).get(action, {})
    if superuser:
        return True
    if ANONYMOUS in grants and row.live:
        return True
    if APPLICANT in grants and user_id is not None and row.applicant_id == user_id:
        return True
    for mall_id, agency_id, role in memberships:
        reach = grants.get(role)
        if reach is None or mall_id != row.mall_id:
            continue
        if reach == Reach.MALL:
            return True
        if reach == Reach.AGENCY and (agency_id is None or agency_id in row.agency_ids):
            return True
        if reach == Reach.OUTREACH and row.outreach:
            return True
    return False


def in_mall(
    memberships: list[tuple[int, int | None, str]], *, superuser: bool, entity: str, mall_id: int
) -> bool:
    """Whether the account reaches any row of `entity` in the mall (a list of the mall)."""
    if superuser:
        return True
    grants = ROLE_TABLE.get(entity, {}).get("view", {})
    return any(m == mall_id and role in grants for m, _a, role in memberships)


# --- the world's rows -------------------------------------------------------------------------


def rows_of(world: DemoWorld) -> dict[tuple[str, str], Row]:
    rows: dict[tuple[str, str], Row] = {}
    for place in PLACES:
        service: Service = world.rows["service"][place]
        agency = (service.agency_id,)
        counter: Counter = world.rows["counter"][place]
        counter_agencies = tuple(counter.services.values_list("agency_id", flat=True))
        dossier: Dossier = world.rows["dossier"][place]
        for entity in ("ticket", "appointment", "complaint", "bill", "survey", "report"):
            rows[(entity, place)] = Row(entity, place, service.mall_id, agency, live=True)
        rows[("service", place)] = Row("service", place, service.mall_id, agency, live=True)
        rows[("mall", place)] = Row("mall", place, service.mall_id, agency, live=True)
        rows[("counter", place)] = Row(
            "counter", place, counter.mall_id, counter_agencies, live=True
        )
        rows[("partnership", place)] = Row("partnership", place, service.mall_id, agency, True)
        for entity in ("dossier", "document"):
            rows[(entity, place)] = Row(
                entity,
                place,
                dossier.mall_id,
                (dossier.agency_id,) if dossier.agency_id else (),
                live=True,
                outreach=dossier.channel == "outreach",
                applicant_id=dossier.applicant_user_id,
            )
        request: OutreachRequest = world.rows["outreach_request"][place]
        rows[("outreach_request", place)] = Row(
            "outreach_request", place, request.mall_id, (), True
        )
    return rows


# --- the operations, from the live OpenAPI document ------------------------------------------


def operations() -> list[Operation]:
    schema = api.get_openapi_schema()
    found = []
    for full_path, methods in schema["paths"].items():
        path = full_path.removeprefix("/api/v1")
        for method, spec in methods.items():
            method = method.upper()
            anonymous = {} in spec.get("security", [])
            rule = next(
                (r for r in RULES if r[0] == method and re.search(r[1], path)),
                None,
            )
            if rule is not None:
                entity, action, strict = rule[2], rule[3], rule[4]
            elif anonymous:
                entity, action, strict = "-", "public", True
            else:
                entity, action, strict = "-", "unclassified", False
            body = spec.get("requestBody", {}).get("content", {})
            found.append(
                Operation(
                    method=method,
                    path=path,
                    entity=entity,
                    action=action,
                    strict=strict,
                    anonymous=anonymous,
                    takes_path_object="{" in path,
                    body_type=next(iter(body), None),
                )
            )
    return found


# --- requests ---------------------------------------------------------------------------------


@dataclass
class Prepared:
    """Everything a case needs that does not change between cases, read once."""

    schema: dict[str, Any]
    paths: dict[str | None, dict[str, str]]
    queries: dict[tuple[str, str, str], dict[str, str]]
    requirement: dict[str, int]


def _path_values(world: DemoWorld, place: str | None) -> dict[str, str]:
    """The path parameters naming the place's row (or, for None, rows that do not exist)."""
    if place is None:
        missing = {
            name: str(MISSING_ID)
            for name in (
                "appointment_id", "complaint_id", "ticket_id", "counter_id", "service_id",
                "partnership_id", "dossier_id", "requirement_id", "request_id", "visit_id",
            )
        }  # fmt: skip
        return missing | {
            "payment_code": "0000000000000000",
            "tracking_code": "ZZZZZZZZZ",
            "slug": "no-such-mall",
            "code:appointments": "ZZZZZZZZ",
            "code:complaints": "ZZZZZZZZ",
            "code:verify": "ZZZZZZZZZZ",
        }
    dossier: Dossier = world.rows["dossier"][place]
    document = DossierDocument.objects.filter(dossier=dossier).order_by("pk").first()
    request: OutreachRequest = world.rows["outreach_request"][place]
    visit = request.visits.order_by("pk").first()
    values = {
        "appointment_id": world.rows["appointment"][place].pk,
        "complaint_id": world.rows["complaint"][place].pk,
        "ticket_id": world.rows["ticket"][place].pk,
        "counter_id": world.rows["counter"][place].pk,
        "service_id": world.rows["service"][place].pk,
        "partnership_id": world.rows["partnership"][place].pk,
        "dossier_id": dossier.pk,
        "requirement_id": document.requirement_id if document else MISSING_ID,
        "request_id": request.pk,
        "visit_id": visit.pk if visit else MISSING_ID,
        "payment_code": world.rows["bill"][place].payment_code,
        "tracking_code": dossier.tracking_code,
        "slug": world.rows["service"][place].mall.slug,
        "code:appointments": world.rows["appointment"][place].code,
        "code:complaints": world.rows["complaint"][place].code,
        "code:verify": "ZZZZZZZZZZ",
    }
    return {k: str(v) for k, v in values.items()}


def _query(world: DemoWorld, schema: dict[str, Any], op: Operation, place: str) -> dict[str, str]:
    spec = schema["paths"]["/api/v1" + op.path][op.method.lower()]
    service: Service = world.rows["service"][place]
    values = {
        "mall": service.mall.slug,
        "date": DAY,
        "on": DAY,
        "from": DAY,
        "to": DAY,
        "start": DAY,
        "days": "3",
        "service_id": str(service.pk),
    }
    query = {}
    names = set()
    for param in spec.get("parameters", []):
        if param["in"] != "query":
            continue
        names.add(param["name"])
        if param.get("required") or param["name"] == "mall":
            query[param["name"]] = values.get(param["name"], "1")
    if op.entity in {"report", "survey"} and "agency" in names:
        query["agency"] = str(service.agency_id)
    return query


def prepare(world: DemoWorld, ops: list[Operation]) -> Prepared:
    schema = api.get_openapi_schema()
    return Prepared(
        schema=schema,
        paths={place: _path_values(world, place) for place in (*PLACES, None)},
        queries={
            (op.method, op.path, place): _query(world, schema, op, place)
            for op in ops
            for place in PLACES
        },
        requirement={place: int(_path_values(world, place)["requirement_id"]) for place in PLACES},
    )


BODIES: dict[tuple[str, str], Callable[[DemoWorld, str], dict[str, Any]]] = {
    ("POST", "/tickets"): lambda w, p: {"service_id": w.rows["service"][p].pk},
    ("POST", "/tickets/{ticket_id}/finish"): lambda w, p: {"outcome": "served"},
    ("POST", "/tickets/{ticket_id}/transfer"): lambda w, p: {"service_id": w.rows["service"][p].pk},
    ("POST", "/tickets/{ticket_id}/cancel"): lambda w, p: {"note": "matrix"},
    ("PATCH", "/malls/{slug}"): lambda w, p: {"phone": "0274-000000"},
    ("PATCH", "/services/{service_id}"): lambda w, p: {"description": "diubah"},
    ("POST", "/partnerships"): lambda w, p: {"agency_id": w.agencies[p].pk},
    ("POST", "/partnerships/{partnership_id}/transitions"): lambda w, p: {"action": "end"},
    ("POST", "/dossiers"): lambda w, p: dossier_body(w.services[p]),
    ("POST", "/dossiers/{dossier_id}/transitions"): lambda w, p: {
        "action": "verify",
        "comment": "ok",
    },
    ("POST", "/dossiers/{dossier_id}/assign"): lambda w, p: {"assignee_id": None},
    ("POST", "/dossiers/{dossier_id}/documents/{requirement_id}/check"): lambda w, p: {
        "status": "rejected",
        "reason": "matrix",
    },
    ("POST", "/outreach/requests/{request_id}/triage"): lambda w, p: {"priority": "high"},
    ("POST", "/outreach/requests/{request_id}/complete"): lambda w, p: {"note": "x"},
    ("POST", "/outreach/requests/{request_id}/cancel"): lambda w, p: {"reason": "matrix"},
    ("POST", "/complaints/{code}/transitions"): lambda w, p: {"to": "in_progress", "note": "x"},
    ("POST", "/complaints/{code}/notes"): lambda w, p: {"note": "catatan"},
    ("POST", "/complaints/{code}/route"): lambda w, p: {"agency_id": w.agencies[p].pk},
}


def _request(
    client: Client,
    world: DemoWorld,
    prepared: Prepared,
    op: Operation,
    place: str | None,
    headers: dict[str, str],
) -> Any:
    values = prepared.paths[place]
    segment = op.path.split("/")[1]

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "code":
            return values.get(f"code:{segment}", "ZZZZZZZZ")
        # A parameter the matrix does not know yet (a new endpoint): a row of that name, if the
        # world has one, else a row that does not exist.
        return values.get(name, values.get(f"row:{name}", str(MISSING_ID)))

    path = "/api/v1" + re.sub(r"\{(\w+)\}", fill, op.path)
    query = prepared.queries[(op.method, op.path, place or "own")]
    if op.method == "GET":
        return client.get(path, query, **headers)
    builder = BODIES.get((op.method, op.path))
    body = builder(world, place or "own") if builder else {}
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    if op.body_type == "multipart/form-data":
        data = {
            "file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
            "requirement_id": str(prepared.requirement[place or "own"]),
        }
        return client.post(path, data, **headers)
    send = getattr(client, op.method.lower())
    return send(path, data=body, content_type="application/json", **headers)


# --- the database, before and after a denied change -------------------------------------------


def writes_so_far() -> Any:
    """On SQLite, the number of rows written on this connection (one cheap statement); on
    other databases a snapshot of every row a handler of the matrix could change."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT total_changes()")
            return cursor.fetchone()[0]
    return (
        list(Ticket.objects.order_by("pk").values_list("pk", "status", "counter_id")),
        TicketEvent.objects.count(),
        list(CounterSession.objects.order_by("pk").values_list("pk", "status", "officer_id")),
        list(Appointment.objects.order_by("pk").values_list("pk", "status", "ticket_id")),
        list(Dossier.objects.order_by("pk").values_list("pk", "status", "assignee_id")),
        list(DossierDocument.objects.order_by("pk").values_list("pk", "status", "reason")),
        DossierEvent.objects.count(),
        list(Bill.objects.order_by("pk").values_list("pk", "status")),
        list(Complaint.objects.order_by("pk").values_list("pk", "status", "agency_id")),
        ComplaintEvent.objects.count(),
        list(OutreachRequest.objects.order_by("pk").values_list("pk", "status", "priority")),
        OutreachEvent.objects.count(),
        list(Partnership.objects.order_by("pk").values_list("pk", "status")),
        list(Service.objects.order_by("pk").values_list("pk", "description", "is_active")),
        list(Mall.objects.order_by("pk").values_list("pk", "phone")),
    )  # fmt: skip


# --- the matrix -------------------------------------------------------------------------------


@dataclass
class Tally:
    cases: int = 0
    allowed: int = 0
    denied: int = 0
    unclassified: int = 0


def _markers_visible(
    memberships: list[tuple[int, int | None, str]],
    superuser: bool,
    user_id: int | None,
    rows: dict[tuple[str, str], Row],
) -> dict[str, bool]:
    """marker text -> whether the account may see the row that carries it."""
    seen = {}
    for entity in MARKER_PREFIX:
        for place in PLACES:

            def allows(entity: str, place: str = place) -> bool:
                return table_allows(
                    memberships,
                    superuser=superuser,
                    user_id=user_id,
                    entity=entity,
                    action="view",
                    row=rows[(entity, place)],
                )

            allowed = allows(entity)
            if entity == "dossier":  # the cashier takes the fee from the named applicant
                allowed = allowed or allows("bill")
            seen[marker(entity, place)] = allowed
    return seen


def _expected(
    op: Operation,
    place: str,
    memberships: list[tuple[int, int | None, str]],
    superuser: bool,
    user_id: int | None,
    rows: dict[tuple[str, str], Row],
) -> bool | None:
    """True: the table lets the account through; False: it must be refused; None: the matrix
    only checks the generic rules (unclassified operations, and "not strict" ones the account
    passes the table for)."""
    if op.action == "public":
        return True
    if op.action in {"unclassified", "signed"}:
        return None
    if op.action == "list":
        return in_mall(
            memberships,
            superuser=superuser,
            entity=op.entity,
            mall_id=rows[("service", place)].mall_id,
        )
    allowed = table_allows(
        memberships,
        superuser=superuser,
        user_id=user_id,
        entity=op.entity,
        action=op.action,
        row=rows[(op.entity, place)],
    )
    return allowed if (op.strict or not allowed) else None


def test_every_account_x_every_operation_x_every_place(world: DemoWorld) -> None:
    started = time.monotonic()
    rows = rows_of(world)
    ops = operations()
    prepared = prepare(world, ops)
    tally = Tally()
    failures: list[str] = []
    superuser_answer: dict[tuple[str, str, str], int] = {}
    quiet = logging.getLogger("django.request")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        for who in PRINCIPALS:
            _run_account(world, who, ops, prepared, rows, tally, failures, superuser_answer)
    finally:
        quiet.setLevel(level)
    print(
        f"\nisolation matrix: {tally.cases} cases ({len(PRINCIPALS)} accounts x {len(ops)} "
        f"operations x {len(PLACES)} places): {tally.allowed} allowed, {tally.denied} denied, "
        f"{tally.cases - tally.allowed - tally.denied} checked for the generic rules only "
        f"({tally.unclassified} of unclassified operations) in {time.monotonic() - started:.0f} s"
    )
    assert tally.cases >= 3000
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:200])


def _run_account(
    world: DemoWorld,
    who: str | None,
    ops: list[Operation],
    prepared: Prepared,
    rows: dict[tuple[str, str], Row],
    tally: Tally,
    failures: list[str],
    superuser_answer: dict[tuple[str, str, str], int],
) -> None:
    user = world.users.get(who) if who else None
    superuser = bool(user and user.is_superuser)
    user_id = user.pk if user else None
    memberships = (
        list(Membership.objects.filter(user=user).values_list("mall_id", "agency_id", "role"))
        if user
        else []
    )
    visible_markers = _markers_visible(memberships, superuser, user_id, rows)
    headers = world.headers(who)
    client = Client()
    # One call first: the token's "last used" is written now, not in the middle of a case.
    client.get("/api/v1/auth/me", **headers)
    for op in ops:
        writes = op.method != "GET"
        missing_answer: int | None = None
        for place in PLACES:
            tally.cases += 1
            tally.unclassified += op.action == "unclassified"
            allowed = _expected(op, place, memberships, superuser, user_id, rows)
            with transaction.atomic():
                before = writes_so_far() if writes and allowed is False else None
                answer = _request(client, world, prepared, op, place, headers)
                after = writes_so_far() if before is not None else None
                if (
                    allowed is False
                    and op.takes_path_object
                    and answer.status_code not in (401, 403, 404)
                    and missing_answer is None
                ):
                    missing_answer = _request(
                        client, world, prepared, op, None, headers
                    ).status_code
                transaction.set_rollback(True)
            status = answer.status_code
            if (writes and status < 400) or status == 409:
                cache.clear()
                lookups.forget_local()
            if superuser:
                superuser_answer[(op.method, op.path, place)] = status
            label = f"{op.method} {op.path} as {who or 'anonymous'} on {place}: {status}"

            def fail(message: str, label: str = label) -> None:
                failures.append(f"{label} {message}")

            if status >= 500:
                fail("(server error)")
            text = answer.content.decode("utf-8", "replace") if status < 500 else ""
            for text_marker, may_see in visible_markers.items():
                if not may_see and text_marker in text:
                    fail(f"shows {text_marker!r} of a row the account may not see")
            if who is None and not op.anonymous and status != 401:
                fail("but a staff operation answers 401 to anonymous callers")
            if allowed is True:
                tally.allowed += 1
                if status in (401, 403):
                    fail("but the table allows it")
                elif (
                    status == 404
                    and not op.anonymous
                    and not superuser
                    and superuser_answer.get((op.method, op.path, place)) != 404
                ):
                    fail("but the table allows it (the superuser got through)")
            elif allowed is False:
                tally.denied += 1
                refused = status in (401, 403, 404) or (
                    op.takes_path_object and status == missing_answer
                )
                if not refused and not (op.action == "list" and status == 200 and not writes):
                    fail("but the table denies it")
                if before is not None and before != after:
                    fail("and changed the database though denied")


# --- the staff pages ---------------------------------------------------------------------------

# (URL template, entity, action): the pages that show or act on one scoped row, or on a mall's
# rows. "-" pages are checked for the generic rules only (no 5xx, no personal data of an
# invisible row).
PAGES: list[tuple[str, str, str]] = [
    ("/q/counter/{counter_id}/", "counter", "change"),
    ("/bo/berkas/{dossier_id}/", "dossier", "view"),
    ("/bo/berkas/{dossier_id}/nik/", "dossier", "-"),
    ("/berkas/{dossier_id}/bukti.pdf", "dossier", "view"),
    ("/staf/aduan/{code:complaints}/", "complaint", "view"),
    ("/staf/pengaduan/{slug}/", "complaint", "list"),
    ("/m/{slug}/outreach/", "outreach_request", "list"),
    ("/m/{slug}/outreach/{request_id}/", "outreach_request", "view"),
    ("/laporan/{slug}/", "report", "list"),
    ("/laporan/ikm/{slug}/", "survey", "list"),
    ("/m/{slug}/mitra/", "partnership", "list"),
    ("/admin/catalog/service/{service_id}/change/", "service", "administer"),
    ("/admin/catalog/counter/{counter_id}/change/", "counter", "administer"),
    ("/admin/catalog/partnership/{partnership_id}/change/", "partnership", "administer"),
    ("/bo/", "-", "-"),
    ("/kasir/", "-", "-"),
    ("/staff/", "-", "-"),
    ("/loket/berkas/baru/", "-", "-"),
]


def test_every_account_x_every_staff_page_x_every_place(world: DemoWorld) -> None:
    rows = rows_of(world)
    paths = {place: _path_values(world, place) for place in PLACES}
    failures: list[str] = []
    cases = 0
    quiet = logging.getLogger("django.request")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        for who in PRINCIPALS:
            user = world.users.get(who) if who else None
            superuser = bool(user and user.is_superuser)
            memberships = (
                list(
                    Membership.objects.filter(user=user).values_list("mall_id", "agency_id", "role")
                )
                if user
                else []
            )
            markers = _markers_visible(memberships, superuser, user.pk if user else None, rows)
            client = Client()
            if user is not None:
                client.force_login(user)
            for template, entity, action in PAGES:
                for place in PLACES:
                    cases += 1
                    values = paths[place]
                    url = re.sub(r"\{([\w:]+)\}", lambda m, v=values: v[m.group(1)], template)
                    answer = client.get(url)
                    status = answer.status_code
                    label = f"GET {url} as {who or 'anonymous'} ({place}): {status}"
                    if status >= 500:
                        failures.append(f"{label} (server error)")
                        continue
                    text = b"".join(answer).decode("utf-8", "replace") if status == 200 else ""
                    for text_marker, may_see in markers.items():
                        if not may_see and text_marker in text:
                            failures.append(f"{label} shows {text_marker!r}")
                    if entity == "-" or action == "-":
                        continue
                    if action == "list":
                        allowed = in_mall(
                            memberships,
                            superuser=superuser,
                            entity=entity,
                            mall_id=rows[("service", place)].mall_id,
                        )
                    else:
                        allowed = table_allows(
                            memberships,
                            superuser=superuser,
                            user_id=user.pk if user else None,
                            entity=entity,
                            action=action,
                            row=rows[(entity, place)],
                        )
                    # A mall's dashboard sends agency staff on to their agency's (302).
                    if allowed and status != 200 and not (action == "list" and status == 302):
                        failures.append(f"{label}, but the table allows it")
                    if not allowed and status not in (302, 403, 404):
                        failures.append(f"{label}, but the table denies it")
                    if (
                        not allowed
                        and status == 302
                        and user is not None
                        and ("/admin/" not in url)
                    ):
                        failures.append(f"{label}: a signed-in account is refused with 404")
    finally:
        quiet.setLevel(level)
    print(
        f"\nisolation matrix, pages: {cases} cases ({len(PRINCIPALS)} accounts x "
        f"{len(PAGES)} pages x {len(PLACES)} places)"
    )
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:200])


@pytest.mark.parametrize("place", PLACES)
def test_the_matrix_reaches_every_row(world: DemoWorld, place: str) -> None:
    """Every row the matrix names exists (a place without a row would test nothing)."""
    for entity, places in world.rows.items():
        if entity == "survey":
            continue
        assert places[place] is not None, (entity, place)
