"""Jemput bola: home visits for people who cannot come to the mall.

A request (OutreachRequest) is triaged, scheduled as a Visit and recorded after the visit. Every
change of status is an append-only OutreachEvent row. Disability and health notes are sensitive
personal data (UU 27/2022): they live in their own table (OutreachSensitiveNote), encrypted, and
only outreach officers of the mall read them, each read leaving an audit entry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.querysets import ScopedQuerySet
from satupintu.core.codes import READABLE, CodeFormat
from satupintu.core.crypto import EncryptedColumn, decrypt_personal, encrypt_personal
from satupintu.core.models import AppendOnlyModel
from satupintu.outreach.areas import KECAMATAN_CHOICES

OUTREACH_REFERENCE = CodeFormat(alphabet=READABLE, length=8, prefix="JB-")


def new_reference() -> str:
    """A request's reference, JB-XXXXXXXX (the field default named by the migrations)."""
    return OUTREACH_REFERENCE.new()


class OutreachResourceQuerySet(ScopedQuerySet):
    """Vehicles and equipment: the mall's `equipment` in the role table."""

    entity = "equipment"
    agency_field = None


class Vehicle(models.Model):
    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    plate_number = models.CharField(_("plate number"), max_length=16, blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"), default=4)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OutreachResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("outreach vehicle")
        verbose_name_plural = _("outreach vehicles")
        ordering = ["mall", "name"]
        constraints = [
            models.UniqueConstraint(fields=["mall", "name"], name="outreach_vehicle_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.plate_number})" if self.plate_number else self.name


class Equipment(models.Model):
    """Kit taken on a visit, e.g. the mobile KTP-el recording kit (perekaman KTP-el keliling)."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OutreachResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("outreach equipment")
        verbose_name_plural = _("outreach equipment")
        ordering = ["mall", "name"]
        constraints = [
            models.UniqueConstraint(fields=["mall", "code"], name="outreach_equipment_unique")
        ]

    def __str__(self) -> str:
        return self.name


class OutreachRequestQuerySet(ScopedQuerySet):
    entity = "outreach_request"
    agency_field = None

    @classmethod
    def live_q(cls) -> models.Q:
        return models.Q(pk__in=[])


class OutreachRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        TRIAGED = "triaged", _("triaged")
        SCHEDULED = "scheduled", _("scheduled")
        VISITED = "visited", _("visited")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    class RequestedBy(models.TextChoices):
        SELF = "self", _("the person themself")
        FAMILY = "family", _("a family member")
        OFFICER_PHONE = "officer_phone", _("an officer, by phone")

    class Reason(models.TextChoices):
        DISABLED = "disabled", _("disability")
        ELDERLY = "elderly", _("elderly")
        SICK = "sick", _("sick")
        OTHER = "other", _("other")

    class Priority(models.TextChoices):
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")
        URGENT = "urgent", _("urgent")

    mall = models.ForeignKey(
        "catalog.Mall",
        verbose_name=_("mall"),
        on_delete=models.CASCADE,
        related_name="outreach_requests",
    )
    reference = models.CharField(
        _("reference"), max_length=16, unique=True, default=new_reference, editable=False
    )
    person_name = models.CharField(_("name of the person"), max_length=150)
    nik_encrypted = models.TextField(_("NIK (encrypted)"), blank=True, editable=False)
    PERSONAL_DATA_COLUMNS = (EncryptedColumn("nik_encrypted", purpose="nik"),)
    phone = models.CharField(_("phone"), max_length=20)
    address = models.CharField(_("address"), max_length=300)
    kecamatan = models.CharField(_("kecamatan"), max_length=40, choices=KECAMATAN_CHOICES)
    kelurahan = models.CharField(_("kelurahan"), max_length=40)
    services = models.ManyToManyField(
        "catalog.Service", verbose_name=_("services needed"), related_name="outreach_requests"
    )
    preferred_dates = models.JSONField(_("preferred dates"), default=list)
    first_preferred_date = models.DateField(_("first preferred date"), db_index=True)
    requested_by = models.CharField(_("requested by"), max_length=16, choices=RequestedBy.choices)
    requester_name = models.CharField(
        _("name of the requester"), max_length=150, blank=True, help_text=_("When not the person.")
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outreach_assignments",
    )
    triage_note = models.TextField(_("triage note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OutreachRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("outreach request")
        verbose_name_plural = _("outreach requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["mall", "status"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def nik(self) -> str:
        return decrypt_personal(self.nik_encrypted, purpose="nik")

    def set_nik(self, nik: str) -> None:
        self.nik_encrypted = encrypt_personal(nik, purpose="nik")

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.DONE, self.Status.CANCELLED}


class OutreachSensitiveNote(models.Model):
    """Disability and health notes, encrypted, in their own table so that no list, join or
    serializer of the request can carry them by accident."""

    request = models.OneToOneField(
        OutreachRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="sensitive_note",
    )
    disability_encrypted = models.TextField(_("disability (encrypted)"), blank=True)
    health_encrypted = models.TextField(_("health (encrypted)"), blank=True)
    PERSONAL_DATA_COLUMNS = (
        EncryptedColumn("disability_encrypted", purpose="disability"),
        EncryptedColumn("health_encrypted", purpose="health"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("sensitive note")
        verbose_name_plural = _("sensitive notes")

    def __str__(self) -> str:
        return f"note {self.request_id}"

    @property
    def disability(self) -> str:
        return decrypt_personal(self.disability_encrypted, purpose="disability")

    @property
    def health(self) -> str:
        return decrypt_personal(self.health_encrypted, purpose="health")

    def set_texts(self, *, disability: str, health: str) -> None:
        self.disability_encrypted = encrypt_personal(disability, purpose="disability")
        self.health_encrypted = encrypt_personal(health, purpose="health")


class Visit(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        COMPLETED = "completed", _("completed")
        NOT_MET = "not_met", _("person not met")
        CANCELLED = "cancelled", _("cancelled")

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="+"
    )
    request = models.ForeignKey(
        OutreachRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="visits"
    )
    date = models.DateField(_("date"), db_index=True)
    window_start = models.TimeField(_("from"))
    window_end = models.TimeField(_("until"))
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("team"), related_name="outreach_visits"
    )
    vehicle = models.ForeignKey(
        Vehicle,
        verbose_name=_("vehicle"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    equipment = models.ManyToManyField(
        Equipment, verbose_name=_("equipment"), blank=True, related_name="visits"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    plan_note = models.TextField(_("plan note"), blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    result_delivery_home = models.BooleanField(
        _("results delivered home"),
        default=False,
        help_text=_("The results (cards, certificates) are brought to the person's home."),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["date", "window_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_start__lt=models.F("window_end")),
                name="outreach_visit_window_order",
            ),
            # One planned visit at a time per request.
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status="scheduled"),
                name="outreach_one_scheduled_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.date} {self.window_start:%H:%M}"


class VisitService(models.Model):
    """One service handled during a visit, and what it became in the other apps."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="services_done"
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    delivered = models.BooleanField(_("delivered on the spot"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    # The ticket or dossier created with channel "outreach", and its printed reference (kept
    # should the ticket or dossier itself be deleted one day).
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reference = models.CharField(_("ticket or tracking code"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("service in a visit")
        verbose_name_plural = _("services in visits")
        constraints = [
            models.UniqueConstraint(fields=["visit", "service"], name="outreach_visit_service")
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.service_id}"


class OutreachEvent(AppendOnlyModel):
    """One change of a request or of its visit: who, when, from, to, why."""

    request = models.ForeignKey(
        OutreachRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="events"
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("outreach event")
        verbose_name_plural = _("outreach events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.from_status}->{self.to_status}"
