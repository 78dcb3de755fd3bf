from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.querysets import ScopedQuerySet
from satupintu.core.crypto import EncryptedColumn
from satupintu.core.models import AppendOnlyModel


class TicketQuerySet(ScopedQuerySet):
    """A ticket belongs to the agency of the service it waits for now."""

    entity = "ticket"
    agency_field = "current_service__agency_id"

    @classmethod
    def live_q(cls) -> models.Q:
        return models.Q(status__in=("waiting", "called", "serving"))


class AppointmentQuerySet(ScopedQuerySet):
    entity = "appointment"
    agency_field = "service__agency_id"

    @classmethod
    def live_q(cls) -> models.Q:
        return models.Q(status__in=("booked", "checked_in"))


class DeviceQuerySet(ScopedQuerySet):
    """Display boards and kiosks: the mall's `equipment` in the role table."""

    entity = "equipment"
    agency_field = None


class Display(models.Model):
    """A display board (papan informasi antrian) for one floor, or the whole mall when no floor."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="displays"
    )
    floor = models.ForeignKey(
        "catalog.Floor",
        verbose_name=_("floor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="displays",
    )
    name = models.CharField(_("name"), max_length=100)
    running_text = models.TextField(
        _("running text"),
        blank=True,
        help_text=_(
            "Announcements for the ticker. The opening hours and the coming closure days are "
            "added from the mall's calendar: do not write them here."
        ),
    )
    sound_at_load = models.BooleanField(
        _("sound from the start"),
        default=True,
        help_text=_(
            "The board speaks as soon as it loads, with nobody pressing \u201cTurn on "
            "sound\u201d. Needs a browser that allows it: Chromium started with "
            "--kiosk --autoplay-policy=no-user-gesture-required (see the README). Off: the "
            "board stays silent until someone presses the button."
        ),
    )
    announce_in_english = models.BooleanField(
        _("also announce in English"),
        default=False,
        help_text=_("After the Indonesian call, the same call in English (e.g. for Imigrasi)."),
    )
    device = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("device account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="display",
    )

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("display board")
        verbose_name_plural = _("display boards")
        ordering = ["mall", "name"]

    def __str__(self) -> str:
        return self.name


class Kiosk(models.Model):
    """A ticket kiosk (anjungan), optionally with a network thermal printer."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="kiosks"
    )
    floor = models.ForeignKey(
        "catalog.Floor",
        verbose_name=_("floor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kiosks",
    )
    name = models.CharField(_("name"), max_length=100)
    printer_host = models.CharField(
        _("printer address"),
        max_length=255,
        blank=True,
        help_text=_(
            "Host name or IP of an ESC/POS network printer; empty prints from the browser."
        ),
    )
    printer_port = models.PositiveIntegerField(_("printer port"), default=9100)
    device = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("device account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kiosk",
    )

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")
        ordering = ["mall", "name"]

    def __str__(self) -> str:
        return self.name


class PriorityClass(models.TextChoices):
    """The priority classes of reference/REGULATIONS.md (perlakuan khusus, UU 25/2009)."""

    DISABLED = "disabled", _("person with a disability")
    ELDERLY = "elderly", _("elderly (60+)")
    PREGNANT = "pregnant", _("pregnant")
    CHILD_OR_INFANT = "child_or_infant", _("with a child or infant")


class TicketChannel(models.TextChoices):
    """The channels on which a numbered ticket can be taken (online has no queue)."""

    WALK_IN = "walk_in", _("walk-in")
    DRIVE_THRU = "drive_thru", _("drive-thru")
    OUTREACH = "outreach", _("outreach")


class Ticket(models.Model):
    """A numbered ticket (nomor antrian) of one visitor for one visit of the mall.

    `service` is the service the ticket was issued for (its number and quota belong to it);
    `current_service` is the one it waits for or is served at now: it moves on along
    `further_service_ids` in a multi-service visit. `arrival_at` is when the visitor joined the
    queue and is kept on transfers and further services, so nobody queues twice."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        CALLED = "called", _("called")
        SERVING = "serving", _("being served")
        DONE = "done", _("done")
        NO_SHOW = "no_show", _("did not come")
        TRANSFERRED = "transferred", _("transferred")
        CANCELLED = "cancelled", _("cancelled")

    class Outcome(models.TextChoices):
        SERVED = "served", _("served")
        NOT_SERVED = "not_served", _("not served")

    ACTIVE_STATUSES = (Status.WAITING, Status.CALLED, Status.SERVING)
    AT_COUNTER_STATUSES = (Status.CALLED, Status.SERVING)

    # Every change of a ticket writes a new version into each of the table's indexes (status is
    # indexed, so no update is HOT): the foreign keys of mall, current service and counter have
    # no index of their own, the composite indexes below begin with them and serve their look-ups.
    mall = models.ForeignKey(
        "catalog.Mall",
        verbose_name=_("mall"),
        on_delete=models.CASCADE,
        related_name="tickets",
        db_index=False,
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    current_service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("current service"),
        on_delete=models.PROTECT,
        related_name="current_tickets",
        db_index=False,
    )
    further_service_ids = models.JSONField(
        _("further services"),
        default=list,
        blank=True,
        help_text=_("Services of the same visit still to come, in order (service ids)."),
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=TicketChannel.choices, default=TicketChannel.WALK_IN
    )
    priority = models.CharField(
        _("priority class"), max_length=20, choices=PriorityClass.choices, blank=True
    )
    queue_prefix = models.CharField(_("queue prefix"), max_length=3)
    serial = models.PositiveIntegerField(_("serial"))
    number = models.CharField(_("number"), max_length=16)
    service_date = models.DateField(_("service date"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.WAITING
    )
    arrival_at = models.DateTimeField(_("arrived at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    plate_number = models.CharField(_("vehicle plate"), max_length=16, blank=True)
    appointment_slot_at = models.DateTimeField(
        _("appointment slot"),
        null=True,
        blank=True,
        help_text=_("Start of the booked slot when the ticket comes from an appointment."),
    )
    counter = models.ForeignKey(
        "catalog.Counter",
        verbose_name=_("counter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    last_called_at = models.DateTimeField(
        _("last called at"),
        null=True,
        blank=True,
        help_text=_("The latest call or recall, the one display boards announce."),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("marked no-show at"), null=True, blank=True)
    recall_count = models.PositiveSmallIntegerField(_("recalls"), default=0)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    transferred_from = models.OneToOneField(
        "self",
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_to",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-service_date", "arrival_at", "id"]
        constraints = [
            # A transfer continues the visitor's ticket under the same number in another queue;
            # every other ticket has its own number.
            models.UniqueConstraint(
                fields=["mall", "queue_prefix", "service_date", "serial"],
                condition=models.Q(transferred_from__isnull=True),
                name="ticket_number_unique_per_queue_day",
            ),
            models.CheckConstraint(
                condition=~models.Q(channel="drive_thru") | ~models.Q(plate_number=""),
                name="ticket_drive_thru_has_plate",
            ),
        ]
        indexes = [
            # The calling query: waiting tickets of a day for a set of services.
            models.Index(
                fields=["current_service", "status", "service_date", "arrival_at"],
                name="ticket_calling_idx",
            ),
            models.Index(fields=["mall", "service_date", "status"], name="ticket_mall_day_idx"),
            models.Index(fields=["counter", "status"], name="ticket_counter_status_idx"),
            models.Index(
                fields=["current_service", "service_date", "finished_at"],
                name="ticket_service_finished_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.service_date})"


class TicketEvent(AppendOnlyModel):
    """One append-only line of a ticket's history: who did what, when, at which counter."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("issued")
        CALL = "call", _("called")
        RECALL = "recall", _("called again")
        START = "start", _("service started")
        FINISH = "finish", _("service finished")
        NEXT_SERVICE = "next_service", _("on to the next service")
        NO_SHOW = "no_show", _("did not come")
        RETURN = "return", _("came back")
        TRANSFER = "transfer", _("transferred")
        CANCEL = "cancel", _("cancelled")
        EXPIRE = "expire", _("expired at the end of the day")

    # Looked up through ticket_event_ticket_idx (ticket, at); no second index of its own.
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    counter = models.ForeignKey(
        "catalog.Counter",
        verbose_name=_("counter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The service the ticket was at when this happened."),
    )
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    outcome = models.CharField(_("outcome"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.from_status}->{self.to_status}"


class NumberSequence(models.Model):
    """The last number given out in one queue (mall + prefix) on one day.

    Incremented in one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` statement inside the
    issuing transaction: the row lock serialises kiosks of the same queue, and a rolled-back issue
    rolls the increment back too, so numbers are unique and without gaps."""

    mall = models.ForeignKey(
        "catalog.Mall", verbose_name=_("mall"), on_delete=models.CASCADE, related_name="+"
    )
    queue_prefix = models.CharField(_("queue prefix"), max_length=3)
    service_date = models.DateField(_("service date"))
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["mall", "queue_prefix", "service_date"], name="number_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.queue_prefix} {self.service_date}: {self.last_value}"


class CounterSession(models.Model):
    """An officer at work on a counter, from taking it to closing it."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        PAUSED = "paused", _("paused")
        CLOSED = "closed", _("closed")

    ACTIVE_STATUSES = (Status.OPEN, Status.PAUSED)

    counter = models.ForeignKey(
        "catalog.Counter",
        verbose_name=_("counter"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.CASCADE,
        related_name="counter_sessions",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"))
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("counter session")
        verbose_name_plural = _("counter sessions")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer"],
                condition=models.Q(status__in=["open", "paused"]),
                name="counter_session_one_counter_per_officer",
            ),
            models.UniqueConstraint(
                fields=["counter"],
                condition=models.Q(status__in=["open", "paused"]),
                name="counter_session_one_officer_per_counter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter} · {self.officer} · {self.status}"


class AppointmentSlotConfig(models.Model):
    """How a service takes appointments (reservasi): slot length and capacity, booking window,
    and the check-in window around the slot's start."""

    service = models.OneToOneField(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.CASCADE,
        related_name="appointment_config",
    )
    is_active = models.BooleanField(_("takes appointments"), default=True)
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=30, validators=[MinValueValidator(5)]
    )
    capacity_per_slot = models.PositiveSmallIntegerField(
        _("capacity per slot"), default=4, validators=[MinValueValidator(1)]
    )
    booking_window_days = models.PositiveSmallIntegerField(
        _("booking window (days ahead)"), default=14
    )
    cutoff_hour = models.PositiveSmallIntegerField(
        _("same-day cut-off hour"),
        default=12,
        validators=[MaxValueValidator(24)],
        help_text=_("Bookings for today are taken until this hour (mall time)."),
    )
    checkin_early_minutes = models.PositiveSmallIntegerField(
        _("check-in opens (minutes before the slot)"), default=30
    )
    checkin_late_minutes = models.PositiveSmallIntegerField(
        _("check-in closes (minutes after the slot starts)"), default=15
    )

    class Meta:
        verbose_name = _("appointment settings")
        verbose_name_plural = _("appointment settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=5), name="slot_config_min_length"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity_per_slot__gte=1), name="slot_config_min_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.slot_minutes} min x {self.capacity_per_slot}"


class Appointment(models.Model):
    """A booked slot. The NIK is kept encrypted; a keyed hash enforces one active booking per
    NIK, service and day without decrypting anything."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CHECKED_IN = "checked_in", _("checked in")
        CANCELLED = "cancelled", _("cancelled")
        NO_SHOW = "no_show", _("did not come")

    ACTIVE_STATUSES = (Status.BOOKED, Status.CHECKED_IN)

    mall = models.ForeignKey(
        "catalog.Mall",
        verbose_name=_("mall"),
        on_delete=models.CASCADE,
        related_name="appointments",
    )
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    date = models.DateField(_("date"))
    slot_start = models.TimeField(_("slot"))
    slot_at = models.DateTimeField(_("slot starts at"))
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=20)
    nik_encrypted = models.TextField(_("NIK (encrypted)"))
    nik_hash = models.CharField(_("NIK key"), max_length=64, db_index=True)
    PERSONAL_DATA_COLUMNS = (
        EncryptedColumn("nik_encrypted", purpose="nik", lookup_field="nik_hash"),
    )
    nik_masked = models.CharField(_("NIK (masked)"), max_length=16)
    code = models.CharField(_("check-in code"), max_length=12, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.BOOKED
    )
    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment",
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["date", "slot_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "date", "nik_hash"],
                condition=models.Q(status__in=["booked", "checked_in"]),
                name="appointment_one_active_per_nik_service_day",
            )
        ]
        indexes = [
            models.Index(fields=["service", "slot_at", "status"], name="appointment_slot_idx")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.service} {self.date} {self.slot_start:%H:%M}"
