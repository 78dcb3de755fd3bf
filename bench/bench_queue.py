"""The issue → call → start → finish cycle over HTTP against a real uvicorn server on
PostgreSQL, with 1, 8 and 32 concurrent clients.

Each client is one officer at one counter (all counters serve the same four services, so calls
compete for the same tickets) and also plays the kiosk: it issues a ticket, calls the next one
for its counter, starts and finishes it. Every HTTP request is one operation. Afterwards the
database is checked for duplicates: a ticket called twice or a number given out twice.

Environment: BENCH_SECONDS (per level, default 8), BENCH_LEVELS (default "1,8,32"),
BENCH_WORKERS (uvicorn worker processes, default "1,2": each level runs once per count)."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from typing import Any

import httpx

from bench.support import percentile, queue_duplicates, seed_queue_mall, uvicorn_server


def _client_loop(
    base: str,
    kiosk_token: str,
    officer_token: str,
    counter_id: int,
    service_ids: list[int],
    stop_at: float,
    start: threading.Barrier,
    latencies: dict[str, list[float]],
    errors: list[str],
    index: int,
) -> None:
    kiosk = {"Authorization": f"Bearer {kiosk_token}"}
    officer = {"Authorization": f"Bearer {officer_token}"}
    local: dict[str, list[float]] = defaultdict(list)
    with httpx.Client(base_url=base, timeout=30) as http:
        opened = http.post(f"/api/v1/counters/{counter_id}/open", headers=officer)
        if opened.status_code != 200:
            errors.append(f"open {opened.status_code} {opened.text[:200]}")
            start.wait()
            return
        start.wait()
        n = index
        while time.perf_counter() < stop_at:
            service_id = service_ids[n % len(service_ids)]
            n += 1
            steps: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = [
                (
                    "issue",
                    "/api/v1/tickets",
                    {"service_id": service_id, "channel": "walk_in"},
                    kiosk,
                ),
                ("call", f"/api/v1/counters/{counter_id}/call-next", None, officer),
            ]
            ticket_id = None
            for name, path, body, headers in steps:
                t0 = time.perf_counter()
                response = http.post(path, json=body, headers=headers)
                local[name].append(time.perf_counter() - t0)
                if response.status_code not in (200, 201, 204):
                    errors.append(f"{name} {response.status_code} {response.text[:200]}")
                if name == "call" and response.status_code == 200:
                    ticket_id = response.json()["id"]
            if ticket_id is None:
                continue
            for name, path, body in (
                ("start", f"/api/v1/tickets/{ticket_id}/start", None),
                ("finish", f"/api/v1/tickets/{ticket_id}/finish", {"outcome": "served"}),
            ):
                t0 = time.perf_counter()
                response = http.post(path, json=body, headers=officer)
                local[name].append(time.perf_counter() - t0)
                if response.status_code != 200:
                    errors.append(f"{name} {response.status_code} {response.text[:200]}")
        http.post(f"/api/v1/counters/{counter_id}/close", headers=officer)
    for name, values in local.items():
        latencies[name].extend(values)


def run_level(base: str, seed: dict[str, Any], clients: int, seconds: float) -> dict[str, Any]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    start = threading.Barrier(clients + 1)
    stop_holder: list[float] = [0.0]
    threads = []
    # The deadline is set once every client has its counter open.
    for i in range(clients):
        thread = threading.Thread(
            target=lambda i=i: _client_loop(
                base,
                seed["kiosk_token"],
                seed["officer_tokens"][i],
                seed["counter_ids"][i],
                seed["service_ids"],
                stop_holder[0],
                start,
                latencies,
                errors,
                i,
            ),
            daemon=True,
        )
        threads.append(thread)
    stop_holder[0] = time.perf_counter() + seconds + 5  # provisional, replaced below
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    stop_holder[0] = began + seconds
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    all_latencies = [v for values in latencies.values() for v in values]
    return {
        "clients": clients,
        "ops": len(all_latencies),
        "ops_per_second": len(all_latencies) / elapsed,
        "cycles": len(latencies["finish"]),
        "p50_ms": percentile(all_latencies, 50) * 1000,
        "p99_ms": percentile(all_latencies, 99) * 1000,
        "per_op": {
            name: (percentile(v, 50) * 1000, percentile(v, 99) * 1000, len(v))
            for name, v in sorted(latencies.items())
        },
        "errors": errors,
    }


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "8"))
    levels = [int(x) for x in os.environ.get("BENCH_LEVELS", "1,8,32").split(",")]
    worker_counts = [int(x) for x in os.environ.get("BENCH_WORKERS", "1,2").split(",")]
    print(
        f"cycle issue→call→start→finish over HTTP, PostgreSQL, {seconds:.0f} s per level",
        flush=True,
    )
    for workers in worker_counts:
        seed = seed_queue_mall(counters=max(levels))
        with uvicorn_server(workers=workers) as base:
            print(f"\nuvicorn, {workers} worker process(es), {base}", flush=True)
            print(
                f"{'clients':>7} {'ops':>7} {'ops/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
                f"{'cycles':>7} {'errors':>6}  per op (p50/p99 ms)",
                flush=True,
            )
            for clients in levels:
                result = run_level(base, seed, clients, seconds)
                per_op = "  ".join(
                    f"{name} {p50:.1f}/{p99:.1f}"
                    for name, (p50, p99, _n) in result["per_op"].items()
                )
                print(
                    f"{clients:>7} {result['ops']:>7} {result['ops_per_second']:>8.0f} "
                    f"{result['p50_ms']:>8.1f} {result['p99_ms']:>8.1f} {result['cycles']:>7} "
                    f"{len(result['errors']):>6}  {per_op}",
                    flush=True,
                )
                for error in result["errors"][:3]:
                    print(f"        error: {error}", flush=True)
        duplicates = queue_duplicates(int(seed["mall_id"]))
        print(
            f"duplicates after the {workers}-worker runs: tickets called twice "
            f"{duplicates['called_twice']}, numbers given twice {duplicates['numbers_twice']}",
            flush=True,
        )


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
