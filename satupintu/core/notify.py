"""Telling applicants what happened to their application: e-mail and WhatsApp/SMS.

`notify_applicant_on_commit` is called inside the transaction of the change it announces; it
writes one outbox message per channel (`core/outbox.py`) in that transaction, and the outbox
sends them once it commits (Django's mail for e-mail, the configured HTTP gateway for
WhatsApp/SMS), retrying with backoff and dead-lettering what cannot be sent. Nothing is sent for
a change that was rolled back. `email_enqueue` and `message_enqueue` queue a single message.
Texts are rendered in Indonesian (the applicant's language by default) from
`core/notify/*.txt`."""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from satupintu.core.models import OutboxMessage
from satupintu.core.outbox import Channel, PermanentError, outbox_enqueue, outbox_register_channel
from satupintu.core.validators import validate_phone

logger = logging.getLogger(__name__)

NOTIFY_LANGUAGE = "id"


class GatewayError(Exception):
    """The WhatsApp/SMS gateway refused or did not answer."""


def mask_email(address: str) -> str:
    """'siti.aminah@example.org' -> 's**********@example.org'."""
    local, _at, domain = address.partition("@")
    if not domain:
        return "*" * len(address)
    return f"{local[:1]}{'*' * max(len(local) - 1, 1)}@{domain}"


def mask_phone(number: str) -> str:
    """'+6281234567890' -> '+62812*****890': operator prefix and last three digits only."""
    if len(number) <= 7:
        return "*" * len(number)
    return f"{number[:6]}{'*' * (len(number) - 9)}{number[-3:]}"


def render_notification(
    *, subject: str, body: str, context: dict[str, Any]
) -> tuple[str, str, str]:
    """(e-mail subject, e-mail text, short message) in the applicant's language."""
    template_context = {**context, "subject": subject, "body": body}
    with translation.override(context.get("language") or NOTIFY_LANGUAGE):
        email_subject = " ".join(
            render_to_string("core/notify/email_subject.txt", template_context).split()
        )
        email_text = render_to_string("core/notify/email.txt", template_context).strip() + "\n"
        message = " ".join(render_to_string("core/notify/message.txt", template_context).split())
    return email_subject, email_text, message


def notify_applicant_on_commit(
    *,
    email: str | None,
    phone: str | None,
    subject: str,
    body: str,
    context: dict[str, Any],
    dedupe_key: str | None = None,
) -> None:
    """Send `body` to the applicant by e-mail and by WhatsApp/SMS (each where an address is
    given), through the outbox: the messages are written in the current transaction and sent
    once it commits.

    `subject` and `body` are one sentence or two, already in the applicant's language (render
    them with `translation.override("id")`); `context` may hold `tracking_code`, `tracking_url`,
    `applicant_name`, `service_name`, `status`, `mall_name` and `language`, which the templates
    print around the body. `dedupe_key` (optional) names the announcement, so that announcing
    it twice sends it once per channel."""
    email_subject, email_text, message = render_notification(
        subject=subject, body=body, context=context
    )
    reference = str(context.get("tracking_code") or context.get("reference") or "")[:64]
    email_to = (email or "").strip()
    phone_raw = (phone or "").strip()
    if email_to:
        email_enqueue(
            to=email_to,
            subject=email_subject,
            text=email_text,
            reference=reference,
            dedupe_key=f"{dedupe_key}:email" if dedupe_key else None,
        )
    if phone_raw:
        message_enqueue(
            phone=phone_raw,
            text=message,
            subject=email_subject,
            reference=reference,
            dedupe_key=f"{dedupe_key}:message" if dedupe_key else None,
        )


def email_enqueue(
    *,
    to: str | list[str],
    subject: str,
    text: str,
    reference: str = "",
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Queue one e-mail (to one address or a list) in the outbox of the current transaction."""
    recipients = [to] if isinstance(to, str) else list(to)
    return outbox_enqueue(
        channel=EMAIL,
        payload={"to": recipients, "subject": subject, "text": text},
        dedupe_key=dedupe_key,
        reference=reference,
        recipient_masked=", ".join(mask_email(address) for address in recipients),
        subject=subject,
    )


def message_enqueue(
    *,
    phone: str,
    text: str,
    subject: str = "",
    reference: str = "",
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Queue one WhatsApp/SMS message. An unusable number is recorded as dead (nothing sent), a
    missing gateway (SMS_GATEWAY_URL) as skipped."""
    try:
        number = validate_phone(phone)
    except ValidationError as exc:
        return outbox_enqueue(
            channel=MESSAGE,
            payload={},
            dedupe_key=dedupe_key,
            reference=reference,
            recipient_masked=mask_phone(phone),
            subject=subject,
            dead_because=" ".join(exc.messages),
        )
    return outbox_enqueue(
        channel=MESSAGE,
        payload={"to": number, "message": text},
        dedupe_key=dedupe_key,
        reference=reference,
        recipient_masked=mask_phone(number),
        subject=subject,
        skipped_because="" if settings.SMS_GATEWAY_URL else "SMS_GATEWAY_URL is not set",
    )


# --- the actual sending (called by the tasks) -------------------------------------------------


def _message_id(dedupe_key: str) -> str:
    """The same Message-ID for every attempt of one outbox message, so that a mail server or a
    mail client can drop a redelivery."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "satupintu.invalid"
    return f"<{digest}@{domain}>"


def send_email_now(*, to: str | list[str], subject: str, text: str, dedupe_key: str = "") -> None:
    """Hand one e-mail to Django's mail backend; raises on failure."""
    headers = {"Message-ID": _message_id(dedupe_key)} if dedupe_key else None
    EmailMessage(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to] if isinstance(to, str) else list(to),
        headers=headers,
    ).send(fail_silently=False)


def send_gateway_message_now(*, to: str, message: str, dedupe_key: str = "") -> None:
    """POST {to, message} as JSON to the WhatsApp/SMS gateway with a bearer token; raise
    GatewayError unless it answers 2xx."""
    url = settings.SMS_GATEWAY_URL
    if not url:
        raise GatewayError("SMS_GATEWAY_URL is not set")
    payload = json.dumps({"to": to, "message": message}, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
            "User-Agent": "SatuPintu-notify/1",
            **({"Idempotency-Key": dedupe_key} if dedupe_key else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:
            status = response.status
            response.read(4096)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
        raise GatewayError(f"gateway answered HTTP {exc.code}: {detail}".strip()) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise GatewayError(f"gateway unreachable: {exc}") from exc
    if not 200 <= status < 300:
        raise GatewayError(f"gateway answered HTTP {status}")


# --- the outbox channels ---------------------------------------------------------------------

EMAIL = "email"
MESSAGE = "message"


def send_email_message(message: OutboxMessage, payload: dict[str, Any]) -> None:
    """The e-mail channel's sender, for other channels that send e-mail with hooks of their own."""
    if not payload.get("to"):
        raise PermanentError("the e-mail has no recipient")
    send_email_now(
        to=payload["to"],
        subject=payload.get("subject", ""),
        text=payload.get("text", ""),
        dedupe_key=message.dedupe_key,
    )


def _send_message(message: OutboxMessage, payload: dict[str, Any]) -> None:
    if not payload.get("to"):
        raise PermanentError("the message has no recipient")
    send_gateway_message_now(
        to=payload["to"], message=payload.get("message", ""), dedupe_key=message.dedupe_key
    )


outbox_register_channel(Channel(EMAIL, send_email_message, label="e-mail"))
outbox_register_channel(Channel(MESSAGE, _send_message, label="WhatsApp/SMS"))
