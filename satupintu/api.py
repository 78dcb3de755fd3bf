"""The JSON API under /api/v1/ (API.md): authentication, error mapping, the documented error
answers of every operation, and the routers."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.renderers import JSONRenderer

from satupintu.accounts.auth import STAFF_AUTH, AnonymousAccess, SessionCookieAuth
from satupintu.core.answers import encode
from satupintu.core.errors import Conflict, DomainError, RateLimited
from satupintu.core.schemas import ErrorOut

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ERROR_SCHEMA_REF = {"$ref": "#/components/schemas/ErrorOut"}


class FastJSONRenderer(JSONRenderer):
    """Answers encoded by orjson (several times faster than the standard library's encoder);
    dates and times, and anything orjson does not know, still go through ninja's encoder, so
    every value reads exactly as before."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        return encode(data)


ERROR_DESCRIPTIONS = {
    400: "Malformed request: the body is not valid JSON or not a readable multipart upload",
    401: "No valid credentials (a bearer token or a signed-in browser session)",
    403: "A signed-in browser session sent no valid CSRF token",
    404: "No such row, or one the caller may not see",
    409: "Not allowed in the current state (the reason is in `detail`, its code in `code`)",
    413: "The request body is larger than the server accepts",
    422: "Invalid input: `detail` names each field (`loc`) and the rule broken (`msg`, `type`)",
    429: "Rate limit of anonymous calls hit: retry after `Retry-After` seconds",
}


def operation_rate_limit(operation: Operation) -> AnonymousAccess | None:
    """The anonymous way into `operation` (with its rate limit), if it has one."""
    for callback in operation.auth_callbacks:
        if isinstance(callback, AnonymousAccess):
            return callback
    return None


def operation_error_statuses(operation: Operation) -> list[int]:
    """The error answers `operation` can give, from how it is declared: its methods, inputs
    and ways in. Documented once here, so that every new operation gets them too."""
    writes = any(method not in SAFE_METHODS for method in operation.methods)
    takes_input = writes or bool(operation.models)
    anonymous = operation_rate_limit(operation)
    statuses = []
    if writes:
        statuses.append(400)
    if anonymous is None:
        statuses.append(401)
    if writes and any(isinstance(cb, SessionCookieAuth) for cb in operation.auth_callbacks):
        statuses.append(403)
    # Every authenticated operation answers 404 to a caller outside its reach (the visibility
    # layer never tells a row it may not see from one that does not exist; /me to an account
    # that is not a citizen's).
    if takes_input or anonymous is None:
        statuses.append(404)
    if writes:
        statuses += [409, 413]
    if takes_input:
        statuses.append(422)
    if anonymous is not None:
        statuses.append(429)
    return statuses


class ContractSchema(OpenAPISchema):
    """ninja's OpenAPI document, plus for every operation its error answers with the error
    body, and for operations open to anonymous callers the empty security requirement and
    their rate limit (`x-rate-limit`)."""

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        details = super().operation_details(operation)
        if "ErrorOut" not in self.schemas:
            self._add_error_schemas()
        responses = details["responses"]
        for status in operation_error_statuses(operation):
            answer: dict[str, Any] = {
                "description": ERROR_DESCRIPTIONS[status],
                "content": {"application/json": {"schema": ERROR_SCHEMA_REF}},
            }
            if status == 429:
                answer["headers"] = {
                    "Retry-After": {
                        "description": "Seconds until the rate limit's window ends",
                        "schema": {"type": "integer"},
                    }
                }
            responses.setdefault(status, answer)
        anonymous = operation_rate_limit(operation)
        if anonymous is not None:
            details.setdefault("security", []).append({})
            details["x-rate-limit"] = {
                "group": anonymous.limit.group,
                "rate": anonymous.limit.effective_rate(),
                "per": "client address",
            }
        return details

    def _add_error_schemas(self) -> None:
        schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        definitions = schema.pop("$defs", {})
        self.add_schema_definitions({**definitions, "ErrorOut": schema})


class SatuPintuAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> ValidationError:
        """ninja's 422, with the field located as the domain errors locate it: a body that is
        one schema is the body itself (`["body", "nik"]`, not `["body", "payload", "nik"]`)."""
        error = super().validation_error_from_error_contexts(error_contexts)
        single_bodies = {
            getattr(context.model, "__read_from_single_attr__", None) for context in error_contexts
        } - {None}
        for item in error.errors:
            loc = tuple(item["loc"])
            if len(loc) > 1 and loc[0] == "body" and loc[1] in single_bodies:
                item["loc"] = ("body", *loc[2:])
        return error

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ContractSchema(api=self, path_prefix=path_prefix)


api = SatuPintuAPI(
    renderer=FastJSONRenderer(),
    title="Satu Pintu API",
    version="1",
    description="The HTTP contract of Satu Pintu, the public-service mall system.",
    urls_namespace="api",
    auth=STAFF_AUTH,
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, Any] = {"detail": exc.as_detail()}
    if isinstance(exc, Conflict):
        # Why the state refuses it, as a code a client can branch on (API.md, 409).
        body["code"] = exc.code
    response = api.create_response(request, body, status=exc.status_code)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
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


@api.exception_handler(MultiPartParserError)
def malformed_upload(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": [
                {"loc": ["body"], "msg": f"Unreadable multipart body: {exc}", "type": "parse"}
            ]
        },
        status=400,
    )


@api.exception_handler(SuspiciousOperation)
def suspicious_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Django's refusals of what a client sent while the body is parsed: too large, too many
    # fields, a multipart part it will not accept. Its own answer would be an HTML page.
    if isinstance(exc, RequestDataTooBig):
        return api.create_response(request, {"detail": str(exc)}, status=413)
    logger.warning("refused request on %s: %s", request.path, exc)
    return api.create_response(request, {"detail": f"Bad request: {exc}"}, status=400)


def _register_routers() -> None:
    from satupintu.accounts.api import router as accounts_router
    from satupintu.catalog.api import router as catalog_router
    from satupintu.catalog.partners_api import router as partners_router
    from satupintu.citizens.api import router as citizens_router
    from satupintu.dossiers.api import router as dossiers_router
    from satupintu.dossiers.verify_api import router as verify_router
    from satupintu.feedback.api import router as feedback_router
    from satupintu.outreach.api import router as outreach_router
    from satupintu.planning.api import router as planning_router
    from satupintu.queueing.api import router as queueing_router
    from satupintu.reports.api import router as reports_router

    # The queue first: kiosks and counter consoles call it most, and Django tries the URL
    # patterns in order.
    api.add_router("", queueing_router)
    api.add_router("", accounts_router)
    api.add_router("", catalog_router)
    api.add_router("", partners_router)
    api.add_router("", dossiers_router)
    api.add_router("", verify_router)
    api.add_router("", outreach_router)
    api.add_router("", feedback_router)
    api.add_router("", reports_router)
    api.add_router("", planning_router)
    api.add_router("", citizens_router)


_register_routers()
