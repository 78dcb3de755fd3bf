"""The role table: which role may read or act on which entity, and how far its reach goes.

Written once here; every scoped QuerySet (`visible_to(user, action)`), access helper, admin
queryset and report query reads it, and docs/ARCHITECTURE.md shows it (`role_table_markdown`
prints the table that page holds; a test keeps them equal).

Reach of a grant:

- `PUBLIC`: everyone, anonymous callers too, but only the rows that are live (an active service
  of an active agency in an active mall, an active counter on an open floor, ...).
- `MALL`: every row of the malls where the person holds the role.
- `AGENCY`: the rows of the agency the membership names; a membership without an agency (a
  mall-wide one) covers every agency of its mall.
- `OWN`: the rows the person is the applicant of (their own dossiers and documents).
- `OUTREACH`: the mall's rows that came in through the outreach (*jemput bola*) channel.

A superuser may do whatever any role may do, in every mall (API.md). An inactive account, and
an anonymous caller beyond `PUBLIC`, may do nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from satupintu.accounts.models import Role


class Reach(StrEnum):
    PUBLIC = "public"
    MALL = "mall"
    AGENCY = "agency"
    OWN = "own"
    OUTREACH = "outreach"


ANONYMOUS = "anonymous"
APPLICANT = "applicant"
SUPERUSER = "superuser"

P, M, A, X = Reach.PUBLIC, Reach.MALL, Reach.AGENCY, Reach.OUTREACH

_QUEUE_WORKERS: dict[str, Reach] = {
    Role.MALL_ADMIN: M,
    Role.SUPERVISOR: M,
    Role.COUNTER_OFFICER: A,
    Role.AGENCY_ADMIN: A,
}
_DOSSIER_READERS: dict[str, Reach] = {
    APPLICANT: Reach.OWN,
    Role.MALL_ADMIN: M,
    Role.SUPERVISOR: A,
    Role.COUNTER_OFFICER: A,
    Role.BACK_OFFICE_OFFICER: A,
    Role.AGENCY_ADMIN: A,
    Role.OUTREACH_OFFICER: X,
}
_DOSSIER_ACTORS = {k: v for k, v in _DOSSIER_READERS.items() if k != Role.AGENCY_ADMIN}

_MALL_ADMINS: dict[str, Reach] = {Role.MALL_ADMIN: M}

# entity -> action -> {role: reach}. "view" reads a row (lists and details), "change" acts on
# it (a transition, an edit, a check), "add" creates one. "administer" manages rows in the
# Django admin (lists them, opens, adds, changes and deletes them within the reach; the admin
# also needs the account's staff flag); where an entity has its own "add" or "delete" row, the
# admin adds or deletes by that row instead. An empty grant: the superuser only.
ROLE_TABLE: dict[str, dict[str, dict[str, Reach]]] = {
    "mall": {
        "view": {ANONYMOUS: P},
        "change": {Role.MALL_ADMIN: M},
        # the slug (in URLs, API calls and printed QR codes) is changed by whoever may add a mall
        "administer": dict(_MALL_ADMINS),
        # opening a new mall, or removing one, is for the superuser of the deployment
        "add": {},
        "delete": {},
    },
    # the mall's building and calendar: floors, opening hours, closure days
    "mall_setup": {
        "administer": dict(_MALL_ADMINS),
    },
    "agency": {
        "administer": dict(_MALL_ADMINS),
    },
    "partnership": {
        "view": {Role.MALL_ADMIN: M, Role.SUPERVISOR: M, Role.VIEWER: M},
        "change": {Role.MALL_ADMIN: M},
        "administer": dict(_MALL_ADMINS),
    },
    "service": {
        "view": {ANONYMOUS: P, Role.MALL_ADMIN: M, Role.AGENCY_ADMIN: A},
        "change": {Role.MALL_ADMIN: M, Role.AGENCY_ADMIN: A},
        # the service with its requirements
        "administer": {Role.MALL_ADMIN: M, Role.AGENCY_ADMIN: A},
    },
    # service bundles (paket layanan) and their items
    "bundle": {
        "administer": dict(_MALL_ADMINS),
    },
    "counter": {
        "view": {ANONYMOUS: P, Role.MALL_ADMIN: M},
        # open, pause, close, call: the counter's agencies are those of the services it serves
        "change": {Role.MALL_ADMIN: M, Role.COUNTER_OFFICER: A},
        "administer": dict(_MALL_ADMINS),
    },
    # display boards and kiosks, outreach vehicles and equipment
    "equipment": {
        "administer": dict(_MALL_ADMINS),
    },
    # people and their memberships; an agency reach covers the memberships of agency roles
    # (agency admin, back office) in the agency, and only those roles may be granted with it
    "staff": {
        "administer": {Role.MALL_ADMIN: M, Role.AGENCY_ADMIN: A},
    },
    # API tokens of the people within the reach (issued from the people's list)
    "api_token": {
        "administer": dict(_MALL_ADMINS),
    },
    # the audit trail: read only, for everyone
    "audit": {
        "view": dict(_MALL_ADMINS),
    },
    "ticket": {
        "add": {
            ANONYMOUS: P,
            Role.KIOSK: M,
            Role.MALL_ADMIN: M,
            Role.SUPERVISOR: M,
            Role.COUNTER_OFFICER: M,
        },
        "view": dict(_QUEUE_WORKERS),
        "change": dict(_QUEUE_WORKERS),
    },
    "appointment": {
        "add": {ANONYMOUS: P},
        "view": dict(_QUEUE_WORKERS),
        "change": dict(_QUEUE_WORKERS),
    },
    "dossier": {
        "add": {
            ANONYMOUS: P,
            Role.COUNTER_OFFICER: M,
            Role.SUPERVISOR: M,
            Role.OUTREACH_OFFICER: X,
        },
        "view": dict(_DOSSIER_READERS),
        "change": dict(_DOSSIER_ACTORS),
    },
    "document": {
        "view": dict(_DOSSIER_READERS),
        "change": dict(_DOSSIER_ACTORS),
    },
    "bill": {
        "view": {Role.CASHIER: M, Role.MALL_ADMIN: M, Role.SUPERVISOR: M},
        "change": {Role.CASHIER: M},
    },
    "complaint": {
        "add": {ANONYMOUS: P},
        "view": {
            Role.MALL_ADMIN: M,
            Role.SUPERVISOR: A,
            Role.AGENCY_ADMIN: A,
            Role.BACK_OFFICE_OFFICER: A,
        },
        "change": {
            Role.MALL_ADMIN: M,
            Role.SUPERVISOR: A,
            Role.AGENCY_ADMIN: A,
            Role.BACK_OFFICE_OFFICER: A,
        },
    },
    "survey": {
        "add": {ANONYMOUS: P},
        "view": {Role.MALL_ADMIN: M, Role.SUPERVISOR: A, Role.VIEWER: A, Role.AGENCY_ADMIN: A},
    },
    "outreach_request": {
        "add": {ANONYMOUS: P},
        "view": {Role.OUTREACH_OFFICER: M},
        "change": {Role.OUTREACH_OFFICER: M},
    },
    "report": {
        "view": {
            Role.MALL_ADMIN: M,
            Role.SUPERVISOR: A,
            Role.VIEWER: A,
            Role.AGENCY_ADMIN: A,
            Role.BACK_OFFICE_OFFICER: A,
        },
    },
}

# The roles in the order the table is shown.
ROLE_COLUMNS: tuple[str, ...] = (
    SUPERUSER,
    *(r.value for r in Role),
    APPLICANT,
    ANONYMOUS,
)


def grants(entity: str, action: str) -> dict[str, Reach]:
    """{role: reach} of who may `action` the `entity` (KeyError for an unknown pair: a typo in
    code must not silently grant nothing)."""
    return ROLE_TABLE[entity][action]


def admin_action(entity: str, action: str) -> str:
    """The table row the Django admin asks for `action` ("add", "delete", or any other) on
    `entity`: the entity's own "add"/"delete" row where it has one, else "administer"."""
    if action in ("add", "delete") and action in ROLE_TABLE[entity]:
        return action
    return "administer"


def roles_with(entity: str, action: str, *reaches: Reach) -> list[str]:
    """The membership roles granted `action` on `entity` (with one of `reaches`, if given)."""
    valid = set(Role.values)
    return [
        role
        for role, reach in grants(entity, action).items()
        if role in valid and (not reaches or reach in reaches)
    ]


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def is_signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


@dataclass(frozen=True)
class Scope:
    """Where one user may do one action on one entity, from the table and their memberships:
    everywhere (superuser), in these malls, for these agencies, their own rows, the outreach
    rows of these malls, and whether the live rows are open to everyone."""

    everywhere: bool = False
    public: bool = False
    mall_ids: frozenset[int] = field(default_factory=frozenset)
    agency_ids: frozenset[int] = field(default_factory=frozenset)
    outreach_mall_ids: frozenset[int] = field(default_factory=frozenset)
    own_user_id: int | None = None
    # (mall id, agency id) of the agency grants, to tell which of them lie in a given mall.
    agency_malls: frozenset[tuple[int, int]] = field(default_factory=frozenset)

    def agencies_in(self, mall_id: int) -> list[int]:
        return sorted(agency for mall, agency in self.agency_malls if mall == mall_id)

    def narrow(self, *, mall_id: int, agency_id: int | None) -> int | None:
        """For reads of a mall's figures (reports, IKM): the agency filter `user` must use.
        Mall-wide reach keeps `agency_id` as asked (None: the whole mall); agency reach forces
        the one agency, or checks the one asked for; no reach in the mall is "not found"."""
        from satupintu.core.errors import InvalidInput, NotFound

        if self.everywhere or mall_id in self.mall_ids:
            return agency_id
        own = self.agencies_in(mall_id)
        if not own:
            raise NotFound("No such report")
        if agency_id is None:
            if len(own) > 1:
                raise InvalidInput("Choose one of your agencies.", field="query.agency")
            return own[0]
        if agency_id not in own:
            raise NotFound(f"No agency {agency_id} in this mall", field="query.agency")
        return agency_id

    def staff_only(self) -> Scope:
        """This scope without its public and own rows: the membership (and superuser) reach."""
        return replace(self, public=False, own_user_id=None)

    @property
    def mall_wide(self) -> bool:
        """Whether the reach covers whole malls (or everything), not only some agencies."""
        return bool(self.everywhere or self.mall_ids)

    @property
    def staff(self) -> bool:
        """Whether any membership (or superuser) reach is granted, beyond public and own."""
        return bool(self.everywhere or self.mall_ids or self.agency_ids or self.outreach_mall_ids)

    def covers(self, *, mall_id: int | None, agency_ids: Iterable[int | None] = ()) -> bool:
        """Whether a row of `mall_id` (belonging to any of `agency_ids`) is within the staff
        reach (public, own and outreach rows are the querysets' business)."""
        if self.everywhere:
            return True
        if mall_id in self.mall_ids:
            return True
        return any(a is not None and a in self.agency_ids for a in agency_ids)


def scope_for(
    user: Any,
    entity: str,
    action: str = "view",
    *,
    memberships: Iterable[tuple[int, int | None, str]] | None = None,
) -> Scope:
    """The `Scope` of `user` for `action` on `entity`. `memberships` are (mall id, agency id or
    None, role) rows when the caller has them already (the queue's cached ones); otherwise they
    are read (one statement)."""
    table = grants(entity, action)
    public = ANONYMOUS in table
    if not is_signed_in(user):
        return Scope(public=public)
    if is_superuser(user):
        return Scope(everywhere=True, public=public)
    if memberships is None:
        from satupintu.accounts.models import Membership

        wanted = [r for r in table if r in Role.values]
        memberships = (
            Membership.objects.filter(user_id=user.pk, role__in=wanted)
            .order_by()
            .values_list("mall_id", "agency_id", "role")
            if wanted
            else []
        )
    mall_ids: set[int] = set()
    agency_ids: set[int] = set()
    agency_malls: set[tuple[int, int]] = set()
    outreach: set[int] = set()
    for mall_id, agency_id, role in memberships:
        reach = table.get(role)
        if reach is None:
            continue
        if reach == Reach.MALL or (reach == Reach.AGENCY and agency_id is None):
            mall_ids.add(mall_id)
        elif reach == Reach.AGENCY:
            assert agency_id is not None
            agency_ids.add(agency_id)
            agency_malls.add((mall_id, agency_id))
        elif reach == Reach.OUTREACH:
            outreach.add(mall_id)
    return Scope(
        public=public,
        mall_ids=frozenset(mall_ids),
        agency_ids=frozenset(agency_ids),
        outreach_mall_ids=frozenset(outreach),
        agency_malls=frozenset(agency_malls),
        own_user_id=user.pk if APPLICANT in table else None,
    )


_REACH_LABELS = {
    Reach.PUBLIC: "public",
    Reach.MALL: "mall",
    Reach.AGENCY: "agency",
    Reach.OWN: "own",
    Reach.OUTREACH: "outreach",
}


def role_table_markdown() -> str:
    """The table as docs/ARCHITECTURE.md shows it: one row per entity and action, one column
    per role; a cell says how far the role reaches (empty: no access)."""
    header = ["entity", "action", *ROLE_COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for entity, actions in ROLE_TABLE.items():
        for action, table in actions.items():
            cells = []
            for role in ROLE_COLUMNS:
                if role == SUPERUSER:
                    cells.append("all")
                elif role in table:
                    cells.append(_REACH_LABELS[table[role]])
                elif ANONYMOUS in table and role != ANONYMOUS:
                    cells.append(_REACH_LABELS[Reach.PUBLIC])
                else:
                    cells.append("")
            lines.append("| " + " | ".join([entity, action, *cells]) + " |")
    return "\n".join(lines) + "\n"
