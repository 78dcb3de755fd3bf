"""The accounts admin: an agency admin manages only its own agency's staff and cannot grant
mall-wide roles; tokens are shown once and stored hashed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from satupintu.accounts.models import ApiToken, Membership, Role, User
from satupintu.accounts.services import api_token_authenticate
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.tests.factories import AgencyFactory, MallFactory
from satupintu.catalog.tests.test_admin import form_data
from satupintu.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> dict[str, Any]:
    mall = MallFactory(slug="yk")
    other_mall = MallFactory(slug="sby")
    own = AgencyFactory(mall=mall, slug="dukcapil")
    neighbour = AgencyFactory(mall=mall, slug="polresta")
    return {
        "mall": mall,
        "other_mall": other_mall,
        "own": own,
        "neighbour": neighbour,
        "agency_admin": user_with_role(
            Role.AGENCY_ADMIN, mall=mall, agency=own, username="aa", is_staff=True
        ),
        "mall_admin": user_with_role(Role.MALL_ADMIN, mall=mall, username="ma", is_staff=True),
        "own_staff": user_with_role(
            Role.BACK_OFFICE_OFFICER, mall=mall, agency=own, username="own.bo"
        ),
        "neighbour_staff": user_with_role(
            Role.BACK_OFFICE_OFFICER, mall=mall, agency=neighbour, username="pol.bo"
        ),
        "far_staff": user_with_role(Role.COUNTER_OFFICER, mall=other_mall, username="far.loket"),
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def usernames(client: Client) -> set[str]:
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    return {u.username for u in response.context["cl"].queryset}


def test_user_lists_are_scoped(setup: dict[str, Any]) -> None:
    assert usernames(client_for(setup["agency_admin"])) == {"aa", "own.bo"}
    # The mall admin sees the mall's people, not the other mall's, and not a superuser.
    User.objects.create_superuser("root", "root@example.test", "pw-root-123")
    assert usernames(client_for(setup["mall_admin"])) == {"aa", "ma", "own.bo", "pol.bo"}


def test_agency_admin_cannot_open_or_reset_another_agencys_staff(setup: dict[str, Any]) -> None:
    client = client_for(setup["agency_admin"])
    other = setup["neighbour_staff"]
    old_hash = other.password
    assert client.get(reverse("admin:accounts_user_change", args=[other.pk])).status_code == 404
    url = reverse("admin:auth_user_password_change", args=[other.pk])
    response = client.post(url, {"password1": "Taken-over-42", "password2": "Taken-over-42",
                                 "usable_password": "true"})  # fmt: skip
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.password == old_hash
    # Nor the mall admin, who also has no membership in the agency admin's scope.
    page = reverse("admin:accounts_user_change", args=[setup["mall_admin"].pk])
    assert client.get(page).status_code == 404


def test_agency_admin_cannot_grant_mall_admin(setup: dict[str, Any]) -> None:
    client = client_for(setup["agency_admin"])
    staff = setup["own_staff"]
    add = client.get(reverse("admin:accounts_membership_add"))
    role_choices = {value for value, _label in add.context["adminform"].form.fields["role"].choices}
    assert role_choices == {Role.AGENCY_ADMIN, Role.BACK_OFFICE_OFFICER}
    response = client.post(
        reverse("admin:accounts_membership_add"),
        {"user": staff.pk, "mall": setup["mall"].pk, "role": Role.MALL_ADMIN},
    )
    assert response.status_code == 403
    # Through the user's own page (membership inline) it is refused the same way.
    url = reverse("admin:accounts_user_change", args=[staff.pk])
    data = form_data(client.get(url))
    data["memberships-0-role"] = Role.MALL_ADMIN
    data["memberships-0-agency"] = ""
    response = client.post(url, data)
    assert response.status_code == 403
    # A new membership row with a counter role (mall-wide, not an agency role) neither.
    data = form_data(client.get(url))
    data["memberships-TOTAL_FORMS"] = "2"
    data["memberships-1-mall"] = str(setup["mall"].pk)
    data["memberships-1-role"] = Role.COUNTER_OFFICER
    assert client.post(url, data).status_code == 403
    assert not Membership.objects.filter(role=Role.MALL_ADMIN, user=staff).exists()
    assert Membership.objects.get(user=staff).role == Role.BACK_OFFICE_OFFICER
    assert Membership.objects.count() == 5
    assert not AuditEntry.objects.exists()


def test_agency_admin_cannot_pick_another_agency(setup: dict[str, Any]) -> None:
    client = client_for(setup["agency_admin"])
    response = client.post(
        reverse("admin:accounts_membership_add"),
        {
            "user": setup["own_staff"].pk,
            "mall": setup["mall"].pk,
            "agency": setup["neighbour"].pk,
            "role": Role.AGENCY_ADMIN,
        },
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(
        agency=setup["neighbour"], user=setup["own_staff"]
    ).exists()


def test_agency_admin_adds_a_staff_member_of_its_agency(setup: dict[str, Any]) -> None:
    client = client_for(setup["agency_admin"])
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "baru.bo",
            "full_name": "Petugas Baru",
            "usable_password": "true",
            "password1": "Sangat-rahasia-2026",
            "password2": "Sangat-rahasia-2026",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "1",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-mall": setup["mall"].pk,
            "memberships-0-agency": setup["own"].pk,
            "memberships-0-role": Role.BACK_OFFICE_OFFICER,
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    user = User.objects.get(username="baru.bo")
    assert not user.is_staff
    assert not user.is_superuser
    membership = Membership.objects.get(user=user)
    assert membership.agency == setup["own"]
    assert AuditEntry.objects.filter(action="create", object_type="accounts.user").exists()
    created = AuditEntry.objects.get(action="create", object_type="accounts.membership")
    assert created.changes["role"] == [None, Role.BACK_OFFICE_OFFICER]
    # Without a membership the new person would be lost to the agency admin: refused.
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "yatim",
            "usable_password": "true",
            "password1": "Sangat-rahasia-2026",
            "password2": "Sangat-rahasia-2026",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "1",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="yatim").exists()


def test_agency_admin_cannot_make_staff_or_superuser(setup: dict[str, Any]) -> None:
    client = client_for(setup["agency_admin"])
    url = reverse("admin:accounts_user_change", args=[setup["own_staff"].pk])
    response = client.get(url)
    fields = response.context["adminform"].form.fields
    assert "is_superuser" not in fields
    assert "is_staff" not in fields
    data = form_data(response)
    data["is_superuser"] = "on"
    data["is_staff"] = "on"
    assert client.post(url, data).status_code == 302
    staff = User.objects.get(pk=setup["own_staff"].pk)
    assert not staff.is_superuser
    assert not staff.is_staff


def test_issue_token_shows_it_once_and_stores_only_its_hash(setup: dict[str, Any]) -> None:
    client = client_for(setup["mall_admin"])
    device = user_with_role(Role.COUNTER_OFFICER, mall=setup["mall"], username="loket9")
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "issue_api_token", "_selected_action": [device.pk]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert len(texts) == 1
    raw = texts[0].rsplit(" ", 1)[-1]
    assert raw.encode() in response.content
    token = ApiToken.objects.get(user=device)
    assert token.key_hash == ApiToken.hash(raw)
    assert raw not in {token.key_hash, token.prefix, token.name}
    assert api_token_authenticate(raw) == device
    assert AuditEntry.objects.filter(action="token", actor=setup["mall_admin"]).exists()
    # Shown once: no later page, the token list included, shows the secret again.
    listing = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert raw.encode() not in listing.content
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_agency_admin_cannot_issue_tokens_for_others(setup: dict[str, Any]) -> None:
    client = client_for(setup["agency_admin"])
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "issue_api_token", "_selected_action": [setup["neighbour_staff"].pk]},
    )
    assert not ApiToken.objects.exists()
