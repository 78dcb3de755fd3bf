"""The one way this app sends a message to a person: by e-mail and/or WhatsApp/SMS, after the
current transaction commits, never for a change that was rolled back.

It hands the message to `core.notify`, which writes one outbox message per channel
(`core/outbox.py`) in the current transaction: sent after the commit, retried with backoff,
dead-lettered and visible in the admin."""

from __future__ import annotations

from django.utils import translation

from satupintu.core.notify import notify_applicant_on_commit

LANGUAGE = "id"


def send_on_commit(
    *,
    email: str = "",
    phone: str = "",
    subject: str,
    body: str,
    reference: str = "",
    name: str = "",
    mall_name: str = "",
    link: str = "",
) -> None:
    """Send `body` (already in the person's language) to `email` and/or `phone` once the
    current transaction commits. `reference` is what the notification log files it under (never
    a secret: a ticket number, a tracking code); `link` is printed after the text."""
    if not (email or phone):
        return
    with translation.override(LANGUAGE):
        notify_applicant_on_commit(
            email=email or None,
            phone=phone or None,
            subject=subject,
            body=body,
            context={
                "reference": reference,
                "applicant_name": name,
                "mall_name": mall_name,
                "tracking_url": link,
                "language": LANGUAGE,
            },
        )
