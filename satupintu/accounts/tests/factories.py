from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from satupintu.accounts.models import ApiToken, Membership, Role, User
from satupintu.accounts.services import api_token_issue
from satupintu.catalog.tests.factories import MallFactory


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Petugas {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class DeviceUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"device{n}")
    is_device = True


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    mall = factory.SubFactory(MallFactory)
    role = Role.COUNTER_OFFICER
    agency = None


class ApiTokenFactory(DjangoModelFactory):
    """A stored token row; its raw secret is lost, as in production (use `bearer` to call)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "script"
    prefix = factory.Sequence(lambda n: f"{n:08x}")
    key_hash = factory.LazyFunction(lambda: ApiToken.hash(ApiToken.new_raw_token()[0]))


def user_with_role(
    role: str, *, mall: object, agency: object = None, **user_fields: object
) -> User:
    """A user holding one role in `mall` (and `agency` for agency roles)."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, mall=mall, agency=agency, role=role)
    return user


def bearer(user: User) -> dict[str, str]:
    """Headers for the Django test client carrying a fresh API token of `user`."""
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user)}"}
