"""Periodic jobs of citizen accounts: the queue-from-home sweep (no-shows after the arrival
window, "almost your turn" / "you are called" messages), every few seconds."""

from __future__ import annotations

from satupintu.citizens import nudges, remote
from satupintu.core.scheduler import register_job


def citizens_tick() -> dict[str, int]:
    return {
        "no_shows": remote.remote_tickets_expire(),
        "messages": nudges.queue_nudges_send(),
    }


register_job(
    "citizens-tick", "", citizens_tick, "Queue from home: no-shows and messages", every_seconds=15
)
