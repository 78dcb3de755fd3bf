from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from satupintu.accounts.models import ApiToken, Membership, User
from satupintu.core.audit import audit_record

TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


@transaction.atomic
def api_token_issue(
    *, user: User, name: str = "", expires_at: Any = None, request: HttpRequest | None = None
) -> str:
    """Create a token for `user` and return it in full; only its hash is kept."""
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


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a bearer token, or None."""
    prefix, _, _secret = raw.partition(".")
    if len(prefix) != ApiToken.PREFIX_LENGTH:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.key_hash, ApiToken.hash(raw)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        # Devices call many times a minute; touching the row on every call would serialise them.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def membership_grant(
    *, user: User, mall_id: int, role: str, agency_id: int | None = None
) -> Membership:
    membership = Membership(user=user, mall_id=mall_id, role=role, agency_id=agency_id)
    membership.full_clean()
    membership.save()
    return membership
