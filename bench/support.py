"""Shared by the benchmarks: a PostgreSQL database of their own, a real uvicorn server in a
subprocess on a free port of 127.0.0.1, and percentiles.

The database is BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/satupintu_bench); it is created when missing and migrated
before the first run. The benchmark process itself uses Django with the same database to seed
data and to check the results (for example that no ticket was called twice)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/satupintu_bench"
)

# Secrets of the benchmark database only (its rows are made up); a deployment sets its own.
BENCH_SECRET_KEY = "bench-only-secret-key-0123456789abcdef0123456789abcdef"
BENCH_PERSONAL_DATA_KEY = "bench-only-personal-data-key-0123456789abcdef"

_django_ready = False


def server_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": BENCH_DATABASE_URL,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "RATELIMIT_ENABLE": "0",
        "LOG_LEVEL": "WARNING",
        "EVENT_BROKER": "memory",
        "CONN_MAX_AGE": os.environ.get("BENCH_CONN_MAX_AGE", "0"),
        "DB_POOL_MAX_SIZE": os.environ.get("BENCH_DB_POOL", "16"),
        "DJANGO_SETTINGS_MODULE": "satupintu.settings",
        # collectstatic is not run for the benchmark; WhiteNoise's warning about it is noise.
        "PYTHONWARNINGS": "ignore:No directory at",
        # The settings refuse to start without secrets; the benchmark database has its own.
        "SECRET_KEY": os.environ.get("SECRET_KEY", BENCH_SECRET_KEY),
        "PERSONAL_DATA_KEY": os.environ.get("PERSONAL_DATA_KEY", BENCH_PERSONAL_DATA_KEY),
        "SIGNING_PASSPHRASE": os.environ.get("SIGNING_PASSPHRASE", "bench-signing-passphrase"),
    }
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def ensure_database() -> None:
    """Create the benchmark database when missing, migrate it, and set Django up on it."""
    global _django_ready
    if _django_ready:
        return
    import psycopg

    name = BENCH_DATABASE_URL.rsplit("/", 1)[1]
    admin_url = BENCH_DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "-m", "satupintu.manage", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=server_env(),
        check=True,
    )
    for key, value in server_env().items():
        if key in (
            "DATABASE_URL",
            "DEBUG",
            "RATELIMIT_ENABLE",
            "DJANGO_SETTINGS_MODULE",
            "SECRET_KEY",
            "PERSONAL_DATA_KEY",
            "SIGNING_PASSPHRASE",
        ):
            os.environ[key] = value
    os.environ.pop("REDIS_URL", None)
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    _django_ready = True


def wait_until_answering(process: subprocess.Popen[bytes], url: str, *, what: str) -> None:
    """Wait (up to 60 s) until `url` answers at all; RuntimeError if `process` ends first."""
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVER_KINDS = ("uvicorn", "granian-wsgi", "granian-asgi", "gunicorn")
WEB_UNIT = ROOT / "deploy" / "systemd" / "satupintu-web@.service"


def production_blocking_threads() -> str:
    """The threads per process that production's web unit gives granian (`--blocking-threads`),
    so that the benchmark serves the API as production does."""
    command = next(
        line for line in WEB_UNIT.read_text().splitlines() if line.startswith("ExecStart=")
    ).split()
    return command[command.index("--blocking-threads") + 1]


def _server_command(kind: str, port: int, workers: int) -> list[str]:
    bind = ["127.0.0.1", str(port)]
    if kind == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "satupintu.asgi:application",
            "--host", bind[0], "--port", bind[1], "--workers", str(workers),
            "--no-access-log", "--log-level", "warning", "--backlog", "4096",
            "--timeout-graceful-shutdown", "2", "--no-proxy-headers",
        ]  # fmt: skip
    if kind.startswith("granian"):
        interface = kind.split("-", 1)[1]
        if interface == "wsgi":
            target = "satupintu.wsgi:application"
            threads = ["--blocking-threads", production_blocking_threads()]
        else:
            target, threads = "satupintu.asgi:application", []
        return [
            sys.executable, "-m", "granian", "--interface", interface, target,
            "--host", bind[0], "--port", bind[1], "--workers", str(workers), *threads,
            "--no-access-log", "--log-level", "warning", "--backlog", "4096",
        ]  # fmt: skip
    if kind == "gunicorn":
        return [
            sys.executable, "-m", "gunicorn", "satupintu.wsgi:application",
            "--bind", f"{bind[0]}:{bind[1]}", "--workers", str(workers),
            "--backlog", "4096", "--log-level", "warning", "--graceful-timeout", "2",
        ]  # fmt: skip
    raise ValueError(f"unknown server kind {kind!r}; one of {', '.join(SERVER_KINDS)}")


@contextlib.contextmanager
def app_server(
    *, kind: str = "uvicorn", workers: int = 1, probe: str = "/api/v1/malls", **env: str
) -> Iterator[tuple[str, int]]:
    """A server of the project in a subprocess on a free port; yields (base URL, process id).
    `env` adds to (or overrides) `server_env()`, for example DATABASE_URL or
    DJANGO_SETTINGS_MODULE."""
    port = free_port()
    process = subprocess.Popen(
        _server_command(kind, port, workers), cwd=ROOT, env=server_env(**env)
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(process, f"{base}{probe}", what=f"the {kind} server")
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextlib.contextmanager
def uvicorn_server(*, workers: int = 1, **env: str) -> Iterator[str]:
    """A uvicorn server of the project in a subprocess; yields its base URL."""
    with app_server(kind="uvicorn", workers=workers, **env) as (base, _pid):
        yield base


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and all its living descendants (a server and its
    worker processes), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name (field 2) may hold spaces; the fields after its ')' are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(cpu.get(p, 0.0) for p in tree)


class DatabaseCpu:
    """User + system CPU seconds spent by the PostgreSQL backends of one database over a span,
    from /proc (the server runs as another user on the same machine; reading other users'
    /proc/<pid>/stat needs no privilege). A backend's command line names its database
    (`postgres: 15/main: <user> <database> <address> <state>`), so other sessions' databases on
    the same cluster are not counted. A thread samples every `interval` seconds, so that the CPU
    of backends that end within the span (pgbench's connections) is counted too; the shared
    background processes (WAL writer, checkpointer, autovacuum) are not. None where /proc is
    missing."""

    def __init__(self, database: str, interval: float = 0.1) -> None:
        self.database = database
        self.interval = interval
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ticks = os.sysconf("SC_CLK_TCK")

    def _backends(self) -> dict[int, float]:
        found: dict[int, float] = {}
        name = self.database.encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    words = handle.read().replace(b"\0", b" ").split()
                # postgres: <cluster>: <user> <database> <address> <state>
                if len(words) < 4 or words[0] != b"postgres:" or words[3] != name:
                    continue
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry)] = (int(fields[11]) + int(fields[12])) / self._ticks
        return found

    def _sample(self, *, first: bool = False) -> None:
        for pid, seconds in self._backends().items():
            self._first.setdefault(pid, seconds if first else 0.0)
            self._last[pid] = seconds

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> None:
        if not os.path.isdir("/proc"):
            return
        self._sample(first=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> float | None:
        if self._thread is None:
            return None
        self._stop.set()
        self._thread.join()
        self._sample()
        return sum(last - self._first.get(pid, 0.0) for pid, last in self._last.items())


def load_average() -> float:
    """The one-minute load average of the machine."""
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def seed_queue_mall(*, counters: int) -> dict[str, Any]:
    """`seed_queue_rows` in BENCH_DATABASE_URL, with Django set up in this process."""
    ensure_database()
    return seed_queue_rows(counters=counters)


def seed_queue_rows(*, counters: int) -> dict[str, Any]:
    """A fresh bench mall: open every day all day, four services, `counters` counters serving
    them all, one officer per counter and a kiosk device, with API tokens. Tickets and counter
    sessions of earlier runs are removed. Django must be set up on the target database."""
    from datetime import time as dtime

    from satupintu.accounts.models import Membership, Role, User
    from satupintu.accounts.services import api_token_issue
    from satupintu.catalog.models import Agency, Counter, Floor, Mall, OpeningHours, Service
    from satupintu.queueing.models import (
        CounterSession,
        Display,
        NumberSequence,
        Ticket,
        TicketEvent,
    )

    mall, _ = Mall.objects.get_or_create(
        slug="bench", defaults={"name": "MPP Bench", "timezone": "Asia/Jakarta"}
    )
    for weekday in range(7):
        OpeningHours.objects.update_or_create(
            mall=mall, weekday=weekday, defaults={"opens": dtime(0, 0), "closes": dtime(23, 59, 59)}
        )
    mall.closure_days.all().delete()
    agency, _ = Agency.objects.get_or_create(
        mall=mall, slug="bench-agency", defaults={"name": "Dinas Bench", "kind": "city_office"}
    )
    service_ids = []
    for prefix in "ABCD":
        service, _ = Service.objects.get_or_create(
            mall=mall,
            code=f"BENCH-{prefix}",
            defaults={
                "agency": agency,
                "name": f"Layanan Bench {prefix}",
                "kind": "non_licensing",
                "queue_prefix": prefix,
                "offers_walk_in": True,
                "duration_value": 5,
                "duration_unit": "minutes",
            },
        )
        service_ids.append(service.pk)
    floor, _ = Floor.objects.get_or_create(mall=mall, number=1, defaults={"name": "Lantai 1"})
    display, _ = Display.objects.get_or_create(mall=mall, name="Papan Bench", defaults={})
    # Earlier runs: tickets and their events go, counters are free again.
    # Ticket events refuse deletion through the ORM (append-only history); this is the
    # benchmark's own database being reset, so its rows go in plain SQL.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TicketEvent._meta.db_table} WHERE ticket_id IN "
            f"(SELECT id FROM {Ticket._meta.db_table} WHERE mall_id = %s)",
            [mall.pk],
        )
    Ticket.objects.filter(mall=mall).update(transferred_from=None)
    Ticket.objects.filter(mall=mall).delete()
    NumberSequence.objects.filter(mall=mall).delete()
    CounterSession.objects.filter(counter__mall=mall).delete()
    officer_tokens, counter_ids = [], []
    for n in range(1, counters + 1):
        counter, _ = Counter.objects.get_or_create(
            mall=mall, number=n, defaults={"floor": floor, "name": f"Loket {n}"}
        )
        counter.services.set(service_ids)
        counter_ids.append(counter.pk)
        user, _ = User.objects.get_or_create(username=f"bench-officer-{n}")
        Membership.objects.get_or_create(user=user, mall=mall, role=Role.COUNTER_OFFICER)
        officer_tokens.append(api_token_issue(user=user))
    kiosk_user, _ = User.objects.get_or_create(username="bench-kiosk", defaults={"is_device": True})
    Membership.objects.get_or_create(user=kiosk_user, mall=mall, role=Role.KIOSK)
    if connection.vendor == "postgresql":
        _history_and_vacuum(mall.pk, service_ids, counter_ids)
    return {
        "mall_id": mall.pk,
        "display_id": display.pk,
        "service_ids": service_ids,
        "counter_ids": counter_ids,
        "officer_tokens": officer_tokens,
        "kiosk_token": api_token_issue(user=kiosk_user),
    }


# Tickets of the day before the run, per service: the ticket table of a mall that has been open
# for a while. With them (and ANALYZE) PostgreSQL plans the queue's statements as it does in
# production; on a table it last saw empty it may plan a scan of every ticket of the day.
HISTORY_TICKETS_PER_SERVICE = 2500


def _history_and_vacuum(mall_id: int, service_ids: list[int], counter_ids: list[int]) -> None:
    """Yesterday's served tickets of the bench mall, then VACUUM ANALYZE of the queue's tables.
    The vacuum matters on this shared development cluster, where autovacuum is off: the rows
    of earlier runs (deleted above) would otherwise stay in the indexes, and every count of a
    service's waiting tickets would step over all of them (tens of thousands after a few runs).
    A production database has autovacuum on; within a run nothing is vacuumed, as within a day
    of a big ticket table (20 % of its rows must change before autovacuum takes it again)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO queueing_ticket (
              mall_id, service_id, current_service_id, further_service_ids, channel, priority,
              queue_prefix, serial, number, service_date, status, arrival_at, created_at,
              called_at, last_called_at, started_at, finished_at, counter_id, name, phone,
              plate_number, recall_count, outcome, note)
            SELECT %s, s.id, s.id, '[]', 'walk_in', '', s.queue_prefix, n,
              s.queue_prefix || '-' || lpad(n::text, 3, '0'), d.day, 'done', d.at, d.at,
              d.at + interval '5 min', d.at + interval '5 min', d.at + interval '6 min',
              d.at + interval '11 min', %s, '', '', '', 0, 'served', ''
            FROM catalog_service s, generate_series(1, %s) AS n,
              LATERAL (SELECT (now() AT TIME ZONE 'Asia/Jakarta')::date - 1 AS day,
                       now() - interval '1 day' + n * interval '1 second' AS at) d
            WHERE s.id = ANY(%s)
            """,
            [mall_id, counter_ids[0], HISTORY_TICKETS_PER_SERVICE, service_ids],
        )
        for table in (
            "queueing_ticket", "queueing_ticketevent", "queueing_numbersequence",
            "queueing_countersession",
        ):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")


def prepare_database(url: str) -> None:
    """Create the database of `url` when missing (PostgreSQL) and migrate it, in a subprocess."""
    if url.startswith("postgres"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "-m", "satupintu.manage", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=server_env(DATABASE_URL=url),
        check=True,
    )


def seed_in_subprocess(url: str, *, counters: int, floor_slots: int) -> dict[str, Any]:
    """`bench.seed` against `url` (any engine): the bench mall and the floor's table."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.seed", str(counters), str(floor_slots)],
        cwd=ROOT,
        env=server_env(DATABASE_URL=url),
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# Tickets called more than once (more than one `call` event), and numbers given out twice (two
# first tickets with one queue, day and serial): plain SQL, so that it checks any copy of the
# schema on either engine, including the pgbench scratch database.
_CALLED_TWICE_SQL = """
SELECT count(*) FROM (
  SELECT e.ticket_id FROM queueing_ticketevent e JOIN queueing_ticket t ON t.id = e.ticket_id
  WHERE t.mall_id = {mall} AND e.action = 'call' GROUP BY e.ticket_id HAVING count(*) > 1
) AS twice"""
_NUMBER_TWICE_SQL = """
SELECT count(*) FROM (
  SELECT queue_prefix, service_date, serial FROM queueing_ticket
  WHERE mall_id = {mall} AND transferred_from_id IS NULL
  GROUP BY queue_prefix, service_date, serial HAVING count(*) > 1
) AS twice"""


def duplicates_in(url: str, mall_id: int) -> dict[str, int]:
    """Tickets called twice and numbers given twice in the mall, in the database of `url`."""
    queries = {"called_twice": _CALLED_TWICE_SQL, "numbers_twice": _NUMBER_TWICE_SQL}
    found: dict[str, int] = {}
    if url.startswith("sqlite"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            for name, sql in queries.items():
                found[name] = int(conn.execute(sql.format(mall=int(mall_id))).fetchone()[0])
        return found
    import psycopg

    with psycopg.connect(url) as conn:
        for name, sql in queries.items():
            row = conn.execute(sql.format(mall=int(mall_id))).fetchone()  # type: ignore[arg-type]
            found[name] = int(row[0]) if row else 0
    return found
