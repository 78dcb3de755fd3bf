from __future__ import annotations

from datetime import time

import factory
from factory.django import DjangoModelFactory

from satupintu.catalog.models import (
    Agency,
    BundleItem,
    ClosureDay,
    Counter,
    Floor,
    Mall,
    OpeningHours,
    Partnership,
    PartnershipEvent,
    PartnershipReminder,
    Service,
    ServiceBundle,
    ServiceRequirement,
)


class MallFactory(DjangoModelFactory):
    class Meta:
        model = Mall
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"mall-{n}")
    name = factory.Sequence(lambda n: f"MPP Test {n}")
    timezone = "Asia/Jakarta"
    city = "Kota Test"


class OpeningHoursFactory(DjangoModelFactory):
    class Meta:
        model = OpeningHours

    mall = factory.SubFactory(MallFactory)
    weekday = 0
    opens = time(8, 0)
    closes = time(15, 0)


class ClosureDayFactory(DjangoModelFactory):
    class Meta:
        model = ClosureDay

    mall = factory.SubFactory(MallFactory)
    date = factory.Faker("date_object")
    reason = "Closed for works"


class FloorFactory(DjangoModelFactory):
    class Meta:
        model = Floor

    mall = factory.SubFactory(MallFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Lantai {o.number}")
    status = Floor.Status.OPEN


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    mall = factory.SubFactory(MallFactory)
    slug = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Dinas Test {n}")
    short_name = factory.Sequence(lambda n: f"DT{n}")
    kind = Agency.Kind.CITY_OFFICE


class PartnershipFactory(DjangoModelFactory):
    class Meta:
        model = Partnership

    agency = factory.SubFactory(AgencyFactory)
    mall = factory.SelfAttribute("agency.mall")
    status = Partnership.Status.INVITED


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    agency = factory.SubFactory(AgencyFactory)
    mall = factory.SelfAttribute("agency.mall")
    code = factory.Sequence(lambda n: f"SVC-{n}")
    name = factory.Sequence(lambda n: f"Layanan Test {n}")
    kind = Service.Kind.NON_LICENSING
    queue_prefix = "A"
    offers_walk_in = True
    procedure = factory.LazyFunction(lambda: ["Ambil nomor antrian", "Serahkan berkas"])
    duration_value = 3
    duration_unit = Service.DurationUnit.WORKING_DAYS
    fee = 0
    product = "Dokumen hasil layanan"
    complaint_handling = "Kotak pengaduan dan SP4N-LAPOR!"


class ServiceRequirementFactory(DjangoModelFactory):
    class Meta:
        model = ServiceRequirement

    service = factory.SubFactory(ServiceFactory)
    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"Dokumen {n}")


class CounterFactory(DjangoModelFactory):
    class Meta:
        model = Counter
        skip_postgeneration_save = True

    mall = factory.SubFactory(MallFactory)
    floor = factory.SubFactory(FloorFactory, mall=factory.SelfAttribute("..mall"))
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Loket {o.number}")
    mode = Counter.Mode.WALK_IN

    @factory.post_generation
    def services(self, create: bool, extracted: list[Service] | None, **kwargs: object) -> None:
        if create and extracted:
            self.services.set(extracted)


class ServiceBundleFactory(DjangoModelFactory):
    class Meta:
        model = ServiceBundle

    mall = factory.SubFactory(MallFactory)
    code = factory.Sequence(lambda n: f"BND-{n}")
    name = factory.Sequence(lambda n: f"Paket {n}")


class BundleItemFactory(DjangoModelFactory):
    class Meta:
        model = BundleItem

    bundle = factory.SubFactory(ServiceBundleFactory)
    service = factory.SubFactory(
        ServiceFactory,
        mall=factory.SelfAttribute("..bundle.mall"),
        agency__mall=factory.SelfAttribute("...bundle.mall"),
    )
    position = factory.Sequence(lambda n: n)


class PartnershipEventFactory(DjangoModelFactory):
    class Meta:
        model = PartnershipEvent

    partnership = factory.SubFactory(PartnershipFactory)
    action = "invite"
    from_status = ""
    to_status = Partnership.Status.INVITED


class PartnershipReminderFactory(DjangoModelFactory):
    class Meta:
        model = PartnershipReminder

    partnership = factory.SubFactory(PartnershipFactory)
    days_before = 60
    ends_on = factory.Faker("date_object")
