"""The two workflow templates every mall starts with. Admins copy and change them per service.

`default`: a back-office service (licensing and non-licensing documents that take days).
`instant`: a service completed at the counter while the visitor waits."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop as N_

from satupintu.accounts.models import Role
from satupintu.dossiers.models import APPLICANT

FRONT = [Role.COUNTER_OFFICER.value, Role.SUPERVISOR.value]
BACK = [Role.BACK_OFFICE_OFFICER.value, Role.SUPERVISOR.value]

DEFAULT_TEMPLATE: dict[str, Any] = {
    "code": "default",
    "name": N_("Back-office service"),
    "states": [
        # code, name, actor role, SLA share %, flags
        {
            "code": "submitted",
            "name": N_("Submitted"),
            "actor_role": Role.COUNTER_OFFICER,
            "sla_share_percent": 10,
            "is_initial": True,
        },
        {
            "code": "revision",
            "name": N_("Revision requested"),
            "actor_role": APPLICANT,
            "pauses_sla": True,
        },
        {
            "code": "verified",
            "name": N_("Verified, waiting for the back office"),
            "actor_role": Role.BACK_OFFICE_OFFICER,
            "sla_share_percent": 10,
            "requires_mandatory_documents": True,
        },
        {
            "code": "in_process",
            "name": N_("In process"),
            "actor_role": Role.BACK_OFFICE_OFFICER,
            "sla_share_percent": 50,
        },
        {
            "code": "approved",
            "name": N_("Approved"),
            "actor_role": Role.BACK_OFFICE_OFFICER,
            "sla_share_percent": 30,
        },
        {
            "code": "result_issued",
            "name": N_("Result ready for collection"),
            "actor_role": Role.COUNTER_OFFICER,
            "stops_sla": True,
        },
        {"code": "collected", "name": N_("Collected"), "is_terminal": True, "outcome": "completed"},
        {"code": "rejected", "name": N_("Rejected"), "is_terminal": True, "outcome": "rejected"},
    ],
    "actions": [
        # code, name, from, to, roles, flags
        {
            "code": "verify",
            "name": N_("Verify: complete"),
            "from": "submitted",
            "to": "verified",
            "roles": FRONT,
            "starts_sla": True,
        },
        {
            "code": "request_revision",
            "name": N_("Ask for a revision"),
            "from": "submitted",
            "to": "revision",
            "roles": FRONT,
            "comment_required": True,
        },
        {
            "code": "resubmit",
            "name": N_("Resubmit"),
            "from": "revision",
            "to": "submitted",
            "roles": [APPLICANT, Role.COUNTER_OFFICER.value],
        },
        {
            "code": "process",
            "name": N_("Start processing"),
            "from": "verified",
            "to": "in_process",
            "roles": BACK,
            "requires_payment": True,
        },
        {
            "code": "request_revision",
            "name": N_("Ask for a revision"),
            "from": "in_process",
            "to": "revision",
            "roles": BACK,
            "comment_required": True,
        },
        {
            "code": "approve",
            "name": N_("Approve"),
            "from": "in_process",
            "to": "approved",
            "roles": BACK,
        },
        {
            "code": "reject",
            "name": N_("Reject"),
            "from": "in_process",
            "to": "rejected",
            "roles": BACK,
            "comment_required": True,
            "is_destructive": True,
        },
        {
            "code": "issue_result",
            "name": N_("Issue the signed result"),
            "from": "approved",
            "to": "result_issued",
            "roles": BACK,
            "issues_result": True,
        },
        {
            "code": "collect",
            "name": N_("Hand over the result"),
            "from": "result_issued",
            "to": "collected",
            "roles": FRONT,
        },
    ],
}

INSTANT_TEMPLATE: dict[str, Any] = {
    "code": "instant",
    "name": N_("Completed at the counter"),
    "states": [
        {
            "code": "submitted",
            "name": N_("Submitted"),
            "actor_role": Role.COUNTER_OFFICER,
            "sla_share_percent": 0,
            "is_initial": True,
        },
        {
            "code": "verified",
            "name": N_("Being served at the counter"),
            "actor_role": Role.COUNTER_OFFICER,
            "sla_share_percent": 100,
            "requires_mandatory_documents": True,
        },
        {
            "code": "result_issued",
            "name": N_("Result ready for collection"),
            "actor_role": Role.COUNTER_OFFICER,
            "stops_sla": True,
        },
        {"code": "collected", "name": N_("Collected"), "is_terminal": True, "outcome": "completed"},
        {"code": "rejected", "name": N_("Rejected"), "is_terminal": True, "outcome": "rejected"},
    ],
    "actions": [
        {
            "code": "verify",
            "name": N_("Verify: complete"),
            "from": "submitted",
            "to": "verified",
            "roles": FRONT,
            "starts_sla": True,
        },
        {
            "code": "reject",
            "name": N_("Reject"),
            "from": "submitted",
            "to": "rejected",
            "roles": FRONT,
            "comment_required": True,
            "is_destructive": True,
        },
        {
            "code": "issue_result",
            "name": N_("Issue the signed result"),
            "from": "verified",
            "to": "result_issued",
            "roles": FRONT,
            "issues_result": True,
            "requires_payment": True,
        },
        {
            "code": "reject",
            "name": N_("Reject"),
            "from": "verified",
            "to": "rejected",
            "roles": FRONT,
            "comment_required": True,
            "is_destructive": True,
        },
        {
            "code": "collect",
            "name": N_("Hand over the result"),
            "from": "result_issued",
            "to": "collected",
            "roles": FRONT,
        },
    ],
}

TEMPLATES = {t["code"]: t for t in (DEFAULT_TEMPLATE, INSTANT_TEMPLATE)}
