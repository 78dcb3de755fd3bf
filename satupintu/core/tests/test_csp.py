"""The Content-Security-Policy: sent on every page, strict for scripts, and kept by every
template (no inline script without the response's nonce, no inline event handler). The
browser suite (e2e/) runs every journey under the policy and fails on any violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

TEMPLATES = sorted(Path(__file__).resolve().parents[2].glob("**/templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def test_the_templates_were_found() -> None:
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_no_template_has_inline_script_or_handlers(template: Path) -> None:
    text = template.read_text()
    scripts = [m.group(0) for m in INLINE_SCRIPT.finditer(text) if "nonce=" not in m.group(0)]
    assert scripts == [], "move the script to a static file, or give it the CSP nonce"
    assert INLINE_HANDLER.findall(text) == [], "bind the handler in a static script"


@pytest.mark.django_db
def test_pages_carry_a_strict_script_policy(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1)
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert policy["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
