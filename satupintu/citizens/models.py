"""The citizen's own account: a profile beside the `User` row, the one-time codes that sign in
and prove ownership, the sign-in log, and the queue from home (remote tickets and the "almost
your turn" messages, each sent once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from satupintu.core.crypto import EncryptedColumn


class CitizenProfile(models.Model):
    """A member of the public with an account. The phone and e-mail were each proven by a
    one-time code; the NIK only by a dossier an officer verified (never typed in)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="citizen",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    nik_encrypted = models.TextField(_("NIK (encrypted)"), blank=True, editable=False)
    nik_hash = models.CharField(
        _("NIK hash"), max_length=64, blank=True, db_index=True, editable=False
    )
    nik_masked = models.CharField(_("NIK (masked)"), max_length=16, blank=True, editable=False)
    nik_proven_by = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("NIK proven by dossier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    nik_proven_at = models.DateTimeField(_("NIK proven at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    PERSONAL_DATA_COLUMNS = (
        EncryptedColumn("nik_encrypted", purpose="nik", lookup_field="nik_hash"),
    )

    class Meta:
        verbose_name = _("citizen profile")
        verbose_name_plural = _("citizen profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="citizen_unique_phone"
            ),
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="citizen_unique_email"
            ),
        ]

    def __str__(self) -> str:
        return self.user.display_name()


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    PHONE = "phone", _("phone (WhatsApp/SMS)")


class OneTimeCode(models.Model):
    """A code sent to a phone or e-mail address. Only its keyed hash is kept; it expires after
    a few minutes and dies after a few wrong tries or its first use. A new code for the same
    purpose and address voids the earlier ones."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("sign-in")
        CLAIM = "claim", _("claim an application")

    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    destination_hash = models.CharField(_("address hash"), max_length=64, editable=False)
    destination_masked = models.CharField(_("address"), max_length=254, editable=False)
    code_hash = models.CharField(_("code hash"), max_length=64, editable=False)
    # A claim: the application whose contact received the code, and who asked for it.
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["purpose", "destination_hash", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.destination_masked}"


class SignInEvent(models.Model):
    """The sign-in log: every code sent, every sign-in and every refusal, with the masked
    address and the client address (never the code or the full address)."""

    class Kind(models.TextChoices):
        CODE_SENT = "code_sent", _("code sent")
        SIGNED_IN = "signed_in", _("signed in")
        WRONG_CODE = "wrong_code", _("wrong code")
        NO_LIVE_CODE = "no_live_code", _("no valid code")
        CODE_DEAD = "code_dead", _("code dead after too many tries")
        RATE_LIMITED = "rate_limited", _("too many requests")
        CLAIM_SENT = "claim_sent", _("claim code sent")
        CLAIMED = "claimed", _("application claimed")
        CLAIM_REFUSED = "claim_refused", _("claim refused")
        SIGNED_IN_OIDC = "signed_in_oidc", _("signed in through single sign-on")

    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=8, blank=True)
    destination_masked = models.CharField(_("address"), max_length=254, blank=True)
    via = models.CharField(_("via"), max_length=8, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.destination_masked}"


class RemoteQueueConfig(models.Model):
    """A service whose today's ticket may be taken from home, and how."""

    service = models.OneToOneField(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="remote_queue",
    )
    is_active = models.BooleanField(_("remote tickets allowed"), default=True)
    arrival_minutes = models.PositiveSmallIntegerField(
        _("minutes to arrive"),
        default=60,
        help_text=_("A remote ticket not checked in within this time is a no-show."),
    )
    notify_ahead = models.PositiveSmallIntegerField(
        _("message when this many are ahead"), default=2
    )

    class Meta:
        verbose_name = _("queue from home")
        verbose_name_plural = _("queue from home")

    def __str__(self) -> str:
        return str(self.service)


class RemoteTicket(models.Model):
    """Today's ticket taken from home: a numbered ticket of the queue (it holds its place and
    counts in the daily quota) that must be checked in at the kiosk or counter by `arrive_by`."""

    class Outcome(models.TextChoices):
        NONE = "", _("open")
        CHECKED_IN = "checked_in", _("checked in")
        NO_SHOW = "no_show", _("did not arrive in time")
        GIVEN_UP = "given_up", _("place given up")

    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="remote_tickets",
    )
    ticket = models.OneToOneField(
        "queueing.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="remote",
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    service_date = models.DateField(_("service date"))
    arrive_by = models.DateTimeField(_("arrive by"))
    checkin_code = models.CharField(_("check-in code"), max_length=12, unique=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("remote ticket")
        verbose_name_plural = _("remote tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["citizen", "service", "service_date"],
                name="remote_ticket_one_per_person_service_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket} ({self.citizen})"


class QueueNudge(models.Model):
    """A queue message sent for a ticket: "almost your turn" or "you are called". The unique
    constraint makes each happen once, whoever runs the check and however often."""

    class Kind(models.TextChoices):
        NEAR = "near", _("almost your turn")
        CALLED = "called", _("called")

    ticket = models.ForeignKey(
        "queueing.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    people_ahead = models.PositiveIntegerField(_("people ahead"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("queue message")
        verbose_name_plural = _("queue messages")
        constraints = [models.UniqueConstraint(fields=["ticket", "kind"], name="queue_nudge_once")]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_kind_display()}"
