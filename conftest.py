"""Test-wide set-up: fast password hashing, immediate tasks, a clean cache per test, and the
markers that skip PostgreSQL- and Redis-only tests where those are not configured."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests run on a shared, sometimes busy machine (CI runs two suites): judge them by
# their examples, not by how fast each example ran.
# Real SMTP and WhatsApp/SMS gateway servers on this machine (fixtures `smtp_server`, `gateway`).
pytest_plugins = ["satupintu.core.tests.servers"]

hypothesis_settings.register_profile(
    "satupintu", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("satupintu")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = django_settings.IS_POSTGRES
    has_redis = bool(os.environ.get("REDIS_URL"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://...")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not has_redis:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _test_settings(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    settings.TASKS = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    settings.STORAGES = {  # type: ignore[attr-defined]
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    from satupintu.queueing import lookups

    cache.clear()
    lookups.forget_local()


@pytest.fixture(autouse=True)
def _media_root(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))  # type: ignore[attr-defined]


_SIGNING_SETTINGS = {
    "SIGNING_AUTO_INIT": True,
    "SIGNING_TRUST_ROOTS": [],
    "SIGNING_TRUST_DEMO_CA": True,
}


@pytest.fixture(scope="session", autouse=True)
def _signing_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Set for the whole session, not only per test: module-scoped fixtures (the demo world)
    # seed before a test's own settings apply, and must not reach the project's var/signing,
    # which `make demo` fills with keys under its own passphrase.
    path = str(tmp_path_factory.mktemp("signing"))
    wanted = {"SIGNING_DIR": path, **_SIGNING_SETTINGS}
    saved = {name: getattr(django_settings, name) for name in wanted}
    for name, value in wanted.items():
        setattr(django_settings, name, value)
    yield path
    for name, value in saved.items():
        setattr(django_settings, name, value)


@pytest.fixture(autouse=True)
def _signing_settings(settings: object, _signing_dir: str) -> None:
    # One demo CA per test session, created on first use, never in the project's var/ folder.
    settings.SIGNING_DIR = _signing_dir  # type: ignore[attr-defined]
    settings.SIGNING_AUTO_INIT = True  # type: ignore[attr-defined]
    settings.SIGNING_TRUST_ROOTS = []  # type: ignore[attr-defined]
    settings.SIGNING_TRUST_DEMO_CA = True  # type: ignore[attr-defined]
    settings.SMS_GATEWAY_URL = ""  # type: ignore[attr-defined]
