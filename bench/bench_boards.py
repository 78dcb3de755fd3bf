"""Display boards on one server process (issue #15): connect N boards to one display's event
stream, make calls, and measure connect time, the delay from each call's publication (right
after its commit) to its arrival at every board, the server's memory per connection, and the
time a restart (SIGTERM until the process has exited) takes with the boards connected.

`python -m bench boards`. The boards are raw asyncio connections (an `asyncio.Protocol` each)
spread over BENCH_BOARDS_CLIENTS client processes (default 2), so that the client side costs
as little as possible; they run on the same two cores as the server, so every figure includes
their share. The delay is measured on the wall clock: an event's id is its publication time in
microseconds (`core.events.next_event_id`), the board notes its arrival time; both on this
machine's clock. The delay from sending the call-next request is printed too (it adds the
request, its transaction and the commit).

Environment: BENCH_BOARDS (default "1000,10000"), BENCH_BOARDS_CALLS (default 8),
BENCH_BOARDS_CLIENTS, BENCH_RESTART_BOARDS (default 1000; 0 skips the restart), and
BENCH_DATABASE_URL as for the other benchmarks."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from typing import Any

import httpx

from bench.support import (
    ROOT,
    _server_command,
    free_port,
    load_average,
    percentile,
    seed_queue_mall,
    server_env,
    wait_until_answering,
)

_CALLED = re.compile(rb"id: (\d+)\nevent: ticket\.called\n")


# --- the client side (a subprocess per share of the boards) --------------------------------------


class _Board(asyncio.Protocol):
    def __init__(self, request: bytes, shared: dict[str, Any]) -> None:
        self.request = request
        self.shared = shared
        self.buffer = b""
        self.ready = False

    def connection_made(self, transport: Any) -> None:
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time_ns() // 1000
        buffer = self.buffer + data
        if not self.ready and b"event: hello" in buffer:
            self.ready = True
            self.shared["ready"] += 1
            if self.shared["ready"] == self.shared["wanted"]:
                self.shared["all_ready"].set()
        end = 0
        for match in _CALLED.finditer(buffer):
            event_id = int(match.group(1))
            self.shared["arrivals"].setdefault(event_id, []).append(now - event_id)
            end = match.end()
        self.buffer = buffer[end:][-4096:]

    def connection_lost(self, exc: Exception | None) -> None:
        self.shared["lost"] += 1


async def _client(host: str, port: int, path: str, count: int) -> None:
    loop = asyncio.get_running_loop()
    shared: dict[str, Any] = {
        "ready": 0,
        "wanted": count,
        "lost": 0,
        "arrivals": {},
        "all_ready": asyncio.Event(),
    }
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n"
    ).encode()
    transports = []
    for start in range(0, count, 100):
        batch = [
            loop.create_connection(lambda: _Board(request, shared), host, port)
            for _ in range(min(100, count - start))
        ]
        for transport, _protocol in await asyncio.gather(*batch):
            transports.append(transport)
        await asyncio.sleep(0.01)  # do not overflow the listen backlog
    await asyncio.wait_for(shared["all_ready"].wait(), 300)
    print(json.dumps({"ready_at": time.time()}), flush=True)
    # Wait for the parent's word (a line on stdin), then report the arrivals.
    await loop.run_in_executor(None, sys.stdin.readline)
    arrivals = {str(k): v for k, v in shared["arrivals"].items()}
    print(json.dumps({"arrivals": arrivals, "lost": shared["lost"]}), flush=True)
    for transport in transports:
        transport.close()


# --- the measuring side ---------------------------------------------------------------------------


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class _Server:
    """uvicorn, one process, as `make demo` runs it (no graceful-shutdown timeout: a restart
    takes what the application's shutdown takes)."""

    def __init__(self) -> None:
        self.port = free_port()
        command = _server_command("uvicorn", self.port, 1)
        at = command.index("--timeout-graceful-shutdown")
        del command[at : at + 2]
        self.process = subprocess.Popen(command, cwd=ROOT, env=server_env())
        self.base = f"http://127.0.0.1:{self.port}"
        wait_until_answering(self.process, f"{self.base}/healthz", what="the server")

    def terminate(self) -> float:
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return float("inf")
        return time.monotonic() - started


def _measure(boards: int, calls: int, clients: int, restart: bool) -> dict[str, Any]:
    seed = seed_queue_mall(counters=1)
    server = _Server()
    path = f"/api/v1/displays/{seed['display_id']}/events"
    kiosk = {"Authorization": f"Bearer {seed['kiosk_token']}"}
    officer = {"Authorization": f"Bearer {seed['officer_tokens'][0]}"}
    counter_id = seed["counter_ids"][0]
    http = httpx.Client(base_url=server.base, timeout=30)
    result: dict[str, Any] = {"boards": boards, "calls": calls}
    processes: list[subprocess.Popen[str]] = []
    try:
        http.post(f"/api/v1/counters/{counter_id}/open", headers=officer).raise_for_status()
        # Warm up: one board and one call, so that the memory measured is the boards'.
        with httpx.stream("GET", f"{server.base}{path}", timeout=10) as warm:
            next(warm.iter_lines())
        _one_call(http, seed, kiosk, officer, counter_id)
        time.sleep(0.5)
        rss_before = _rss_kb(server.process.pid)
        started = time.time()
        shares = [boards // clients + (1 if i < boards % clients else 0) for i in range(clients)]
        for share in shares:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.bench_boards",
                        "client",
                        "127.0.0.1",
                        str(server.port),
                        path,
                        str(share),
                    ],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        ready_at = [json.loads(p.stdout.readline())["ready_at"] for p in processes]  # type: ignore[union-attr]
        result["connect_seconds"] = max(ready_at) - started
        time.sleep(1.0)
        rss_after = _rss_kb(server.process.pid)
        result["kb_per_board"] = (rss_after - rss_before) / boards
        result["rss_mb"] = rss_after / 1024
        sent_at: list[int] = []
        for _ in range(calls):
            sent_at.append(_one_call(http, seed, kiosk, officer, counter_id, settle=boards / 4000))
        time.sleep(1.0 + boards / 5000)
        if restart:
            result["shutdown_seconds"] = server.terminate()
            again = time.monotonic()
            server = _Server()
            result["start_seconds"] = time.monotonic() - again
        arrivals: dict[int, list[int]] = {}
        lost = 0
        for process in processes:
            process.stdin.write("report\n")  # type: ignore[union-attr]
            process.stdin.flush()  # type: ignore[union-attr]
            report = json.loads(process.stdout.readline())  # type: ignore[union-attr]
            lost += report["lost"]
            for key, delays in report["arrivals"].items():
                arrivals.setdefault(int(key), []).extend(delays)
        ids = sorted(arrivals)[-calls:]
        delays_ms = [d / 1000 for i in ids for d in arrivals[i]]
        from_request_ms = [
            (i + d - sent) / 1000
            for i, sent in zip(ids, sent_at, strict=False)
            for d in arrivals[i]
        ]
        last_board_ms = [max(arrivals[i]) / 1000 for i in ids]
        result.update(
            deliveries=len(delays_ms),
            missing=boards * len(ids) - len(delays_ms) + boards * (calls - len(ids)),
            p50_ms=percentile(delays_ms, 50),
            p99_ms=percentile(delays_ms, 99),
            max_ms=max(delays_ms) if delays_ms else float("nan"),
            last_board_p50_ms=percentile(last_board_ms, 50),
            request_p50_ms=percentile(from_request_ms, 50),
            request_p99_ms=percentile(from_request_ms, 99),
            lost_during_calls=lost if not restart else None,
        )
    finally:
        for process in processes:
            process.kill()
            process.wait()
        http.close()
        if server.process.poll() is None:
            server.terminate()
    return result


def _one_call(
    http: httpx.Client,
    seed: dict[str, Any],
    kiosk: dict[str, str],
    officer: dict[str, str],
    counter_id: int,
    settle: float = 0.0,
) -> int:
    """Issue a ticket, call it (the clock starts when call-next is sent), serve it. Returns the
    time call-next was sent, in microseconds."""
    issued = http.post(
        "/api/v1/tickets",
        json={"service_id": seed["service_ids"][0], "channel": "walk_in"},
        headers=kiosk,
    )
    issued.raise_for_status()
    time.sleep(0.2 + settle)  # the "issued" event reaches every board first
    sent = time.time_ns() // 1000
    called = http.post(f"/api/v1/counters/{counter_id}/call-next", headers=officer)
    called.raise_for_status()
    ticket_id = called.json()["id"]
    time.sleep(0.3 + settle)
    http.post(f"/api/v1/tickets/{ticket_id}/start", headers=officer)
    http.post(f"/api/v1/tickets/{ticket_id}/finish", json={"outcome": "served"}, headers=officer)
    return sent


def main() -> None:
    sizes = [int(n) for n in os.environ.get("BENCH_BOARDS", "1000,10000").split(",") if n]
    calls = int(os.environ.get("BENCH_BOARDS_CALLS", "8"))
    clients = int(os.environ.get("BENCH_BOARDS_CLIENTS", "2"))
    restart_at = int(os.environ.get("BENCH_RESTART_BOARDS", "1000"))
    print(
        f"display boards on one uvicorn process (in-process broker), {calls} calls per size, "
        f"{clients} client processes; load average {load_average():.2f}",
        flush=True,
    )
    print(
        "| boards | connect s | publish → board p50 ms | p99 ms | max ms | last board p50 ms "
        "| call-next sent → board p50 / p99 ms | KB per board | server RSS MB | missing "
        "| SIGTERM → exit s | load |",
        flush=True,
    )
    print("|" + "---|" * 12, flush=True)
    for size in sizes:
        r = _measure(size, calls, clients, restart=size == restart_at)
        shutdown = f"{r['shutdown_seconds']:.2f}" if "shutdown_seconds" in r else "-"
        print(
            f"| {size:,} | {r['connect_seconds']:.1f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | "
            f"{r['max_ms']:.0f} | {r['last_board_p50_ms']:.0f} | {r['request_p50_ms']:.0f} / "
            f"{r['request_p99_ms']:.0f} | {r['kb_per_board']:.1f} | {r['rss_mb']:.0f} | "
            f"{r['missing']} of {size * calls:,} | {shutdown} | {load_average():.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        host, port, path, count = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
        try:
            import uvloop  # the boards' side costs less CPU with it, as the server's does

            uvloop.install()
        except ImportError:
            pass
        asyncio.run(_client(host, port, path, count))
    else:
        main()
