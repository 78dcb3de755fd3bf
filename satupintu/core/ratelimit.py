"""Rate limits for the public, anonymous endpoints (tracking, portal tickets, surveys,
complaints, login). Signed-in staff and devices are not limited: they are accounted for by
their tokens and roles instead."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from satupintu.core.errors import RateLimited


def enforce_public_rate_limit(request: HttpRequest, group: str, rate: str | None = None) -> None:
    """Raise RateLimited when the caller's address made too many anonymous calls to `group`."""
    if not settings.RATELIMIT_ENABLE:
        return
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return
    if is_ratelimited(
        request,
        group=f"satupintu.{group}",
        key="ip",
        rate=rate or settings.RATELIMIT_PUBLIC,
        method=is_ratelimited.ALL,
        increment=True,
    ):
        raise RateLimited()
