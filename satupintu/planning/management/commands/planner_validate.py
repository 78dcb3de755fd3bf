"""Validate the wait estimate on simulated days and write the plots of docs/PLANNER.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from satupintu.planning import validation


class Command(BaseCommand):
    help = (
        "Simulate the scenarios of docs/PLANNER.md with the real calling policy, ask the wait "
        "estimate at every issue, print the figures (Markdown) and write one PNG per scenario."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--out",
            default=str(Path(settings.PROJECT_DIR) / "docs" / "planner"),
            help="Folder for the PNG plots (default: docs/planner).",
        )
        parser.add_argument("--days", type=int, default=3, help="Simulated days per scenario.")
        parser.add_argument(
            "--best-runs",
            type=int,
            default=200,
            help=(
                "Continuations of the day per issue for the best possible estimate (the oracle "
                "with the true model and the exact state); 0 to skip it."
            ),
        )
        parser.add_argument("--no-plots", action="store_true", help="Figures only.")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        rows = []
        for scenario in validation.scenarios():
            figures, day = validation.validate(
                scenario, days=options["days"], floor=True, best_runs=options["best_runs"]
            )
            rows.append(figures)
            if not options["no_plots"]:
                path = out / f"estimate-{scenario.name}.png"
                validation.plot(scenario, day, path)
                self.stderr.write(f"wrote {path}")
        self.stdout.write(validation.markdown_table(rows))
