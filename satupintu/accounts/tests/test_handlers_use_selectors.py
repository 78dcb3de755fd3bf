"""Views and API handlers never query models themselves: every read goes through a selector
(and so through the visibility layer, `visible_to`), every change through a service. An AST
scan of each handler module fails on any `.objects` (or `_default_manager`, `_base_manager`),
so that a new handler cannot skip the layer unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

import satupintu

ROOT = Path(satupintu.__file__).parent
MANAGERS = {"objects", "_default_manager", "_base_manager"}


def handler_modules() -> list[Path]:
    """Every `views.py` and `api.py`, and the other handler modules (`*_api.py`,
    `*_views.py`), of every app and of the project wiring."""
    found = [
        path
        for pattern in ("*/views.py", "*/api.py", "*/*_api.py", "*/*_views.py", "api.py")
        for path in ROOT.glob(pattern)
        if "tests" not in path.parts
    ]
    return sorted(set(found))


def manager_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path.relative_to(ROOT.parent)}:{node.lineno}: .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS
    ]


def test_the_scan_sees_every_handler_module() -> None:
    names = {str(p.relative_to(ROOT)) for p in handler_modules()}
    assert {"queueing/api.py", "dossiers/views.py", "catalog/partners_api.py"} <= names
    assert {"dossiers/verify_api.py", "dossiers/verify_views.py", "api.py"} <= names
    assert len(names) >= 18


def test_the_scan_finds_a_manager_use(tmp_path: Path) -> None:
    sample = tmp_path / "views.py"
    sample.write_text("def page(r):\n    return Ticket.objects.all()\n", encoding="utf-8")
    tree = ast.parse(sample.read_text())
    assert any(isinstance(n, ast.Attribute) and n.attr == "objects" for n in ast.walk(tree))


def test_no_handler_module_touches_a_model_manager() -> None:
    uses = [use for path in handler_modules() for use in manager_uses(path)]
    assert uses == [], "move these reads into the app's selectors.py:\n" + "\n".join(uses)
