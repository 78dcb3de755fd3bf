"""The deploy test runs the application in processes of its own; the test process only drives
them. The project-wide fixtures that reset the test process's cache would flush the Redis
database those processes share (their live events, their rate limits): not here."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Overrides the project's per-test cache reset (see the module docstring)."""
