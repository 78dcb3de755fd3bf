from __future__ import annotations

import time
from types import SimpleNamespace

import django_ratelimit.core
import pytest


@pytest.fixture
def frozen_rate_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate-limit windows stand still: a window ends at a moment of its own within each period,
    and must not end half-way through a test that fills a bucket and then probes it."""
    frozen = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: frozen))
