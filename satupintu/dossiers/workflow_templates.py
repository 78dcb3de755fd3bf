"""The two workflow templates every mall starts with. Admins copy and change them per service.

`default`: a back-office service (licensing and non-licensing documents that take days).
`instant`: a service completed at the counter while the visitor waits."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from satupintu.accounts.models import Role
from satupintu.dossiers.models import APPLICANT

FRONT = [Role.COUNTER_OFFICER.value, Role.SUPERVISOR.value]
BACK = [Role.BACK_OFFICE_OFFICER.value, Role.SUPERVISOR.value]

DEFAULT_TEMPLATE: dict[str, Any] = {
    "code": "default",
    "name": gettext_noop("Back-office service"),
    "states": [
        # code, name, actor role, SLA share %, flags
        {
            "code": "submitted",
            "name": gettext_noop("Submitted"),
            "actor_role": Role.COUNTER_OFFICER,
            "sla_share_percent": 10,
            "is_initial": True,
        },
        {
            "code": "revision",
            "name": gettext_noop("Revision requested"),
            "actor_role": APPLICANT,
            "pauses_sla": True,
        },
        {
            "code": "verified",
            "name": gettext_noop("Verified, waiting for the back office"),
            "actor_role": Role.BACK_OFFICE_OFFICER,
            "sla_share_percent": 10,
            "requires_mandatory_documents": True,
        },
        {
            "code": "in_process",
            "name": gettext_noop("In process"),
            "actor_role": Role.BACK_OFFICE_OFFICER,
            "sla_share_percent": 50,
        },
        {
            "code": "approved",
            "name": gettext_noop("Approved"),
            "actor_role": Role.BACK_OFFICE_OFFICER,
            "sla_share_percent": 30,
        },
        {
            "code": "result_issued",
            "name": gettext_noop("Result ready for collection"),
            "actor_role": Role.COUNTER_OFFICER,
            "stops_sla": True,
        },
        {
            "code": "collected",
            "name": gettext_noop("Collected"),
            "is_terminal": True,
            "outcome": "completed",
        },
        {
            "code": "rejected",
            "name": gettext_noop("Rejected"),
            "is_terminal": True,
            "outcome": "rejected",
        },
    ],
    "actions": [
        # code, name, from, to, roles, flags
        {
            "code": "verify",
            "name": gettext_noop("Verify: complete"),
            "from": "submitted",
            "to": "verified",
            "roles": FRONT,
            "starts_sla": True,
        },
        {
            "code": "request_revision",
            "name": gettext_noop("Ask for a revision"),
            "from": "submitted",
            "to": "revision",
            "roles": FRONT,
            "comment_required": True,
        },
        {
            "code": "resubmit",
            "name": gettext_noop("Resubmit"),
            "from": "revision",
            "to": "submitted",
            "roles": [APPLICANT, Role.COUNTER_OFFICER.value],
        },
        {
            "code": "process",
            "name": gettext_noop("Start processing"),
            "from": "verified",
            "to": "in_process",
            "roles": BACK,
            "requires_payment": True,
        },
        {
            "code": "request_revision",
            "name": gettext_noop("Ask for a revision"),
            "from": "in_process",
            "to": "revision",
            "roles": BACK,
            "comment_required": True,
        },
        {
            "code": "approve",
            "name": gettext_noop("Approve"),
            "from": "in_process",
            "to": "approved",
            "roles": BACK,
        },
        {
            "code": "reject",
            "name": gettext_noop("Reject"),
            "from": "in_process",
            "to": "rejected",
            "roles": BACK,
            "comment_required": True,
            "is_destructive": True,
        },
        {
            "code": "issue_result",
            "name": gettext_noop("Issue the signed result"),
            "from": "approved",
            "to": "result_issued",
            "roles": BACK,
            "issues_result": True,
        },
        {
            "code": "collect",
            "name": gettext_noop("Hand over the result"),
            "from": "result_issued",
            "to": "collected",
            "roles": FRONT,
        },
    ],
}

INSTANT_TEMPLATE: dict[str, Any] = {
    "code": "instant",
    "name": gettext_noop("Completed at the counter"),
    "states": [
        {
            "code": "submitted",
            "name": gettext_noop("Submitted"),
            "actor_role": Role.COUNTER_OFFICER,
            "sla_share_percent": 0,
            "is_initial": True,
        },
        {
            "code": "verified",
            "name": gettext_noop("Being served at the counter"),
            "actor_role": Role.COUNTER_OFFICER,
            "sla_share_percent": 100,
            "requires_mandatory_documents": True,
        },
        {
            "code": "result_issued",
            "name": gettext_noop("Result ready for collection"),
            "actor_role": Role.COUNTER_OFFICER,
            "stops_sla": True,
        },
        {
            "code": "collected",
            "name": gettext_noop("Collected"),
            "is_terminal": True,
            "outcome": "completed",
        },
        {
            "code": "rejected",
            "name": gettext_noop("Rejected"),
            "is_terminal": True,
            "outcome": "rejected",
        },
    ],
    "actions": [
        {
            "code": "verify",
            "name": gettext_noop("Verify: complete"),
            "from": "submitted",
            "to": "verified",
            "roles": FRONT,
            "starts_sla": True,
        },
        {
            "code": "reject",
            "name": gettext_noop("Reject"),
            "from": "submitted",
            "to": "rejected",
            "roles": FRONT,
            "comment_required": True,
            "is_destructive": True,
        },
        {
            "code": "issue_result",
            "name": gettext_noop("Issue the signed result"),
            "from": "verified",
            "to": "result_issued",
            "roles": FRONT,
            "issues_result": True,
            "requires_payment": True,
        },
        {
            "code": "reject",
            "name": gettext_noop("Reject"),
            "from": "verified",
            "to": "rejected",
            "roles": FRONT,
            "comment_required": True,
            "is_destructive": True,
        },
        {
            "code": "collect",
            "name": gettext_noop("Hand over the result"),
            "from": "result_issued",
            "to": "collected",
            "roles": FRONT,
        },
    ],
}

TEMPLATES = {t["code"]: t for t in (DEFAULT_TEMPLATE, INSTANT_TEMPLATE)}
