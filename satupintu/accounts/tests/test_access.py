"""The access helpers every other app builds on: grants and denials of `has_role`,
`agency_scope` and `mall_ids_with_role`."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from satupintu.accounts.models import Role
from satupintu.accounts.selectors import (
    agency_scope,
    has_role,
    is_mall_admin,
    mall_ids_with_role,
    memberships_of,
    staff_roles_summary,
)
from satupintu.accounts.services import membership_grant
from satupintu.accounts.tests.factories import (
    DeviceUserFactory,
    MembershipFactory,
    UserFactory,
    user_with_role,
)
from satupintu.catalog.models import Service
from satupintu.catalog.tests.factories import AgencyFactory, MallFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mall = MallFactory(slug="yk")
    other_mall = MallFactory(slug="solo")
    dukcapil = AgencyFactory(mall=mall, slug="disdukcapil")
    polres = AgencyFactory(mall=mall, slug="polresta")
    solo_agency = AgencyFactory(mall=other_mall, slug="disdukcapil")
    services = {
        "ktp": ServiceFactory(agency=dukcapil),
        "skck": ServiceFactory(agency=polres),
        "solo": ServiceFactory(agency=solo_agency),
    }
    return {
        "mall": mall,
        "other_mall": other_mall,
        "dukcapil": dukcapil,
        "polres": polres,
        "services": services,
    }


def test_anonymous_has_no_role(world) -> None:
    anonymous = AnonymousUser()
    assert not has_role(anonymous, mall_id=world["mall"].pk, roles=list(Role.values))
    assert mall_ids_with_role(anonymous, [Role.MALL_ADMIN]) == set()
    assert not Service.objects.filter(agency_scope(anonymous, roles=list(Role.values))).exists()


def test_a_superuser_may_do_everything_everywhere(world) -> None:
    root = UserFactory(is_superuser=True, is_staff=True)
    assert has_role(root, mall_id=world["other_mall"].pk, roles=[Role.MALL_ADMIN])
    assert has_role(
        root, mall_id=world["mall"].pk, roles=[Role.AGENCY_ADMIN], agency_id=world["polres"].pk
    )
    assert mall_ids_with_role(root, [Role.MALL_ADMIN]) is None
    assert Service.objects.filter(agency_scope(root, roles=[Role.BACK_OFFICE_OFFICER])).count() == 3


def test_an_inactive_superuser_may_do_nothing(world) -> None:
    root = UserFactory(is_superuser=True, is_active=False)
    assert not has_role(root, mall_id=world["mall"].pk, roles=[Role.MALL_ADMIN])
    assert mall_ids_with_role(root, [Role.MALL_ADMIN]) == set()


def test_a_mall_admin_is_admin_of_that_mall_only(world) -> None:
    admin = user_with_role(Role.MALL_ADMIN, mall=world["mall"])
    assert is_mall_admin(admin, world["mall"].pk)
    assert not is_mall_admin(admin, world["other_mall"].pk)
    # A mall-wide role covers every agency of the mall.
    assert has_role(
        admin, mall_id=world["mall"].pk, roles=[Role.MALL_ADMIN], agency_id=world["polres"].pk
    )
    assert not has_role(admin, mall_id=world["mall"].pk, roles=[Role.AGENCY_ADMIN])
    assert mall_ids_with_role(admin, [Role.MALL_ADMIN]) == {world["mall"].pk}


def test_an_agency_role_covers_its_agency_only(world) -> None:
    officer = user_with_role(Role.BACK_OFFICE_OFFICER, mall=world["mall"], agency=world["dukcapil"])
    mall_id = world["mall"].pk
    roles = [Role.BACK_OFFICE_OFFICER]
    assert has_role(officer, mall_id=mall_id, roles=roles, agency_id=world["dukcapil"].pk)
    assert not has_role(officer, mall_id=mall_id, roles=roles, agency_id=world["polres"].pk)
    assert not has_role(officer, mall_id=world["other_mall"].pk, roles=roles)
    assert not has_role(
        officer, mall_id=mall_id, roles=[Role.AGENCY_ADMIN], agency_id=world["dukcapil"].pk
    )
    visible = set(Service.objects.filter(agency_scope(officer, roles=roles)))
    assert visible == {world["services"]["ktp"]}


def test_the_same_agency_slug_in_another_mall_is_another_agency(world) -> None:
    officer = user_with_role(Role.BACK_OFFICE_OFFICER, mall=world["mall"], agency=world["dukcapil"])
    scope = agency_scope(officer, roles=[Role.BACK_OFFICE_OFFICER])
    assert world["services"]["solo"] not in Service.objects.filter(scope)


def test_a_mall_wide_role_scopes_to_every_agency_of_its_mall(world) -> None:
    supervisor = user_with_role(Role.SUPERVISOR, mall=world["mall"])
    visible = set(Service.objects.filter(agency_scope(supervisor, roles=[Role.SUPERVISOR])))
    assert visible == {world["services"]["ktp"], world["services"]["skck"]}
    # A role the person does not hold gives nothing.
    assert not Service.objects.filter(agency_scope(supervisor, roles=[Role.MALL_ADMIN])).exists()


def test_roles_in_two_agencies_add_up(world) -> None:
    officer = user_with_role(Role.BACK_OFFICE_OFFICER, mall=world["mall"], agency=world["dukcapil"])
    MembershipFactory(
        user=officer, mall=world["mall"], agency=world["polres"], role=Role.BACK_OFFICE_OFFICER
    )
    visible = set(Service.objects.filter(agency_scope(officer, roles=[Role.BACK_OFFICE_OFFICER])))
    assert visible == {world["services"]["ktp"], world["services"]["skck"]}


def test_an_inactive_person_loses_every_role(world) -> None:
    admin = user_with_role(Role.MALL_ADMIN, mall=world["mall"], is_active=False)
    assert not is_mall_admin(admin, world["mall"].pk)
    assert not memberships_of(admin).exists()


def test_roles_summary_for_the_staff_page(world) -> None:
    officer = user_with_role(Role.AGENCY_ADMIN, mall=world["mall"], agency=world["polres"])
    [summary] = staff_roles_summary(officer)
    assert summary["role"] == "agency_admin"
    assert summary["mall"] == "yk"
    assert summary["agency_id"] == world["polres"].pk


def test_membership_grant_checks_the_rules(world) -> None:
    user = UserFactory()
    with pytest.raises(ValidationError) as info:
        membership_grant(user=user, mall_id=world["mall"].pk, role=Role.AGENCY_ADMIN)
    assert "agency" in info.value.message_dict
    with pytest.raises(ValidationError):
        membership_grant(
            user=user,
            mall_id=world["other_mall"].pk,
            role=Role.AGENCY_ADMIN,
            agency_id=world["polres"].pk,
        )
    with pytest.raises(ValidationError) as info:
        membership_grant(user=user, mall_id=world["mall"].pk, role=Role.KIOSK)
    assert "role" in info.value.message_dict
    assert not user.memberships.exists()
    granted = membership_grant(
        user=user, mall_id=world["mall"].pk, role=Role.AGENCY_ADMIN, agency_id=world["polres"].pk
    )
    assert granted.pk
    device = DeviceUserFactory()
    assert membership_grant(user=device, mall_id=world["mall"].pk, role=Role.KIOSK).pk
