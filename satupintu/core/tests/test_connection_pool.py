"""PostgreSQL connections under concurrent load, through a real server: with the connection
pool (on by default) many more clients than PostgreSQL admits connections are served without
a single 500; without it the same load runs into "too many connections".

The server connects as a role of its own limited to ROLE_CONNECTIONS connections (what a small
`max_connections` would do, without touching the shared PostgreSQL), and runs two uvicorn
processes (WEB_CONCURRENCY=2) sized for that budget (DB_MAX_CONNECTIONS)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import time as dtime
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection

from satupintu.accounts.models import Role
from satupintu.accounts.services import api_token_issue
from satupintu.accounts.tests.factories import DeviceUserFactory, MembershipFactory
from satupintu.catalog.models import OpeningHours
from satupintu.catalog.tests.factories import AgencyFactory, MallFactory, ServiceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
ROLE_CONNECTIONS = 10
CLIENTS = 40
ROUNDS = 3


@pytest.fixture
def limited_role() -> Iterator[str]:
    """A login role with CONNECTION LIMIT, allowed to use the test database's tables."""
    name = f"{settings.DATABASES['default']['NAME']}_pool_{uuid.uuid4().hex[:6]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" LOGIN CONNECTION LIMIT {ROLE_CONNECTIONS}')
        cursor.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{name}"')
        cursor.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [name]
        )
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


@pytest.fixture
def kiosk_world() -> dict[str, Any]:
    mall = MallFactory(slug="pool-mall")
    for weekday in range(7):
        OpeningHours.objects.create(mall=mall, weekday=weekday, opens=dtime(0, 0),
                                    closes=dtime(23, 59))  # fmt: skip
    agency = AgencyFactory(mall=mall)
    service = ServiceFactory(mall=mall, agency=agency, queue_prefix="K")
    kiosk = DeviceUserFactory(username="pool-kiosk")
    MembershipFactory(user=kiosk, mall=mall, role=Role.KIOSK)
    return {"mall": mall.slug, "service_id": service.pk, "token": api_token_issue(user=kiosk)}


def _server(role: str, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    db = settings.DATABASES["default"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "satupintu.settings",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "PERSONAL_DATA_KEY": os.environ["PERSONAL_DATA_KEY"],
        "DATABASE_URL": f"postgres://{role}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "RATELIMIT_ENABLE": "0",
        "LOG_LEVEL": "ERROR",
        "WEB_CONCURRENCY": "2",
        "DB_MAX_CONNECTIONS": str(ROLE_CONNECTIONS),
        "DB_RESERVED_CONNECTIONS": "0",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "satupintu.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "error"],
        env=environment, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the server did not start: {process.stderr.read()[-2000:]!r}")
        time.sleep(0.2)


NO_ANSWER = 0


def _load(
    base: str, world: dict[str, Any], *, rounds: int = ROUNDS, timeout: float = 60
) -> Counter[int]:
    """CLIENTS kiosks at once, each taking tickets and reading the service list `rounds` times;
    the status codes, NO_ANSWER for a request that got none within `timeout`."""
    headers = {"Authorization": f"Bearer {world['token']}"}

    def kiosk(_n: int) -> list[int]:
        codes = []
        with httpx.Client(base_url=base, timeout=timeout) as client:
            for _round in range(rounds):
                for method, path, body in (
                    ("GET", f"/api/v1/services?mall={world['mall']}", None),
                    ("POST", "/api/v1/tickets", {"service_id": world["service_id"]}),
                ):
                    try:
                        codes.append(
                            client.request(method, path, json=body, headers=headers).status_code
                        )
                    except httpx.TimeoutException:
                        codes.append(NO_ANSWER)
        return codes

    with ThreadPoolExecutor(CLIENTS) as pool:
        return Counter(code for codes in pool.map(kiosk, range(CLIENTS)) for code in codes)


def test_the_default_pool_serves_more_clients_than_connections_without_a_500(
    limited_role: str, kiosk_world: dict[str, Any]
) -> None:
    process, base = _server(limited_role)
    try:
        statuses = _load(base, kiosk_world)
    finally:
        process.terminate()
        process.wait(20)
    assert sum(statuses.values()) == CLIENTS * ROUNDS * 2
    assert not [code for code in statuses if code >= 500 or code == NO_ANSWER], statuses
    assert statuses[200] == CLIENTS * ROUNDS
    assert statuses[201] + statuses[409] == CLIENTS * ROUNDS  # 409: a holiday, the mall closed


def test_without_the_pool_the_same_load_fails(
    limited_role: str, kiosk_world: dict[str, Any]
) -> None:
    # The configuration this project shipped before: one persistent connection per thread.
    process, base = _server(limited_role, DB_POOL_MAX_SIZE="0", CONN_MAX_AGE="60")
    try:
        statuses = _load(base, kiosk_world, rounds=1, timeout=10)
    finally:
        process.kill()
        process.wait(20)
    assert statuses[500] + statuses[NO_ANSWER] > 0, statuses
