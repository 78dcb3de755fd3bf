"""Reads of dossiers and the access helpers that decide who sees and who acts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from satupintu.accounts.models import Role
from satupintu.accounts.roles import Reach, grants, roles_with, scope_for
from satupintu.accounts.selectors import memberships_of
from satupintu.catalog.models import Channel, Mall, Service, ServiceBundle, ServiceRequirement
from satupintu.catalog.selectors import mall_closures
from satupintu.core.errors import NotFound
from satupintu.dossiers import sla
from satupintu.dossiers.codes import tracking_code_normalise
from satupintu.dossiers.models import (
    APPLICANT,
    Bill,
    Dossier,
    DossierDocument,
    FormField,
    ResultDocument,
    ServiceConfig,
    WorkflowAction,
    WorkflowState,
)

# Staff who may open a dossier (the role table's "dossier"/"view"): agency-scoped ones see their
# agency's, mall-wide ones the mall's, outreach officers the mall's outreach dossiers. Cashiers
# work from bills and see no dossier's form data.
STAFF_VIEW_ROLES = roles_with("dossier", "view")
# Who uploads and ticks a dossier's documents ("document"/"change" in the role table, within
# the reach `caller_roles` applies: an outreach officer only on outreach dossiers).
DOCUMENT_HANDLER_ROLES = frozenset(roles_with("document", "change")) | {APPLICANT}
# Who takes dossiers in at the front office ("dossier"/"add" beyond the public).
INTAKE_ROLES = roles_with("dossier", "add")
# Who may read the full NIK: the back office that decides on the dossier.
NIK_READER_ROLES = [Role.BACK_OFFICE_OFFICER, Role.SUPERVISOR]
ASSIGNEE_ROLES = [Role.BACK_OFFICE_OFFICER, Role.SUPERVISOR]


def dossiers_visible_to(user: Any, action: str = "view") -> QuerySet[Dossier]:
    """The dossiers `user` may see (or act on): `Dossier.objects.visible_to`."""
    return Dossier.objects.visible_to(user, action)


def access_dossier(user: Any, dossier_id: int, action: str = "view") -> Dossier:
    """The dossier if `user` may see it; NotFound whether it is missing or forbidden."""
    dossier = (
        dossiers_visible_to(user, action)
        .select_related("mall", "service", "agency", "workflow", "assignee", "parent", "bundle")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise NotFound(f"No dossier with id {dossier_id}")
    return dossier


def _role_applies(role: str, membership_agency_id: int | None, dossier: Dossier) -> bool:
    """Whether a membership (role, agency) reaches the dossier, per the role table's reach."""
    reach = grants("dossier", "view").get(role)
    if reach is None:
        return False
    if reach == Reach.OUTREACH:
        return dossier.channel == Channel.OUTREACH
    if reach == Reach.MALL:
        return True
    return membership_agency_id is None or membership_agency_id == dossier.agency_id


def is_staff_for(user: Any, dossier: Dossier) -> bool:
    return bool(caller_roles(user, dossier) - {APPLICANT})


def caller_roles(user: Any, dossier: Dossier) -> set[str]:
    """The workflow roles `user` holds for this dossier (the applicant counts as a role), from
    one read of the user's memberships in the dossier's mall."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    roles: set[str] = set()
    if dossier.applicant_user_id is not None and dossier.applicant_user_id == user.pk:
        roles.add(APPLICANT)
    if user.is_superuser:
        return roles | {r.value for r in Role}
    for role, agency_id in (
        memberships_of(user).filter(mall_id=dossier.mall_id).values_list("role", "agency_id")
    ):
        if _role_applies(role, agency_id, dossier):
            roles.add(role)
    return roles


def dossier_state(dossier: Dossier) -> WorkflowState | None:
    if dossier.workflow_id is None:
        return None
    cache = getattr(dossier, "_state_cache", None)
    if cache is not None and cache.code == dossier.status:
        return cache
    state = WorkflowState.objects.filter(
        workflow_id=dossier.workflow_id, code=dossier.status
    ).first()
    dossier._state_cache = state  # type: ignore[attr-defined]
    return state


def dossier_allowed_actions(user: Any, dossier: Dossier) -> list[WorkflowAction]:
    if dossier.workflow_id is None or dossier.on_hold:
        return []
    roles = caller_roles(user, dossier)
    if not roles:
        return []
    actions = WorkflowAction.objects.filter(
        workflow_id=dossier.workflow_id, from_state__code=dossier.status
    ).order_by("position", "id")
    return [a for a in actions if roles & set(a.roles)]


def service_config_get(service: Service) -> ServiceConfig:
    config = ServiceConfig.objects.filter(service=service).first()
    return config or ServiceConfig(service=service)


def requirement_key(requirement: ServiceRequirement) -> str:
    return requirement.key or f"id-{requirement.pk}"


@dataclass
class RequirementRow:
    requirement: ServiceRequirement
    document: DossierDocument | None


def dossier_requirement_rows(dossier: Dossier) -> list[RequirementRow]:
    """The requirements of a dossier with their ticks. A bundle's documents live on the bundle
    application (asked once); a child reads them from there by requirement key."""
    holder = dossier.parent if dossier.parent_id else dossier
    assert holder is not None
    documents = list(DossierDocument.objects.filter(dossier=holder).select_related("requirement"))
    by_key = {requirement_key(d.requirement): d for d in documents}
    if dossier.service_id is None:
        return [RequirementRow(d.requirement, d) for d in documents]
    requirements = ServiceRequirement.objects.filter(service_id=dossier.service_id).order_by(
        "position", "id"
    )
    return [RequirementRow(r, by_key.get(requirement_key(r))) for r in requirements]


def dossier_missing_mandatory(dossier: Dossier) -> list[str]:
    return [
        row.requirement.name
        for row in dossier_requirement_rows(dossier)
        if row.requirement.mandatory
        and (row.document is None or row.document.status != DossierDocument.Status.PRESENT)
    ]


def dossier_today(dossier: Dossier) -> date:
    return dossier.mall.today()


def dossier_is_overdue(dossier: Dossier, today: date | None = None) -> bool:
    if dossier.sla_due is None:
        return False
    if dossier.sla_stopped_on is not None:
        return dossier.sla_stopped_on > dossier.sla_due
    return (today or dossier_today(dossier)) > dossier.sla_due


def worklist(
    *,
    user: Any,
    status: str | None = None,
    overdue: bool = False,
    mine: bool = False,
    agency_id: int | None = None,
    today: date | None = None,
) -> QuerySet[Dossier]:
    """Dossiers for the back office: the agencies the user works for, open ones first by
    deadline. Bundle applications themselves are not work; their children are."""
    qs = (
        dossiers_visible_to(user)
        .filter(service__isnull=False, completed_at__isnull=True)
        .select_related("service", "agency", "assignee", "mall", "workflow")
    )
    if status:
        qs = qs.filter(status=status)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if mine:
        qs = qs.filter(assignee=user)
    if overdue:
        # Overdue by each mall's own date: the malls of a worklist may lie in different zones.
        late = Q(pk__in=[])
        for mall in Mall.objects.filter(pk__in=qs.values("mall_id")):
            day = today or mall.today()
            late |= Q(mall_id=mall.pk) & (
                Q(state_due__lt=day) | Q(sla_due__lt=day, sla_stopped_on__isnull=True)
            )
        qs = qs.filter(late)
    return qs.order_by("on_hold", "state_due", "sla_due", "submitted_at")


def dossier_find_by_tracking_code(code: str) -> Dossier:
    normalised = tracking_code_normalise(code)
    dossier = (
        Dossier.objects.select_related("service", "agency", "mall", "bundle", "workflow")
        .filter(tracking_code=normalised)
        .first()
    )
    if dossier is None:
        raise NotFound("No dossier with this tracking code", field="path.tracking_code")
    return dossier


def state_names(dossier: Dossier) -> dict[str, str]:
    if dossier.workflow_id is None:
        return {}
    return dict(
        WorkflowState.objects.filter(workflow_id=dossier.workflow_id).values_list("code", "name")
    )


def dossier_closures(dossier: Dossier) -> dict[date, str]:
    return mall_closures(mall=dossier.mall)


def status_label(dossier: Dossier) -> str:
    """The status in words, in the active language (a bundle has its own three statuses)."""
    from django.utils.translation import gettext

    state = dossier_state(dossier)
    if state is not None:
        return gettext(state.name)
    try:
        return str(Dossier.BundleStatus(dossier.status).label)
    except ValueError:
        return dossier.status


# What the history says for the steps that are not workflow actions (those are named by their
# workflow, in `action_names`).
_EVENT_NAMES = {
    "submit": gettext_noop("Submitted"),
    "hold": gettext_noop("Waiting for earlier services of the bundle"),
    "start": gettext_noop("Started: earlier services of the bundle are finished"),
    "bundle_status": gettext_noop("Bundle status changed"),
    "assign": gettext_noop("Assigned"),
    "bill": gettext_noop("Fee billed"),
    "pay": gettext_noop("Fee paid"),
    "sla_warning": gettext_noop("Deadline warning sent"),
    "document": gettext_noop("Document checked"),
    "upload": gettext_noop("Document uploaded"),
    "result_attached": gettext_noop("Result of an earlier service attached as a requirement"),
}
# Comments the system writes itself (in English, in the event row), shown translated.
_EVENT_COMMENTS = {
    "earlier services of the bundle are finished": gettext_noop(
        "earlier services of the bundle are finished"
    ),
}


def action_names(dossier: Dossier) -> dict[str, str]:
    """Workflow action code -> its name (untranslated), for this dossier's workflow."""
    if dossier.workflow_id is None:
        return {}
    return dict(
        WorkflowAction.objects.filter(workflow_id=dossier.workflow_id).values_list("code", "name")
    )


def event_action_label(action: str, actions: dict[str, str]) -> str:
    """A history step in words, in the active language (the code itself if it is unknown)."""
    from django.utils.translation import gettext

    name = actions.get(action) or _EVENT_NAMES.get(action)
    return gettext(name) if name else action


def _event_out(
    event: Any, names: dict[str, str], actions: dict[str, str] | None = None
) -> dict[str, Any]:
    from django.utils.translation import gettext

    comment = event.comment
    if comment in _EVENT_COMMENTS:
        comment = gettext(_EVENT_COMMENTS[comment])
    return {
        "at": event.at,
        "actor": event.actor_label,
        "action": event.action,
        "action_label": event_action_label(event.action, actions or {}),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "to_status_label": _state_label(event.to_status, names),
        "comment": comment,
    }


def dossier_form_rows(dossier: Dossier) -> list[dict[str, Any]]:
    """The answers of the service's form as people read them: each with its field's label (not
    the key), dates as dates (the template writes them the local way), in the form's order.
    Answers to a field that no longer exists keep their key as the label."""
    from datetime import date as date_type

    values = dict(dossier.form_data or {})
    fields = (
        list(FormField.objects.filter(service_id=dossier.service_id).order_by("position", "id"))
        if dossier.service_id
        else []
    )
    rows: list[dict[str, Any]] = []
    for field in fields:
        if field.name not in values:
            continue
        value = values.pop(field.name)
        is_date = False
        if field.kind == FormField.Kind.DATE and isinstance(value, str):
            try:
                value = date_type.fromisoformat(value)
                is_date = True
            except ValueError:
                pass
        rows.append({"key": field.name, "label": field.label, "value": value, "is_date": is_date})
    for key, value in values.items():
        rows.append({"key": key, "label": key.replace("_", " "), "value": value, "is_date": False})
    return rows


def dossier_summary(dossier: Dossier, today: date | None = None) -> dict[str, Any]:
    from satupintu.dossiers.codes import tracking_code_format

    today = today or dossier_today(dossier)
    return {
        "id": dossier.pk,
        "tracking_code": dossier.tracking_code,
        "tracking_code_display": tracking_code_format(dossier.tracking_code),
        "status": dossier.status,
        "status_label": status_label(dossier),
        "service_id": dossier.service_id,
        "service_code": dossier.service.code if dossier.service else None,
        "service_name": dossier.service.name if dossier.service else None,
        "agency_id": dossier.agency_id,
        "channel": dossier.channel,
        "applicant_name": dossier.applicant_name,
        "submitted_at": dossier.submitted_at,
        "sla_due": dossier.sla_due,
        "state_due": dossier.state_due,
        "deadline_level": sla.deadline_level(dossier.state_due, today),
        "overdue": dossier_is_overdue(dossier, today),
        "on_hold": dossier.on_hold,
        "assignee": dossier.assignee.get_username() if dossier.assignee else None,
    }


def dossier_detail(dossier: Dossier, user: Any) -> dict[str, Any]:
    """Everything the caller may see of one dossier (NIK masked; the full one has its own,
    audited endpoint)."""
    names = state_names(dossier)
    actions = action_names(dossier)
    data = dossier_summary(dossier)
    data.update(
        {
            "mall": dossier.mall.slug,
            "assisted": dossier.assisted,
            "parent_id": dossier.parent_id,
            "bundle_id": dossier.bundle_id,
            "ticket_id": dossier.ticket_id,
            "ticket_number": dossier.ticket.number if dossier.ticket else None,
            "applicant": {
                "kind": dossier.applicant_kind,
                "nik_masked": dossier.applicant_nik_masked,
                "name": dossier.applicant_name,
                "business_name": dossier.business_name,
                "phone": dossier.applicant_phone,
                "email": dossier.applicant_email,
            },
            "form": dossier.form_data,
            "form_rows": dossier_form_rows(dossier),
            "sla_days": dossier.sla_days,
            "sla_started_on": dossier.sla_started_on,
            "sla_paused_since": dossier.sla_paused_since,
            "sla_stopped_on": dossier.sla_stopped_on,
            "history": [_event_out(e, names, actions) for e in dossier.events.order_by("at", "id")],
            "allowed_actions": [
                {
                    "code": a.code,
                    "name": a.name,
                    "to_status": a.to_state.code,
                    "comment_required": a.comment_required,
                    "is_destructive": a.is_destructive,
                }
                for a in dossier_allowed_actions(user, dossier)
            ],
            "requirements": [
                {
                    "requirement_id": row.requirement.pk,
                    "key": row.requirement.key,
                    "name": row.requirement.name,
                    "mandatory": row.requirement.mandatory,
                    "document": row.requirement.document,
                    "accepted_types": row.requirement.accepted_types,
                    "max_size_kb": row.requirement.max_size_kb,
                    "status": row.document.status if row.document else "pending",
                    "reason": row.document.reason if row.document else "",
                    "file_name": row.document.original_name if row.document else "",
                    "size": row.document.size if row.document else 0,
                    "sha256": row.document.sha256 if row.document else "",
                }
                for row in dossier_requirement_rows(dossier)
            ],
            "bill": None,
            "result": None,
            "children": [
                dossier_summary(c)
                for c in dossier.children.select_related(
                    "service", "agency", "assignee", "mall"
                ).order_by("bundle_item__position", "pk")
            ],
        }
    )
    bill = getattr(dossier, "bill", None) if dossier.pk else None
    if bill is not None:
        data["bill"] = {
            "amount": bill.amount,
            "payment_code": bill.payment_code,
            "status": bill.status,
            "paid_at": bill.paid_at,
        }
    result = ResultDocument.objects.filter(dossier=dossier).first()
    if result is not None:
        data["result"] = {
            "document_number": result.document_number,
            "verification_url": result.verification_url,
            "issued_at": result.issued_at,
            "valid_until": result.valid_until,
        }
    return data


# Events that are internal work (who holds it, reminders) rather than a change of status.
_INTERNAL_EVENTS = ["assign", "bill", "pay", "sla_warning", "hold", "result_attached"]


def _state_label(code: str, names: dict[str, str]) -> str:
    from django.utils.translation import gettext

    if code in names:
        return gettext(names[code])
    try:
        return str(Dossier.BundleStatus(code).label)
    except ValueError:
        return code


def dossier_public_tracking(dossier: Dossier) -> dict[str, Any]:
    """What anyone holding the tracking code may see: no NIK, no name, no documents."""
    from satupintu.dossiers.codes import tracking_code_format

    names = state_names(dossier)
    today = dossier_today(dossier)
    history = [
        {"at": e.at, "status": e.to_status, "status_label": _state_label(e.to_status, names)}
        for e in dossier.events.exclude(action__in=_INTERNAL_EVENTS)
        .exclude(action__startswith="document_")
        .exclude(to_status="")
        .order_by("at", "id")
    ]
    return {
        "tracking_code": tracking_code_format(dossier.tracking_code),
        "status": dossier.status,
        "status_label": status_label(dossier),
        "service": {"code": dossier.service.code, "name": dossier.service.name}
        if dossier.service
        else None,
        "bundle": {"code": dossier.bundle.code, "name": dossier.bundle.name}
        if dossier.bundle and dossier.parent_id is None
        else None,
        "agency": dossier.agency.name if dossier.agency else None,
        "channel": dossier.channel,
        "submitted_on": dossier.mall.today(dossier.submitted_at),
        "sla_due": dossier.sla_due,
        "completed": dossier.completed_at is not None or dossier.sla_stopped_on is not None,
        "overdue": dossier_is_overdue(dossier, today),
        "waiting_for_earlier_services": dossier.on_hold,
        "payment": {"amount": dossier.bill.amount, "status": dossier.bill.status}
        if hasattr(dossier, "bill")
        else None,
        "history": history,
        "services": [
            {
                "service": {"code": c.service.code, "name": c.service.name} if c.service else None,
                "status": c.status,
                "status_label": status_label(c),
                "sla_due": c.sla_due,
                "waiting_for_earlier_services": c.on_hold,
            }
            for c in dossier.children.select_related("service", "workflow").order_by(
                "bundle_item__position", "pk"
            )
        ],
    }


def bills_for_cashier(user: Any) -> QuerySet[Bill]:
    """Bills of the malls where `user` is a cashier (every mall for a superuser)."""
    return Bill.objects.visible_to(user, "change")


def result_document_of(dossier: Dossier) -> ResultDocument | None:
    return ResultDocument.objects.filter(dossier=dossier).first()


def dossier_result_package(dossier: Dossier) -> bytes | None:
    """The signed results of a dossier as one ZIP: for a bundle, every child's result that has
    been issued; None when there is none yet."""
    import io
    import zipfile

    holders = list(dossier.children.order_by("bundle_item__position", "pk")) or [dossier]
    results = [
        r
        for r in ResultDocument.objects.filter(dossier__in=holders).select_related(
            "dossier__service"
        )
        if r.file
    ]
    if not results:
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for result in results:
            code = result.dossier.service.code if result.dossier.service else "hasil"
            with result.file.open("rb") as handle:
                archive.writestr(f"{code}-{result.verification_code}.pdf", handle.read())
    return buffer.getvalue()


def assignable_users(dossier: Dossier) -> list[Any]:
    """Back-office officers of the dossier's agency (and supervisors of its mall)."""
    from satupintu.accounts.models import Membership, User

    if dossier.agency_id is None:
        return []
    memberships = Membership.objects.filter(
        mall_id=dossier.mall_id, role__in=ASSIGNEE_ROLES, user__is_active=True
    ).filter(Q(agency__isnull=True) | Q(agency_id=dossier.agency_id))
    return list(User.objects.filter(memberships__in=memberships).distinct().order_by("username"))


# --- reads for the pages ---------------------------------------------------------------------


def template_state_choices() -> list[tuple[str, str]]:
    """(code, name) of the states of the workflow templates, for the worklist's filter."""
    rows = (
        WorkflowState.objects.filter(workflow__is_template=True)
        .values_list("code", "name")
        .distinct()
        .order_by("code")
    )
    return list(dict(rows).items())


def dossier_for_session(dossier_id: int) -> Dossier:
    """A dossier the browser's own session submitted (the page checked the session)."""
    found = (
        Dossier.objects.select_related("mall", "service", "agency").filter(pk=dossier_id).first()
    )
    if found is None:
        raise NotFound(f"No dossier with id {dossier_id}")
    return found


def intake_malls(user: Any) -> list[Mall]:
    """The live malls where `user` takes dossiers in at the front office."""
    scope = scope_for(user, "dossier", "add")
    malls = Mall.objects.live()
    if not scope.everywhere:
        malls = malls.filter(pk__in=sorted(scope.mall_ids | scope.outreach_mall_ids))
    return list(malls.order_by("name"))


def intake_services(mall: Mall) -> QuerySet[Service]:
    return Service.objects.live().filter(mall=mall).select_related("agency")


def live_bundles(mall: Mall) -> QuerySet[ServiceBundle]:
    return ServiceBundle.objects.filter(mall=mall, is_active=True)


def online_services(mall: Mall) -> QuerySet[Service]:
    """Live services of the mall one can apply for online."""
    return (
        Service.objects.live()
        .filter(mall=mall, offers_online=True)
        .select_related("agency")
        .order_by("agency__name", "name")
    )


def online_service_by_code(mall: Mall, code: str) -> Service | None:
    return online_services(mall).filter(code=code).first()


def bundle_by_code(mall: Mall, code: str) -> ServiceBundle | None:
    return live_bundles(mall).filter(code=code).first()


def _result_holders(dossier: Dossier) -> list[Dossier]:
    return list(dossier.children.order_by("bundle_item__position", "pk")) or [dossier]


def dossier_pickup(dossier: Dossier) -> dict[str, Any]:
    """What the applicant does once the application is finished: where, when and with what to
    collect the result, or how to download it (a signed PDF of an online application).

    `stage`: "waiting" (not finished yet), "ready" (the result waits for them), "collected",
    "rejected"."""
    from django.utils.translation import gettext

    from satupintu.catalog.models import Counter, OpeningHours

    holders = _result_holders(dossier)
    states = [dossier_state(h) for h in holders]
    # A result issued is downloadable: its signed PDF follows within moments of the issuing
    # transition (`services.result_render`), so the result message can carry its link.
    has_result = ResultDocument.objects.filter(
        dossier__in=holders, revoked_at__isnull=True
    ).exists()
    if any(s is None or not s.is_finished for s in states):
        stage = "waiting"
    elif all(s is not None and s.is_terminal and s.outcome == "rejected" for s in states):
        stage = "rejected"
    elif all(s is not None and s.is_terminal for s in states):
        stage = "collected"
    else:
        stage = "ready"
    finished_at = max((h.completed_at for h in holders if h.completed_at is not None), default=None)
    finished_on = (
        dossier.mall.today(finished_at)
        if finished_at is not None
        else max((h.sla_stopped_on for h in holders if h.sla_stopped_on), default=None)
    )
    service_ids = [h.service_id for h in holders if h.service_id]
    counters = list(
        Counter.objects.filter(mall_id=dossier.mall_id, is_active=True, services__in=service_ids)
        .distinct()
        .order_by("number")
        .values_list("name", flat=True)
    )
    hours = [
        {"weekday": row.get_weekday_display(), "opens": row.opens, "closes": row.closes}
        for row in OpeningHours.objects.filter(mall_id=dossier.mall_id).order_by("weekday")
    ]
    bring = [
        gettext("the receipt, or this tracking code"),
        gettext("the applicant's original KTP-el"),
        gettext(
            "someone collecting for the applicant: a signed power of attorney (surat kuasa) "
            "and their own KTP-el"
        ),
    ]
    return {
        "stage": stage,
        "finished_on": finished_on,
        "online": dossier.channel == "online",
        "downloadable": has_result and stage in ("ready", "collected"),
        "mall": dossier.mall.name,
        "address": ", ".join(p for p in (dossier.mall.address, dossier.mall.city) if p),
        "counters": counters,
        "hours": hours,
        "bring": bring,
    }
