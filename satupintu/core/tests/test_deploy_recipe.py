"""The production recipe (deploy/) agrees with the application: the same body limit, every
event stream reaches the ASGI processes unbuffered and nothing else does, and the units start
commands that exist. (`make deploy-test` runs the recipe itself.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
LOCATIONS = (DEPLOY / "nginx" / "satupintu-locations.conf").read_text()


def _sse_location() -> re.Pattern[str]:
    match = re.search(r"location ~ (\S+) \{\n(.*?)\n\}", LOCATIONS, re.S)
    assert match, "no regex location for the event streams"
    body = match.group(2)
    assert "proxy_pass http://satupintu_events;" in body
    assert "proxy_buffering off;" in body
    return re.compile(match.group(1))


def test_nginx_refuses_the_same_body_size_as_the_application() -> None:
    size = re.search(r"client_max_body_size (\d+)m;", LOCATIONS)
    assert size, "no client_max_body_size"
    assert int(size.group(1)) * 1024 * 1024 == settings.REQUEST_MAX_BODY_BYTES


def test_every_event_stream_and_only_those_go_to_the_asgi_processes() -> None:
    streams = _sse_location()
    for path in (
        reverse("queueing:display-events", kwargs={"display_id": 12}),
        reverse("queueing:counter-events", kwargs={"counter_id": 3}),
        reverse("queueing:ticket-events", kwargs={"ticket_id": 99}),
    ):
        assert streams.fullmatch(path), path
    for path in ("/api/v1/tickets", "/q/yogyakarta/kiosk/", "/api/v1/displays", "/q/display/1/"):
        assert not streams.fullmatch(path), path


def _exec_start(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text()
    line = next(row for row in text.splitlines() if row.startswith("ExecStart="))
    return shlex.split(line.split("=", 1)[1])


@pytest.mark.parametrize(
    "unit",
    [
        "satupintu-web@.service",
        "satupintu-events@.service",
        "satupintu-worker.service",
        "satupintu-scheduler.service",
    ],
)
def test_the_units_start_programs_of_the_virtualenv(unit: str) -> None:
    command = _exec_start(unit)
    program = Path(command[0])
    assert program.parent == Path("/opt/satupintu/.venv/bin")
    venv_bin = Path(settings.BASE_DIR).parent / ".venv" / "bin"
    if venv_bin.exists():
        assert (venv_bin / program.name).exists(), program.name
    text = (DEPLOY / "systemd" / unit).read_text()
    assert "EnvironmentFile=/etc/satupintu/env" in text
    assert "Restart=always" in text


def test_the_web_units_serve_the_documented_entry_points() -> None:
    web = _exec_start("satupintu-web@.service")
    assert web[-1] == "satupintu.wsgi:application"
    assert web[1:3] == ["--interface", "wsgi"]
    events = _exec_start("satupintu-events@.service")
    assert "satupintu.asgi:application" in events
    # The application reads the client's address itself, from trusted proxies only.
    assert "--no-proxy-headers" in events
