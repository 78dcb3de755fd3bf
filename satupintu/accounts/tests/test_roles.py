"""The role table: written once in code, shown in docs/ARCHITECTURE.md, and read the same way
by `scope_for` for every kind of account."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from satupintu.accounts.models import Role
from satupintu.accounts.roles import ROLE_TABLE, Reach, role_table_markdown, scope_for
from satupintu.accounts.tests.factories import UserFactory, user_with_role
from satupintu.catalog.tests.factories import AgencyFactory, MallFactory

DOCS = Path(__file__).resolve().parents[3] / "docs" / "ARCHITECTURE.md"


def test_the_architecture_page_shows_the_table_of_the_code() -> None:
    assert role_table_markdown() in DOCS.read_text(encoding="utf-8")


def test_every_grant_names_a_known_role_and_reach() -> None:
    known = {*Role.values, "anonymous", "applicant"}
    for entity, actions in ROLE_TABLE.items():
        for action, grants in actions.items():
            assert action in {"view", "change", "add", "delete", "administer"}, (entity, action)
            assert set(grants) <= known, (entity, action)
            assert all(isinstance(reach, Reach) for reach in grants.values())


@pytest.mark.django_db
def test_scope_for_reads_memberships_per_reach() -> None:
    mall, other = MallFactory(), MallFactory()
    agency = AgencyFactory(mall=mall)
    agency_admin = user_with_role(Role.AGENCY_ADMIN, mall=mall, agency=agency)
    scope = scope_for(agency_admin, "ticket", "change")
    assert scope.agency_ids == {agency.pk}
    assert not scope.mall_ids
    assert scope.covers(mall_id=mall.pk, agency_ids=[agency.pk])
    assert not scope.covers(mall_id=mall.pk, agency_ids=[agency.pk + 1000])
    supervisor = user_with_role(Role.SUPERVISOR, mall=mall)
    assert scope_for(supervisor, "ticket", "view").mall_ids == {mall.pk}
    assert not scope_for(supervisor, "ticket", "view").covers(mall_id=other.pk)
    cashier = user_with_role(Role.CASHIER, mall=mall)
    assert not scope_for(cashier, "dossier", "view").staff
    assert scope_for(cashier, "bill", "change").mall_ids == {mall.pk}
    outreach = user_with_role(Role.OUTREACH_OFFICER, mall=mall)
    assert scope_for(outreach, "dossier", "view").outreach_mall_ids == {mall.pk}
    assert scope_for(outreach, "dossier", "view").mall_ids == frozenset()
    root = UserFactory(is_superuser=True)
    assert scope_for(root, "dossier", "change").everywhere
    gone = UserFactory(is_superuser=True, is_active=False)
    assert not scope_for(gone, "dossier", "view").staff
    anonymous = scope_for(AnonymousUser(), "service", "view")
    assert anonymous.public
    assert not anonymous.staff
    assert not scope_for(AnonymousUser(), "ticket", "view").public
