""" "Almost your turn" and "you are called": queue messages to people who are not standing by
the display board (remote tickets, and walk-ins who left a phone number at the kiosk).

The check runs outside the queue's hot path, in the task worker or the scheduler
(`queue_nudges_send`, every few seconds): the hot statements keep their counts and nothing is
added to a counter's call. Each message is one `QueueNudge` row, unique per ticket and kind,
written in the same transaction that hands the message over for sending after commit, so a
message goes out once however often or concurrently the check runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from satupintu.catalog.models import Mall
from satupintu.citizens.messaging import send_on_commit
from satupintu.citizens.models import CitizenProfile, QueueNudge, RemoteQueueConfig, RemoteTicket
from satupintu.queueing.models import Ticket
from satupintu.queueing.selectors import people_ahead

# A call older than this is not announced any more (a check that was down for a while).
CALLED_FRESH = timedelta(minutes=10)


def _recipients(ticket: Ticket) -> tuple[str, str]:
    """(e-mail, phone) to tell: the ticket's phone, and the remote holder's e-mail."""
    email = ""
    phone = ticket.phone
    remote = RemoteTicket.objects.filter(ticket=ticket).select_related("citizen").first()
    if remote is not None:
        profile = CitizenProfile.objects.filter(user_id=remote.citizen_id).first()
        if profile is not None:
            email = profile.email
            phone = phone or profile.phone
    return email, phone


def _send_once(ticket: Ticket, kind: str, body: str, *, ahead: int | None = None) -> bool:
    email, phone = _recipients(ticket)
    if not (email or phone):
        return False
    try:
        with transaction.atomic():
            QueueNudge.objects.create(ticket=ticket, kind=kind, people_ahead=ahead)
            send_on_commit(
                email=email,
                phone=phone,
                subject=_("Queue number %(number)s") % {"number": ticket.number},
                body=body,
                reference=ticket.number,
                mall_name=ticket.mall.name,
            )
    except IntegrityError:
        return False  # already sent by an earlier or concurrent check
    return True


def _reachable(prefix: str = "") -> Q:
    return ~Q(**{f"{prefix}phone": ""}) | Q(**{f"{prefix}remote__isnull": False})


def queue_nudges_send(*, now: datetime | None = None) -> int:
    """Send the due queue messages of today in every active mall; how many were sent."""
    now = now or timezone.now()
    sent = 0
    thresholds = dict(
        RemoteQueueConfig.objects.filter(is_active=True).values_list("service_id", "notify_ahead")
    )
    for mall in Mall.objects.filter(is_active=True):
        today = mall.today(now)
        near_done = QueueNudge.objects.filter(ticket=OuterRef("pk"), kind=QueueNudge.Kind.NEAR)
        waiting = (
            Ticket.objects.filter(mall=mall, service_date=today, status=Ticket.Status.WAITING)
            .filter(_reachable())
            .exclude(
                remote__outcome__in=[RemoteTicket.Outcome.NO_SHOW, RemoteTicket.Outcome.GIVEN_UP]
            )
            .alias(done=Exists(near_done))
            .filter(done=False)
            .select_related("mall", "current_service")
        )
        for ticket in waiting:
            limit = thresholds.get(ticket.current_service_id, settings.CITIZEN_NOTIFY_AHEAD)
            ahead = people_ahead(ticket, now)
            if ahead > limit:
                continue
            body = _(
                "Almost your turn: %(ahead)d people are ahead of number %(number)s (%(service)s). "
                "Please come to the waiting area."
            ) % {"ahead": ahead, "number": ticket.number, "service": ticket.current_service.name}
            sent += _send_once(ticket, QueueNudge.Kind.NEAR, body, ahead=ahead)
        called_done = QueueNudge.objects.filter(ticket=OuterRef("pk"), kind=QueueNudge.Kind.CALLED)
        called = (
            Ticket.objects.filter(
                mall=mall,
                service_date=today,
                status=Ticket.Status.CALLED,
                last_called_at__gte=now - CALLED_FRESH,
            )
            .filter(_reachable())
            .alias(done=Exists(called_done))
            .filter(done=False)
            .select_related("mall", "counter")
        )
        for ticket in called:
            counter: Any = ticket.counter
            body = _("Number %(number)s is called: please go to %(counter)s now.") % {
                "number": ticket.number,
                "counter": counter.name if counter else _("the counter"),
            }
            sent += _send_once(ticket, QueueNudge.Kind.CALLED, body)
    return sent
