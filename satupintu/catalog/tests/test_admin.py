"""The catalog admin: mall admins manage their mall, agency admins only their own services; a
row outside the scope answers 404, and a refused change leaves the database as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.forms import SplitDateTimeField
from django.test import Client
from django.urls import reverse

from satupintu.accounts.models import Role, User
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.models import Agency, Mall, Service, ServiceRequirement
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    CounterFactory,
    MallFactory,
    ServiceFactory,
    ServiceRequirementFactory,
)
from satupintu.core.models import AuditEntry
from satupintu.queueing.tests.factories import DisplayFactory, KioskFactory

pytestmark = pytest.mark.django_db


def form_data(response: Any) -> dict[str, Any]:
    """The POST body that submits an admin change page unchanged (form and inlines)."""
    data: dict[str, Any] = {}

    def put(form: Any, name: str) -> None:
        field = form.fields[name]
        if field.disabled:
            return
        key = form.add_prefix(name)
        value = form[name].value()
        if isinstance(field, SplitDateTimeField):
            if value:
                data[f"{key}_0"], data[f"{key}_1"] = value.date(), value.time()
            return
        if value is None or value is False:
            return
        if value is True:
            data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        else:
            data[key] = str(value)

    form = response.context["adminform"].form
    for name in form.fields:
        put(form, name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for subform in formset.forms:
            for name in subform.fields:
                put(subform, name)
    return data


@dataclass
class World:
    mall: Mall
    other_mall: Mall
    own: Agency
    neighbour: Agency
    own_service: Service
    neighbour_service: Service
    far_service: Service
    superuser: User
    mall_admin: User
    agency_admin: User
    other_mall_admin: User


@pytest.fixture
def world() -> World:
    mall = MallFactory(slug="yk", name="MPP Yogya")
    other_mall = MallFactory(slug="sby", name="MPP Surabaya")
    own = AgencyFactory(mall=mall, slug="dukcapil", name="Disdukcapil")
    neighbour = AgencyFactory(mall=mall, slug="polresta", name="Polresta")
    far = AgencyFactory(mall=other_mall, slug="far", name="Dinas Jauh")
    own_service = ServiceFactory(agency=own, code="DUK-KK", name="Kartu Keluarga")
    ServiceRequirementFactory(service=own_service, key="ktp-el", name="KTP-el")
    return World(
        mall=mall,
        other_mall=other_mall,
        own=own,
        neighbour=neighbour,
        own_service=own_service,
        neighbour_service=ServiceFactory(agency=neighbour, code="POL-SKCK", name="SKCK"),
        far_service=ServiceFactory(agency=far, code="FAR-1", name="Layanan jauh"),
        superuser=User.objects.create_superuser("root", "root@example.test", "pw-root-123"),
        mall_admin=user_with_role(Role.MALL_ADMIN, mall=mall, username="ma", is_staff=True),
        agency_admin=user_with_role(
            Role.AGENCY_ADMIN, mall=mall, agency=own, username="aa", is_staff=True
        ),
        other_mall_admin=user_with_role(
            Role.MALL_ADMIN, mall=other_mall, username="ma2", is_staff=True
        ),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def changelist_codes(client: Client) -> set[str]:
    response = client.get(reverse("admin:catalog_service_changelist"))
    assert response.status_code == 200
    return {s.code for s in response.context["cl"].queryset}


def test_agency_admin_sees_only_its_services(world: World) -> None:
    client = client_for(world.agency_admin)
    assert changelist_codes(client) == {"DUK-KK"}
    # Not even the filters in the sidebar name another agency or mall.
    page = client.get(reverse("admin:catalog_service_changelist")).content.decode()
    assert "Polresta" not in page
    assert "MPP Surabaya" not in page
    assert "SKCK" not in page


def test_mall_admin_sees_all_of_its_mall_and_nothing_of_another(world: World) -> None:
    assert changelist_codes(client_for(world.mall_admin)) == {"DUK-KK", "POL-SKCK"}
    assert changelist_codes(client_for(world.other_mall_admin)) == {"FAR-1"}
    assert changelist_codes(client_for(world.superuser)) == {"DUK-KK", "POL-SKCK", "FAR-1"}
    client = client_for(world.mall_admin)
    url = reverse("admin:catalog_service_change", args=[world.far_service.pk])
    assert client.get(url).status_code == 404
    agencies = client.get(reverse("admin:catalog_agency_changelist")).context["cl"].queryset
    assert {a.slug for a in agencies} == {"dukcapil", "polresta"}


def test_agency_admin_gets_404_on_another_agency_service_and_nothing_changes(
    world: World,
) -> None:
    client = client_for(world.agency_admin)
    url = reverse("admin:catalog_service_change", args=[world.neighbour_service.pk])
    assert client.get(url).status_code == 404
    own_page = client.get(reverse("admin:catalog_service_change", args=[world.own_service.pk]))
    data = form_data(own_page)
    data["name"] = "Hijacked"
    assert client.post(url, data).status_code == 404
    delete_url = reverse("admin:catalog_service_delete", args=[world.neighbour_service.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 404
    world.neighbour_service.refresh_from_db()
    assert world.neighbour_service.name == "SKCK"
    assert not AuditEntry.objects.exists()


def test_agency_admin_cannot_move_its_service_to_another_agency(world: World) -> None:
    client = client_for(world.agency_admin)
    url = reverse("admin:catalog_service_change", args=[world.own_service.pk])
    response = client.get(url)
    field = response.context["adminform"].form.fields["agency"]
    assert set(field.queryset) == {world.own}
    data = form_data(response)
    data["agency"] = str(world.neighbour.pk)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "agency" in response.context["adminform"].form.errors
    world.own_service.refresh_from_db()
    assert world.own_service.agency == world.own
    assert not AuditEntry.objects.exists()


def test_agency_admin_edits_its_service_and_requirements_with_audit(world: World) -> None:
    client = client_for(world.agency_admin)
    url = reverse("admin:catalog_service_change", args=[world.own_service.pk])
    data = form_data(client.get(url))
    data["fee"] = "1000"
    prefix = "requirements"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data.update(
        {
            f"{prefix}-{total}-position": "2",
            f"{prefix}-{total}-key": "kk",
            f"{prefix}-{total}-name": "Kartu Keluarga",
            f"{prefix}-{total}-document": "on",
            f"{prefix}-{total}-mandatory": "on",
            f"{prefix}-{total}-accepted_types": "pdf",
            f"{prefix}-{total}-max_size_kb": "1024",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    world.own_service.refresh_from_db()
    assert world.own_service.fee == 1000
    assert ServiceRequirement.objects.filter(service=world.own_service, key="kk").exists()
    update = AuditEntry.objects.get(action="update", object_type="catalog.service")
    assert update.changes["fee"] == [0, 1000]
    assert update.actor == world.agency_admin
    assert update.mall_id == world.mall.pk
    create = AuditEntry.objects.get(action="create", object_type="catalog.servicerequirement")
    assert create.changes["key"] == [None, "kk"]


def test_agency_admin_reaches_only_services_and_staff(world: World) -> None:
    client = client_for(world.agency_admin)
    for name in ("mall", "agency", "counter", "partnership", "servicebundle", "floor"):
        response = client.get(reverse(f"admin:catalog_{name}_changelist"))
        assert response.status_code == 403, name
    assert client.get(reverse("admin:queueing_display_changelist")).status_code == 403
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 403
    index = client.get(reverse("admin:index"))
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert models == {"Service", "ServiceRequirement", "User", "Membership"}


def test_agency_admin_may_add_a_service_only_for_its_agency(world: World) -> None:
    client = client_for(world.agency_admin)
    response = client.get(reverse("admin:catalog_service_add"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.fields["agency"].queryset) == {world.own}
    assert set(form.fields["mall"].queryset) == {world.mall}
    body = {
        "mall": world.mall.pk,
        "code": "DUK-LEGAL",
        "name": "Legalisasi",
        "kind": "non_licensing",
        "offers_walk_in": "on",
        "queue_prefix": "A",
        "procedure": '["Ambil antrian", "Serahkan dokumen"]',
        "duration_value": "15",
        "duration_unit": "minutes",
        "fee": "0",
        "staff_count": "1",
        "requirements-TOTAL_FORMS": "0",
        "requirements-INITIAL_FORMS": "0",
        "requirements-MIN_NUM_FORMS": "0",
        "requirements-MAX_NUM_FORMS": "1000",
    }
    refused = client.post(
        reverse("admin:catalog_service_add"), {**body, "agency": world.neighbour.pk}
    )
    assert refused.status_code == 200
    assert not Service.objects.filter(code="DUK-LEGAL").exists()
    created = client.post(reverse("admin:catalog_service_add"), {**body, "agency": world.own.pk})
    assert created.status_code == 302
    service = Service.objects.get(code="DUK-LEGAL")
    assert service.agency == world.own
    entry = AuditEntry.objects.get(action="create")
    assert entry.object_id == str(service.pk)
    assert entry.changes["code"] == [None, "DUK-LEGAL"]


def test_mall_admin_deletes_with_audit_and_cannot_touch_another_mall(world: World) -> None:
    counter = CounterFactory(mall=world.mall, services=[world.own_service])
    far_counter = CounterFactory(mall=world.other_mall)
    client = client_for(world.mall_admin)
    url = reverse("admin:catalog_counter_delete", args=[counter.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    entry = AuditEntry.objects.get(action="delete")
    assert entry.object_id == str(counter.pk)
    assert entry.mall_id == world.mall.pk
    far_url = reverse("admin:catalog_counter_delete", args=[far_counter.pk])
    assert client.post(far_url, {"post": "yes"}).status_code == 404
    assert far_counter.__class__.objects.filter(pk=far_counter.pk).exists()


def test_mall_admin_edits_its_mall_but_not_its_slug_nor_adds_malls(world: World) -> None:
    client = client_for(world.mall_admin)
    assert client.get(reverse("admin:catalog_mall_add")).status_code == 403
    url = reverse("admin:catalog_mall_change", args=[world.mall.pk])
    response = client.get(url)
    assert "slug" not in response.context["adminform"].form.fields
    data = form_data(response)
    data["name"] = "MPP Kota Yogyakarta"
    data["slug"] = "hijack"
    assert client.post(url, data).status_code == 302
    world.mall.refresh_from_db()
    assert world.mall.name == "MPP Kota Yogyakarta"
    assert world.mall.slug == "yk"
    other = reverse("admin:catalog_mall_change", args=[world.other_mall.pk])
    assert client.get(other).status_code == 404


def test_audit_trail_is_read_only_even_for_a_superuser(world: World) -> None:
    client = client_for(world.mall_admin)
    url = reverse("admin:catalog_service_change", args=[world.own_service.pk])
    data = form_data(client.get(url))
    data["name"] = "Kartu Keluarga Baru"
    assert client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get()
    root = client_for(world.superuser)
    assert root.get(reverse("admin:core_auditentry_add")).status_code == 403
    page = root.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    delete = reverse("admin:core_auditentry_delete", args=[entry.pk])
    assert root.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    # The other mall's admin does not see this mall's trail.
    other = client_for(world.other_mall_admin)
    listed = other.get(reverse("admin:core_auditentry_changelist")).context["cl"].queryset
    assert entry not in listed


def test_displays_and_kiosks_are_scoped_by_mall(world: World) -> None:
    DisplayFactory(mall=world.mall, name="Papan Yogya")
    DisplayFactory(mall=world.other_mall, name="Papan Surabaya")
    KioskFactory(mall=world.mall, name="Anjungan Yogya")
    KioskFactory(mall=world.other_mall, name="Anjungan Surabaya")
    client = client_for(world.mall_admin)
    displays = client.get(reverse("admin:queueing_display_changelist")).context["cl"].queryset
    assert {d.name for d in displays} == {"Papan Yogya"}
    kiosks = client.get(reverse("admin:queueing_kiosk_changelist")).context["cl"].queryset
    assert {k.name for k in kiosks} == {"Anjungan Yogya"}


def test_staff_flag_without_membership_reaches_nothing(world: World) -> None:
    stray = User.objects.create_user("stray", password="pw-stray-123", is_staff=True)
    client = client_for(stray)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert index.context["app_list"] == []
    assert client.get(reverse("admin:catalog_service_changelist")).status_code == 403
    # A mall admin without the staff flag does not get into the admin at all.
    no_staff = user_with_role(Role.MALL_ADMIN, mall=world.mall, username="nostaff")
    response = client_for(no_staff).get(reverse("admin:catalog_service_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
