from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.lookups import In, IsNull
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from satupintu.accounts.querysets import ScopedQuerySet
from satupintu.core.models import AppendOnlyModel

if TYPE_CHECKING:
    from satupintu.accounts.roles import Scope

# Partnership statuses under which an agency serves in the mall: an MOU signed or in force.
# An agency without any partnership row is the mall's own operator (or a city office) and
# serves by right; one whose newest MOU is only invited or drafted, expired or ended does not.
SERVING_PARTNERSHIP_STATUSES = ("signed", "active")


class MallQuerySet(ScopedQuerySet):
    entity = "mall"
    mall_field = "pk"
    agency_field = None

    @classmethod
    def live_q(cls) -> models.Q:
        return models.Q(is_active=True)

    def choice_q(self, scope: Scope) -> models.Q:
        """A mall is a choice for whoever reaches it, or reaches an agency in it (an agency
        admin picks the mall of its agency's new service or staff member)."""
        if scope.everywhere:
            return models.Q()
        return models.Q(pk__in=sorted(scope.mall_ids | {m for m, _a in scope.agency_malls}))


class AgencyQuerySet(ScopedQuerySet):
    entity = "agency"
    agency_field = "pk"

    @classmethod
    def live_q(cls) -> models.Q:
        return models.Q(is_active=True, mall__is_active=True)

    def serving(self) -> AgencyQuerySet:
        """Live agencies that may take new work (tickets, appointments, dossiers): no
        partnership at all, or a newest partnership that is signed or active."""
        return self.live().filter(serving_partnership_q("pk"))


class PartnershipQuerySet(ScopedQuerySet):
    entity = "partnership"


class MallSetupQuerySet(ScopedQuerySet):
    """Floors, opening hours and closure days: rows of a mall only."""

    entity = "mall_setup"
    agency_field = None


class ServiceRequirementQuerySet(ScopedQuerySet):
    """A requirement is part of its service (the `service` row of the table)."""

    entity = "service"
    mall_field = "service__mall_id"
    agency_field = "service__agency_id"


class BundleQuerySet(ScopedQuerySet):
    entity = "bundle"
    agency_field = None


class BundleItemQuerySet(BundleQuerySet):
    mall_field = "bundle__mall_id"


class ServiceQuerySet(ScopedQuerySet):
    entity = "service"

    @classmethod
    def live_q(cls) -> models.Q:
        """Shown on the portal: an active service of an active agency in an active mall."""
        return models.Q(is_active=True, agency__is_active=True, mall__is_active=True)

    def serving(self) -> ServiceQuerySet:
        """Live, and its agency may take new work (`AgencyQuerySet.serving`): what tickets,
        appointments and dossiers can be taken for."""
        return self.live().filter(serving_partnership_q("agency_id"))


class CounterQuerySet(ScopedQuerySet):
    entity = "counter"
    agency_field = "services__agency_id"
    agency_many = True

    @classmethod
    def live_q(cls) -> models.Q:
        """In use: an active counter on an open floor of an active mall."""
        return models.Q(is_active=True, floor__status="open", mall__is_active=True)


def serving_partnership_q(agency_path: str) -> models.Q:
    """A filter (on the agency id at `agency_path`) keeping agencies whose newest partnership
    lets them serve, or that have none."""
    newest = models.Subquery(
        Partnership.objects.filter(agency_id=models.OuterRef(agency_path))
        .order_by("-created_at", "-id")
        .values("status")[:1]
    )
    return models.Q(IsNull(newest, True)) | models.Q(In(newest, SERVING_PARTNERSHIP_STATUSES))


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("walk-in")
    DRIVE_THRU = "drive_thru", _("drive-thru")
    ONLINE = "online", _("online")
    OUTREACH = "outreach", _("outreach")


class Mall(models.Model):
    """One Mal Pelayanan Publik site."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Jakarta")
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city or regency"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    operator = models.CharField(
        _("operator"), max_length=200, blank=True, help_text=_("The DPMPTSP that runs the mall.")
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = MallQuerySet.as_manager()

    class Meta:
        verbose_name = _("mall")
        verbose_name_plural = _("malls")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # The mall's own clock: the one place that turns an instant into the mall's local time and
    # service day (queue numbers, quotas, SLA days, complaint deadlines, MOU reminders).
    @property
    def zone(self) -> ZoneInfo:
        """The mall's time zone; the project's TIME_ZONE if the stored name is empty or unknown."""
        try:
            return ZoneInfo(self.timezone or settings.TIME_ZONE)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(settings.TIME_ZONE)

    def local_now(self, now: datetime | None = None) -> datetime:
        """`now` (default: this instant) in the mall's time zone."""
        return localtime(now, self.zone)

    def today(self, now: datetime | None = None) -> date:
        """The mall's local date at `now` (default: this instant)."""
        return self.local_now(now).date()


class OpeningHours(models.Model):
    """When the mall's queue is open on one weekday (Monday = 0). No row: closed that day."""

    mall = models.ForeignKey(
        Mall, verbose_name=_("mall"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    objects = MallSetupQuerySet.as_manager()

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday"]
        constraints = [
            models.UniqueConstraint(fields=["mall", "weekday"], name="opening_hours_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")), name="opening_hours_order"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class ClosureDay(models.Model):
    """A day the mall is closed beyond weekends and national holidays (local events, works)."""

    mall = models.ForeignKey(
        Mall, verbose_name=_("mall"), on_delete=models.CASCADE, related_name="closure_days"
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = MallSetupQuerySet.as_manager()

    class Meta:
        verbose_name = _("closure day")
        verbose_name_plural = _("closure days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["mall", "date"], name="closure_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class Floor(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        PLANNED = "planned", _("planned")
        CLOSED = "closed", _("closed")

    mall = models.ForeignKey(
        Mall, verbose_name=_("mall"), on_delete=models.CASCADE, related_name="floors"
    )
    number = models.SmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    opens_on = models.DateField(_("opens on"), null=True, blank=True)

    objects = MallSetupQuerySet.as_manager()

    class Meta:
        verbose_name = _("floor")
        verbose_name_plural = _("floors")
        ordering = ["mall", "number"]
        constraints = [models.UniqueConstraint(fields=["mall", "number"], name="floor_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.mall.slug})"


class Agency(models.Model):
    """An organisation serving in the mall (instansi / mitra)."""

    class Kind(models.TextChoices):
        CITY_OFFICE = "city_office", _("city office (OPD)")
        CENTRAL_GOVERNMENT = "central_government", _("central government agency")
        STATE_ENTERPRISE = "state_enterprise", _("state-owned enterprise (BUMN)")
        REGIONAL_ENTERPRISE = "regional_enterprise", _("regional enterprise (BUMD)")
        PRIVATE = "private", _("private firm")
        NON_GOVERNMENT = "non_government", _("non-government organisation")

    mall = models.ForeignKey(
        Mall, verbose_name=_("mall"), on_delete=models.CASCADE, related_name="agencies"
    )
    slug = models.SlugField(_("slug"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["mall", "name"]
        constraints = [models.UniqueConstraint(fields=["mall", "slug"], name="agency_slug_unique")]

    def __str__(self) -> str:
        return self.short_name or self.name


class Partnership(models.Model):
    """The MOU (nota kesepakatan) under which an agency serves in the mall."""

    class Status(models.TextChoices):
        INVITED = "invited", _("invited")
        DRAFTED = "drafted", _("MOU drafted")
        SIGNED = "signed", _("MOU signed")
        ACTIVE = "active", _("active")
        EXPIRED = "expired", _("expired")
        ENDED = "ended", _("ended")

    mall = models.ForeignKey(
        Mall, verbose_name=_("mall"), on_delete=models.CASCADE, related_name="partnerships"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="partnerships"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.INVITED
    )
    mou_number = models.CharField(_("MOU number"), max_length=100, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("valid from"), null=True, blank=True)
    ends_on = models.DateField(_("valid until"), null=True, blank=True)
    document = models.FileField(_("MOU document"), upload_to="mou/%Y/", blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership (MOU)")
        verbose_name_plural = _("partnerships (MOU)")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="partnership_dates_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} · {self.mou_number or self.get_status_display()}"

    def clean(self) -> None:
        if self.agency_id and self.mall_id and self.agency.mall_id != self.mall_id:
            raise ValidationError({"agency": _("The agency must belong to the chosen mall.")})
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The MOU cannot end before it starts.")})
        needs_terms = {self.Status.SIGNED, self.Status.ACTIVE, self.Status.EXPIRED}
        if self.status in needs_terms and not (self.mou_number and self.signed_on):
            raise ValidationError(
                {"mou_number": _("A signed MOU needs its number and signing date.")}
            )


class Service(models.Model):
    """A service (layanan) of one agency, with its published service standard.

    The standard's 14 components (PermenPANRB 15/2014) are structured fields: requirements are
    rows of `ServiceRequirement`; the rest are fields below. The first six are shown to the
    public; all fourteen appear in the standard document."""

    class Kind(models.TextChoices):
        LICENSING = "licensing", _("licensing")
        NON_LICENSING = "non_licensing", _("non-licensing")

    class DurationUnit(models.TextChoices):
        WORKING_DAYS = "working_days", _("working days")
        MINUTES = "minutes", _("minutes")

    mall = models.ForeignKey(
        Mall, verbose_name=_("mall"), on_delete=models.CASCADE, related_name="services"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="services"
    )
    code = models.CharField(
        _("code"),
        max_length=32,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9\-]*$", _("Use capitals, digits and '-'."))],
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    offers_walk_in = models.BooleanField(_("walk-in"), default=True)
    offers_drive_thru = models.BooleanField(_("drive-thru"), default=False)
    offers_online = models.BooleanField(_("online"), default=False)
    offers_outreach = models.BooleanField(_("outreach"), default=False)
    queue_prefix = models.CharField(
        _("queue prefix"),
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{1,3}$", _("One to three capital letters."))],
        help_text=_("Letters printed before the ticket number, e.g. A for A-012."),
    )
    quota_walk_in = models.PositiveIntegerField(_("daily quota, walk-in"), null=True, blank=True)
    quota_drive_thru = models.PositiveIntegerField(
        _("daily quota, drive-thru"), null=True, blank=True
    )
    quota_online = models.PositiveIntegerField(_("daily quota, online"), null=True, blank=True)
    quota_outreach = models.PositiveIntegerField(_("daily quota, outreach"), null=True, blank=True)
    capacity_cutoff = models.BooleanField(
        _("stop walk-in tickets when the day is full"),
        default=False,
        help_text=_(
            "The kiosk stops walk-in tickets once the tickets already issued would use the open "
            "counters' time until closing, and offers the next free appointment slot."
        ),
    )
    # Service standard: the six delivery components (besides requirements).
    procedure = models.JSONField(
        _("procedure"), default=list, blank=True, help_text=_("The steps, in order.")
    )
    duration_value = models.PositiveIntegerField(_("time to complete"), default=1)
    duration_unit = models.CharField(
        _("unit of time"),
        max_length=16,
        choices=DurationUnit.choices,
        default=DurationUnit.WORKING_DAYS,
    )
    fee = models.PositiveBigIntegerField(_("fee (rupiah)"), default=0, help_text=_("0 = free"))
    fee_note = models.CharField(_("fee note"), max_length=255, blank=True)
    fee_rule = models.CharField(
        _("fee rule"),
        max_length=200,
        blank=True,
        help_text=_(
            "When the amount depends on the case (a tax, a levy by floor area): the rule in short, "
            "shown instead of the fixed fee (which then counts only the service's own charge)."
        ),
    )
    result_key = models.SlugField(
        _("document it issues"),
        max_length=64,
        blank=True,
        help_text=_(
            "The requirement key of the document this service issues (akta-lahir): inside a "
            "bundle, its result fulfils that requirement of the bundle's later services."
        ),
    )
    keywords = models.CharField(
        _("search keywords"),
        max_length=500,
        blank=True,
        help_text=_(
            "Other words people use for this service, comma-separated (e-ktp, pajak motor)."
        ),
    )
    product = models.TextField(_("product"), blank=True)
    complaint_handling = models.TextField(_("complaint handling"), blank=True)
    # Service standard: the eight manufacturing components.
    legal_basis = models.TextField(_("legal basis"), blank=True)
    facilities = models.TextField(_("facilities"), blank=True)
    staff_competence = models.TextField(_("staff competence"), blank=True)
    internal_supervision = models.TextField(_("internal supervision"), blank=True)
    staff_count = models.PositiveIntegerField(_("number of staff"), default=1)
    service_guarantee = models.TextField(_("service guarantee"), blank=True)
    security_guarantee = models.TextField(_("security and safety guarantee"), blank=True)
    performance_evaluation = models.TextField(_("staff performance evaluation"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["mall", "code"], name="service_code_unique"),
        ]
        indexes = [models.Index(fields=["mall", "is_active"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    CHANNEL_FIELDS = {
        Channel.WALK_IN: "offers_walk_in",
        Channel.DRIVE_THRU: "offers_drive_thru",
        Channel.ONLINE: "offers_online",
        Channel.OUTREACH: "offers_outreach",
    }
    QUOTA_FIELDS = {
        Channel.WALK_IN: "quota_walk_in",
        Channel.DRIVE_THRU: "quota_drive_thru",
        Channel.ONLINE: "quota_online",
        Channel.OUTREACH: "quota_outreach",
    }

    @property
    def channels(self) -> list[str]:
        return [str(ch) for ch, field in self.CHANNEL_FIELDS.items() if getattr(self, field)]

    def offers(self, channel: str) -> bool:
        field = self.CHANNEL_FIELDS.get(channel)  # type: ignore[call-overload]
        return bool(field and getattr(self, field))

    def daily_quota(self, channel: str) -> int | None:
        field = self.QUOTA_FIELDS.get(channel)  # type: ignore[call-overload]
        return getattr(self, field) if field else None

    def clean(self) -> None:
        if self.agency_id and self.mall_id and self.agency.mall_id != self.mall_id:
            raise ValidationError({"agency": _("The agency must belong to the chosen mall.")})
        if not any(getattr(self, field) for field in self.CHANNEL_FIELDS.values()):
            raise ValidationError({"offers_walk_in": _("A service needs at least one channel.")})


class ServiceRequirement(models.Model):
    """One item of persyaratan: something to bring or to upload."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="requirements"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=255)
    document = models.BooleanField(
        _("document"), default=True, help_text=_("A document the applicant hands in or uploads.")
    )
    mandatory = models.BooleanField(_("mandatory"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    key = models.SlugField(
        _("key"),
        max_length=64,
        blank=True,
        help_text=_(
            "The same key on two services marks the same document (asked once in a bundle)."
        ),
    )
    accepted_types = models.CharField(
        _("accepted file types"),
        max_length=100,
        default="pdf,jpg,png",
        help_text=_("Comma-separated: pdf, jpg, png."),
    )
    max_size_kb = models.PositiveIntegerField(
        _("largest file (KB)"), default=2048, validators=[MinValueValidator(1)]
    )

    objects = ServiceRequirementQuerySet.as_manager()

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["service", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Counter(models.Model):
    """A service point (loket). One counter may serve services of several agencies."""

    class Mode(models.TextChoices):
        WALK_IN = "walk_in", _("walk-in")
        DRIVE_THRU = "drive_thru", _("drive-thru lane")

    mall = models.ForeignKey(
        Mall, verbose_name=_("mall"), on_delete=models.CASCADE, related_name="counters"
    )
    floor = models.ForeignKey(
        Floor, verbose_name=_("floor"), on_delete=models.PROTECT, related_name="counters"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100)
    area = models.CharField(_("area"), max_length=100, blank=True, help_text=_("Where to wait."))
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.WALK_IN)
    services = models.ManyToManyField(
        Service, verbose_name=_("services"), related_name="counters", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = CounterQuerySet.as_manager()

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["mall", "number"]
        constraints = [models.UniqueConstraint(fields=["mall", "number"], name="counter_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.floor_id and self.mall_id and self.floor.mall_id != self.mall_id:
            raise ValidationError({"floor": _("The floor must belong to the chosen mall.")})


class ServiceBundle(models.Model):
    """A paket layanan terpadu: services of several agencies applied for together."""

    mall = models.ForeignKey(
        Mall, verbose_name=_("mall"), on_delete=models.CASCADE, related_name="bundles"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = BundleQuerySet.as_manager()

    class Meta:
        verbose_name = _("service bundle")
        verbose_name_plural = _("service bundles")
        ordering = ["mall", "name"]
        constraints = [models.UniqueConstraint(fields=["mall", "code"], name="bundle_code_unique")]

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(
        ServiceBundle, verbose_name=_("bundle"), on_delete=models.CASCADE, related_name="items"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="bundle_items"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    depends_on = models.ManyToManyField(
        "self",
        verbose_name=_("starts after"),
        symmetrical=False,
        blank=True,
        related_name="dependents",
    )

    objects = BundleItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("bundle item")
        verbose_name_plural = _("bundle items")
        ordering = ["bundle", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "service"], name="bundle_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.service}"

    def clean(self) -> None:
        if self.service_id and self.bundle_id and self.service.mall_id != self.bundle.mall_id:
            raise ValidationError({"service": _("The service must belong to the bundle's mall.")})


class PartnershipEvent(AppendOnlyModel):
    """One step of a partnership's lifecycle (append-only): who, when, from, to, why."""

    partnership = models.ForeignKey(
        Partnership, verbose_name=_("partnership"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        "accounts.User",
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
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("partnership event")
        verbose_name_plural = _("partnership events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.partnership_id} {self.from_status}->{self.to_status}"


class PartnershipReminder(models.Model):
    """A reminder that an MOU expires soon. The unique constraint makes each reminder go out once
    per threshold (60 or 30 days) and per end date: a renewed MOU with a new end date is
    reminded again, a daily run is not."""

    partnership = models.ForeignKey(
        Partnership,
        verbose_name=_("partnership"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    days_before = models.PositiveSmallIntegerField(_("days before the end"))
    ends_on = models.DateField(_("MOU end date"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)

    class Meta:
        verbose_name = _("MOU reminder")
        verbose_name_plural = _("MOU reminders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "days_before", "ends_on"], name="partnership_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partnership_id} -{self.days_before}d"
