"""Optional single sign-on: an OpenID Connect provider (a regional or national identity service)
as a second way into the citizen's account, with mozilla-django-oidc (authorization code flow,
state and nonce kept in the session, the ID token's RS256 signature checked against the
provider's published keys).

On top of the library: the ID token must name us as its audience and the configured issuer
(the library checks neither), the provider must say the e-mail address or phone number is
verified, and the account is the one of that address, the same account a one-time code opens
(made at the first sign-in). Without `OIDC_OP_AUTHORIZATION_ENDPOINT` it is all switched off:
the backend answers nobody and the pages are 404."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from satupintu.citizens.models import Channel, SignInEvent
from satupintu.citizens.services import Destination, _account_for, _log
from satupintu.core.validators import validate_phone

logger = logging.getLogger(__name__)


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_OP_AUTHORIZATION_ENDPOINT", ""))


def _destination(claims: dict[str, Any]) -> Destination | None:
    """The proven address in the provider's claims: a verified e-mail, else a verified phone."""
    email = str(claims.get("email") or "").strip()
    if email and claims.get("email_verified") is True:
        local, _at, domain = email.rpartition("@")
        if local and domain:
            return Destination(Channel.EMAIL, f"{local}@{domain.lower()}")
    phone = str(claims.get("phone_number") or "").strip()
    if phone and claims.get("phone_number_verified") is True:
        try:
            return Destination(Channel.PHONE, validate_phone(phone))
        except Exception:
            return None
    return None


class CitizenOidcBackend(OIDCAuthenticationBackend):
    """Signs a citizen in from the provider's callback; nobody else, and nothing when off."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.enabled = oidc_enabled()
        if self.enabled:
            super().__init__(*args, **kwargs)

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not self.enabled or request is None or "nonce" not in kwargs:
            return None
        try:
            user = super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:
            logger.warning("single sign-on refused: %s", exc)
            return None
        if user is not None:
            _log(SignInEvent.Kind.SIGNED_IN_OIDC, request=request, via="oidc", user=user)
        return user

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        issuer = getattr(settings, "OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token from another issuer")
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return _destination(claims) is not None

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        destination = _destination(claims)
        if destination is None:
            return self.UserModel.objects.none()
        field = "citizen__phone" if destination.channel == Channel.PHONE else "citizen__email"
        return self.UserModel.objects.filter(**{field: destination.value})

    def create_user(self, claims: dict[str, Any]) -> Any:
        destination = _destination(claims)
        assert destination is not None  # verify_claims let it through
        user = _account_for(destination)
        name = " ".join(str(claims.get("name") or "").split())[:150]
        if name and not user.full_name:
            user.full_name = name
            user.save(update_fields=["full_name"])
        return user


class _Callback(OIDCAuthenticationCallbackView):
    @property
    def success_url(self) -> str:
        return "/saya/"

    @property
    def failure_url(self) -> str:
        return "/saya/masuk/?sso=gagal"


def oidc_start(request: HttpRequest) -> HttpResponse:
    """To the provider's sign-in page (404 when no provider is configured)."""
    if not oidc_enabled():
        raise Http404()
    return OIDCAuthenticationRequestView.as_view()(request)


def oidc_callback(request: HttpRequest) -> HttpResponse:
    if not oidc_enabled():
        raise Http404()
    return _Callback.as_view()(request)
