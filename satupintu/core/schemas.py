"""The building blocks of every API schema, so that each input is bounded once, the same on
SQLite and PostgreSQL (API.md, "General rules"):

- `InputSchema`: the base of every request body; an unknown field is a 422 naming it.
- `Id`: a row id, 1 .. 2**63-1 (what a BIGINT holds; SQLite overflows beyond it).
- `Count`: a small non-negative number such as a number of days.
- `Text`: text without NUL characters (PostgreSQL cannot store them; SQLite would).
- `Slug` and `Code`: a mall's slug, a tracking or check-in code in a path or query.
- `TimeOfDay`: a time of day as `HH:MM`, in and out.
- `paginated`: a list answered as `{"items", "count"}` with bounded `?limit=&offset=`.
- `ErrorOut`: the body of every error answer.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from datetime import time
from typing import Annotated, Any, TypeVar

from ninja import Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

MAX_ID = 2**63 - 1
MAX_PAGE = 1000
MAX_OFFSET = 10**9
# In the OpenAPI document, so that generated clients (and schemathesis) know the rule too.
NO_NUL_PATTERN = r"^[^\x00]*$"


def id_param(raw: str | None) -> int | None:
    """A row id from a query string or form field, or None unless it is digits within 1 ..
    MAX_ID (a larger number overflows SQLite's integer and would answer 500, not 404)."""
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def _refuse_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class InputSchema(Schema):
    """A request body: fields not declared are refused (422 naming the field)."""

    model_config = ConfigDict(extra="forbid")


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Count = Annotated[int, Field(ge=0, le=100_000)]
Text = Annotated[
    str, AfterValidator(_refuse_nul), Field(json_schema_extra={"pattern": NO_NUL_PATTERN})
]
Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")]
# Tracking, check-in, payment and verification codes, typed with hyphens or spaces; Crockford's
# check symbols of tracking codes include * ~ $ = as well.
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[-A-Za-z0-9 *~$=]+$")]

_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def _time_from_hh_mm(value: Any) -> Any:
    if isinstance(value, time):
        return value
    if isinstance(value, str) and _HH_MM.match(value):
        return time.fromisoformat(value)
    raise ValueError("must be a time of day as HH:MM")


TimeOfDay = Annotated[
    time,
    BeforeValidator(_time_from_hh_mm),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": _HH_MM.pattern, "examples": ["08:00"]}, mode=None),
]


class Pagination(LimitOffsetPagination):
    """ninja's limit/offset pagination with an upper bound on both."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


View = TypeVar("View", bound=Callable[..., Any])


def paginated(view: View) -> View:
    """ninja's `@paginate(Pagination)`. The view's annotations are resolved first: ninja reads
    string annotations (`from __future__ import annotations`) in the module of paginate's
    wrapper, where names such as `Slug` or `date` mean nothing."""
    view.__annotations__ = typing.get_type_hints(view, include_extras=True)
    return typing.cast(View, paginate(Pagination)(view))


class ErrorItemOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(Schema):
    """`detail` is a sentence, or one item per field at fault (`loc` names the field); a 409
    also says why in `code` (`mall_closed`, `agency_not_serving`, `counter_closed`, ...)."""

    detail: str | list[ErrorItemOut]
    code: str | None = None
