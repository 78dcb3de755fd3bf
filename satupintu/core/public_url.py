"""This site's address as the public reaches it: what QR codes, receipts, result PDFs, e-mails
and WhatsApp messages print.

`PUBLIC_BASE_URL` when it is configured (production always configures it). When it is not (a
laptop demo), the address the current request came in on, so that `PORT=8100 make demo` opened
as http://127.0.0.1:8100 or from another machine by its name prints links that work there; with
no request at hand (a task, a command) `http://127.0.0.1:$PORT`."""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

_request_base: ContextVar[str | None] = ContextVar("public_request_base", default=None)


def _base_of(request: HttpRequest) -> str | None:
    try:
        return request.build_absolute_uri("/").rstrip("/")
    except DisallowedHost:
        return None


@sync_and_async_middleware
def public_base_url_middleware(get_response: Any) -> Any:
    """Remember the request's own address while it is handled (only used when
    `PUBLIC_BASE_URL` is not configured)."""
    from asgiref.sync import iscoroutinefunction

    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> Any:
            token = _request_base.set(_base_of(request))
            try:
                return await get_response(request)
            finally:
                _request_base.reset(token)

        return async_middleware

    def middleware(request: HttpRequest) -> Any:
        token = _request_base.set(_base_of(request))
        try:
            return get_response(request)
        finally:
            _request_base.reset(token)

    return middleware


def public_base_url() -> str:
    """The base address without a trailing slash."""
    if getattr(settings, "PUBLIC_BASE_URL_CONFIGURED", True):
        return str(settings.PUBLIC_BASE_URL).rstrip("/")
    return (_request_base.get() or str(settings.PUBLIC_BASE_URL)).rstrip("/")


def public_url(path: str) -> str:
    """`path` (absolute, e.g. '/lacak/ABCD/') on the public base address."""
    return f"{public_base_url()}/{path.lstrip('/')}"


_FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers ask for on every site whatever the page links."""
    return HttpResponse(_FAVICON.read_bytes(), content_type="image/x-icon")
