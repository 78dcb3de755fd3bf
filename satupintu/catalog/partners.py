"""Partner agencies and their MOUs (nota kesepakatan): the onboarding lifecycle, the MOU
document, reminders before an MOU expires, and the partners overview of a mall.

Lifecycle: invited -> drafted -> signed -> active -> expired | ended. Each change is an
append-only PartnershipEvent row and an audit entry, in the same transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from satupintu.accounts.models import Membership, Role
from satupintu.accounts.roles import roles_with, scope_for
from satupintu.catalog.models import (
    Agency,
    Counter,
    Mall,
    Partnership,
    PartnershipEvent,
    PartnershipReminder,
    Service,
)
from satupintu.core.audit import audit_record
from satupintu.core.errors import Conflict, InvalidInput, NotFound
from satupintu.core.models import OutboxMessage
from satupintu.core.notify import mask_email, send_email_message
from satupintu.core.outbox import Channel, outbox_enqueue, outbox_register_channel

logger = logging.getLogger(__name__)

P = Partnership.Status

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    P.INVITED: {P.DRAFTED, P.ENDED},
    P.DRAFTED: {P.SIGNED, P.ENDED},
    P.SIGNED: {P.ACTIVE, P.ENDED},
    P.ACTIVE: {P.EXPIRED, P.ENDED},
    P.EXPIRED: {P.ACTIVE, P.ENDED},  # renewal: a new MOU period
    P.ENDED: set(),
}
REMINDER_DAYS = (60, 30)
EXPIRING_SOON_DAYS = 60
PARTNER_PAGE_ROLES = roles_with("partnership", "view")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


# --- access -----------------------------------------------------------------------------------


def access_partners_mall(*, user: Any, mall: Mall) -> Mall:
    """The mall when `user` may see its partners page (admin, supervisor, viewer)."""
    if not scope_for(user, "partnership", "view").covers(mall_id=mall.pk):
        raise NotFound()
    return mall


def access_partnership(*, user: Any, partnership_id: int, action: str = "view") -> Partnership:
    """The partnership when `user` may see it (or, with action "change", manage it); "not
    found" otherwise."""
    found = (
        Partnership.objects.visible_to(user, action)
        .select_related("agency", "mall")
        .filter(pk=partnership_id)
        .first()
    )
    if found is None:
        raise NotFound(f"No partnership with id {partnership_id}")
    return found


def access_partnership_for_admin(*, user: Any, partnership_id: int) -> Partnership:
    """The partnership when `user` is admin of its mall; "not found" otherwise."""
    return access_partnership(user=user, partnership_id=partnership_id, action="change")


def partnership_in_mall(*, mall: Mall, partnership_id: int | None) -> Partnership | None:
    """A partnership of `mall` (for pages that checked access to the mall already)."""
    if partnership_id is None:
        return None
    return Partnership.objects.select_related("agency").filter(pk=partnership_id, mall=mall).first()


def agency_for_invitation(*, user: Any, agency_id: int | None, mall: Mall | None = None) -> Agency:
    """An agency `user` may invite to a partnership (admin of its mall); "not found" otherwise."""
    agency = (
        Agency.objects.select_related("mall").filter(pk=agency_id).first() if agency_id else None
    )
    if (
        agency is None
        or (mall is not None and agency.mall_id != mall.pk)
        or not can_manage_partners(user, agency.mall)
    ):
        raise NotFound(f"No agency with id {agency_id}", field="agency_id")
    return agency


def can_manage_partners(user: Any, mall: Mall) -> bool:
    return scope_for(user, "partnership", "change").covers(mall_id=mall.pk)


# --- reads ------------------------------------------------------------------------------------


@dataclass
class PartnerRow:
    agency: Agency
    partnership: Partnership | None
    counters: int
    live_services: int
    days_left: int | None

    @property
    def expiring_soon(self) -> bool:
        return (
            self.partnership is not None
            and self.partnership.status == P.ACTIVE
            and self.days_left is not None
            and 0 <= self.days_left <= EXPIRING_SOON_DAYS
        )

    @property
    def allowed_choices(self) -> list[tuple[str, str]]:
        """The statuses this partnership may move to now, with their labels, for the form."""
        if self.partnership is None:
            return []
        allowed = ALLOWED_TRANSITIONS[self.partnership.status]
        return [(value, str(label)) for value, label in P.choices if value in allowed]

    @property
    def joined(self) -> bool:
        return self.partnership is not None and self.partnership.status == P.ACTIVE


def partnership_list(*, mall: Mall) -> QuerySet[Partnership]:
    return (
        Partnership.objects.filter(mall=mall)
        .select_related("agency")
        .prefetch_related(
            Prefetch("events", queryset=PartnershipEvent.objects.select_related("actor"))
        )
        .order_by("agency__name", "-created_at", "-id")
    )


def partners_overview(*, mall: Mall, today: date | None = None) -> dict[str, Any]:
    """One row per agency of the mall, with its newest partnership, its counters and its live
    services, and the totals a city reports ("24 instansi dan N layanan bergabung")."""
    today = today or mall.today()
    agencies = (
        Agency.objects.filter(mall=mall, is_active=True)
        .annotate(
            live_services=Count("services", filter=Q(services__is_active=True), distinct=True),
            counter_count=Count(
                "services__counters",
                filter=Q(services__counters__is_active=True, services__is_active=True),
                distinct=True,
            ),
        )
        .prefetch_related(
            Prefetch(
                "partnerships",
                queryset=Partnership.objects.order_by("-created_at", "-id"),
                to_attr="partnerships_newest_first",
            )
        )
        .order_by("name")
    )
    rows: list[PartnerRow] = []
    for agency in agencies:
        newest = agency.partnerships_newest_first[0] if agency.partnerships_newest_first else None
        days_left = (newest.ends_on - today).days if newest and newest.ends_on else None
        rows.append(
            PartnerRow(
                agency=agency,
                partnership=newest,
                counters=agency.counter_count,
                live_services=agency.live_services,
                days_left=days_left,
            )
        )
    joined = [r for r in rows if r.joined]
    by_status: dict[str, int] = {}
    for row in rows:
        key = row.partnership.status if row.partnership else "none"
        by_status[key] = by_status.get(key, 0) + 1
    return {
        "rows": rows,
        "agencies_joined": len(joined),
        "services_joined": sum(r.live_services for r in joined),
        "agencies_total": len(rows),
        "counters_total": Counter.objects.filter(mall=mall, is_active=True).count(),
        "expiring_soon": sum(1 for r in rows if r.expiring_soon),
        "by_status": by_status,
    }


# --- changes ----------------------------------------------------------------------------------


def _record(
    *,
    partnership: Partnership,
    actor: Any,
    action: str,
    from_status: str,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> PartnershipEvent:
    is_person = getattr(actor, "is_authenticated", False)
    audit_record(
        actor=actor,
        action="update" if from_status else "create",
        obj=partnership,
        summary=f"partnership {partnership.agency}: {action} {from_status or '-'} -> "
        f"{partnership.status}",
        changes=changes or {},
    )
    return PartnershipEvent.objects.create(
        partnership=partnership,
        actor=actor if is_person else None,
        action=action,
        from_status=from_status,
        to_status=partnership.status,
        note=note,
        changes=changes or {},
    )


@transaction.atomic
def partnership_invite(*, actor: Any, agency: Agency, note: str = "") -> Partnership:
    """Start the onboarding of an agency: a partnership in the state "invited"."""
    if Partnership.objects.filter(agency=agency).exclude(status__in=[P.ENDED]).exists():
        raise Conflict(f"{agency} already has a partnership in progress", field="agency_id")
    partnership = Partnership.objects.create(mall=agency.mall, agency=agency, notes=note)
    _record(partnership=partnership, actor=actor, action="invite", from_status="", note=note)
    return partnership


@dataclass(frozen=True)
class TransitionTerms:
    mou_number: str | None = None
    signed_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@transaction.atomic
def partnership_transition(
    *,
    actor: Any,
    partnership: Partnership,
    to_status: str,
    terms: TransitionTerms | None = None,
    note: str = "",
    today: date | None = None,
) -> Partnership:
    """Move a partnership to `to_status` if the lifecycle allows it (409 otherwise). Signing
    needs the MOU number and the signing date; activating needs the start and end dates."""
    terms = terms or TransitionTerms()
    if to_status not in P.values:
        raise InvalidInput(
            f"Unknown status '{to_status}'; use one of {', '.join(P.values)}", field="to_status"
        )
    if "\x00" in note or len(note) > 2000:
        raise InvalidInput("Note is too long or has characters not allowed", field="note")
    locked = Partnership.objects.select_for_update().select_related("agency").get(pk=partnership.pk)
    from_status = locked.status
    if to_status not in ALLOWED_TRANSITIONS[from_status]:
        raise Conflict(
            f"A partnership that is {from_status} cannot become {to_status}", field="to_status"
        )
    today = today or locked.mall.today()
    before = {
        "mou_number": locked.mou_number,
        "signed_on": locked.signed_on,
        "starts_on": locked.starts_on,
        "ends_on": locked.ends_on,
    }
    if terms.mou_number is not None:
        mou_number = terms.mou_number.strip()
        if len(mou_number) > 100 or "\x00" in mou_number:
            raise InvalidInput("MOU number is too long", field="mou_number")
        locked.mou_number = mou_number
    for name in ("signed_on", "starts_on", "ends_on"):
        value = getattr(terms, name)
        if value is not None:
            setattr(locked, name, value)

    if to_status == P.SIGNED:
        if not locked.mou_number:
            raise InvalidInput("A signed MOU needs its number", field="mou_number")
        if locked.signed_on is None:
            raise InvalidInput("A signed MOU needs its signing date", field="signed_on")
        if locked.signed_on > today:
            raise InvalidInput("The signing date cannot be in the future", field="signed_on")
    if to_status == P.ACTIVE:
        if from_status == P.EXPIRED and (
            terms.ends_on is None or terms.mou_number is None or terms.signed_on is None
        ):
            raise InvalidInput(
                "A renewal needs the new MOU number, signing date and end date", field="ends_on"
            )
        if locked.starts_on is None:
            raise InvalidInput("An active MOU needs its start date", field="starts_on")
        if locked.ends_on is None:
            raise InvalidInput("An active MOU needs its end date", field="ends_on")
        if locked.ends_on < locked.starts_on:
            raise InvalidInput("The MOU cannot end before it starts", field="ends_on")
        if locked.ends_on < today:
            raise InvalidInput("The MOU has already ended: renew it first", field="ends_on")
    if to_status == P.EXPIRED and (locked.ends_on is None or locked.ends_on >= today):
        raise Conflict("The MOU has not reached its end date yet", field="to_status")

    locked.status = to_status
    locked.save()
    changes = {
        name: [str(old) if old is not None else None, str(getattr(locked, name) or "") or None]
        for name, old in before.items()
        if getattr(locked, name) != old
    }
    changes["status"] = [from_status, to_status]
    _record(
        partnership=locked,
        actor=actor,
        action=to_status,
        from_status=from_status,
        note=note,
        changes=changes,
    )
    return locked


def _check_pdf(upload: UploadedFile) -> bytes:
    """The file's bytes if it really is a PDF (by its content, not its name)."""
    if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
        raise InvalidInput(
            f"The MOU document is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB",
            field="file",
        )
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidInput("The MOU document is too large", field="file")
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise InvalidInput("The MOU document must be a PDF file", field="file", code="not_pdf")
    from io import BytesIO

    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        pages = int(reader.root["/Pages"]["/Count"])
    except (PdfError, KeyError, ValueError, TypeError, IndexError) as exc:
        raise InvalidInput(
            "The MOU document is not a readable PDF", field="file", code="not_pdf"
        ) from exc
    if pages < 1:
        raise InvalidInput("The MOU document has no pages", field="file", code="not_pdf")
    return data


@transaction.atomic
def partnership_document_upload(
    *, actor: Any, partnership: Partnership, upload: UploadedFile
) -> Partnership:
    data = _check_pdf(upload)
    from django.core.files.base import ContentFile

    locked = Partnership.objects.select_for_update().select_related("agency").get(pk=partnership.pk)
    if locked.status == P.ENDED:
        raise Conflict("The partnership has ended", field="status")
    old_name = locked.document.name
    locked.document.save(f"mou-{locked.agency.slug}-{locked.pk}.pdf", ContentFile(data), save=True)
    _record(
        partnership=locked,
        actor=actor,
        action="document",
        from_status=locked.status,
        note="MOU document uploaded",
        changes={"document": [old_name or None, locked.document.name]},
    )
    return locked


# --- reminders and expiry (run daily) ---------------------------------------------------------


def mall_admin_emails(mall_id: int) -> list[str]:
    return sorted(
        set(
            Membership.objects.filter(mall_id=mall_id, role=Role.MALL_ADMIN, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


@dataclass
class ReminderRun:
    reminders: list[int]
    expired: list[int]


def _reminder_threshold(days_left: int) -> int | None:
    """The tightest threshold reached: 30 when 30 or fewer days are left, else 60 when 60 or
    fewer, else none."""
    reached = [d for d in REMINDER_DAYS if days_left <= d]
    return min(reached) if reached else None


def partnership_reminders_run(*, today: date | None = None) -> ReminderRun:
    """Expire MOUs past their end date, and create the 60- and 30-day reminders that are due.

    Each reminder row is unique per (partnership, threshold, end date), so however often this
    runs, and however many workers run it at once, a reminder is created, and its e-mail sent,
    once: the e-mail is an outbox message written with the reminder (`MOU_REMINDER_CHANNEL`),
    sent after the commit and retried by the outbox until it goes through."""
    run = ReminderRun(reminders=[], expired=[])
    candidates = Partnership.objects.filter(status=P.ACTIVE, ends_on__isnull=False).select_related(
        "mall", "agency"
    )
    for partnership in candidates:
        day = today or partnership.mall.today()
        assert partnership.ends_on is not None
        days_left = (partnership.ends_on - day).days
        if days_left < 0:
            if _expire(partnership, today=day):
                run.expired.append(partnership.pk)
            continue
        threshold = _reminder_threshold(days_left)
        if threshold is None:
            continue
        reminder = _reminder_create(partnership, threshold)
        if reminder is not None:
            run.reminders.append(reminder.pk)
    return run


@transaction.atomic
def _reminder_create(partnership: Partnership, threshold: int) -> PartnershipReminder | None:
    # A reminder for a threshold that was passed without one (the MOU was activated with 20 days
    # left) is covered by the tighter one: only the tightest threshold reached is sent.
    assert partnership.ends_on is not None
    try:
        with transaction.atomic():
            reminder = PartnershipReminder.objects.create(
                partnership=partnership, days_before=threshold, ends_on=partnership.ends_on
            )
    except IntegrityError:
        return None
    _reminder_enqueue(reminder)
    return reminder


@transaction.atomic
def _expire(partnership: Partnership, *, today: date) -> bool:
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if locked.status != P.ACTIVE or locked.ends_on is None or locked.ends_on >= today:
        return False
    locked.status = P.EXPIRED
    locked.save(update_fields=["status", "updated_at"])
    _record(
        partnership=locked,
        actor=None,
        action=P.EXPIRED,
        from_status=P.ACTIVE,
        note=f"MOU ended on {locked.ends_on.isoformat()}",
        changes={"status": [P.ACTIVE, P.EXPIRED]},
    )
    return True


MOU_REMINDER_CHANNEL = "catalog.mou_reminder"


def _reminder_enqueue(reminder: PartnershipReminder) -> None:
    """Write the reminder's e-mail to the mall admins into the outbox, in the transaction that
    creates the reminder; `sent_at` is set when the outbox has sent it."""
    partnership = reminder.partnership
    recipients = mall_admin_emails(partnership.mall_id)
    reminder.recipients = recipients
    if not recipients:
        logger.warning("MOU reminder %s: the mall has no admin with an e-mail", reminder.pk)
        reminder.sent_at = timezone.now()  # nobody to tell: nothing stays waiting
        reminder.save(update_fields=["recipients", "sent_at"])
        return
    reminder.save(update_fields=["recipients"])
    days_left = (reminder.ends_on - partnership.mall.today()).days
    subject = (
        f"[Satu Pintu] MOU {partnership.agency} berakhir {reminder.ends_on:%d-%m-%Y} "
        f"({reminder.days_before} hari)"
    )
    body = (
        f"Nota kesepakatan (MOU) {partnership.mou_number or '-'} dengan "
        f"{partnership.agency.name} di {partnership.mall.name} berakhir pada "
        f"{reminder.ends_on:%d-%m-%Y}, {days_left} hari lagi.\n\n"
        "Mohon siapkan perpanjangan MOU agar layanan instansi ini tetap berjalan.\n"
        f"Halaman mitra: /m/{partnership.mall.slug}/mitra/\n"
    )
    outbox_enqueue(
        channel=MOU_REMINDER_CHANNEL,
        payload={"to": recipients, "subject": subject, "text": body},
        dedupe_key=f"mou-reminder:{reminder.pk}",
        reference=partnership.mou_number[:64] if partnership.mou_number else "",
        recipient_masked=", ".join(mask_email(address) for address in recipients),
        subject=subject,
    )


def _reminder_sent(message: OutboxMessage, answer: dict[str, Any]) -> None:
    reminder_id = int(message.dedupe_key.rpartition(":")[2])
    PartnershipReminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )


outbox_register_channel(
    Channel(MOU_REMINDER_CHANNEL, send_email_message, on_sent=_reminder_sent, label="e-mail")
)


def partnership_events(partnership: Partnership) -> QuerySet[PartnershipEvent]:
    return partnership.events.select_related("actor").order_by("at", "id")


def expiring_within(*, mall: Mall, days: int, today: date | None = None) -> QuerySet[Partnership]:
    today = today or mall.today()
    return Partnership.objects.filter(
        mall=mall, status=P.ACTIVE, ends_on__gte=today, ends_on__lte=today + timedelta(days=days)
    )


def live_services_count(agency: Agency) -> int:
    return Service.objects.filter(agency=agency, is_active=True).count()
