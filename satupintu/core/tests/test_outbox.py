"""The outbox: claimed with a lease, retried after a dead worker's lease, dead-lettered, queued
again from the admin, and sent exactly once by concurrent workers on PostgreSQL (real
connections, a real SMTP server (aiosmtpd) and a real HTTP gateway on this machine)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from satupintu.core import notify
from satupintu.core.models import AuditEntry, OutboxMessage
from satupintu.core.outbox import (
    outbox_attempt,
    outbox_claim,
    outbox_enqueue,
    outbox_process_due,
)
from satupintu.core.tests.factories import OutboxMessageFactory
from satupintu.core.tests.servers import Gateway

pytestmark = pytest.mark.django_db

S = OutboxMessage.Status


def test_a_message_whose_worker_died_mid_send_is_retried_once_after_its_lease(
    settings: Any,
    gateway: Gateway,
) -> None:
    settings.OUTBOX_LEASE_SECONDS = 300
    message = notify.message_enqueue(phone="0812-3456-7890", text="Berkas Anda selesai.")
    held = outbox_claim(worker="worker-a")  # worker A takes it, then is killed before sending
    assert held is not None
    assert held.pk == message.pk
    assert held.status == S.SENDING
    assert held.attempts == 1

    # While A's lease runs, nobody else touches the message.
    assert outbox_process_due(worker="worker-b").outcomes == []
    assert gateway.requests == []

    # After the lease: worker B takes it again and sends it, once.
    after_lease = held.lease_until + dt.timedelta(seconds=1)
    run = outbox_process_due(now=after_lease, worker="worker-b")
    assert run.outcomes == ["sent"]
    assert len(gateway.requests) == 1
    message.refresh_from_db()
    assert message.status == S.SENT
    assert message.attempts == 2
    assert message.leased_by == "worker-b"
    assert outbox_process_due(now=after_lease + dt.timedelta(hours=1)).outcomes == []

    # Worker A, had it only been stalled, cannot record anything over B's outcome.
    assert outbox_attempt(held) == "lost lease"
    message.refresh_from_db()
    assert message.status == S.SENT
    assert message.attempts == 2


def test_a_worker_that_dies_during_the_last_attempt_leaves_the_message_dead(
    settings: Any,
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = OutboxMessageFactory(attempts=1)
    held = outbox_claim()
    assert held is not None
    assert held.attempts == 2
    run = outbox_process_due(now=held.lease_until + dt.timedelta(seconds=1))
    assert run.recovered == 1
    message.refresh_from_db()
    assert message.status == S.DEAD
    assert "lease expired" in message.error


def test_the_same_dedupe_key_is_one_message(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = notify.email_enqueue(
            to="a@example.test", subject="s", text="t", dedupe_key="mou-reminder:4"
        )
        second = notify.email_enqueue(
            to="a@example.test", subject="s", text="t", dedupe_key="mou-reminder:4"
        )
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert len(callbacks) == 1


def test_a_rolled_back_enqueue_leaves_nothing() -> None:
    class Abort(Exception):
        pass

    def change() -> None:
        with transaction.atomic():
            notify.email_enqueue(to="a@example.test", subject="s", text="t")
            raise Abort

    with pytest.raises(Abort):
        change()
    assert not OutboxMessage.objects.exists()


def test_an_unknown_channel_is_refused_at_once() -> None:
    with pytest.raises(LookupError):
        outbox_enqueue(channel="pigeon", payload={})
    assert not OutboxMessage.objects.exists()


def test_a_payload_no_key_can_open_is_dead_lettered_not_retried(settings: Any) -> None:
    message = OutboxMessageFactory()
    settings.PERSONAL_DATA_KEYS = ["a-key-that-did-not-encrypt-this-payload"]
    from satupintu.core import crypto

    crypto._derive.cache_clear()
    try:
        assert outbox_process_due().outcomes == ["dead"]
    finally:
        crypto._derive.cache_clear()
    message.refresh_from_db()
    assert message.status == S.DEAD
    assert message.attempts == 1
    assert "decrypt" in message.error


def test_a_dead_message_is_queued_again_from_the_admin(
    client: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from satupintu.accounts.tests.factories import UserFactory

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail

    dead = OutboxMessageFactory(status=S.DEAD, attempts=6, error="SMTP down")
    sent = OutboxMessageFactory(status=S.SENT, attempts=1)
    officer = UserFactory(is_staff=True)
    client.force_login(officer)
    # Not a superuser: the outbox is not even listed, and the action does nothing.
    assert client.get("/admin/core/outboxmessage/").status_code == 403
    response = client.post(
        "/admin/core/outboxmessage/",
        {"action": "requeue", "_selected_action": [dead.pk]},
    )
    assert response.status_code == 403
    dead.refresh_from_db()
    assert dead.status == S.DEAD

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/admin/core/outboxmessage/?status__exact=dead")
    assert page.status_code == 200
    assert b"SMTP down" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/core/outboxmessage/",
            {"action": "requeue", "_selected_action": [dead.pk, sent.pk]},
        )
    assert response.status_code == 302
    dead.refresh_from_db()
    sent.refresh_from_db()
    assert dead.status == S.SENT  # queued again, attempts starting over, and sent after commit
    assert dead.attempts == 1
    assert sent.attempts == 1  # a sent message stays as it was
    assert len(mail.outbox) == 1
    assert AuditEntry.objects.filter(object_type="core.outboxmessage").count() == 1


def test_the_outbox_is_in_the_metrics(client: Any, settings: Any) -> None:
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    OutboxMessageFactory(status=S.DEAD, channel="message")
    body = client.get("/metrics").content.decode()
    assert 'satupintu_outbox_messages{channel="message",status="dead"} 1.0' in body


# --- PostgreSQL, real connections -----------------------------------------------------------


@pytest.fixture
def aiosmtpd_server(settings: Any) -> Iterator[list[Any]]:
    """A real SMTP server (aiosmtpd) that keeps every message it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[Any] = []

    class Keep(Message):
        def handle_message(self, message: Any) -> None:
            received.append(message)

    import socket

    with socket.socket() as probe:  # aiosmtpd needs a port number of its own
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield received
    finally:
        controller.stop()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_send_each_message_exactly_once(
    aiosmtpd_server: list[Any],
    gateway: Gateway,
) -> None:
    count = 20
    with transaction.atomic():
        for n in range(count):
            notify.email_enqueue(
                to=f"warga{n}@example.test", subject=f"Pesan {n}", text="Halo", reference=f"R{n}"
            )
            notify.message_enqueue(phone=f"0812-3456-{7000 + n}", text=f"Pesan {n}")
    # The commit ran the delivery tasks inline (immediate backend in tests): start over, with
    # every message still to send, to let two workers compete for them.
    OutboxMessage.objects.update(
        status=S.PENDING, attempts=0, sent_at=None, next_attempt_at=timezone.now()
    )
    aiosmtpd_server.clear()
    gateway.requests.clear()

    barrier = threading.Barrier(2)
    runs: dict[str, Any] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            barrier.wait(timeout=5)
            runs[name] = outbox_process_due(limit=1000, worker=name)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert runs["w1"].sent + runs["w2"].sent == 2 * count
    subjects = sorted(str(m["Subject"]) for m in aiosmtpd_server)
    assert subjects == sorted(f"Pesan {n}" for n in range(count))  # each once, none twice
    numbers = sorted(r["json"]["to"] for r in gateway.requests)
    assert numbers == sorted(f"+628123456{7000 + n}" for n in range(count))
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(S.SENT, 1)}
    assert {m.leased_by for m in OutboxMessage.objects.all()} <= {"w1", "w2"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_mid_send_is_retried_after_its_lease(
    settings: Any,
    gateway: Gateway,
) -> None:
    """A real worker process, killed (SIGKILL) while the gateway holds its request: the message
    stays `sending` until its lease expires, then it is sent again, once."""
    gateway.delay_first = 30.0  # the first request hangs: the worker is inside the send
    message = notify.message_enqueue(phone="0812-3456-7890", text="Halo")
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=S.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    gateway.requests.clear()
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "satupintu.settings_test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "SMS_GATEWAY_URL": gateway.url,
        "SMS_GATEWAY_TOKEN": settings.SMS_GATEWAY_TOKEN,
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }
    code = (
        "import django; django.setup();"
        "from satupintu.core.outbox import outbox_deliver;"
        f"outbox_deliver({message.pk})"
    )
    worker = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        deadline = time.monotonic() + 60
        while not gateway.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(gateway.requests) == 1, "the worker never reached the gateway"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    message.refresh_from_db()
    assert message.status == S.SENDING
    assert message.attempts == 1
    assert outbox_process_due().outcomes == []  # the lease still runs
    run = outbox_process_due(now=message.lease_until + dt.timedelta(seconds=1))
    assert run.outcomes == ["sent"]
    message.refresh_from_db()
    assert message.status == S.SENT
    assert message.attempts == 2
    assert len(gateway.requests) == 2
    # Both tries carried the same Idempotency-Key: the gateway can drop the second.
    assert gateway.requests[0]["idempotency_key"] == gateway.requests[1]["idempotency_key"]
