from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from satupintu.catalog.tests.factories import MallFactory
from satupintu.queueing.models import Display, Kiosk


class DisplayFactory(DjangoModelFactory):
    class Meta:
        model = Display

    mall = factory.SubFactory(MallFactory)
    name = factory.Sequence(lambda n: f"Papan {n}")


class KioskFactory(DjangoModelFactory):
    class Meta:
        model = Kiosk

    mall = factory.SubFactory(MallFactory)
    name = factory.Sequence(lambda n: f"Anjungan {n}")
