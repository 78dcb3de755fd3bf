"""How API callers authenticate: the auth objects every app's router uses.

They live here, next to the tokens they check, so that an app's `api.py` needs nothing from the
project wiring (`satupintu.api`), which sits above every app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from satupintu.accounts.services import api_token_authenticate


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


def anonymous(request: HttpRequest) -> bool:
    """Lets a public endpoint through without credentials; handlers still see who is signed in."""
    return True


STAFF_AUTH = [BearerTokenAuth(), SessionAuth()]
PUBLIC_AUTH = [BearerTokenAuth(), SessionAuth(), anonymous]
