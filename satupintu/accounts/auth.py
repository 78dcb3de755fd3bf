"""Who is calling the JSON API: a bearer token, a browser session, or nobody.

Every operation declares one of these as its `auth`:

- `STAFF_AUTH` (the API's default): a bearer token or a signed-in browser session; else 401.
- `public_auth(group, rate=...)`: the same, and anonymous callers too, counted in the rate-limit
  bucket `group` (see `satupintu.core.ratelimit`).
- `anonymous_only(group, rate=...)`: nobody is signed in by the request itself (the token
  endpoint, signed callbacks, public verification); every call counts in the bucket.

CSRF protects what a browser session may do: a request that a session cookie signs in must
carry the CSRF token (403 otherwise). A bearer token never needs one, and neither does an
anonymous request without a session (a kiosk app, a bot, a partner system): it has nothing a
forged request could abuse. ninja authenticates before it reads the body, so the rate limit is
checked before an anonymous upload is read.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from satupintu.accounts.services import api_token_authenticate
from satupintu.core.ratelimit import RateLimit, rate_limit_enforce


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


class SessionCookieAuth(APIKeyCookie):
    """A signed-in browser session, with Django's CSRF check. A cookie that signs nobody in
    (none, expired, an anonymous visitor's session) is no authentication at all, so the next
    way in (anonymous, where the operation allows it) is tried without a CSRF check."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # ninja's own check runs before it knows whether the cookie signs anyone in.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if key is None or user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(
                403,
                "CSRF check failed: a signed-in browser session must send the "
                "CSRF token (X-CSRFToken header)",
            )
        return user


class AnonymousAccess:
    """Lets a caller without credentials through, counting the call in `limit`'s bucket first
    (429 when it is full)."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit

    def __call__(self, request: HttpRequest) -> bool:
        rate_limit_enforce(request, self.limit)
        return True


STAFF_AUTH: list[Any] = [BearerTokenAuth(), SessionCookieAuth()]


def public_auth(group: str, *, rate: str | None = None) -> list[Any]:
    """Staff, devices and (rate limited) anonymous callers. `rate` None: RATELIMIT_PUBLIC."""
    return [*STAFF_AUTH, AnonymousAccess(RateLimit(group, rate))]


def anonymous_only(group: str, *, rate: str | None = None) -> list[Any]:
    """Every caller counts in the bucket, signed in or not (signed callbacks, verification)."""
    return [AnonymousAccess(RateLimit(group, rate))]


# Sign-in attempts per client address, on the login page and the token endpoint together.
LOGIN_LIMIT = RateLimit("login", setting="RATELIMIT_LOGIN")
