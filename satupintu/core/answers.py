"""JSON answers of the API: one encoder for every answer (orjson, dates and anything orjson does
not know through ninja's encoder), and `schema_answer` for the hot operations of the queue.

ninja checks every answer against the operation's response schema: it wraps the returned
dictionary in a `DjangoGetter`, validates it field by field with pydantic and dumps it again.
For a ticket that was about a sixth of the Python work of a hot operation (issue #15,
docs/BENCHMARKS.md).
`schema_answer` writes the same JSON straight from the dictionary: the schema's fields in the
schema's order, a field missing from the dictionary as the schema's default (a missing field
without one is an error, as it is for ninja), keys the schema does not declare left out, nested
schemas the same way. The operation still declares its response schema, so the OpenAPI document
does not change; `tests/test_answers.py` checks that both ways write the same bytes."""

from __future__ import annotations

from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin

import orjson
from django.http import HttpResponse
from ninja import Schema
from ninja.responses import NinjaJSONEncoder
from pydantic.fields import FieldInfo

CONTENT_TYPE = "application/json; charset=utf-8"

_fallback = NinjaJSONEncoder()
_options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def encode(data: Any) -> bytes:
    """`data` as the API writes it: orjson, with ninja's encoder for dates, times, decimals,
    lazy translations and the rest (so every value reads as ninja's own encoder writes it)."""
    return orjson.dumps(data, default=_fallback.default, option=_options)


_REQUIRED = object()

# (field name, default or _REQUIRED, the nested schema's plan or None)
Plan = tuple[tuple[str, Any, Any], ...]


def _nested_schema(annotation: Any) -> type[Schema] | None:
    """The schema a field holds (`X` or `X | None`), if it holds one."""
    if isinstance(annotation, type) and issubclass(annotation, Schema):
        return annotation
    if get_origin(annotation) in (Union, UnionType):
        schemas = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, Schema)]
        others = [a for a in get_args(annotation) if a is not type(None) and a not in schemas]
        if len(schemas) == 1 and not others:
            return schemas[0]
    return None


def _default(field: FieldInfo) -> Any:
    if field.is_required():
        return _REQUIRED
    if field.default_factory is not None:
        raise TypeError("schema_answer does not take fields with a default factory")
    return field.default


@cache
def _plan(schema: type[Schema]) -> Plan:
    plan = []
    for name, field in schema.model_fields.items():
        if field.alias or field.serialization_alias:
            raise TypeError(f"schema_answer does not take aliases ({schema.__name__}.{name})")
        nested = _nested_schema(field.annotation)
        plan.append((name, _default(field), _plan(nested) if nested else None))
    return tuple(plan)


def _shape(plan: Plan, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, default, nested in plan:
        if name in data:
            value = data[name]
            out[name] = _shape(nested, value) if nested is not None and value is not None else value
        elif default is _REQUIRED:
            raise KeyError(f"the answer has no {name!r}")
        else:
            out[name] = default
    return out


def schema_answer(schema: type[Schema], data: dict[str, Any], status: int = 200) -> HttpResponse:
    """The answer ninja would give for `data` under the response schema `schema`, without
    validating it again (see the module's docstring)."""
    return HttpResponse(
        encode(_shape(_plan(schema), data)), status=status, content_type=CONTENT_TYPE
    )
