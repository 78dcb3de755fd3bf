"""Notifications to applicants go out only after commit, through background tasks, to a real
SMTP server and a real HTTP gateway on this machine; failures are logged and retried."""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import transaction

from satupintu.core.models import NotificationLog
from satupintu.core.notify import mask_email, mask_phone, notify_applicant_on_commit

pytestmark = pytest.mark.django_db


# --- a tiny SMTP server -----------------------------------------------------------------------


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for Python's smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        server: SmtpServer = self.server  # type: ignore[assignment]
        self.reply("220 localhost test SMTP ready")
        sender, recipients = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-localhost")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip().split()[0].strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().split()[0].strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if line in (b".\r\n", b".\n", b""):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                server.received.append(ReceivedMail(sender, recipients, b"".join(lines)))
                self.reply("250 OK: queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.received: list[ReceivedMail] = []


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.server_address[1]
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# --- a tiny WhatsApp/SMS gateway --------------------------------------------------------------


@dataclass
class Gateway:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    # What to answer to each request in turn (the last one repeats).
    statuses: list[int] = field(default_factory=lambda: [200])


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    state = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "content_type": self.headers.get("Content-Type"),
                    "json": json.loads(body),
                }
            )
            index = min(len(state.requests) - 1, len(state.statuses) - 1)
            status = state.statuses[index]
            answer = json.dumps({"ok": status < 300}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    settings.SMS_GATEWAY_URL = state.url
    settings.SMS_GATEWAY_TOKEN = "gateway-secret-token"
    settings.SMS_GATEWAY_TIMEOUT = 5
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


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
        # Inside the transaction nothing has been sent or even logged yet.
        assert smtp_server.received == []
        assert not NotificationLog.objects.exists()
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

    log = NotificationLog.objects.get()
    assert log.channel == NotificationLog.Channel.EMAIL
    assert log.status == NotificationLog.Status.SENT
    assert log.attempts == 1
    assert log.sent_at is not None
    assert log.reference == "YK7Q-M3XP"
    assert log.recipient_masked == "s**********@example.org"
    assert "siti.aminah" not in log.recipient_masked


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
    assert not NotificationLog.objects.exists()


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

    log = NotificationLog.objects.get()
    assert log.channel == NotificationLog.Channel.MESSAGE
    assert log.status == NotificationLog.Status.SENT
    assert log.attempts == 1
    assert log.recipient_masked == "+62812*****890"


def test_failing_gateway_is_retried_then_logged_as_failed(
    settings: Any, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 3
    gateway.statuses = [503]
    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None)

    assert len(gateway.requests) == 3  # first try and two retries
    log = NotificationLog.objects.get()
    assert log.status == NotificationLog.Status.FAILED
    assert log.attempts == 3
    assert "503" in log.error
    assert log.sent_at is None


def test_gateway_that_recovers_is_sent_on_the_retry(
    gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    gateway.statuses = [500, 200]
    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None)

    assert len(gateway.requests) == 2
    assert gateway.requests[0]["json"] == gateway.requests[1]["json"]
    log = NotificationLog.objects.get()
    assert log.status == NotificationLog.Status.SENT
    assert log.attempts == 2
    assert log.error == ""


def test_unreachable_smtp_server_is_logged_failed_after_retries(
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
    settings.NOTIFY_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        _notify(phone=None)

    log = NotificationLog.objects.get()
    assert log.status == NotificationLog.Status.FAILED
    assert log.attempts == 2
    assert "Connection" in log.error or "refused" in log.error


def test_without_a_gateway_the_message_is_logged_as_not_sent(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None)
    log = NotificationLog.objects.get()
    assert log.status == NotificationLog.Status.SKIPPED
    assert "SMS_GATEWAY_URL" in log.error


def test_invalid_phone_is_logged_failed_without_calling_the_gateway(
    gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None, phone="12")
    assert gateway.requests == []
    log = NotificationLog.objects.get()
    assert log.status == NotificationLog.Status.FAILED
    assert log.attempts == 0


def test_a_sent_notification_is_not_sent_again_when_its_task_runs_twice(
    gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    from satupintu.core.tasks import send_gateway_message

    with django_capture_on_commit_callbacks(execute=True):
        _notify(email=None)
    log = NotificationLog.objects.get()
    send_gateway_message.enqueue(log.pk, "+6281234567890", "again")
    assert len(gateway.requests) == 1


def test_masks_hide_the_address() -> None:
    assert mask_email("ab@example.org") == "a*@example.org"
    assert mask_email("a@example.org") == "a*@example.org"
    assert mask_email("broken") == "******"
    assert mask_phone("+6281234567890") == "+62812*****890"
    assert "3456" not in mask_phone("+6281234567890")


def test_with_a_deferring_task_backend_the_retry_waits(
    settings: Any, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    """A worker backend (database, Redis) can run a task later: the retry is queued for
    NOTIFY_RETRY_SECONDS x attempts from now instead of hammering a failing gateway."""
    import datetime as dt

    from django.utils import timezone
    from django_tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.NOTIFY_RETRY_SECONDS = 120
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
    queued[0].task.call(*queued[0].args, **queued[0].kwargs)  # the worker runs attempt 1
    assert len(gateway.requests) == 1
    retry = backend.results[-1]  # type: ignore[attr-defined]
    assert len(backend.results) == 2  # type: ignore[attr-defined]
    assert retry.task.run_after >= before + dt.timedelta(seconds=120)
    assert retry.args == queued[0].args
    log = NotificationLog.objects.get()
    assert log.status == NotificationLog.Status.PENDING
    assert log.attempts == 1
    assert "502" in log.error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_notification_task_run_by_two_workers_at_once_sends_once(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers picking up the same task (a redelivery) at the same moment: one sends, the
    other finds the row being sent and does nothing."""
    import time

    from django.db import connection

    from satupintu.core import notify
    from satupintu.core.tasks import send_gateway_message

    log = NotificationLog.objects.create(
        channel=NotificationLog.Channel.MESSAGE, recipient_masked="+62812*****890"
    )
    real_send = notify.send_gateway_message_now

    def slow_send(*, to: str, message: str) -> None:
        time.sleep(0.3)  # the gateway takes a while to answer: both workers overlap
        real_send(to=to, message=message)

    monkeypatch.setattr(notify, "send_gateway_message_now", slow_send)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=5)
            outcomes.append(send_gateway_message.call(log.pk, "+6281234567890", "Halo"))
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
    assert log.status == NotificationLog.Status.SENT
    assert log.attempts == 1


def test_a_row_abandoned_while_sending_is_taken_again_after_the_lease(
    gateway: Gateway,
) -> None:
    import datetime as dt

    from django.utils import timezone

    from satupintu.core.tasks import SENDING_LEASE, send_gateway_message

    log = NotificationLog.objects.create(
        channel=NotificationLog.Channel.MESSAGE,
        recipient_masked="+62812*****890",
        status=NotificationLog.Status.SENDING,
        attempts=1,
    )
    assert send_gateway_message.call(log.pk, "+6281234567890", "Halo") == "nothing to do"
    NotificationLog.objects.filter(pk=log.pk).update(
        updated_at=timezone.now() - SENDING_LEASE - dt.timedelta(seconds=1)
    )
    assert send_gateway_message.call(log.pk, "+6281234567890", "Halo") == "sent"
    log.refresh_from_db()
    assert log.attempts == 2
    assert len(gateway.requests) == 1
