from ninja import Schema
from pydantic import Field

from satupintu.core.schemas import Id, InputSchema, Text


class TokenIn(InputSchema):
    username: Text = Field(min_length=1, max_length=150)
    password: Text = Field(min_length=1, max_length=256)
    name: Text = Field(default="", max_length=100, description="A label for the token")


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    id: Id
    username: str
    full_name: str
    is_superuser: bool
    is_device: bool
    roles: list[dict]
