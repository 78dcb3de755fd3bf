"""The project's middleware: errors answered the same way everywhere, and the middleware a JSON
API request authenticated by a bearer token does not need.

- `api_errors_as_json`: errors under /api/ are always JSON (API.md, "General rules"). The API
  answers its own errors in JSON, but some answers are made around it: a path that matches no
  operation (404), a method an operation does not take (405), a crash (500), Django refusing a
  request before the API sees it (400, 403, 413). First in the stack, it turns any such non-JSON
  error answer under /api/ into `{"detail": "<reason>"}` with the same status and the headers a
  client needs (Allow, Retry-After).
- `NotFoundAs404Middleware`: the domain's `NotFound` becomes Django's 404 for every page.
  Selectors and access helpers raise `NotFound` both for a missing row and for one the person
  may not see; a page view simply lets it propagate. The API maps the same error itself (JSON,
  in `satupintu/api.py`), so only page views ever reach this.
- A kiosk or a counter console calls the API many times a minute with `Authorization: Bearer
  ...`: it has no session cookie to load, no CSRF token to check (a bearer token is not sent by
  browsers on their own), no flash messages and no htmx headers. (The login lock-out middleware
  stays: it only looks at the answer, and its system check wants it by its own name.)
  `unless_bearer_api(path)` wraps such a middleware so that these requests skip it; every other
  request (pages, session-authenticated API calls) goes through it unchanged. A skipped request
  gets an anonymous `request.user` until the API's bearer authentication sets the token's user,
  so a wrong token can never fall back to a session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.decorators import sync_and_async_middleware
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

from satupintu.core.errors import NotFound

API_PREFIX = "/api/"


class NotFoundAs404Middleware(MiddlewareMixin):
    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotFound):
            # Raised, not rendered here: Django's own 404 handling (the site's 404 page, or the
            # debug page) answers, exactly as for an Http404 raised by the view.
            raise Http404(exception.message) from exception


def is_bearer_api_request(request: HttpRequest) -> bool:
    return (
        request.path_info.startswith(API_PREFIX)
        and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
    )


def unless_bearer_api(path: str) -> type:
    """A subclass of the middleware at `path` (so that checks looking for it still find it)
    that hands bearer-token API requests straight to the next layer. Under ASGI the next layer
    answers a coroutine, which is what the caller awaits, so one method serves both modes."""
    base: Any = import_string(path)

    def __call__(self: Any, request: HttpRequest) -> Any:
        if is_bearer_api_request(request):
            _anonymous_until_authenticated(request)
            return self.get_response(request)
        return base.__call__(self, request)

    def process_view(
        self: Any, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if is_bearer_api_request(request):
            return None
        result: HttpResponse | None = base.process_view(self, request, view, args, kwargs)
        return result

    methods: dict[str, Any] = {"__call__": __call__, "__module__": __name__}
    if hasattr(base, "process_view"):
        methods["process_view"] = process_view
    return type(f"{base.__name__}UnlessBearerApi", (base,), methods)


def _anonymous_until_authenticated(request: HttpRequest) -> None:
    if not hasattr(request, "user"):
        request.user = AnonymousUser()


SessionMiddleware = unless_bearer_api("django.contrib.sessions.middleware.SessionMiddleware")
CsrfViewMiddleware = unless_bearer_api("django.middleware.csrf.CsrfViewMiddleware")
AuthenticationMiddleware = unless_bearer_api(
    "django.contrib.auth.middleware.AuthenticationMiddleware"
)
MessageMiddleware = unless_bearer_api("django.contrib.messages.middleware.MessageMiddleware")
HtmxMiddleware = unless_bearer_api("django_htmx.middleware.HtmxMiddleware")


KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _as_json(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if (
        response.status_code < 400
        or response.streaming
        or not request.path.startswith(API_PREFIX)
        or response.get("Content-Type", "").startswith("application/json")
    ):
        return response
    answer = JsonResponse({"detail": response.reason_phrase}, status=response.status_code)
    for header in KEPT_HEADERS:
        if header in response:
            answer[header] = response[header]
    return answer


@sync_and_async_middleware
def api_errors_as_json(get_response: Any) -> Any:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            return _as_json(request, await get_response(request))

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        return _as_json(request, get_response(request))

    return middleware
