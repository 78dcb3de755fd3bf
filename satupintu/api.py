"""The JSON API under /api/v1/ (API.md): error mapping and the routers of every app (their auth
objects are in `satupintu.accounts.auth`)."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from satupintu.accounts.auth import STAFF_AUTH
from satupintu.core.errors import DomainError

logger = logging.getLogger(__name__)


api = NinjaAPI(
    title="Satu Pintu API",
    version="1",
    description="The HTTP contract of Satu Pintu, the public-service mall system.",
    urls_namespace="api",
    auth=STAFF_AUTH,
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.as_detail()}, status=exc.status_code)
    if exc.status_code == 429:
        response["Retry-After"] = "60"
    return response


@api.exception_handler(DjangoValidationError)
def django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        detail = [
            {"loc": ["body", field], "msg": str(message), "type": "value_error"}
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    else:
        detail = [{"loc": ["body"], "msg": str(m), "type": "value_error"} for m in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(DataError)
def database_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # Last line of defence: schemas bound every input, but a value the database still refuses
    # (out of range, a NUL byte in text) came from the client, so it is a 422 and not a 500.
    logger.warning("database refused client data on %s: %s", request.path, exc)
    return api.create_response(
        request,
        {"detail": "A value in the request is out of range or contains characters not allowed"},
        status=422,
    )


def _register_routers() -> None:
    from satupintu.accounts.api import router as accounts_router
    from satupintu.catalog.api import router as catalog_router
    from satupintu.catalog.partners_api import router as partners_router
    from satupintu.dossiers.api import router as dossiers_router
    from satupintu.dossiers.verify_api import router as verify_router
    from satupintu.feedback.api import router as feedback_router
    from satupintu.outreach.api import router as outreach_router
    from satupintu.queueing.api import router as queueing_router
    from satupintu.reports.api import router as reports_router

    api.add_router("", accounts_router)
    api.add_router("", catalog_router)
    api.add_router("", partners_router)
    api.add_router("", queueing_router)
    api.add_router("", dossiers_router)
    api.add_router("", verify_router)
    api.add_router("", outreach_router)
    api.add_router("", feedback_router)
    api.add_router("", reports_router)


_register_routers()
