"""Every scoped page of the Django admin, for every kind of admin, on a row of the own agency,
of another agency of the same mall and of another mall.

The expectations are written here by hand (not read from the role table, which is what is
being checked): a superuser reaches everything; a mall admin every row of their mall and
nothing of another mall; an agency admin only its own agency's services, their requirements
and its agency's staff (people, memberships). A row out of reach is missing from the change
list, its change and delete pages answer 404, and a POST to them changes nothing in the
database. A row within reach is listed, opens, and saves unchanged (or, for the read-only audit
trail, opens without a save button)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse

from satupintu.accounts.admin import ScopedModelAdmin
from satupintu.accounts.models import ApiToken, Membership, Role, User
from satupintu.accounts.tests.factories import ApiTokenFactory, user_with_role
from satupintu.catalog.models import Agency, Floor, Mall
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    BundleItemFactory,
    ClosureDayFactory,
    CounterFactory,
    FloorFactory,
    MallFactory,
    OpeningHoursFactory,
    PartnershipFactory,
    ServiceBundleFactory,
    ServiceFactory,
    ServiceRequirementFactory,
)
from satupintu.catalog.tests.test_admin import form_data
from satupintu.core.models import AuditEntry
from satupintu.outreach.models import Equipment, Vehicle
from satupintu.queueing.tests.factories import DisplayFactory, KioskFactory

pytestmark = pytest.mark.django_db

PLACES = ("own", "neighbour", "far")
# The models an agency admin manages: its services (with requirements) and its staff.
AGENCY_ADMIN_MODELS = {
    "catalog.service",
    "catalog.servicerequirement",
    "accounts.membership",
    "accounts.user",
}
READ_ONLY_MODELS = {"core.auditentry"}


def scoped_admin_models() -> list[str]:
    """Every model whose admin follows the memberships (a new scoped admin joins the test)."""
    from satupintu.accounts.admin import UserAdmin

    return sorted(
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ScopedModelAdmin | UserAdmin)
    )


def rows_for(mall: Mall, agency: Agency, tag: str, n: int) -> dict[str, models.Model]:
    """One row of every scoped admin model, belonging to `agency` where the model has an
    agency, to `mall` otherwise."""
    service = ServiceFactory(agency=agency, code=f"SVC-{tag.upper()}", name=f"Layanan {tag}")
    bundle = ServiceBundleFactory(mall=mall, code=f"BND-{tag.upper()}")
    officer = user_with_role(
        Role.BACK_OFFICE_OFFICER, mall=mall, agency=agency, username=f"bo.{tag}"
    )
    return {
        "catalog.mall": mall,
        "catalog.openinghours": OpeningHoursFactory(mall=mall, weekday=n),
        "catalog.closureday": ClosureDayFactory(mall=mall, date=date(2026, 12, 24 + n)),
        "catalog.floor": FloorFactory(mall=mall, name=f"Lantai {tag}"),
        "catalog.agency": agency,
        "catalog.partnership": PartnershipFactory(agency=agency),
        "catalog.service": service,
        "catalog.servicerequirement": ServiceRequirementFactory(service=service, key=f"r-{tag}"),
        "catalog.counter": CounterFactory(mall=mall, services=[service], name=f"Loket {tag}"),
        "catalog.servicebundle": bundle,
        "catalog.bundleitem": BundleItemFactory(bundle=bundle, service=service),
        "queueing.display": DisplayFactory(mall=mall, name=f"Papan {tag}"),
        "queueing.kiosk": KioskFactory(mall=mall, name=f"Anjungan {tag}"),
        "outreach.vehicle": Vehicle.objects.create(mall=mall, name=f"Mobil {tag}"),
        "outreach.equipment": Equipment.objects.create(mall=mall, code=f"e-{tag}", name="Genset"),
        "accounts.user": officer,
        "accounts.membership": Membership.objects.get(user=officer),
        "accounts.apitoken": ApiTokenFactory(user=officer, name=f"token {tag}"),
        "core.auditentry": AuditEntry.objects.create(
            mall_id=mall.pk, action="update", object_type="test.row", summary=f"entry {tag}"
        ),
    }


@dataclass
class World:
    rows: dict[str, dict[str, models.Model]]  # place -> model label -> row
    users: dict[str, User]


@pytest.fixture
def world() -> World:
    mall, far_mall = MallFactory(slug="yk"), MallFactory(slug="sby")
    own = AgencyFactory(mall=mall, slug="dukcapil")
    neighbour = AgencyFactory(mall=mall, slug="polresta")
    far = AgencyFactory(mall=far_mall, slug="jauh")
    own_rows = rows_for(mall, own, "own", 0)
    neighbour_rows = rows_for(mall, neighbour, "neighbour", 1)
    far_rows = rows_for(far_mall, far, "far", 2)
    users = {
        "superuser": User.objects.create_superuser("root", "root@example.test", "pw-root-123"),
        "mall_admin": user_with_role(Role.MALL_ADMIN, mall=mall, username="ma", is_staff=True),
        "agency_admin": user_with_role(
            Role.AGENCY_ADMIN, mall=mall, agency=own, username="aa", is_staff=True
        ),
        "other_mall_admin": user_with_role(
            Role.MALL_ADMIN, mall=far_mall, username="ma2", is_staff=True
        ),
    }
    return World(rows={"own": own_rows, "neighbour": neighbour_rows, "far": far_rows}, users=users)


def expected(who: str, label: str, place: str) -> bool:
    """Whether `who` reaches the row of `label` at `place` (hand-written, see the module)."""
    if who == "superuser":
        return True
    if who == "mall_admin":
        return place in ("own", "neighbour")
    if who == "other_mall_admin":
        return place == "far"
    assert who == "agency_admin"
    return label in AGENCY_ADMIN_MODELS and place == "own"


def may_use(who: str, label: str) -> bool:
    return who != "agency_admin" or label in AGENCY_ADMIN_MODELS


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(label: str, view: str, *args: Any) -> str:
    app, model = label.split(".")
    name = "auth_user" if label == "accounts.user" and view == "password_change" else None
    return reverse(f"admin:{name or f'{app}_{model}'}_{view}", args=args)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every scoped admin model (and memberships, tokens, the audit trail)."""
    labels = {*scoped_admin_models(), "accounts.membership", "core.auditentry"}
    return {
        label: list(apps.get_model(label)._base_manager.order_by("pk").values())
        for label in sorted(labels)
    }


def test_the_test_covers_every_scoped_admin(world: World) -> None:
    assert set(scoped_admin_models()) <= set(world.rows["own"])
    assert len(scoped_admin_models()) >= 18


@pytest.mark.parametrize("who", ["superuser", "mall_admin", "agency_admin", "other_mall_admin"])
def test_change_lists_show_exactly_the_rows_within_reach(world: World, who: str) -> None:
    client = client_for(world.users[who])
    for label in scoped_admin_models():
        response = client.get(url(label, "changelist"))
        if not may_use(who, label):
            assert response.status_code == 403, (who, label)
            continue
        assert response.status_code == 200, (who, label)
        listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
        for place in PLACES:
            row = world.rows[place][label]
            assert (row.pk in listed) == expected(who, label, place), (who, label, place)


@pytest.mark.parametrize("who", ["mall_admin", "agency_admin", "other_mall_admin"])
def test_rows_out_of_reach_answer_404_and_a_denied_post_changes_nothing(
    world: World, who: str
) -> None:
    client = client_for(world.users[who])
    root = client_for(world.users["superuser"])
    before = snapshot()
    denied = 0
    for label in scoped_admin_models():
        for place in PLACES:
            row = world.rows[place][label]
            if expected(who, label, place):
                continue
            denied += 1
            change = url(label, "change", row.pk)
            assert client.get(change).status_code == 404, (who, label, place)
            # What the superuser's form would send, with a text changed.
            data = form_data(root.get(change))
            for key in ("name", "summary", "reason", "full_name", "notes"):
                if key in data:
                    data[key] = "Hijacked"
            assert client.post(change, data).status_code == 404, (who, label, place)
            delete = url(label, "delete", row.pk)
            assert client.post(delete, {"post": "yes"}).status_code in (403, 404), (label, place)
            if label == "accounts.user":
                password = url(label, "password_change", row.pk)
                body = {"password1": "Taken-over-42", "password2": "Taken-over-42"}
                assert client.post(password, body).status_code == 404, (label, place)
            # A bulk action on the change list acts only on the rows the list shows.
            if may_use(who, label):
                client.post(
                    url(label, "changelist"),
                    {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
                )
    assert denied >= 18
    assert snapshot() == before


@pytest.mark.parametrize("who", ["superuser", "mall_admin", "agency_admin", "other_mall_admin"])
def test_rows_within_reach_open_and_save(world: World, who: str) -> None:
    client = client_for(world.users[who])
    granted = 0
    for label in scoped_admin_models():
        for place in PLACES:
            if not expected(who, label, place):
                continue
            granted += 1
            row = world.rows[place][label]
            change = url(label, "change", row.pk)
            page = client.get(change)
            assert page.status_code == 200, (who, label, place)
            if label in READ_ONLY_MODELS:
                assert not page.context["has_change_permission"]
                continue
            response = client.post(change, form_data(page))
            assert response.status_code == 302, (
                who,
                label,
                place,
                response.context and response.context["errors"],
            )
    assert granted >= 4


def test_an_agency_admin_adds_only_what_it_manages(world: World) -> None:
    client = client_for(world.users["agency_admin"])
    for label in scoped_admin_models():
        status = client.get(url(label, "add")).status_code
        if label in AGENCY_ADMIN_MODELS:
            assert status == 200, label
        else:
            assert status == 403, label


def test_a_mall_admin_adds_no_mall_and_no_token_but_everything_else(world: World) -> None:
    client = client_for(world.users["mall_admin"])
    for label in scoped_admin_models():
        status = client.get(url(label, "add")).status_code
        refused = {"catalog.mall", "accounts.apitoken", "core.auditentry"}
        assert status == (403 if label in refused else 200), label
    mall = world.rows["own"]["catalog.mall"]
    assert client.post(url("catalog.mall", "delete", mall.pk), {"post": "yes"}).status_code == 403
    assert Mall.objects.filter(pk=mall.pk).exists()


def test_foreign_key_choices_stay_within_reach(world: World) -> None:
    """The counter form of a mall admin offers the mall's floors and services only; the
    membership form of an agency admin its own agency, its mall and its own people."""
    mall = world.rows["own"]["catalog.mall"]
    floors = set(Floor.objects.filter(mall=mall))
    assert len(floors) > 1
    assert Floor.objects.exclude(mall=mall).exists()
    client = client_for(world.users["mall_admin"])
    form = client.get(url("catalog.counter", "add")).context["adminform"].form
    assert set(form.fields["floor"].queryset) == floors
    assert {s.code for s in form.fields["services"].queryset} == {"SVC-OWN", "SVC-NEIGHBOUR"}
    assert set(form.fields["mall"].queryset) == {mall}
    kiosk = client.get(url("queueing.kiosk", "add")).context["adminform"].form
    assert set(kiosk.fields["floor"].queryset) == floors
    client = client_for(world.users["agency_admin"])
    form = client.get(url("accounts.membership", "add")).context["adminform"].form
    assert set(form.fields["agency"].queryset) == {world.rows["own"]["catalog.agency"]}
    assert set(form.fields["mall"].queryset) == {world.rows["own"]["catalog.mall"]}
    assert {u.username for u in form.fields["user"].queryset} == {"aa", "bo.own"}


def test_tokens_of_people_beyond_reach_are_not_listed(world: World) -> None:
    """A person who also works in another mall is not wholly within a mall admin's reach:
    neither they nor their tokens are listed."""
    officer = world.rows["own"]["accounts.user"]
    Membership.objects.create(
        user=officer, mall=world.rows["far"]["catalog.mall"], role=Role.COUNTER_OFFICER
    )
    client = client_for(world.users["mall_admin"])
    tokens = client.get(url("accounts.apitoken", "changelist")).context["cl"].queryset
    assert not tokens.filter(user=officer).exists()
    token = ApiToken.objects.get(user=officer)
    assert client.get(url("accounts.apitoken", "change", token.pk)).status_code == 404
    assert client.get(url("accounts.user", "change", officer.pk)).status_code == 404
