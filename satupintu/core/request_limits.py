"""Refuse request bodies over `settings.REQUEST_MAX_BODY_BYTES` before reading them.

An ASGI middleware around the whole Django application, because Django reads the complete body
before any of its own middleware or views run: a 200 MB upload to an anonymous endpoint would
be received (and spooled to disk) in full before anything could say no. Here:
- a declared `Content-Length` over the limit is answered with 413 at once, nothing read;
- a body without a length (chunked) is read up to the limit and answered with 413 as soon as it
  goes over, the rest never read; one within the limit is handed on to Django unchanged.
The answer is JSON (`{"detail": ...}`) under /api/ and a small page elsewhere; the connection
is closed after it, since the unread rest of the body cannot be skipped.

`WSGIRequestBodyLimit` does the same for the WSGI entry point. There only the declared length
matters: Django reads a WSGI body up to `CONTENT_LENGTH` and nothing without one."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Chunked bodies within the limit are kept in memory up to this size, then on disk.
SPOOL_IN_MEMORY_BYTES = 1024 * 1024
REPLAY_CHUNK_BYTES = 64 * 1024


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _language(scope: Scope) -> str:
    """The visitor's language as LocaleMiddleware would pick it: the language cookie, then
    Accept-Language, then the site's default."""
    cookie = _header(scope, b"cookie") or ""
    for part in cookie.split(";"):
        name, _sep, value = part.strip().partition("=")
        if name == settings.LANGUAGE_COOKIE_NAME and translation.check_for_language(value):
            return value
    accepted = _header(scope, b"accept-language") or ""
    for code, _quality in parse_accept_lang_header(accepted):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def too_large_response(scope: Scope, limit: int) -> tuple[bytes, bytes]:
    """The body and content type of the 413 answer for this request."""
    megabytes = max(1, limit // (1024 * 1024))
    with translation.override(_language(scope)):
        message = _("The request is too large: at most %(mb)d MB may be sent.") % {"mb": megabytes}
        if scope.get("path", "").startswith("/api/"):
            return json.dumps({"detail": message}).encode(), b"application/json"
        page = render_to_string("core/request_too_large.html", {"message": message})
        return page.encode(), b"text/html; charset=utf-8"


class RequestBodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = int(settings.REQUEST_MAX_BODY_BYTES)
        declared = _header(scope, b"content-length")
        if declared is not None:
            if declared.strip().isdigit() and int(declared) > limit:
                await self._refuse(scope, send, limit)
                return
            # The server already holds the body to the declared length.
            await self.app(scope, receive, send)
            return
        if _header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)  # no body at all
            return
        await self._chunked(scope, receive, send, limit)

    async def _chunked(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115
        try:
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body = message.get("body", b"")
                size += len(body)
                if size > limit:
                    await self._refuse(scope, send, limit)
                    return
                spool.write(body)
                if not message.get("more_body", False):
                    break
            spool.seek(0)
            await self.app(scope, self._replay(spool, size, receive), send)
        finally:
            spool.close()

    @staticmethod
    def _replay(spool: Any, size: int, receive: Receive) -> Receive:
        """A `receive` that hands out the body read into `spool` again, then the server's own
        messages (a disconnect, for a long-lived response)."""
        remaining = size
        done = False

        async def replay() -> Message:
            nonlocal remaining, done
            if done:
                return await receive()
            chunk = spool.read(REPLAY_CHUNK_BYTES)
            remaining -= len(chunk)
            done = remaining <= 0
            return {"type": "http.request", "body": chunk, "more_body": not done}

        return replay

    @staticmethod
    async def _refuse(scope: Scope, send: Send, limit: int) -> None:
        body, content_type = too_large_response(scope, limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


WSGIStartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], WSGIStartResponse], Any]


class WSGIRequestBodyLimit:
    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: WSGIStartResponse) -> Any:
        limit = int(settings.REQUEST_MAX_BODY_BYTES)
        declared = str(environ.get("CONTENT_LENGTH") or "").strip()
        if not (declared.isdigit() and int(declared) > limit):
            return self.app(environ, start_response)
        scope = {
            "path": environ.get("PATH_INFO", ""),
            "headers": [
                (b"cookie", environ.get("HTTP_COOKIE", "").encode("latin-1")),
                (b"accept-language", environ.get("HTTP_ACCEPT_LANGUAGE", "").encode("latin-1")),
            ],
        }
        body, content_type = too_large_response(scope, limit)
        start_response(
            "413 Content Too Large",
            [
                ("Content-Type", content_type.decode()),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
            ],
        )
        return [body]
