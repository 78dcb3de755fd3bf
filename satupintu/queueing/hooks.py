"""Hooks the queue offers to the apps above it (the layers forbid importing them).

- The remote ticket (`"channel": "remote"` on `POST /tickets`): taken from home by a signed-in
  citizen; the `citizens` app registers the function that issues it
  (`register_remote_ticket_issuer`). Without one, the channel is refused like any channel a
  service does not offer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from satupintu.core.errors import Conflict

RemoteIssuer = Callable[..., dict[str, Any]]
_remote_issuers: list[RemoteIssuer] = []


def register_remote_ticket_issuer(issuer: RemoteIssuer) -> None:
    """`issuer(request=, service=, name=)` takes today's remote ticket for the signed-in caller
    and answers the ticket as a dict (with `arrive_by`)."""
    if issuer not in _remote_issuers:
        _remote_issuers.append(issuer)


def remote_ticket_issue(**kwargs: Any) -> dict[str, Any]:
    if not _remote_issuers:
        raise Conflict(_("Remote tickets are not offered."), field="channel", code="channel")
    return _remote_issuers[-1](**kwargs)
