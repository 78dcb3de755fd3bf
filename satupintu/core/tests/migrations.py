"""Runs a data migration on real rows: step back to a migration, write rows with the models as
they were then, step forward again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

Target = tuple[str, str]


class MigrationStepper:
    def __init__(self, before: list[Target]) -> None:
        self.before = before

    def old_apps(self) -> Apps:
        """The models as they were at `before`."""
        return MigrationExecutor(connection).loader.project_state(self.before).apps

    def forward(self) -> None:
        """Apply every migration again."""
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@contextmanager
def stepped_back_to(before: list[Target]) -> Iterator[MigrationStepper]:
    """The database migrated back to `before`; whatever happens, fully migrated again after."""
    MigrationExecutor(connection).migrate(before)
    stepper = MigrationStepper(before)
    try:
        yield stepper
    finally:
        stepper.forward()
