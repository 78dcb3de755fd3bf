"""The demo world (`demo_world.py`) for the visibility tests of this package."""

from satupintu.accounts.tests.demo_world import demo_world, world  # noqa: F401
