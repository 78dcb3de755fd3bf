"""Background work of citizen accounts: the queue-from-home sweep and the queue messages.
Run by the scheduler every few seconds (`satupintu citizens_tick --every 15`)."""

from __future__ import annotations

from django_tasks import task

from satupintu.citizens import nudges, remote


@task()
def citizens_tick() -> dict[str, int]:
    return {
        "no_shows": remote.remote_tickets_expire(),
        "messages": nudges.queue_nudges_send(),
    }
