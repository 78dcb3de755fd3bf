"""One rate-limit mechanism for everything anonymous callers may do.

A `RateLimit` names a bucket (`group`) and a rate in django-ratelimit's syntax ("30/m",
"10/h", "30/10m"). It is declared once where an endpoint is declared and checked before the
request body is read:

- API operations: `public_auth(RateLimit(...))` / `anonymous_only(RateLimit(...))` in
  `satupintu.accounts.auth`: the anonymous branch of the authentication checks it, and ninja
  authenticates before it parses the body;
- pages: the `@rate_limited(RateLimit(...))` view decorator.

Signed-in staff and devices are not limited (they are accounted for by their accounts). Buckets
are per client address (`satupintu.core.client_address`), IPv6 per /64 network, since one
subscriber gets a whole /64.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django_ratelimit.core import get_usage, is_ratelimited

from satupintu.core.client_address import client_ip
from satupintu.core.errors import RateLimited

IPV6_BUCKET_PREFIX = 64


@dataclass(frozen=True)
class RateLimit:
    """A bucket of calls per client address. `rate` None means the setting `setting` (by
    default RATELIMIT_PUBLIC), read when the limit is checked."""

    group: str
    rate: str | None = None
    setting: str = "RATELIMIT_PUBLIC"

    def effective_rate(self) -> str:
        return self.rate or str(getattr(settings, self.setting))


def rate_limit_key(group: str, request: HttpRequest) -> str:
    """The bucket of the caller: its address, or its /64 network for IPv6."""
    address = ipaddress.ip_address(client_ip(request))
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/{IPV6_BUCKET_PREFIX}", strict=False))
    return str(address)


def rate_limit_enforce(request: HttpRequest, limit: RateLimit) -> None:
    """Count this call in the caller's bucket; raise RateLimited (with the seconds left in the
    window) when the bucket is full."""
    if not settings.RATELIMIT_ENABLE:
        return
    usage = get_usage(
        request,
        group=f"satupintu.{limit.group}",
        key=rate_limit_key,
        rate=limit.effective_rate(),
        method=is_ratelimited.ALL,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        raise RateLimited(retry_after=max(1, int(usage["time_left"])))


def rate_limited_response(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """429 as JSON under /api/ and as a page elsewhere, with Retry-After."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": exc.as_detail()}, status=429)
    else:
        response = render(
            request, "core/rate_limited.html", {"retry_after": exc.retry_after}, status=429
        )
    response["Retry-After"] = str(exc.retry_after)
    return response


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def rate_limited(limit: RateLimit, *, methods: Iterable[str] = ("POST",)) -> Callable[[View], View]:
    """Decorate a page view that anonymous visitors may post to: their calls with one of
    `methods` count in `limit`'s bucket, before the view reads the body."""
    counted = frozenset(m.upper() for m in methods)

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method in counted and not request.user.is_authenticated:
                try:
                    rate_limit_enforce(request, limit)
                except RateLimited as exc:
                    return rate_limited_response(request, exc)
            return view(request, *args, **kwargs)

        wrapper.rate_limit = limit  # type: ignore[attr-defined]
        return cast(View, wrapper)

    return decorate
