"""The SP4N-LAPOR! calls, as channels of the one outbox (`core/outbox.py`).

- `lapor.forward`: one of our complaints, POSTed to `LAPOR_BASE_URL/complaints`; LAPOR answers
  with its reference, which is stored on the complaint in the transaction that records the
  message as sent.
- `lapor.answer`: our answer to a complaint LAPOR knows (one it sent us, or one we forwarded),
  POSTed to `LAPOR_BASE_URL/complaints/<reference>/responses`. An answer to a complaint whose
  forward has not gone through yet waits (it is retried) until the reference is known.

Each message's `reference` is the complaint's tracking code; its dedupe key names the complaint
(and, for answers, the answer's event), so a complaint is forwarded once and each answer sent
once. Every failed attempt is written in the complaint's history."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from satupintu.core.models import OutboxMessage
from satupintu.core.outbox import (
    Channel,
    PermanentError,
    outbox_enqueue,
    outbox_register_channel,
)
from satupintu.feedback import lapor
from satupintu.feedback.models import Complaint, ComplaintEvent

FORWARD = "lapor.forward"
ANSWER = "lapor.answer"
CHANNELS = (FORWARD, ANSWER)


def forward_key(complaint: Complaint) -> str:
    return f"lapor:forward:{complaint.pk}"


def lapor_forward_enqueue(complaint: Complaint, payload: dict[str, Any]) -> OutboxMessage:
    return outbox_enqueue(
        channel=FORWARD,
        payload=payload,
        dedupe_key=forward_key(complaint),
        reference=complaint.code,
        recipient_masked="SP4N-LAPOR!",
        subject=_("Forward complaint %(code)s") % {"code": complaint.code},
    )


def lapor_answer_enqueue(
    complaint: Complaint, event: ComplaintEvent, payload: dict[str, Any]
) -> OutboxMessage:
    return outbox_enqueue(
        channel=ANSWER,
        payload=payload,
        dedupe_key=f"lapor:answer:{complaint.pk}:{event.pk}",
        reference=complaint.code,
        recipient_masked="SP4N-LAPOR!",
        subject=_("Answer to complaint %(code)s") % {"code": complaint.code},
    )


def complaint_deliveries(complaint: Complaint) -> list[OutboxMessage]:
    """The SP4N-LAPOR! messages about one complaint, oldest first."""
    return list(
        OutboxMessage.objects.filter(channel__in=CHANNELS, reference=complaint.code).order_by(
            "created_at", "id"
        )
    )


def _complaint(message: OutboxMessage) -> Complaint:
    complaint = Complaint.objects.filter(code=message.reference).first()
    if complaint is None:
        raise PermanentError(f"no complaint {message.reference}")
    return complaint


def _send_forward(message: OutboxMessage, payload: dict[str, Any]) -> dict[str, Any]:
    answer = lapor.post("/complaints", payload, idempotency_key=message.dedupe_key)
    reference = answer.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise lapor.LaporError("LAPOR did not answer with a reference")
    return {"reference": reference.strip()[:64]}


def _send_answer(message: OutboxMessage, payload: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint(message)
    reference = complaint.lapor_reference or ""
    if not reference:
        raise lapor.LaporError("waiting for SP4N-LAPOR!'s reference (the forward is not through)")
    lapor.post(
        lapor.response_path(reference),
        {**payload, "reference": reference},
        idempotency_key=message.dedupe_key,
    )
    return {"reference": reference}


def _forward_sent(message: OutboxMessage, answer: dict[str, Any]) -> None:
    from django.utils import timezone

    from satupintu.feedback.services import complaint_record_lapor_event

    complaint = _complaint(message)
    reference = str(answer.get("reference", ""))
    Complaint.objects.filter(pk=complaint.pk).update(
        lapor_reference=reference, lapor_forwarded_at=timezone.now()
    )
    complaint_record_lapor_event(
        complaint,
        ComplaintEvent.Kind.LAPOR_FORWARDED,
        note=_("SP4N-LAPOR! reference %(ref)s.") % {"ref": reference},
    )


def _answer_sent(message: OutboxMessage, answer: dict[str, Any]) -> None:
    from satupintu.feedback.services import complaint_record_lapor_event

    complaint_record_lapor_event(_complaint(message), ComplaintEvent.Kind.LAPOR_RESPONSE_SENT)


def _failed(message: OutboxMessage, error: str) -> None:
    from satupintu.feedback.services import complaint_record_lapor_event

    complaint = Complaint.objects.filter(code=message.reference).first()
    if complaint is not None:
        complaint_record_lapor_event(complaint, ComplaintEvent.Kind.LAPOR_FAILED, note=error)


outbox_register_channel(
    Channel(FORWARD, _send_forward, on_sent=_forward_sent, on_failure=_failed, label="LAPOR")
)
outbox_register_channel(
    Channel(ANSWER, _send_answer, on_sent=_answer_sent, on_failure=_failed, label="LAPOR")
)
