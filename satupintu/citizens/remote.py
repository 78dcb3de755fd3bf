"""The queue from home: today's ticket taken remotely by a signed-in citizen.

A remote ticket is an ordinary numbered walk-in ticket of the queue (so it holds its place, and
the service's daily walk-in quota counts it) with a `RemoteTicket` beside it: the account, the
time by which the holder must check in at the kiosk or the counter (by the QR code's check-in
code), and what became of it. One per person, service and day (a unique constraint). Not
checked in by `arrive_by`: the sweep (`remote_tickets_expire`) gives the place up as a no-show.
The queue's hot path is untouched: the ticket is issued by `queueing.services.ticket_issue`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import segno
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.accounts.models import Role
from satupintu.accounts.selectors import has_role
from satupintu.catalog.models import Service
from satupintu.citizens.models import CitizenProfile, RemoteQueueConfig, RemoteTicket
from satupintu.citizens.services import profile_of
from satupintu.core.codes import CodeFormat, unique_code
from satupintu.core.errors import Conflict, InvalidInput, NotFound
from satupintu.queueing import services as queue_services
from satupintu.queueing.models import Ticket, TicketChannel
from satupintu.queueing.selectors import ticket_as_dict, ticket_token

CHECKIN_CODE = CodeFormat(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", length=8, prefix="R")
CHECKIN_ROLES = [Role.KIOSK, Role.COUNTER_OFFICER, Role.SUPERVISOR, Role.MALL_ADMIN]


def remote_config(service: Service) -> RemoteQueueConfig | None:
    return RemoteQueueConfig.objects.filter(service=service, is_active=True).first()


def remote_services() -> list[Service]:
    """Services whose today's ticket may be taken from home."""
    return list(
        Service.objects.filter(
            remote_queue__is_active=True, is_active=True, offers_walk_in=True
        ).select_related("mall", "agency")
    )


@transaction.atomic
def remote_ticket_take(*, user: Any, service: Service, name: str | None = None) -> RemoteTicket:
    """Take today's ticket of `service` from home. 409 when the service does not allow it, the
    person already has one today, the mall is closed or the daily quota is used up."""
    profile: CitizenProfile = profile_of(user)
    config = remote_config(service)
    if config is None or not service.is_active:
        raise Conflict(
            _("This service does not offer tickets from home."), field="channel", code="channel"
        )
    mall = service.mall
    today = mall.today()
    if RemoteTicket.objects.filter(citizen=user, service=service, service_date=today).exists():
        raise Conflict(
            _("You already took a ticket from home for this service today."),
            field="service_id",
            code="already_taken",
        )
    ticket = queue_services.ticket_issue(
        service=service,
        channel=TicketChannel.WALK_IN,
        name=(name or user.full_name or "")[:150],
        phone=profile.phone,
        actor=user,
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            remote = RemoteTicket.objects.create(
                citizen=user,
                ticket=ticket,
                service=service,
                service_date=ticket.service_date,
                arrive_by=now + timedelta(minutes=config.arrival_minutes),
                checkin_code=unique_code(
                    CHECKIN_CODE,
                    taken=lambda c: RemoteTicket.objects.filter(checkin_code=c).exists(),
                ),
            )
    except IntegrityError as exc:
        # The same person at the same moment on a second device: the ticket rolls back too.
        raise Conflict(
            _("You already took a ticket from home for this service today."),
            field="service_id",
            code="already_taken",
        ) from exc
    return remote


def remote_ticket_dict(remote: RemoteTicket) -> dict[str, Any]:
    ticket = remote.ticket
    data = ticket_as_dict(ticket, include_personal=False)
    mall = ticket.mall
    data["priority"] = None
    data["arrive_by"] = timezone.localtime(remote.arrive_by, mall.zone).isoformat()
    data["checkin_code"] = remote.checkin_code
    data["token"] = ticket_token(ticket)  # the holder's: GET /tickets/{id}?token=
    data["remote"] = {
        "id": remote.pk,
        "checkin_code": remote.checkin_code,
        "checked_in": remote.checked_in_at is not None,
        "outcome": remote.outcome or None,
    }
    return data


def issue_for_api(*, request: HttpRequest, service: Service, name: str | None) -> dict[str, Any]:
    """`POST /tickets` with `"channel": "remote"`: a signed-in citizen only (409 otherwise, as
    for any channel the caller cannot use)."""
    user = getattr(request, "user", None)
    if (
        not getattr(user, "is_authenticated", False)
        or not CitizenProfile.objects.filter(user=user).exists()
    ):
        raise Conflict(
            _("A ticket from home needs a signed-in citizen account."),
            field="channel",
            code="sign_in_required",
        )
    remote = remote_ticket_take(user=user, service=service, name=name)
    return remote_ticket_dict(remote)


def remote_ticket_of(*, user: Any, remote_id: int) -> RemoteTicket:
    remote = (
        RemoteTicket.objects.select_related("ticket", "ticket__mall", "service")
        .filter(pk=remote_id, citizen=user)
        .first()
    )
    if remote is None:
        raise NotFound(f"No remote ticket with id {remote_id}")
    return remote


def remote_ticket_of_ticket(*, user: Any, ticket_id: int) -> RemoteTicket:
    remote = RemoteTicket.objects.filter(ticket_id=ticket_id, citizen=user).first()
    if remote is None:
        raise NotFound(f"No remote ticket with id {ticket_id}")
    return remote


@transaction.atomic
def remote_ticket_give_up(*, user: Any, remote_id: int) -> RemoteTicket:
    """Give the place up from the phone (while still waiting)."""
    remote = remote_ticket_of(user=user, remote_id=remote_id)
    remote = RemoteTicket.objects.select_for_update().select_related("ticket").get(pk=remote.pk)
    if remote.ticket.status != Ticket.Status.WAITING:
        raise Conflict(
            _("Ticket %(number)s is no longer waiting.") % {"number": remote.ticket.number},
            code="invalid_transition",
        )
    queue_services.ticket_cancel(ticket=remote.ticket, actor=user, note="given up from home")
    remote.outcome = RemoteTicket.Outcome.GIVEN_UP
    remote.save(update_fields=["outcome"])
    return remote


@transaction.atomic
def remote_ticket_check_in(*, actor: Any, code: str) -> RemoteTicket:
    """The holder arrived: the kiosk scans the QR code, or the counter types the code. Only
    devices and staff of the ticket's mall (404 otherwise); 409 once the window has passed or the
    place was given up. Checking in twice answers the same."""
    raw = "".join((code or "").split()).upper()
    if not raw or len(raw) > 12:
        raise InvalidInput(_("Enter the check-in code."), field="code", code="required")
    remote = (
        RemoteTicket.objects.select_for_update()
        .select_related("ticket", "ticket__mall")
        .filter(checkin_code=raw)
        .first()
    )
    if remote is None or not has_role(actor, mall_id=remote.ticket.mall_id, roles=CHECKIN_ROLES):
        raise NotFound(_("No ticket from home has this code."), field="code")
    if remote.checked_in_at is not None:
        return remote
    now = timezone.now()
    if remote.outcome or remote.ticket.status != Ticket.Status.WAITING or now > remote.arrive_by:
        raise Conflict(
            _(
                "Ticket %(number)s can no longer be checked in (the arrival time has passed or "
                "the place was given up)."
            )
            % {"number": remote.ticket.number},
            code="checkin_closed",
        )
    remote.checked_in_at = now
    remote.outcome = RemoteTicket.Outcome.CHECKED_IN
    remote.save(update_fields=["checked_in_at", "outcome"])
    return remote


def remote_tickets_expire(*, now: datetime | None = None) -> int:
    """Remote tickets not checked in by `arrive_by` lose their place (no-show)."""
    now = now or timezone.now()
    expired = 0
    late = RemoteTicket.objects.filter(
        outcome="", checked_in_at__isnull=True, arrive_by__lt=now
    ).values_list("pk", flat=True)
    for remote_id in list(late):
        with transaction.atomic():
            remote = (
                RemoteTicket.objects.select_for_update()
                .select_related("ticket")
                .filter(pk=remote_id, outcome="")
                .first()
            )
            if remote is None:
                continue
            if remote.ticket.status == Ticket.Status.WAITING:
                queue_services.ticket_cancel(
                    ticket=remote.ticket, actor=None, note="remote ticket: not checked in in time"
                )
            remote.outcome = RemoteTicket.Outcome.NO_SHOW
            remote.save(update_fields=["outcome"])
            expired += 1
    return expired


def checkin_qr_svg(remote: RemoteTicket) -> str:
    """The check-in code as an inline SVG QR code (shown on the phone, scanned at the kiosk)."""
    return segno.make(remote.checkin_code, error="m").svg_inline(scale=5)
