"""The catalog's services and selectors, called directly against the database."""

from __future__ import annotations

from datetime import date, time

import pytest

from satupintu.catalog import selectors, services
from satupintu.catalog.models import ClosureDay, OpeningHours, ServiceRequirement
from satupintu.catalog.schemas import MallPatch, ServicePatch
from satupintu.catalog.tests.factories import ClosureDayFactory, MallFactory
from satupintu.core.errors import InvalidInput, NotFound
from satupintu.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_mall_get_finds_active_malls_only(world) -> None:
    assert selectors.mall_get(slug="yk") == world["mall"]
    for slug in ["mati", "nope", "", "a b", "x" * 65, "a\x00"]:
        with pytest.raises(NotFound):
            selectors.mall_get(slug=slug)


def test_mall_closures_from_a_day_on(world) -> None:
    ClosureDayFactory(mall=world["mall"], date=date(2026, 1, 2), reason="lama")
    ClosureDayFactory(mall=world["mall"], date=date(2026, 3, 25), reason="baru")
    ClosureDayFactory(mall=world["solo"], date=date(2026, 3, 26), reason="Solo")
    assert selectors.mall_closures(mall=world["mall"], start=date(2026, 3, 1)) == {
        date(2026, 3, 25): "baru"
    }
    assert len(selectors.mall_closures(mall=world["mall"])) == 2


def test_access_mall_for_admin(world) -> None:
    people = world["people"]
    assert selectors.access_mall_for_admin(user=people["mall_admin"], slug="yk") == world["mall"]
    assert selectors.access_mall_for_admin(user=people["root"], slug="solo") == world["solo"]
    for who in ["counter_officer", "dukcapil_admin", "solo_admin"]:
        with pytest.raises(NotFound):
            selectors.access_mall_for_admin(user=people[who], slug="yk")
    with pytest.raises(NotFound):
        selectors.access_mall_for_admin(user=people["root"], slug="mati")


def test_access_service_for_edit(world) -> None:
    people = world["people"]
    ktp = world["ktp"]
    for who in ["mall_admin", "dukcapil_admin", "root"]:
        assert selectors.access_service_for_edit(user=people[who], service_id=ktp.pk) == ktp
    for who in ["polres_admin", "counter_officer", "back_office", "supervisor", "solo_admin"]:
        with pytest.raises(NotFound):
            selectors.access_service_for_edit(user=people[who], service_id=ktp.pk)
    with pytest.raises(NotFound):
        selectors.access_service_for_edit(user=people["root"], service_id=2**64)


def test_service_list_filters(world) -> None:
    mall = world["mall"]
    assert {s.code for s in selectors.service_list(mall=mall)} == {
        "DUK-KTP-BARU",
        "POL-SIM-A",
        "POL-SKCK",
    }
    assert [s.code for s in selectors.service_list(mall=mall, channel="drive_thru")] == [
        "POL-SIM-A"
    ]
    with pytest.raises(InvalidInput) as info:
        selectors.service_list(mall=mall, channel="teleport")
    assert info.value.field == "query.channel"
    assert [s.code for s in selectors.service_list(mall=mall, q="  skck  ")] == ["POL-SKCK"]


def test_service_list_ignores_an_inactive_agency(world) -> None:
    world["polres"].is_active = False
    world["polres"].save()
    assert {s.code for s in selectors.service_list(mall=world["mall"])} == {"DUK-KTP-BARU"}
    with pytest.raises(NotFound):
        selectors.service_get(service_id=world["sim"].pk)


def test_agency_helpers(world) -> None:
    agencies = {a.slug: a for a in selectors.agency_list(mall=world["mall"])}
    assert set(agencies) == {"disdukcapil", "polresta"}
    assert selectors.agency_partnership_status(agencies["polresta"]) == "active"
    assert selectors.agency_counter_ids(agencies["polresta"]) == [world["lane"].pk]
    # Without the prefetch the status is read from the database all the same.
    assert selectors.agency_partnership_status(world["polres"]) == "active"


def test_counter_list(world) -> None:
    counters = list(selectors.counter_list(mall=world["mall"]))
    assert [c.number for c in counters] == [1, 9]
    assert [s.pk for s in counters[1].services.all()] == [world["sim"].pk]


def test_mall_update_replaces_hours_and_closures_and_audits(world) -> None:
    data = MallPatch(
        opening_hours=[{"weekday": 5, "opens": time(8), "closes": time(12)}],
        closure_days=[date(2026, 3, 25), {"date": date(2026, 3, 26), "reason": "Banjir"}],
    )
    services.mall_update(actor=world["people"]["mall_admin"], mall=world["mall"], data=data)
    assert list(
        OpeningHours.objects.filter(mall=world["mall"]).values_list("weekday", flat=True)
    ) == [5]
    assert dict(ClosureDay.objects.filter(mall=world["mall"]).values_list("date", "reason")) == {
        date(2026, 3, 25): "",
        date(2026, 3, 26): "Banjir",
    }
    entry = AuditEntry.objects.get()
    assert entry.object_type == "catalog.mall"
    # The other mall is untouched.
    assert not ClosureDay.objects.filter(mall=world["solo"]).exists()


def test_mall_update_refuses_a_null_name(world) -> None:
    with pytest.raises(InvalidInput) as info:
        services.mall_update(
            actor=world["people"]["mall_admin"], mall=world["mall"], data=MallPatch(name=None)
        )
    assert info.value.field == "name"
    assert not AuditEntry.objects.exists()


def test_service_update_is_all_or_nothing(world) -> None:
    sim = world["sim"]
    data = ServicePatch.model_validate(
        {
            "channels": ["online"],
            "standard": {
                "fee": 5,
                "requirements": [{"name": "SIM lama"}, {"id": world["req_kk"].pk, "name": "x"}],
            },
        }
    )
    with pytest.raises(InvalidInput):
        services.service_update(actor=world["people"]["mall_admin"], service=sim, data=data)
    sim.refresh_from_db()
    assert sim.offers_walk_in
    assert sim.fee == 80000
    assert not ServiceRequirement.objects.filter(service=sim).exists()
    assert not AuditEntry.objects.exists()


def test_service_update_keeps_and_reorders_requirements(world) -> None:
    ktp = world["ktp"]
    kk, kuasa = world["req_kk"], world["req_kuasa"]
    data = ServicePatch.model_validate(
        {
            "standard": {
                "requirements": [
                    {"id": kuasa.pk, "name": "Surat kuasa bermeterai", "mandatory": False},
                    {"id": kk.pk, "name": "Kartu Keluarga"},
                    {"name": "Foto 3x4", "document": True, "accepted_types": ["jpg"]},
                ]
            }
        }
    )
    services.service_update(actor=world["people"]["dukcapil_admin"], service=ktp, data=data)
    rows = list(ServiceRequirement.objects.filter(service=ktp).order_by("position"))
    assert [r.pk for r in rows[:2]] == [kuasa.pk, kk.pk]
    assert rows[0].name == "Surat kuasa bermeterai"
    assert rows[2].accepted_types == "jpg"
    changes = AuditEntry.objects.get().changes
    assert changes["requirements"][1] == ["Surat kuasa bermeterai", "Kartu Keluarga", "Foto 3x4"]


def test_a_new_mall_starts_with_an_empty_week(db) -> None:
    mall = MallFactory()
    assert list(mall.opening_hours.all()) == []
    assert selectors.mall_closures(mall=mall) == {}
