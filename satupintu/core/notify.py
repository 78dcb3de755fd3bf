"""Telling applicants what happened to their application: e-mail and WhatsApp/SMS.

`notify_applicant_on_commit` is called inside the transaction of the change it announces. Once
that transaction commits, one `NotificationLog` row per channel is written and a background task
is queued for each; the tasks send (Django's mail for e-mail, the configured HTTP gateway for
WhatsApp/SMS), record every attempt on the row and retry a failed send a few times. Nothing is
sent for a change that was rolled back. Texts are rendered in Indonesian (the applicant's
language by default) from `core/notify/*.txt`."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from satupintu.core.models import NotificationLog
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
) -> None:
    """After the current transaction commits, send `body` to the applicant by e-mail and by
    WhatsApp/SMS (each where an address is given), through background tasks.

    `subject` and `body` are one sentence or two, already in the applicant's language (render
    them with `translation.override("id")`); `context` may hold `tracking_code`, `tracking_url`,
    `applicant_name`, `service_name`, `status`, `mall_name` and `language`, which the templates
    print around the body."""
    email_subject, email_text, message = render_notification(
        subject=subject, body=body, context=context
    )
    reference = str(context.get("tracking_code") or context.get("reference") or "")[:64]
    email_to = (email or "").strip()
    phone_raw = (phone or "").strip()

    def enqueue() -> None:
        from satupintu.core import tasks

        if email_to:
            log = NotificationLog.objects.create(
                channel=NotificationLog.Channel.EMAIL,
                recipient_masked=mask_email(email_to),
                subject=email_subject[:255],
                reference=reference,
            )
            tasks.send_email_notification.enqueue(log.pk, email_to, email_subject, email_text)
        if phone_raw:
            _enqueue_message(phone_raw, email_subject, message, reference)

    transaction.on_commit(enqueue)


def _enqueue_message(phone_raw: str, subject: str, message: str, reference: str) -> None:
    from satupintu.core import tasks

    try:
        phone = validate_phone(phone_raw)
    except ValidationError as exc:
        NotificationLog.objects.create(
            channel=NotificationLog.Channel.MESSAGE,
            recipient_masked=mask_phone(phone_raw),
            subject=subject[:255],
            reference=reference,
            status=NotificationLog.Status.FAILED,
            error=" ".join(exc.messages),
        )
        return
    if not settings.SMS_GATEWAY_URL:
        NotificationLog.objects.create(
            channel=NotificationLog.Channel.MESSAGE,
            recipient_masked=mask_phone(phone),
            subject=subject[:255],
            reference=reference,
            status=NotificationLog.Status.SKIPPED,
            error="SMS_GATEWAY_URL is not set",
        )
        return
    log = NotificationLog.objects.create(
        channel=NotificationLog.Channel.MESSAGE,
        recipient_masked=mask_phone(phone),
        subject=subject[:255],
        reference=reference,
    )
    tasks.send_gateway_message.enqueue(log.pk, phone, message)


# --- the actual sending (called by the tasks) -------------------------------------------------


def send_email_now(*, to: str, subject: str, text: str) -> None:
    """Hand one e-mail to Django's mail backend; raises on failure."""
    EmailMessage(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send(
        fail_silently=False
    )


def send_gateway_message_now(*, to: str, message: str) -> None:
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
