from __future__ import annotations

import pytest
from django.test import Client

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.tests.factories import MallFactory
from satupintu.outreach.models import Vehicle

pytestmark = pytest.mark.django_db


def test_mall_admin_manages_only_the_vehicles_of_their_mall() -> None:
    mine, other = MallFactory(), MallFactory()
    own = Vehicle.objects.create(mall=mine, name="Mobil A")
    foreign = Vehicle.objects.create(mall=other, name="Mobil Rahasia")
    client = Client()
    client.force_login(user_with_role(Role.MALL_ADMIN, mall=mine, is_staff=True))
    listing = client.get("/admin/outreach/vehicle/")
    assert listing.status_code == 200
    assert "Mobil A" in listing.content.decode()
    assert "Mobil Rahasia" not in listing.content.decode()
    assert client.get(f"/admin/outreach/vehicle/{foreign.pk}/change/").status_code == 404
    assert client.get(f"/admin/outreach/vehicle/{own.pk}/change/").status_code == 200


def test_outreach_requests_are_not_in_the_admin() -> None:
    client = Client()
    client.force_login(user_with_role(Role.MALL_ADMIN, mall=MallFactory(), is_staff=True))
    assert client.get("/admin/outreach/outreachrequest/").status_code == 404
