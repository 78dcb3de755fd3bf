from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from satupintu.accounts.models import (
    ApiToken,
    Membership,
    User,
    api_token_cache_key,
    api_tokens_forget_cached,
)
from satupintu.core.audit import audit_record

# How often at most a token's "last used" time is written: devices call many times a minute,
# and touching the row on every call would serialise them.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def api_token_default_expiry(user: User) -> datetime | None:
    """When a new token of `user` expires: API_TOKEN_DAYS for people, API_TOKEN_DEVICE_DAYS for
    kiosks and boards (0: never)."""
    days = settings.API_TOKEN_DEVICE_DAYS if user.is_device else settings.API_TOKEN_DAYS
    return timezone.now() + timedelta(days=days) if days > 0 else None


@transaction.atomic
def api_token_issue(
    *,
    user: User,
    name: str = "",
    expires_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> str:
    """Create a token for `user` and return it in full; only its hash is kept. Without
    `expires_at` it expires after the configured lifetime."""
    if expires_at is None:
        expires_at = api_token_default_expiry(user)
    raw, prefix = ApiToken.new_raw_token()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=prefix,
        key_hash=ApiToken.hash(raw),
        expires_at=expires_at,
    )
    audit_record(
        actor=user, action="token", obj=token, summary=f"API token {prefix} issued", request=request
    )
    return raw


# A device or console sends its token with every request; the token row and its user are kept
# in the cache this long so that a request does not start with a database read. Revoking a token
# drops the entry at once (`api_token_revoke`); the expiry bounds how long a change made
# elsewhere (a user deactivated, an expiry date edited in the admin, another server process with
# a per-process cache) takes to be seen.
TOKEN_CACHE_SECONDS = 10


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a bearer token, or None."""
    prefix, _, _secret = raw.partition(".")
    if len(prefix) != ApiToken.PREFIX_LENGTH:
        return None
    key = api_token_cache_key(prefix)
    token = cache.get(key)
    if token is None:
        # The password hash stays out of the cache (it may be a shared Redis).
        token = (
            ApiToken.objects.select_related("user")
            .defer("user__password")
            .filter(prefix=prefix)
            .first()
        )
        if token is not None:
            cache.set(key, token, TOKEN_CACHE_SECONDS)
    if token is None or not token.is_usable():
        return None
    if not hmac.compare_digest(token.key_hash, ApiToken.hash(raw)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        cache.set(key, token, TOKEN_CACHE_SECONDS)
    return token.user


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key = api_token_cache_key(token.prefix)
    # Now, and again after commit: a request between the two may have cached the row unrevoked.
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def api_tokens_forget(*, user: User) -> None:
    """Drop the cached rows of `user`'s tokens (see `api_tokens_forget_cached`)."""
    api_tokens_forget_cached(user.pk)


@transaction.atomic
def membership_grant(
    *, user: User, mall_id: int, role: str, agency_id: int | None = None
) -> Membership:
    membership = Membership(user=user, mall_id=mall_id, role=role, agency_id=agency_id)
    membership.full_clean()
    membership.save()
    return membership
