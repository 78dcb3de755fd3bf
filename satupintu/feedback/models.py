"""Satisfaction surveys (SKM) and complaints (pengaduan).

Tickets and dossiers are linked by foreign keys that become empty if the ticket or dossier is
ever deleted: the survey or complaint itself is kept."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.querysets import ScopedQuerySet
from satupintu.core.models import AppendOnlyModel
from satupintu.feedback.unsur import UNSUR_CODES


class Gender(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class Education(models.TextChoices):
    SD = "sd", _("primary school (SD)")
    SMP = "smp", _("junior high school (SMP)")
    SMA = "sma", _("senior high school (SMA)")
    D1_D3 = "d1_d3", _("diploma (D1-D3)")
    D4_S1 = "d4_s1", _("bachelor (D4/S1)")
    S2 = "s2", _("master (S2)")
    S3 = "s3", _("doctorate (S3)")


class Occupation(models.TextChoices):
    PNS = "pns", _("civil servant (PNS)")
    TNI = "tni", _("armed forces (TNI)")
    POLRI = "polri", _("police (POLRI)")
    SWASTA = "swasta", _("private employee")
    WIRAUSAHA = "wirausaha", _("entrepreneur")
    PELAJAR_MAHASISWA = "pelajar_mahasiswa", _("pupil or student")
    LAINNYA = "lainnya", _("other")


AGE_MIN = 12
AGE_MAX = 120


def _score_field(code: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        code.upper(), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )


class SurveyQuerySet(ScopedQuerySet):
    entity = "survey"


class Survey(models.Model):
    """One respondent's answers to the nine unsur, for one service."""

    class Source(models.TextChoices):
        KIOSK = "kiosk", _("kiosk tablet")
        TICKET_QR = "ticket_qr", _("QR code on the ticket")
        NOTIFICATION = "notification", _("link in a notification")
        WEB = "web", _("web")
        API = "api", _("API")

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="surveys"
    )
    agency = models.ForeignKey(
        "catalog.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="surveys"
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="surveys",
    )
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.API
    )
    u1 = _score_field("u1")
    u2 = _score_field("u2")
    u3 = _score_field("u3")
    u4 = _score_field("u4")
    u5 = _score_field("u5")
    u6 = _score_field("u6")
    u7 = _score_field("u7")
    u8 = _score_field("u8")
    u9 = _score_field("u9")
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    age = models.PositiveSmallIntegerField(
        _("age"), validators=[MinValueValidator(AGE_MIN), MaxValueValidator(AGE_MAX)]
    )
    education = models.CharField(_("education"), max_length=8, choices=Education.choices)
    occupation = models.CharField(_("occupation"), max_length=20, choices=Occupation.choices)
    suggestion = models.TextField(_("suggestion"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-submitted_at"]
        constraints = [
            # Once per ticket and once per dossier, enforced by the database so that two
            # simultaneous submissions cannot both land.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(ticket__isnull=False),
                name="survey_once_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(dossier__isnull=False),
                name="survey_once_per_dossier",
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{code}__gte": 1, f"{code}__lte": 4}),
                    name=f"survey_{code}_1_to_4",
                )
                for code in UNSUR_CODES
            ],
            models.CheckConstraint(
                condition=models.Q(age__gte=AGE_MIN, age__lte=AGE_MAX), name="survey_age_range"
            ),
        ]
        indexes = [
            models.Index(fields=["mall", "submitted_at"]),
            models.Index(fields=["agency", "submitted_at"]),
            models.Index(fields=["service", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"SKM #{self.pk} {self.service_id}"

    def answers(self) -> dict[str, int]:
        return {code: getattr(self, code) for code in UNSUR_CODES}


class ComplaintCategory(models.TextChoices):
    SERVICE_QUALITY = "service_quality", _("quality of the service")
    STAFF_CONDUCT = "staff_conduct", _("conduct of the officers")
    WAITING_TIME = "waiting_time", _("waiting or completion time")
    FEES = "fees", _("fees or illegal charges")
    REQUIREMENTS = "requirements", _("requirements and procedure")
    FACILITIES = "facilities", _("facilities and accessibility")
    ONLINE_SYSTEM = "online_system", _("online service or application")
    SUGGESTION = "suggestion", _("suggestion or input")
    OTHER = "other", _("other")


class ComplaintQuerySet(ScopedQuerySet):
    """A complaint without an agency is the mall operator's: mall-wide roles see it."""

    entity = "complaint"


class Complaint(models.Model):
    """A complaint, suggestion or input (pengaduan), with its life cycle."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        IN_PROGRESS = "in_progress", _("in progress")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")

    class Origin(models.TextChoices):
        WEB = "web", _("web form")
        KIOSK = "kiosk", _("kiosk")
        STAFF = "staff", _("recorded by staff")
        API = "api", _("API")
        LAPOR = "lapor", _("SP4N-LAPOR!")

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="complaints"
    )
    code = models.CharField(_("tracking code"), max_length=20, unique=True, editable=False)
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices, default=Origin.WEB)
    category = models.CharField(
        _("category"), max_length=20, choices=ComplaintCategory.choices, default="other"
    )
    text = models.TextField(_("complaint"))
    # The agency that must answer; empty: the mall operator's queue (DPMPTSP).
    agency = models.ForeignKey(
        "catalog.Agency",
        verbose_name=_("responsible agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    ticket = models.ForeignKey(
        "queueing.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    is_confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("The identity is hidden from the agency that answers."),
    )
    reporter_name = models.CharField(_("name"), max_length=150, blank=True)
    reporter_email = models.EmailField(_("e-mail"), blank=True)
    reporter_phone = models.CharField(_("phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    first_response_due = models.DateField(_("first response due"))
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    lapor_reference = models.CharField(
        _("SP4N-LAPOR! reference"), max_length=64, null=True, blank=True, unique=True
    )
    lapor_forwarded_at = models.DateTimeField(_("forwarded to LAPOR at"), null=True, blank=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["mall", "status"]),
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["status", "first_response_due"]),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_overdue(self) -> bool:
        return self.first_responded_at is None and self.first_response_due < timezone.localdate()


class ComplaintEvent(AppendOnlyModel):
    """One step in a complaint's history. Append-only: never changed or deleted."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("received")
        TRANSITION = "transition", _("status changed")
        ROUTED = "routed", _("routed to an agency")
        NOTE = "note", _("internal note")
        ESCALATED = "escalated", _("escalated to the supervisor")
        LAPOR_FORWARDED = "lapor_forwarded", _("forwarded to SP4N-LAPOR!")
        LAPOR_RESPONSE_SENT = "lapor_response_sent", _("answer sent to SP4N-LAPOR!")
        LAPOR_FAILED = "lapor_failed", _("SP4N-LAPOR! exchange failed")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_public = models.BooleanField(_("shown on the public status page"), default=False)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.from_status}->{self.to_status}"
