"""The OpenAPI document is the contract (API.md, "General rules"), checked for every operation,
so that a new endpoint cannot leave it out:

- every operation documents its error answers with the error body;
- every operation open to anonymous callers has a rate limit, and the limit is really checked
  before the request is read;
- every input is bounded: integers have a maximum, free text refuses NUL, bodies refuse unknown
  fields, times are HH:MM.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, RequestFactory

from satupintu.api import api
from satupintu.core.errors import RateLimited
from satupintu.core.ratelimit import RateLimit, rate_limit_enforce

pytestmark = pytest.mark.django_db

# Multipart uploads are read by Django's form parser: the file and its few form fields.
FORM_BODIES = {"multipart/form-data"}
STRING_RULES = {"pattern", "enum", "format", "const"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return api.get_openapi_schema()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", path, operation


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def loose_inputs(document: dict[str, Any], schema: dict[str, Any], where: str) -> list[str]:
    """What an input schema leaves unbounded: integers without a maximum, strings without a
    pattern/enum/format, objects that accept undeclared properties, times of day as time."""
    found: list[str] = []
    seen: set[str] = set()

    def walk(node: dict[str, Any], at: str) -> None:
        if "$ref" in node:
            if node["$ref"] in seen:
                return
            seen.add(node["$ref"])
        node = _resolve(document, node)
        for key in ("anyOf", "oneOf", "allOf"):
            for option in node.get(key, []):
                walk(option, at)
        kind = node.get("type")
        if node.get("format") == "time":
            found.append(f"{at}: a time without the HH:MM rule")
        if kind == "integer" and "maximum" not in node:
            found.append(f"{at}: an integer without a maximum")
        if kind == "string" and not STRING_RULES & set(node):
            found.append(f"{at}: free text without a rule (use core.schemas.Text)")
        if "properties" in node:
            if node.get("additionalProperties") is not False:
                found.append(f"{at}: an object that takes unknown fields (use InputSchema)")
            for name, child in node["properties"].items():
                walk(child, f"{at}.{name}")
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{at}.*")
        if kind == "array":
            walk(node.get("items", {}), f"{at}[]")

    walk(schema, where)
    return found


def test_every_operation_documents_its_error_answers(document) -> None:
    assert "ErrorOut" in document["components"]["schemas"]
    missing = []
    for name, path, operation in operations(document):
        responses = operation["responses"]
        writes = not name.startswith("GET ")
        expected = {"422"} if (operation.get("parameters") or writes) else set()
        if "{" in path:
            expected |= {"404", "422"}
        if writes:
            expected |= {"400", "409", "413"}
        expected |= {"429"} if "x-rate-limit" in operation else {"401"}
        for status in sorted(expected - set(map(str, responses))):
            missing.append(f"{name}: {status}")
        for status, answer in responses.items():
            if int(status) >= 400:
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (name, status)
    assert not missing, missing


def test_every_operation_open_to_anonymous_callers_declares_a_rate_limit(document) -> None:
    unlimited = [
        name
        for name, _path, operation in operations(document)
        if (not operation.get("security") or {} in operation["security"])
        and "x-rate-limit" not in operation
    ]
    assert not unlimited
    anonymous = [name for name, _path, op in operations(document) if "x-rate-limit" in op]
    assert len(anonymous) >= 25, anonymous  # the catalog, queue, dossier, feedback, ... ones


def _fill_bucket(limit: dict[str, str]) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")
    bucket = RateLimit(limit["group"], limit["rate"])
    for _ in range(10_000):
        try:
            rate_limit_enforce(request, bucket)
        except RateLimited:
            return
    raise AssertionError(f"the bucket {limit} never filled")


@pytest.mark.usefixtures("frozen_rate_windows")
def test_every_anonymous_operation_checks_its_limit_before_reading_the_request(
    document, settings
) -> None:
    settings.RATELIMIT_ENABLE = True
    for name, path, operation in operations(document):
        if "x-rate-limit" not in operation:
            continue
        _fill_bucket(operation["x-rate-limit"])
        url = re.sub(r"\{[^}]+\}", "1", path)
        method = name.split(" ")[0].lower()
        # Not even a body: the answer must be the 429, not a 422 about the missing input.
        response = getattr(Client(), method)(url, content_type="application/json")
        assert response.status_code == 429, (name, response.status_code, response.content)
        assert int(response["Retry-After"]) >= 1
        assert response.json()["detail"]


def test_every_input_is_bounded(document) -> None:
    loose = []
    for name, _path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            where = f"{name} {parameter['in']}.{parameter['name']}"
            loose += loose_inputs(document, parameter["schema"], where)
        for content_type, content in operation.get("requestBody", {}).get("content", {}).items():
            found = loose_inputs(document, content["schema"], f"{name} body")
            if content_type in FORM_BODIES:
                found = [f for f in found if "unknown fields" not in f]
            loose += found
    assert not loose, "\n".join(loose)


def test_times_of_day_go_out_as_hh_mm(document) -> None:
    schemas = document["components"]["schemas"]
    times = [
        name
        for name, schema in schemas.items()
        for prop in schema.get("properties", {}).values()
        if prop.get("format") == "time"
    ]
    assert not times
    assert schemas["OpeningHoursSchema"]["properties"]["opens"]["pattern"]
