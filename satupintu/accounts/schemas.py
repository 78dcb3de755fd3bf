from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL: a user name with one is bad input (422), not a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class TokenIn(Schema):
    username: Text = Field(min_length=1, max_length=150)
    password: Text = Field(min_length=1, max_length=256)
    name: Text = Field(default="", max_length=100, description="A label for the token")


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    is_superuser: bool
    is_device: bool
    roles: list[dict]
