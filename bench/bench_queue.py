"""The queue at the speed of the machine (issue #15): in ONE run and ONE table, with the load
average,

- the database's ceiling: pgbench running the hand-written issue/call/start/finish cycle
  (`bench/pgbench_cycle.sql`) on a scratch copy of the benchmark database;
- the product's database work alone: pgbench running the same cycle as calls of the product's
  own functions (`bench/pgbench_functions.sql`), on a scratch copy of its own;
- the web stack's floor: `bench/floor.py`, one `UPDATE ... RETURNING` behind Django + ninja,
  served by the same server with the same settings, middleware and worker count as the product;
- the product's full cycle through HTTP: issue (kiosk token), call-next, start, finish (officer
  token), each request one operation;

at 1, 8 and 32 clients, on PostgreSQL and on SQLite (one server process), with ops/s, p50/p99,
the server's CPU per operation (user + system time of the server's processes, from /proc), the
database's CPU per operation (the PostgreSQL backends of the benchmark's database, from /proc:
`support.DatabaseCpu`), the benchmark client's own CPU per operation, and the ratios
product/floor and product/ceiling. The seed starts every run from the same database: the
previous run's rows deleted, a day of history, VACUUM ANALYZE (`support._history_and_vacuum`).
Afterwards each database is checked: no ticket called twice, no number given twice; every HTTP
answer other than the expected status is an error.

Each client is a thread with one keep-alive connection (http.client: the client's own CPU per
request stays small next to the server's): one officer at one counter, who also plays the kiosk.
All counters serve the same four services, so concurrent calls compete for the same tickets.

Environment: BENCH_SECONDS (per level, default 8), BENCH_LEVELS ("1,8,32"), BENCH_ENGINES
("postgres,sqlite"), BENCH_SERVER (uvicorn, granian-wsgi, granian-asgi, gunicorn; default
uvicorn), BENCH_WORKERS (server processes on PostgreSQL, default 1; SQLite always runs one),
BENCH_WARMUP_SECONDS (an unmeasured run of the floor and the cycle at the start, default 2),
BENCH_DATABASE_URL, BENCH_SQLITE_PATH (default var/bench.sqlite3)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.support import (
    BENCH_DATABASE_URL,
    ROOT,
    DatabaseCpu,
    app_server,
    duplicates_in,
    load_average,
    percentile,
    prepare_database,
    process_tree_cpu_seconds,
    production_blocking_threads,
    seed_in_subprocess,
    seed_queue_mall,
)

PGBENCH_SCRIPT = Path(__file__).with_name("pgbench_cycle.sql")
# The same cycle as calls of the product's own functions (queueing/hotpath.py): the database's
# share of the product's work, without the web stack.
PGBENCH_FUNCTIONS = Path(__file__).with_name("pgbench_functions.sql")


@dataclass
class Row:
    engine: str
    what: str
    clients: int
    ops: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    by_operation: dict[str, list[float]] = field(default_factory=dict)
    server_cpu: float | None = None
    db_cpu: float | None = None
    client_cpu: float | None = None
    errors: list[str] = field(default_factory=list)
    duplicates: str = ""
    note: str = ""

    @property
    def ops_per_second(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    def per_op_ms(self, cpu: float | None) -> str:
        return f"{cpu / self.ops * 1000:.2f}" if cpu is not None and self.ops else "-"


class Connection:
    """One keep-alive HTTP/1.1 connection with TCP_NODELAY (no Nagle delay on small requests)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.http = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.http.connect()
        assert self.http.sock is not None
        self.http.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def post(self, path: str, body: Any, headers: dict[str, str]) -> tuple[int, bytes]:
        payload = json.dumps(body).encode() if body is not None else b""
        self.http.request(
            "POST", path, body=payload, headers={**headers, "Content-Type": "application/json"}
        )
        response = self.http.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.http.close()


# A client's work: called with its index, a connection, the deadline, and where to record
# (operation latency, error); answers the number of operations done.
Timings = list[tuple[str, float]]  # (operation, seconds)
Work = Callable[[int, Connection, float, Timings, list[str]], int]


def _timed(
    conn: Connection,
    path: str,
    body: Any,
    headers: dict[str, str],
    latencies: Timings,
    errors: list[str],
    expected: tuple[int, ...],
    name: str,
) -> tuple[int, bytes]:
    t0 = time.perf_counter()
    status, data = conn.post(path, body, headers)
    latencies.append((name, time.perf_counter() - t0))
    if status not in expected:
        errors.append(f"{name} {status} {data[:200]!r}")
    return status, data


def floor_work(index: int, conn: Connection, stop_at: float, lat: Timings, err: list[str]) -> int:
    ops = 0
    while time.perf_counter() < stop_at:
        _timed(conn, f"/bench/floor/{index}", None, {}, lat, err, (200,), "floor")
        ops += 1
    return ops


def cycle_work(seed: dict[str, Any]) -> Work:
    kiosk = {"Authorization": f"Bearer {seed['kiosk_token']}"}
    service_ids = seed["service_ids"]

    def work(index: int, conn: Connection, stop_at: float, lat: Timings, err: list[str]) -> int:
        officer = {"Authorization": f"Bearer {seed['officer_tokens'][index]}"}
        counter = seed["counter_ids"][index]
        ops, n = 0, index
        while time.perf_counter() < stop_at:
            body = {"service_id": service_ids[n % len(service_ids)], "channel": "walk_in"}
            n += 1
            _timed(conn, "/api/v1/tickets", body, kiosk, lat, err, (201,), "issue")
            status, data = _timed(
                conn, f"/api/v1/counters/{counter}/call-next", None, officer, lat, err,
                (200, 204), "call-next",
            )  # fmt: skip
            ops += 2
            if status != 200:
                continue
            ticket = json.loads(data)["id"]
            _timed(
                conn, f"/api/v1/tickets/{ticket}/start", None, officer, lat, err, (200,), "start"
            )
            _timed(
                conn, f"/api/v1/tickets/{ticket}/finish", {"outcome": "served"}, officer, lat,
                err, (200,), "finish",
            )  # fmt: skip
            ops += 2
        return ops

    return work


def run_level(
    base: str, server_pid: int, clients: int, seconds: float, work: Work, row: Row,
    setup: Callable[[int, Connection], None] | None = None,
    teardown: Callable[[int, Connection], None] | None = None,
    database: str | None = None,
) -> Row:  # fmt: skip
    """`clients` threads run `work` together for `seconds` (after their setup), measured from
    the moment all are ready; the server's and this process's CPU over the same span."""
    ready = threading.Barrier(clients + 1)
    go = threading.Event()
    deadline: list[float] = [0.0]
    per_thread: list[tuple[Timings, list[str], int]] = []
    lock = threading.Lock()

    def body(index: int) -> None:
        lat: Timings = []
        err: list[str] = []
        ops = 0
        conn = Connection(base)
        try:
            if setup:
                setup(index, conn)
            ready.wait()
            go.wait()
            ops = work(index, conn, deadline[0], lat, err)
            if teardown:
                teardown(index, conn)
        except Exception as exc:  # a broken client is an error of the run, not a crash
            err.append(f"client {index}: {exc!r}")
        finally:
            conn.close()
            with lock:
                per_thread.append((lat, err, ops))

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    db_cpu = DatabaseCpu(database) if database else None
    if db_cpu:
        db_cpu.start()
    cpu0, mine0 = process_tree_cpu_seconds(server_pid), time.process_time()
    began = time.perf_counter()
    deadline[0] = began + seconds
    go.set()
    for thread in threads:
        thread.join()
    row.seconds = time.perf_counter() - began
    row.server_cpu = process_tree_cpu_seconds(server_pid) - cpu0
    row.client_cpu = time.process_time() - mine0
    row.db_cpu = db_cpu.stop() if db_cpu else None
    for lat, err, ops in per_thread:
        for name, seconds in lat:
            row.latencies.append(seconds)
            row.by_operation.setdefault(name, []).append(seconds)
        row.errors.extend(err)
        row.ops += ops
    return row


def open_counter(seed: dict[str, Any]) -> Callable[[int, Connection], None]:
    def setup(index: int, conn: Connection) -> None:
        officer = {"Authorization": f"Bearer {seed['officer_tokens'][index]}"}
        status, data = conn.post(
            f"/api/v1/counters/{seed['counter_ids'][index]}/open", None, officer
        )
        if status != 200:
            raise RuntimeError(f"open counter: {status} {data[:200]!r}")

    return setup


def close_counter(seed: dict[str, Any]) -> Callable[[int, Connection], None]:
    def teardown(index: int, conn: Connection) -> None:
        officer = {"Authorization": f"Bearer {seed['officer_tokens'][index]}"}
        conn.post(f"/api/v1/counters/{seed['counter_ids'][index]}/close", None, officer)

    return teardown


# --- the database's ceiling ---------------------------------------------------------------------


def pgbench_rows(
    url: str, seed: dict[str, Any], levels: list[int], seconds: float,
    script: Path = PGBENCH_SCRIPT, what: str = "ceiling: pgbench, hand-written SQL",
) -> list[Row]:  # fmt: skip
    """pgbench runs `script` (the hand-written cycle) on a scratch copy (`<db>_pgbench`) of the
    seeded benchmark database, one level after the other; the copy is dropped afterwards."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    scratch = f"{name}_pgbench"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{name}"')
    scratch_url = url.rsplit("/", 1)[0] + "/" + scratch
    mall = int(seed["mall_id"])
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        # Every pgbench client holds its counter, as the HTTP clients do after `open`.
        conn.execute(
            "INSERT INTO queueing_countersession (counter_id, officer_id, status, opened_at) "
            "SELECT c.id, u.id, 'open', now() FROM catalog_counter c "
            "JOIN accounts_user u ON u.username = 'bench-officer-' || c.number "
            "WHERE c.mall_id = %s",
            [mall],
        )
    rows = []
    pgbench = shutil.which("pgbench")
    try:
        for clients in levels:
            row = Row("postgres", what, clients)
            rows.append(row)
            if pgbench is None:
                row.note = "pgbench not installed (Debian: postgresql-client)"
                continue
            with tempfile.TemporaryDirectory() as logs:
                command = [
                    pgbench, "-n", "-M", "prepared", "-f", str(script),
                    "-D", f"mall={mall}",
                    "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(int(seconds)),
                    "-l", "--log-prefix", f"{logs}/cycle",
                    "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
                    "-U", parts.username or "postgres", scratch,
                ]  # fmt: skip
                db_cpu = DatabaseCpu(scratch)
                db_cpu.start()
                done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
                row.db_cpu = db_cpu.stop()
                out = done.stdout + done.stderr
                cycles = [
                    float(fields[2]) / 1e6
                    for log in Path(logs).iterdir()
                    for fields in (line.split() for line in log.read_text().splitlines())
                    if len(fields) > 2 and fields[2].isdigit()
                ]
            if done.returncode != 0:
                row.errors.append(out.strip().splitlines()[-1] if out.strip() else "pgbench failed")
            tps = next((float(line.split("=")[1].split()[0]) for line in out.splitlines()
                        if line.startswith("tps =")), 0.0)  # fmt: skip
            failed = next((int(line.split(":")[1].split()[0]) for line in out.splitlines()
                           if line.startswith("number of failed transactions")), 0)  # fmt: skip
            if failed:
                row.errors.append(f"{failed} failed transactions")
            row.seconds = float(int(seconds))
            row.ops = round(tps * 4 * row.seconds)
            # pgbench times a whole script (4 operations); a quarter of it stands for one.
            row.latencies = [c / 4 for c in cycles]
            row.note = "latency: a quarter of a cycle"
        found = duplicates_in(scratch_url, mall)
        for row in rows:
            row.duplicates = f"{found['called_twice']}/{found['numbers_twice']}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    return rows


# --- the run ------------------------------------------------------------------------------------


def engine_rows(
    engine: str, url: str, levels: list[int], seconds: float, server: str, workers: int,
    warmup: float,
) -> list[Row]:  # fmt: skip
    prepare_database(url)
    seed = seed_in_subprocess(url, counters=max(levels), floor_slots=max(levels))
    rows: list[Row] = []
    if engine == "postgres":
        rows += pgbench_rows(url, seed, levels, seconds)
        rows += pgbench_rows(
            url, seed, levels, seconds, PGBENCH_FUNCTIONS, "functions: pgbench, product's SQL"
        )
    label = f"{server} x{workers}"
    # The PostgreSQL backends' CPU per operation (not for SQLite: it runs in the server).
    database = urlsplit(url).path.lstrip("/") if engine == "postgres" else None
    env = {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    with app_server(kind=server, workers=workers, **env) as (base, pid):
        # Warm-up, not measured: every worker process imports and fills its caches (the
        # holiday calendar, catalog rows, tokens) before the first measured request.
        warm = min(4, max(levels))
        run_level(base, pid, warm, warmup, floor_work, Row(engine, "warm-up", warm))
        run_level(
            base, pid, warm, warmup, cycle_work(seed), Row(engine, "warm-up", warm),
            setup=open_counter(seed), teardown=close_counter(seed),
        )  # fmt: skip
        for clients in levels:
            floor = Row(engine, f"floor: one UPDATE, {label}", clients)
            rows.append(
                run_level(base, pid, clients, seconds, floor_work, floor, database=database)
            )
            product = Row(engine, f"product: full cycle, {label}", clients)
            rows.append(
                run_level(
                    base,
                    pid,
                    clients,
                    seconds,
                    cycle_work(seed),
                    product,
                    setup=open_counter(seed),
                    teardown=close_counter(seed),
                    database=database,
                )
            )
    found = duplicates_in(url, int(seed["mall_id"]))
    for row in rows:
        if row.what.startswith("product"):
            row.duplicates = f"{found['called_twice']}/{found['numbers_twice']}"
    return rows


def print_table(rows: list[Row], loads: tuple[float, float]) -> None:
    by_key = {(r.engine, r.what.split(":")[0], r.clients): r for r in rows}
    print(
        f"\nload average (1 min) {loads[0]:.2f} at the start, {loads[1]:.2f} at the end\n",
        flush=True,
    )
    print(
        "| engine | what | clients | ops/s | p50 ms | p99 ms | server CPU ms/op | db CPU ms/op | "
        "client CPU ms/op | product/floor | product/ceiling | errors | called twice/numbers twice |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        floor = by_key.get((r.engine, "floor", r.clients))
        ceiling = by_key.get(("postgres", "ceiling", r.clients))
        product = r.what.startswith("product")
        to_floor = (
            f"{r.ops_per_second / floor.ops_per_second:.0%}"
            if product and floor and floor.ops_per_second
            else ""
        )
        to_ceiling = (
            f"{r.ops_per_second / ceiling.ops_per_second:.0%}"
            if product and r.engine == "postgres" and ceiling and ceiling.ops_per_second
            else ""
        )
        pgbench = r.what.startswith(("ceiling", "functions"))
        server_cpu = r.per_op_ms(r.server_cpu) if not pgbench else "-"
        client_cpu = r.per_op_ms(r.client_cpu) if not pgbench else "-"
        p50, p99 = (percentile(r.latencies, p) * 1000 for p in (50, 99))
        print(
            f"| {r.engine} | {r.what} | {r.clients} | {r.ops_per_second:.0f} | "
            f"{p50:.1f} | {p99:.1f} | "
            f"{server_cpu} | {r.per_op_ms(r.db_cpu)} | {client_cpu} | {to_floor} | "
            f"{to_ceiling} | {len(r.errors)} | "
            f"{r.duplicates} |",
            flush=True,
        )
    for r in rows:
        for error in r.errors[:3]:
            print(f"error ({r.engine}, {r.what}, {r.clients} clients): {error}", flush=True)
    for r in rows:
        if r.what.startswith("product") and r.by_operation:
            parts = "  ".join(
                f"{name} {percentile(v, 50) * 1000:.1f}/{percentile(v, 99) * 1000:.1f}"
                for name, v in sorted(r.by_operation.items())
            )
            print(f"per operation p50/p99 ms ({r.engine}, {r.clients} clients): {parts}")
    notes = sorted({r.note for r in rows if r.note})
    for note in notes:
        print(f"note: ceiling {note}", flush=True)


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "8"))
    levels = [int(x) for x in os.environ.get("BENCH_LEVELS", "1,8,32").split(",")]
    engines = os.environ.get("BENCH_ENGINES", "postgres,sqlite").split(",")
    server = os.environ.get("BENCH_SERVER", "uvicorn")
    workers = int(os.environ.get("BENCH_WORKERS", "1"))
    warmup = float(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
    sqlite_path = Path(os.environ.get("BENCH_SQLITE_PATH", ROOT / "var" / "bench.sqlite3"))
    threads = (
        f" of {production_blocking_threads()} threads (production's web unit)"
        if server == "granian-wsgi"
        else ""
    )
    print(
        f"queue cycle vs floor vs ceiling: {server}, {workers} worker(s){threads} on PostgreSQL, "
        f"1 on SQLite; {seconds:.0f} s per level; levels {levels}",
        flush=True,
    )
    loads = [load_average()]
    rows: list[Row] = []
    for engine in engines:
        if engine == "postgres":
            rows += engine_rows(
                engine, BENCH_DATABASE_URL, levels, seconds, server, workers, warmup
            )
        elif engine == "sqlite":
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            rows += engine_rows(
                engine, f"sqlite:///{sqlite_path}", levels, seconds, server, 1, warmup
            )
        else:
            raise ValueError(f"unknown engine {engine!r}")
    loads.append(load_average())
    print_table(rows, (loads[0], loads[1]))


def profile_cycle(cycles: int = 200) -> None:
    """Where the time of one cycle goes, in-process (Django's test client, no HTTP server):
    CPU milliseconds per operation and the top functions by cumulative time."""
    import cProfile
    import pstats

    seed: Any = seed_queue_mall(counters=1)
    from django.test import Client

    client = Client()
    kiosk = {"Authorization": f"Bearer {seed['kiosk_token']}"}
    officer = {"Authorization": f"Bearer {seed['officer_tokens'][0]}"}
    counter_id = seed["counter_ids"][0]
    client.post(f"/api/v1/counters/{counter_id}/open", headers=officer)
    service_id = seed["service_ids"][0]

    def cycle() -> None:
        client.post(
            "/api/v1/tickets",
            {"service_id": service_id, "channel": "walk_in"},
            content_type="application/json",
            headers=kiosk,
        )
        called = client.post(f"/api/v1/counters/{counter_id}/call-next", headers=officer).json()
        client.post(f"/api/v1/tickets/{called['id']}/start", headers=officer)
        client.post(
            f"/api/v1/tickets/{called['id']}/finish",
            {"outcome": "served"},
            content_type="application/json",
            headers=officer,
        )

    for _ in range(20):  # warm up
        cycle()
    from django.db import connection

    queries: list[float] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(time.perf_counter() - t0)

    wall0, cpu0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        for _ in range(cycles):
            cycle()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    ops = cycles * 4
    median_sql = percentile(queries, 50) * 1000
    print(
        f"in-process, {cycles} cycles: {wall / ops * 1000:.2f} ms wall and "
        f"{cpu / ops * 1000:.2f} ms CPU per operation; {len(queries) / ops:.1f} SQL statements "
        f"per operation taking {sum(queries) / ops * 1000:.2f} ms (median {median_sql:.2f} ms)",
        flush=True,
    )
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(min(cycles, 50)):
        cycle()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(12)
    stats.sort_stats("cumulative").print_stats(
        "satupintu|ninja/operation|django/db/models/query.py", 30
    )


if __name__ == "__main__":
    profile_cycle() if os.environ.get("BENCH_PROFILE") else main()
