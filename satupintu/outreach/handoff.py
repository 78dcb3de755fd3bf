"""Hand-offs from a home visit to the other apps: a service delivered on the spot becomes a
ticket (`queueing.services.ticket_issue`) or a dossier (`dossiers.services.dossier_create`) with
the channel "outreach", and the applicant is told about the visit through
`core.notify.notify_applicant_on_commit`.

When the other app refuses the hand-off (the mall's queue is closed at the hour of the visit, a
dossier needs a valid NIK the person did not give), the visit keeps the delivered service with
the reason: the service was delivered at home whatever the mall's queue says."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from satupintu.catalog.models import Channel, Service
from satupintu.core.errors import DomainError, InvalidInput
from satupintu.core.notify import notify_applicant_on_commit
from satupintu.dossiers.services import dossier_create
from satupintu.outreach.models import OutreachRequest
from satupintu.queueing.services import ticket_issue


@dataclass(frozen=True)
class HandoffResult:
    ticket_id: int | None = None
    dossier_id: int | None = None
    reference: str = ""
    # Why no ticket or dossier was made (the other app refused it).
    skipped_reason: str = ""


def _is_back_office_service(service: Service) -> bool:
    """A service whose result takes working days goes through a dossier; a service finished in
    minutes is a ticket served on the spot."""
    return service.duration_unit == Service.DurationUnit.WORKING_DAYS


class FormIncomplete(InvalidInput):
    """The service's application form, filled at the visit, is missing or wrong in a field:
    the officer completes it, and until then the visit's outcome is not recorded."""


def record_on_the_spot(
    *,
    actor: Any,
    outreach_request: OutreachRequest,
    service: Service,
    form: Mapping[str, Any] | None = None,
) -> HandoffResult:
    """A ticket or a dossier for a service delivered on the spot. When the other app refuses
    (a closed mall for a ticket, a quota), the visit keeps the service with the reason: the
    service was delivered at home whatever the mall's queue says. A dossier whose application
    form (`form`, the service's fields) is incomplete is not skipped: `FormIncomplete` names the
    field, so that the officer fills it in and the outcome stays open meanwhile."""
    try:
        with transaction.atomic():
            return _hand_off(
                actor=actor, outreach_request=outreach_request, service=service, form=form or {}
            )
    except DomainError as exc:
        path = (exc.field or "").split(".")
        if "form" in path and path.index("form") + 1 < len(path):
            raise FormIncomplete(exc.message, field=path[path.index("form") + 1]) from exc
        return HandoffResult(skipped_reason=exc.message[:200])


def _hand_off(
    *, actor: Any, outreach_request: OutreachRequest, service: Service, form: Mapping[str, Any]
) -> HandoffResult:
    if _is_back_office_service(service):
        dossier = dossier_create(
            actor=actor,
            channel=Channel.OUTREACH,
            service_id=service.pk,
            applicant={
                "nik": outreach_request.nik,
                "name": outreach_request.person_name,
                "phone": outreach_request.phone,
                "email": "",
            },
            form=dict(form),
        )
        return HandoffResult(dossier_id=dossier.pk, reference=dossier.tracking_code)
    ticket = ticket_issue(
        actor=actor,
        service=service,
        channel=Channel.OUTREACH,
        priority=_ticket_priority(outreach_request),
        name=outreach_request.person_name,
        phone=outreach_request.phone,
    )
    return HandoffResult(ticket_id=ticket.pk, reference=ticket.number)


def _ticket_priority(outreach_request: OutreachRequest) -> str | None:
    reason = outreach_request.reason
    return reason if reason in {"disabled", "elderly"} else None


def notify_applicant(*, outreach_request: OutreachRequest, subject: str, message: str) -> None:
    """Tell the person (by WhatsApp/SMS to the phone given) once the transaction commits."""
    notify_applicant_on_commit(
        email=None,
        phone=outreach_request.phone,
        subject=subject,
        body=message,
        context={
            "reference": outreach_request.reference,
            "applicant_name": outreach_request.person_name,
            "mall_name": outreach_request.mall.name,
            "status": outreach_request.status,
            "language": "id",
        },
    )
