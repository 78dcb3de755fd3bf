"""Every model of the foundation apps has a factory in its app's tests/factories.py, and each
factory builds a valid row."""

from __future__ import annotations

import importlib
import inspect

import pytest
from django.apps import apps
from factory.django import DjangoModelFactory

FOUNDATION_APPS = ["core", "accounts", "catalog"]


def _factories(app_label: str) -> dict[type, type[DjangoModelFactory]]:
    module = importlib.import_module(f"satupintu.{app_label}.tests.factories")
    found: dict[type, type[DjangoModelFactory]] = {}
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if issubclass(obj, DjangoModelFactory) and obj._meta.model is not None:
            found.setdefault(obj._meta.model, obj)
    return found


@pytest.mark.parametrize("app_label", FOUNDATION_APPS)
def test_every_model_has_a_factory(app_label) -> None:
    factories = _factories(app_label)
    missing = [
        model.__name__
        for model in apps.get_app_config(app_label).get_models()
        if model not in factories
    ]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize("app_label", FOUNDATION_APPS)
def test_every_factory_builds_a_valid_row(app_label) -> None:
    for model, factory_class in _factories(app_label).items():
        row = factory_class()
        assert model.objects.filter(pk=row.pk).exists(), model
