"""Background tasks of the shared kernel: delivering outbox messages.

`outbox_deliver` is enqueued after the commit that wrote a message, and again (deferred until
its backoff has passed, where the task backend can defer) after a failed attempt. It only ever
tries a message that is due and not held by another worker (`core/outbox.py`), so a task that
runs twice, or beside the periodic job, sends once."""

from __future__ import annotations

from django_tasks import task

from satupintu.core import outbox


@task()
def outbox_deliver(message_id: int) -> str:
    return outbox.outbox_deliver(message_id)


@task()
def outbox_process_due() -> dict[str, int]:
    return outbox.outbox_process_due().as_dict()
