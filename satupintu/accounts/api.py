from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest
from ninja import Router

from satupintu.accounts.auth import LOGIN_LIMIT, AnonymousAccess
from satupintu.accounts.schemas import MeOut, TokenIn, TokenOut
from satupintu.accounts.selectors import staff_roles_summary
from satupintu.accounts.services import api_token_issue
from satupintu.core.errors import DomainError, RateLimited
from satupintu.core.schemas import ErrorOut

router = Router(tags=["auth"])


class WrongCredentials(DomainError):
    status_code = 401


@router.post(
    "/auth/token", response={200: TokenOut, 401: ErrorOut}, auth=[AnonymousAccess(LOGIN_LIMIT)]
)
def token_create(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    """Sign in for a token. Attempts count per client address whatever the user name (the
    login page's bucket), and repeated failures lock the user name at that address."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        raise RateLimited("Too many failed sign-ins: this account is locked for a while")
    if user is None or not user.is_active:
        raise WrongCredentials("Wrong user name or password", code="wrong_credentials")
    token = api_token_issue(user=user, name=payload.name, request=request)
    # A token is a sign-in: tell axes (which clears the failures counted so far, as
    # AXES_RESET_ON_SUCCESS asks) and record the time of the last sign-in like a page login does.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return {"token": token}


@router.get("/auth/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": getattr(user, "full_name", ""),
        "is_superuser": user.is_superuser,
        "is_device": getattr(user, "is_device", False),
        "roles": staff_roles_summary(user),
    }
