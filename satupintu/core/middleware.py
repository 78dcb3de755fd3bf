"""Turns the domain's `NotFound` into Django's 404 for every page, in one place.

Selectors and access helpers raise `NotFound` both for a missing row and for one the person may
not see; a page view simply lets it propagate. The API maps the same error itself (JSON, in
`satupintu/api.py`), so only page views ever reach this."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.deprecation import MiddlewareMixin

from satupintu.core.errors import NotFound


class NotFoundAs404Middleware(MiddlewareMixin):
    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotFound):
            # Raised, not rendered here: Django's own 404 handling (the site's 404 page, or the
            # debug page) answers, exactly as for an Http404 raised by the view.
            raise Http404(exception.message) from exception
