"""PostgreSQL connections under kiosk load, on the README's production set-up.

32 kiosks at once against uvicorn with WEB_CONCURRENCY=4 worker processes plus the task worker
(`satupintu db_worker`), on PostgreSQL limited to what a default server admits: the processes
connect as a role with CONNECTION LIMIT 97 (max_connections 100 minus the 3 kept for
superusers), so the shared PostgreSQL of this machine is not touched. Two runs:
- "pool" : the default settings (a psycopg pool per process, sized from WEB_CONCURRENCY and
  DB_MAX_CONNECTIONS=100: (100 - 10) // (4 + 2) = 15 connections per process at most);
- "no pool": DB_POOL_MAX_SIZE=0 and CONN_MAX_AGE=60, the settings before the pool became the
  default (one persistent connection per request thread).

Each kiosk, for BENCH_SECONDS (default 20): issues a ticket, reads the service list and reads
its ticket back. Counted: answers by status, requests without an answer within 30 s, p50/p99
latency, and the most connections the role held at once (sampled every 0.2 s).

Environment: BENCH_SECONDS, BENCH_CLIENTS (default 32), BENCH_WORKERS (default 4)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

import httpx

from bench.support import (
    BENCH_DATABASE_URL,
    ROOT,
    percentile,
    seed_queue_mall,
    server_env,
    uvicorn_server,
)

ROLE = "satupintu_bench_pool"
ROLE_CONNECTION_LIMIT = 97
NO_ANSWER = 0


def _role_url() -> str:
    scheme, rest = BENCH_DATABASE_URL.split("://", 1)
    host_and_db = rest.split("@", 1)[-1]
    return f"{scheme}://{ROLE}@{host_and_db}"


def _ensure_role() -> None:
    import psycopg

    with psycopg.connect(BENCH_DATABASE_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE]).fetchone()
        if not exists:
            conn.execute(f'CREATE ROLE "{ROLE}" LOGIN')
        conn.execute(f'ALTER ROLE "{ROLE}" CONNECTION LIMIT {ROLE_CONNECTION_LIMIT}')
        conn.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{ROLE}"')
        conn.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{ROLE}"')


class ConnectionSampler(threading.Thread):
    """The most connections the role holds at once, sampled while the run lasts."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(BENCH_DATABASE_URL, autocommit=True) as conn:
            while not self.stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", [ROLE]
                ).fetchone()
                self.peak = max(self.peak, int(row[0]) if row else 0)
                time.sleep(0.2)


def _kiosk(
    base: str, seed: dict[str, Any], index: int, stop_at: float, start: threading.Barrier,
    statuses: Counter[int], latencies: list[float], lock: threading.Lock,
) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {seed['kiosk_token']}"}
    service_id = seed["service_ids"][index % len(seed["service_ids"])]
    local: Counter[int] = Counter()
    times: list[float] = []
    with httpx.Client(base_url=base, timeout=30, headers=headers) as http:
        start.wait()
        while time.perf_counter() < stop_at:
            ticket_id = ticket_token = None
            for method, path in (
                ("POST", "/api/v1/tickets"),
                ("GET", "/api/v1/services?mall=bench"),
                # a kiosk is no queue staff: it reads its ticket back with the ticket's secret
                ("GET", "/api/v1/tickets/{id}?token={token}"),
            ):
                if "{id}" in path:
                    if ticket_id is None:
                        continue
                    path = path.format(id=ticket_id, token=ticket_token)
                began = time.perf_counter()
                try:
                    body = {"service_id": service_id, "channel": "walk_in"}
                    response = http.request(method, path, json=body if method == "POST" else None)
                except httpx.TimeoutException:
                    local[NO_ANSWER] += 1
                    continue
                except httpx.TransportError:
                    local[NO_ANSWER] += 1
                    continue
                times.append(time.perf_counter() - began)
                local[response.status_code] += 1
                if method == "POST" and response.status_code == 201:
                    ticket_id, ticket_token = response.json()["id"], response.json()["token"]
    with lock:
        statuses.update(local)
        latencies.extend(times)


def run(label: str, *, clients: int, workers: int, seconds: float, **env: str) -> dict[str, Any]:
    seed = seed_queue_mall(counters=1)
    environment = {
        "DATABASE_URL": _role_url(),
        "WEB_CONCURRENCY": str(workers),
        "DB_MAX_CONNECTIONS": "100",
        **env,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "satupintu.manage", "db_worker", "--interval", "1"],
        cwd=ROOT,
        env=server_env(**environment),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    sampler = ConnectionSampler()
    try:
        with uvicorn_server(workers=workers, **environment) as base:
            sampler.start()
            start = threading.Barrier(clients)
            stop_at = time.perf_counter() + seconds + 1
            threads = [
                threading.Thread(
                    target=_kiosk,
                    args=(base, seed, i, stop_at, start, statuses, latencies, lock),
                )
                for i in range(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            sampler.stop.set()
            sampler.join(5)
    finally:
        worker.terminate()
        worker.wait(10)
    answered = sum(n for code, n in statuses.items() if code != NO_ANSWER)
    return {
        "label": label,
        "requests": sum(statuses.values()),
        "ok": sum(n for code, n in statuses.items() if 200 <= code < 300),
        "5xx": sum(n for code, n in statuses.items() if code >= 500),
        "no answer": statuses[NO_ANSWER],
        "other": {
            c: n for c, n in statuses.items() if c != NO_ANSWER and not 200 <= c < 300 and c < 500
        },
        "per second": answered / seconds,
        "p50 ms": percentile(latencies, 50) * 1000,
        "p99 ms": percentile(latencies, 99) * 1000,
        "peak connections": sampler.peak,
    }


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "20"))
    clients = int(os.environ.get("BENCH_CLIENTS", "32"))
    workers = int(os.environ.get("BENCH_WORKERS", "4"))
    seed_queue_mall(counters=1)  # migrates the bench database before the role gets its grants
    _ensure_role()
    print(
        f"{clients} kiosks, {seconds:.0f} s, uvicorn WEB_CONCURRENCY={workers} + db_worker, "
        f"role limited to {ROLE_CONNECTION_LIMIT} connections"
    )
    rows = [
        run("pool (default)", clients=clients, workers=workers, seconds=seconds,
            DB_POOL_MAX_SIZE=""),
        run("no pool (before)", clients=clients, workers=workers, seconds=seconds,
            DB_POOL_MAX_SIZE="0", CONN_MAX_AGE="60"),
    ]  # fmt: skip
    print(
        "| settings | requests | 2xx | 5xx | no answer | other | req/s | p50 ms | p99 ms "
        "| peak connections |"
    )
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['label']} | {r['requests']} | {r['ok']} | {r['5xx']} | {r['no answer']} | "
            f"{r['other'] or '-'} | {r['per second']:.0f} | {r['p50 ms']:.0f} | "
            f"{r['p99 ms']:.0f} | {r['peak connections']} |"
        )
