"""Display fan-out: 1,000 SSE clients on one display of one uvicorn server process; the time
from a call (the officer's call-next request) to the event's arrival at every client.

The clients are raw asyncio connections in this process (cheaper than an HTTP library per
connection, so that the client side disturbs the measurement less). Each call: a ticket is issued,
then call-next is sent and the clock starts; every client records when the `ticket.called` event
with that number arrives. Environment: BENCH_SSE_CLIENTS (default 1000), BENCH_SSE_CALLS
(default 20), BENCH_SSE_BROKERS (default "memory"; "memory,redis" also measures the Redis broker
when REDIS_URL is set)."""

from __future__ import annotations

import asyncio
import os
import re
import time
from typing import Any

import httpx

from bench.support import percentile, seed_queue_mall, uvicorn_server

_CALLED = re.compile(rb'event: ticket\.called\r?\ndata: [^\n]*?"ticket_number": "([A-Z]+-\d+)"')


class Listener:
    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.arrivals: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Event] = {}

    async def run(self, host: str, port: int, path: str) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n"
        writer.write(request.encode())
        await writer.drain()
        buffer = b""
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                now = time.perf_counter()
                buffer += data
                if not self.ready.is_set() and b"event: hello" in buffer:
                    self.ready.set()
                last_end = 0
                for match in _CALLED.finditer(buffer):
                    number = match.group(1).decode()
                    self.arrivals.setdefault(number, now)
                    last_end = match.end()
                buffer = buffer[last_end:][-8192:]
        finally:
            writer.close()


async def _measure(base: str, seed: dict[str, Any], clients: int, calls: int) -> dict[str, Any]:
    host, port = base.removeprefix("http://").split(":")
    path = f"/api/v1/displays/{seed['display_id']}/events"
    listeners = [Listener() for _ in range(clients)]
    connect_started = time.perf_counter()
    tasks = []
    for i, listener in enumerate(listeners):
        tasks.append(asyncio.create_task(listener.run(host, int(port), path)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)  # do not overflow the listen backlog
    await asyncio.wait_for(asyncio.gather(*(lis.ready.wait() for lis in listeners)), 60)
    connect_seconds = time.perf_counter() - connect_started
    kiosk = {"Authorization": f"Bearer {seed['kiosk_token']}"}
    officer = {"Authorization": f"Bearer {seed['officer_tokens'][0]}"}
    counter_id = seed["counter_ids"][0]
    latencies: list[float] = []
    slowest_per_call: list[float] = []
    missing = 0
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        (await http.post(f"/api/v1/counters/{counter_id}/open", headers=officer)).raise_for_status()
        for _ in range(calls):
            issued = await http.post(
                "/api/v1/tickets",
                json={"service_id": seed["service_ids"][0], "channel": "walk_in"},
                headers=kiosk,
            )
            issued.raise_for_status()
            number = issued.json()["number"]
            await asyncio.sleep(0.3)  # let the "issued" event reach everyone first
            t0 = time.perf_counter()
            called = await http.post(f"/api/v1/counters/{counter_id}/call-next", headers=officer)
            called.raise_for_status()
            ticket_id = called.json()["id"]
            deadline = t0 + 10
            while time.perf_counter() < deadline:
                if all(number in lis.arrivals for lis in listeners):
                    break
                await asyncio.sleep(0.005)
            arrived = [lis.arrivals[number] - t0 for lis in listeners if number in lis.arrivals]
            missing += clients - len(arrived)
            latencies.extend(arrived)
            slowest_per_call.append(max(arrived) if arrived else float("nan"))
            await http.post(f"/api/v1/tickets/{ticket_id}/start", headers=officer)
            await http.post(
                f"/api/v1/tickets/{ticket_id}/finish", json={"outcome": "served"}, headers=officer
            )
        await http.post(f"/api/v1/counters/{counter_id}/close", headers=officer)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "connect_seconds": connect_seconds,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies) * 1000 if latencies else float("nan"),
        "last_client_p50_ms": percentile(slowest_per_call, 50) * 1000,
        "last_client_p99_ms": percentile(slowest_per_call, 99) * 1000,
        "deliveries": len(latencies),
        "missing": missing,
    }


def main() -> None:
    clients = int(os.environ.get("BENCH_SSE_CLIENTS", "1000"))
    calls = int(os.environ.get("BENCH_SSE_CALLS", "20"))
    brokers = os.environ.get("BENCH_SSE_BROKERS", "memory").split(",")
    print(f"display fan-out: {clients} SSE clients, {calls} calls, one uvicorn process", flush=True)
    for broker in brokers:
        extra: dict[str, str] = {"EVENT_BROKER": broker}
        if broker == "redis":
            url = os.environ.get("REDIS_URL")
            if not url:
                print("redis: skipped (set REDIS_URL)", flush=True)
                continue
            extra.update(REDIS_URL=url, EVENT_KEY_PREFIX=f"bench-{int(time.time())}")
        seed = seed_queue_mall(counters=1)
        with uvicorn_server(workers=1, **extra) as base:
            result = asyncio.run(_measure(base, seed, clients, calls))
        print(
            f"{broker}: connected in {result['connect_seconds']:.1f} s; call → arrival at each "
            f"client p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, "
            f"max {result['max_ms']:.0f} ms; until the last client: p50 "
            f"{result['last_client_p50_ms']:.0f} ms, p99 {result['last_client_p99_ms']:.0f} ms; "
            f"{result['deliveries']} deliveries, {result['missing']} missing",
            flush=True,
        )


if __name__ == "__main__":
    main()
