"""Dossiers (berkas permohonan): applications, their workflows as data, documents, fees,
SLA warnings and the signed result documents.

A workflow is a small state machine stored in rows, so that an admin can change it without a
deploy: `WorkflowState` (who acts there, its share of the SLA, the documents it needs) and
`WorkflowAction` (from, to, which roles may take it). `Workflow.validate()` refuses graphs
where a state cannot be reached or cannot reach an end."""

from __future__ import annotations

from collections import deque
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.models import Role
from satupintu.accounts.querysets import ScopedQuerySet
from satupintu.catalog.models import Channel
from satupintu.core.crypto import EncryptedColumn
from satupintu.core.models import AppendOnlyModel

# The applicant is not a staff role, but a workflow action may be theirs (resubmit).
APPLICANT = "applicant"
ACTOR_CHOICES = [*Role.choices, (APPLICANT, _("applicant"))]
ACTOR_VALUES = frozenset(value for value, _label in ACTOR_CHOICES)


class DossierQuerySet(ScopedQuerySet):
    entity = "dossier"
    own_field = "applicant_user_id"
    outreach_field = "channel"

    @classmethod
    def live_q(cls) -> models.Q:
        return models.Q(completed_at__isnull=True)


class DossierDocumentQuerySet(ScopedQuerySet):
    entity = "document"
    mall_field = "dossier__mall_id"
    agency_field = "dossier__agency_id"
    own_field = "dossier__applicant_user_id"
    outreach_field = "dossier__channel"


class BillQuerySet(ScopedQuerySet):
    entity = "bill"
    agency_field = "dossier__agency_id"


class Workflow(models.Model):
    """The state machine of one service, or a template that services copy."""

    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    is_template = models.BooleanField(
        _("template"), default=False, help_text=_("Templates are copied to services.")
    )
    service = models.OneToOneField(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="workflow",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        ordering = ["-is_template", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(is_template=True),
                name="workflow_template_code_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(is_template=True, service__isnull=True)
                | models.Q(is_template=False, service__isnull=False),
                name="workflow_template_xor_service",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def initial_state(self) -> WorkflowState:
        state = self.states.filter(is_initial=True).first()
        if state is None:
            raise ValidationError(_("The workflow has no initial state."))
        return state

    def validate(
        self,
        states: list[dict[str, Any]] | None = None,
        actions: list[dict[str, Any]] | None = None,
    ) -> None:
        """Check the graph; raise ValidationError listing every problem.

        `states` and `actions` (dicts with the field names below) let the admin check an edit
        before it is saved; without them the saved rows are checked."""
        if states is None:
            states = [
                {
                    "code": s.code,
                    "is_initial": s.is_initial,
                    "is_terminal": s.is_terminal,
                    "actor_role": s.actor_role,
                    "sla_share_percent": s.sla_share_percent,
                }
                for s in self.states.all()
            ]
        if actions is None:
            actions = [
                {
                    "code": a.code,
                    "from_state": a.from_state.code,
                    "to_state": a.to_state.code,
                    "roles": a.roles,
                }
                for a in self.actions.select_related("from_state", "to_state")
            ]
        errors = workflow_graph_errors(states, actions)
        if errors:
            raise ValidationError(errors)


def workflow_graph_errors(states: list[dict[str, Any]], actions: list[dict[str, Any]]) -> list[str]:
    """The rule violations of a workflow graph, as readable sentences (empty when valid)."""
    errors: list[str] = []
    codes = [s["code"] for s in states]
    if not states:
        return [str(_("A workflow needs at least one state."))]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        errors.append(str(_("State codes must be unique: %s.")) % ", ".join(duplicates))
    initial = [s["code"] for s in states if s.get("is_initial")]
    if len(initial) != 1:
        errors.append(
            str(_("A workflow needs exactly one initial state (found %d).")) % len(initial)
        )
    terminal = {s["code"] for s in states if s.get("is_terminal")}
    if not terminal:
        errors.append(str(_("A workflow needs at least one terminal state.")))
    share = sum(int(s.get("sla_share_percent") or 0) for s in states)
    if share > 100:
        errors.append(
            str(_("The SLA shares of the states add up to %d%%, more than 100%%.")) % share
        )
    outgoing: dict[str, set[str]] = {c: set() for c in codes}
    incoming: dict[str, set[str]] = {c: set() for c in codes}
    for action in actions:
        src, dst = action["from_state"], action["to_state"]
        if not action.get("roles"):
            errors.append(
                str(_("Action '%(action)s' from '%(state)s' has no role allowed to take it."))
                % {"action": action["code"], "state": src}
            )
        unknown = [r for r in action.get("roles") or [] if r not in ACTOR_VALUES]
        if unknown:
            errors.append(
                str(_("Action '%(action)s' names unknown roles: %(roles)s."))
                % {"action": action["code"], "roles": ", ".join(unknown)}
            )
        if src in terminal:
            errors.append(
                str(_("Action '%(action)s' leaves terminal state '%(state)s'."))
                % {"action": action["code"], "state": src}
            )
        if src in outgoing and dst in incoming:
            outgoing[src].add(dst)
            incoming[dst].add(src)
    if len(initial) == 1:
        reachable = _walk(initial[0], outgoing)
        unreachable = [c for c in codes if c not in reachable]
        if unreachable:
            errors.append(
                str(_("These states cannot be reached from the initial state: %s."))
                % ", ".join(unreachable)
            )
    if terminal:
        reaches_end: set[str] = set()
        for end in terminal:
            reaches_end |= _walk(end, incoming)
        stuck = [c for c in codes if c not in reaches_end]
        if stuck:
            errors.append(
                str(_("No terminal state can be reached from these states: %s.")) % ", ".join(stuck)
            )
    return errors


def _walk(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen = {start}
    todo = deque([start])
    while todo:
        for nxt in edges.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


class WorkflowState(models.Model):
    class Outcome(models.TextChoices):
        NONE = "", _("not finished")
        COMPLETED = "completed", _("completed")
        REJECTED = "rejected", _("rejected")

    workflow = models.ForeignKey(
        Workflow, verbose_name=_("workflow"), on_delete=models.CASCADE, related_name="states"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    actor_role = models.CharField(
        _("who acts here"), max_length=32, choices=ACTOR_CHOICES, blank=True
    )
    sla_share_percent = models.PositiveSmallIntegerField(
        _("share of the SLA (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    requires_mandatory_documents = models.BooleanField(
        _("all mandatory documents present"),
        default=False,
        help_text=_(
            "A dossier may enter this state only when every mandatory document is ticked present."
        ),
    )
    required_document_keys = models.JSONField(
        _("documents that must be present"),
        default=list,
        blank=True,
        help_text=_("Requirement keys that must be ticked present before entering this state."),
    )
    is_initial = models.BooleanField(_("initial"), default=False)
    is_terminal = models.BooleanField(_("terminal"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True, default=""
    )
    pauses_sla = models.BooleanField(
        _("pauses the SLA"), default=False, help_text=_("The applicant is revising.")
    )
    stops_sla = models.BooleanField(
        _("service delivered"),
        default=False,
        help_text=_("The SLA clock stops here: the result is ready."),
    )

    class Meta:
        verbose_name = _("workflow state")
        verbose_name_plural = _("workflow states")
        ordering = ["workflow", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "code"], name="workflow_state_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_finished(self) -> bool:
        """Whether a dossier here has its result (or its end): bundle dependents may start."""
        return self.is_terminal or self.stops_sla


class WorkflowAction(models.Model):
    workflow = models.ForeignKey(
        Workflow, verbose_name=_("workflow"), on_delete=models.CASCADE, related_name="actions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    from_state = models.ForeignKey(
        WorkflowState,
        verbose_name=_("from state"),
        on_delete=models.CASCADE,
        related_name="actions_out",
    )
    to_state = models.ForeignKey(
        WorkflowState,
        verbose_name=_("to state"),
        on_delete=models.CASCADE,
        related_name="actions_in",
    )
    roles = models.JSONField(_("roles allowed"), default=list)
    comment_required = models.BooleanField(_("comment required"), default=False)
    starts_sla = models.BooleanField(
        _("starts the SLA clock"),
        default=False,
        help_text=_("The front office found the dossier complete; a fee becomes a bill."),
    )
    requires_payment = models.BooleanField(
        _("needs the fee paid"),
        default=False,
        help_text=_("Blocked until paid when the service asks payment before processing."),
    )
    issues_result = models.BooleanField(_("issues the signed result"), default=False)
    is_destructive = models.BooleanField(_("shown as a warning button"), default=False)

    class Meta:
        verbose_name = _("workflow action")
        verbose_name_plural = _("workflow actions")
        ordering = ["workflow", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "code", "from_state"], name="workflow_action_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ServiceConfig(models.Model):
    """Dossier-side settings of one service (kept here, not on catalog.Service)."""

    service = models.OneToOneField(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="dossier_config",
    )
    payment_before_processing = models.BooleanField(
        _("payment before processing"),
        default=False,
        help_text=_("The back office may start only once the fee is paid."),
    )
    result_title = models.CharField(_("title of the result document"), max_length=200, blank=True)
    result_valid_days = models.PositiveIntegerField(
        _("result valid for (days)"), null=True, blank=True, help_text=_("Empty: no expiry.")
    )

    class Meta:
        verbose_name = _("service dossier settings")
        verbose_name_plural = _("service dossier settings")

    def __str__(self) -> str:
        return str(self.service)


class FormField(models.Model):
    """One field of a service's application form (besides the applicant's identity)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("text")
        LONG_TEXT = "long_text", _("long text")
        NUMBER = "number", _("whole number")
        DATE = "date", _("date")
        CHOICE = "choice", _("choice")
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("phone")
        NIK = "nik", _("NIK")

    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="form_fields",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.SlugField(_("name"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    max_length = models.PositiveIntegerField(_("longest text"), default=200)
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    print_on_result = models.BooleanField(_("printed on the result"), default=False)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["service", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="form_field_name_unique")
        ]

    def __str__(self) -> str:
        return self.label


class Dossier(models.Model):
    """One application (berkas). A bundle application is a parent dossier without a service,
    whose children (one per service of the bundle) go to each agency's back office."""

    class ApplicantKind(models.TextChoices):
        PERSON = "person", _("person")
        BUSINESS = "business", _("business")

    class BundleStatus(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        PARTLY_REJECTED = "partly_rejected", _("partly rejected")

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.PROTECT, related_name="dossiers"
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    agency = models.ForeignKey(
        "catalog.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    workflow = models.ForeignKey(
        Workflow,
        verbose_name=_("workflow"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    assisted = models.BooleanField(
        _("assisted digital"),
        default=False,
        help_text=_("Submitted online by an officer for a visitor who could not."),
    )
    status = models.CharField(_("status"), max_length=40, db_index=True)
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    # Applicant. The NIK is kept encrypted; the keyed hash finds dossiers by NIK without it.
    applicant_kind = models.CharField(
        _("applicant kind"),
        max_length=16,
        choices=ApplicantKind.choices,
        default=ApplicantKind.PERSON,
    )
    applicant_nik_encrypted = models.TextField(_("NIK (encrypted)"), editable=False)
    PERSONAL_DATA_COLUMNS = (
        EncryptedColumn(
            "applicant_nik_encrypted", purpose="nik", lookup_field="applicant_nik_hash"
        ),
    )
    applicant_nik_hash = models.CharField(
        _("NIK hash"), max_length=64, db_index=True, editable=False
    )
    applicant_nik_masked = models.CharField(_("NIK (masked)"), max_length=16, editable=False)
    applicant_name = models.CharField(_("applicant name"), max_length=150)
    business_name = models.CharField(_("business name"), max_length=200, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="own_dossiers",
    )
    form_data = models.JSONField(_("form"), default=dict, blank=True)
    # The queue ticket the walk-in visitor was served with (kept when the ticket is removed).
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers",
    )
    bundle = models.ForeignKey(
        "catalog.ServiceBundle",
        verbose_name=_("bundle"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    bundle_item = models.ForeignKey(
        "catalog.BundleItem",
        verbose_name=_("bundle item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("bundle application"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    on_hold = models.BooleanField(
        _("waiting for earlier services"),
        default=False,
        help_text=_("A bundle child starts when the services it depends on are finished."),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_dossiers",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    # SLA in working days (see services.py for the rules).
    sla_days = models.PositiveIntegerField(_("SLA (working days)"), default=0)
    sla_started_on = models.DateField(_("SLA clock started"), null=True, blank=True)
    sla_paused_since = models.DateField(_("SLA paused since"), null=True, blank=True)
    sla_paused_days = models.PositiveIntegerField(_("paused working days"), default=0)
    sla_due = models.DateField(_("due"), null=True, blank=True, db_index=True)
    sla_stopped_on = models.DateField(_("SLA clock stopped"), null=True, blank=True)
    state_seq = models.PositiveIntegerField(_("state number"), default=0)
    state_entered_at = models.DateTimeField(_("state entered at"), null=True, blank=True)
    state_due = models.DateField(_("state deadline"), null=True, blank=True)
    completed_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["mall", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_bundle_parent(self) -> bool:
        return self.bundle_id is not None and self.parent_id is None


class DossierEvent(AppendOnlyModel):
    """Append-only history of a dossier: every transition, assignment and payment."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=40, blank=True)
    to_status = models.CharField(_("to"), max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier} {self.action} {self.from_status}->{self.to_status}"


class DossierDocument(models.Model):
    """One requirement of a dossier: its tick (present/missing/rejected) and the uploaded file."""

    class Status(models.TextChoices):
        PENDING = "pending", _("not checked yet")
        PRESENT = "present", _("present")
        MISSING = "missing", _("missing")
        REJECTED = "rejected", _("rejected")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="documents"
    )
    requirement = models.ForeignKey(
        "catalog.ServiceRequirement",
        verbose_name=_("requirement"),
        on_delete=models.PROTECT,
        related_name="dossier_documents",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    file = models.FileField(_("file"), upload_to="dossiers/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DossierDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")
        ordering = ["dossier", "requirement__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "requirement"], name="dossier_document_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} · {self.requirement}"


class Bill(models.Model):
    """The fee of a dossier (retribusi/PNBP), raised when the front office verifies it."""

    class Status(models.TextChoices):
        UNPAID = "unpaid", _("unpaid")
        PAID = "paid", _("paid")
        CANCELLED = "cancelled", _("cancelled")

    class Via(models.TextChoices):
        CASHIER = "cashier", _("cashier")
        CALLBACK = "callback", _("payment gateway")

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="bill"
    )
    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.PROTECT, related_name="bills"
    )
    amount = models.PositiveBigIntegerField(_("amount (rupiah)"))
    payment_code = models.CharField(_("payment code"), max_length=20, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UNPAID
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paid_via = models.CharField(_("paid via"), max_length=16, choices=Via.choices, blank=True)
    external_reference = models.CharField(
        _("payment reference"), max_length=100, null=True, blank=True, unique=True
    )

    objects = BillQuerySet.as_manager()

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.payment_code} Rp{self.amount}"


class SlaWarning(models.Model):
    """One warning to the supervisor that a dossier passed a state deadline: never twice."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="sla_warnings"
    )
    state_seq = models.PositiveIntegerField(_("state number"))
    state_code = models.CharField(_("state"), max_length=40)
    state_due = models.DateField(_("state deadline"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)

    class Meta:
        verbose_name = _("SLA warning")
        verbose_name_plural = _("SLA warnings")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "state_seq"], name="sla_warning_once")
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.state_code} {self.state_due}"


class ResultDocument(models.Model):
    """The signed result of a dossier (the product of the service), verifiable by its code."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="result"
    )
    agency = models.ForeignKey(
        "catalog.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="result_documents",
    )
    document_number = models.CharField(_("document number"), max_length=64, unique=True)
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True)
    file = models.FileField(_("file"), upload_to="results/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256 of the signed file"), max_length=64, blank=True)
    holder_name = models.CharField(_("holder"), max_length=200)
    details = models.JSONField(_("details"), default=dict, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    # Who issued it (the transition's actor); the PDF itself is made after the commit.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    signer_subject = models.TextField(_("signed by"), blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("result document")
        verbose_name_plural = _("result documents")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.document_number

    @property
    def verification_url(self) -> str:
        from satupintu.core.public_url import public_url

        return public_url(f"/verify/{self.verification_code}")
