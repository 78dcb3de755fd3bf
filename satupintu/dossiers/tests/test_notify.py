"""Notifications to applicants go out only after commit, through the outbox, to a real SMTP
server and a real HTTP gateway on this machine; failures are logged, retried with backoff and
given up after OUTBOX_MAX_ATTEMPTS."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from satupintu.core.models import OutboxMessage
from satupintu.core.notify import mask_email, mask_phone, notify_applicant_on_commit
from satupintu.core.outbox import outbox_process_due
from satupintu.core.tests.servers import Gateway, SmtpServer

pytestmark = pytest.mark.django_db

S = OutboxMessage.Status


def _later(hours: float = 2) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def _notify(**overrides: Any) -> None:
    arguments: dict[str, Any] = {
        "email": "siti.aminah@example.org",
        "phone": "0812-3456-7890",
        "subject": "Berkas Anda sudah diverifikasi",
        "body": "Berkas permohonan Anda lengkap dan sedang diproses.",
        "context": {
            "tracking_code": "YK7Q-M3XP",
            "tracking_url": "https://mpp.example.go.id/lacak/YK7Q-M3XP/",
            "applicant_name": "Siti Aminah",
            "service_name": "Akta Kelahiran",
            "mall_name": "MPP Kota Yogyakarta",
        },
    }
    arguments.update(overrides)
    notify_applicant_on_commit(**arguments)


def test_email_arrives_at_the_smtp_server_only_after_commit(
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify(phone=None)
        # Inside the transaction the message waits in the outbox; nothing has been sent.
        assert smtp_server.received == []
        assert OutboxMessage.objects.get().status == S.PENDING
    assert len(callbacks) == 1

    assert len(smtp_server.received) == 1
    mail = smtp_server.received[0]
    assert mail.recipients == ["siti.aminah@example.org"]
    message = mail.message
    assert message["To"] == "siti.aminah@example.org"
    assert "YK7Q-M3XP" in message["Subject"]
    assert "Berkas Anda sudah diverifikasi" in message["Subject"]
    text = message.get_content()
    assert "Yth. Siti Aminah," in text  # Indonesian greeting
    assert "Berkas permohonan Anda lengkap dan sedang diproses." in text
    assert "https://mpp.example.go.id/lacak/YK7Q-M3XP/" in text
    assert "Kode pelacakan" in text

    log = OutboxMessage.objects.get()
    assert log.channel == "email"
    assert log.status == S.SENT
    assert log.attempts == 1
    assert log.sent_at is not None
    assert log.reference == "YK7Q-M3XP"
    assert log.recipient_masked == "s**********@example.org"
    assert "siti.aminah" not in log.recipient_masked
    # The address and the text are stored encrypted, readable only with the keys.
    assert "siti.aminah" not in log.payload_sealed
    assert log.payload["to"] == ["siti.aminah@example.org"]
    # Every attempt of one message carries the same Message-ID (a redelivery can be dropped).
    assert message["Message-ID"].startswith("<")
    assert message["Message-ID"].endswith(">")


def test_rolled_back_change_sends_nothing(
    smtp_server: SmtpServer, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _notify()
                raise Abort
        except Abort:
            pass
    assert callbacks == []
    assert smtp_server.received == []
    assert gateway.requests == []
    assert not OutboxMessage.objects.exists()
    assert outbox_process_due(now=_later()).sent == 0


def test_gateway_receives_the_whatsapp_sms_message_with_bearer_token(
    gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None)

    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert request["path"] == "/v1/messages"
    assert request["authorization"] == "Bearer gateway-secret-token"
    assert request["content_type"].startswith("application/json")
    assert request["json"]["to"] == "+6281234567890"
    message = request["json"]["message"]
    assert message.startswith("MPP Kota Yogyakarta: Berkas permohonan Anda lengkap")
    assert "Kode pelacakan YK7Q-M3XP." in message
    assert "https://mpp.example.go.id/lacak/YK7Q-M3XP/" in message

    log = OutboxMessage.objects.get()
    assert request["idempotency_key"] == log.dedupe_key
    assert log.channel == "message"
    assert log.status == S.SENT
    assert log.attempts == 1
    assert log.recipient_masked == "+62812*****890"


def test_failing_gateway_is_retried_with_backoff_then_dead_lettered(
    settings: Any, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_SECONDS = 60
    gateway.statuses = [503]
    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None)
    assert len(gateway.requests) == 1
    log = OutboxMessage.objects.get()
    assert log.status == S.PENDING
    first_retry = log.next_attempt_at
    assert first_retry is not None
    assert first_retry - log.updated_at >= dt.timedelta(seconds=59)

    # Not due yet: the periodic job leaves it alone.
    assert outbox_process_due().sent == 0
    assert len(gateway.requests) == 1
    # Past the first backoff (60 s): attempt 2, then the backoff doubles (120 s).
    run = outbox_process_due(now=first_retry + dt.timedelta(seconds=1))
    assert run.retry == 1
    log.refresh_from_db()
    assert log.attempts == 2
    assert log.next_attempt_at - first_retry >= dt.timedelta(seconds=120)
    assert outbox_process_due(now=first_retry + dt.timedelta(seconds=60)).retry == 0
    run = outbox_process_due(now=log.next_attempt_at + dt.timedelta(seconds=1))
    assert run.dead == 1

    assert len(gateway.requests) == 3  # first try and two retries
    log.refresh_from_db()
    assert log.status == S.DEAD
    assert log.attempts == 3
    assert "503" in log.error
    assert log.sent_at is None
    assert outbox_process_due(now=_later(48)).outcomes == []  # a dead message stays dead


def test_gateway_that_recovers_is_sent_on_the_retry(
    gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    gateway.statuses = [500, 200]
    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None)
    assert outbox_process_due(now=_later()).sent == 1

    assert len(gateway.requests) == 2
    assert gateway.requests[0]["json"] == gateway.requests[1]["json"]
    assert gateway.requests[0]["idempotency_key"] == gateway.requests[1]["idempotency_key"]
    log = OutboxMessage.objects.get()
    assert log.status == S.SENT
    assert log.attempts == 2
    assert log.error == ""


def test_unreachable_smtp_server_is_dead_after_its_attempts(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import socket

    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port
    settings.EMAIL_TIMEOUT = 2
    settings.OUTBOX_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        _notify(phone=None)
    outbox_process_due(now=_later())

    log = OutboxMessage.objects.get()
    assert log.status == S.DEAD
    assert log.attempts == 2
    assert "Connection" in log.error or "refused" in log.error


def test_without_a_gateway_the_message_is_logged_as_not_sent(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None)
    log = OutboxMessage.objects.get()
    assert log.status == S.SKIPPED
    assert "SMS_GATEWAY_URL" in log.error


def test_invalid_phone_is_dead_without_calling_the_gateway(
    gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None, phone="12")
    assert gateway.requests == []
    log = OutboxMessage.objects.get()
    assert log.status == S.DEAD
    assert log.attempts == 0
    assert outbox_process_due(now=_later()).outcomes == []
    assert gateway.requests == []


def test_a_sent_notification_is_not_sent_again_when_its_task_runs_twice(
    gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    from satupintu.core.tasks import outbox_deliver

    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None)
    log = OutboxMessage.objects.get()
    assert outbox_deliver.call(log.pk) == "nothing to do"
    outbox_deliver.enqueue(log.pk)
    assert outbox_process_due(now=_later()).outcomes == []
    assert len(gateway.requests) == 1


def test_the_same_announcement_twice_is_sent_once(
    gateway: Gateway, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify(dedupe_key="dossier:7:verified")
        _notify(dedupe_key="dossier:7:verified")
    assert OutboxMessage.objects.count() == 2  # one per channel
    assert len(gateway.requests) == 1
    assert len(smtp_server.received) == 1


def test_masks_hide_the_address() -> None:
    assert mask_email("ab@example.org") == "a*@example.org"
    assert mask_email("a@example.org") == "a*@example.org"
    assert mask_email("broken") == "******"
    assert mask_phone("+6281234567890") == "+62812*****890"
    assert "3456" not in mask_phone("+6281234567890")


def test_with_a_deferring_task_backend_the_retry_waits(
    settings: Any, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    """A worker backend (database, Redis) can run a task later: the retry is queued for the
    backoff (OUTBOX_RETRY_SECONDS after the first failure) instead of hammering a failing
    gateway."""
    from django_tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.OUTBOX_RETRY_SECONDS = 120
    gateway.statuses = [502]
    backend = task_backends["default"]
    backend.clear()  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None)
    queued = list(backend.results)  # type: ignore[attr-defined]
    assert len(queued) == 1
    assert queued[0].task.run_after is None
    assert gateway.requests == []  # nothing runs until a worker takes it

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs attempt 1
        queued[0].task.call(*queued[0].args, **queued[0].kwargs)
    assert len(gateway.requests) == 1
    retry = backend.results[-1]  # type: ignore[attr-defined]
    assert len(backend.results) == 2  # type: ignore[attr-defined]
    assert retry.task.run_after >= before + dt.timedelta(seconds=120)
    assert retry.args == queued[0].args
    log = OutboxMessage.objects.get()
    assert log.status == S.PENDING
    assert log.attempts == 1
    assert "502" in log.error
    # Run before its time (a worker with a fast clock), the retry does nothing.
    assert retry.task.call(*retry.args) == "nothing to do"
    assert len(gateway.requests) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_message_taken_by_two_workers_at_once_is_sent_once(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers picking up the same message (a task redelivered, and the periodic job) at
    the same moment: one sends, the other finds it held and does nothing."""
    import time

    from django.db import connection

    from satupintu.core import notify
    from satupintu.core.tasks import outbox_deliver

    log = notify.message_enqueue(phone="0812-3456-7890", text="Halo")
    # Outside a transaction the delivery ran at once: make it wait again for the two workers.
    OutboxMessage.objects.filter(pk=log.pk).update(
        status=S.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    gateway.requests.clear()
    real_send = notify.send_gateway_message_now

    def slow_send(**kwargs: Any) -> None:
        time.sleep(0.3)  # the gateway takes a while to answer: both workers overlap
        real_send(**kwargs)

    monkeypatch.setattr(notify, "send_gateway_message_now", slow_send)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=5)
            outcomes.append(outbox_deliver.call(log.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert errors == []
    assert sorted(outcomes) == ["nothing to do", "sent"]
    assert len(gateway.requests) == 1
    log.refresh_from_db()
    assert log.status == S.SENT
    assert log.attempts == 1
