"""The production recipe of deploy/, run on this machine (`make deploy-test`, `.ci/run`).

Starts what a server runs, with the very commands of the systemd units (read from
deploy/systemd/*.service) and the very locations of the nginx site (deploy/nginx/
satupintu-locations.conf included in an nginx configuration of its own, in a temporary folder
on a free port, no root needed): two web processes (granian, WSGI), two event-stream processes
(uvicorn, ASGI), the task worker and the scheduler, on PostgreSQL (a fresh database made for the
run and dropped after it) and Redis (keys under a prefix of the run). It shows:

- nginx serves the static files itself, refuses an oversized body with the API's JSON 413, keeps
  the documents folder closed and passes server-sent events on at once;
- a board connected to event process A receives a call made through web process B;
- killing web process A and event process A (SIGKILL, under load: kiosks taking tickets through
  nginx with an Idempotency-Key, retrying a lost answer with it) loses no committed ticket and
  answers none twice, and the boards connected through nginx reconnect and get the next call;
- two schedulers run the day-end job once;
- deploy/backup.sh and deploy/restore.sh bring the database back.

Needs nginx, PostgreSQL (DATABASE_URL names the server; the database itself is made here) and
Redis (REDIS_URL). The figures are printed at the end (`-s` shows them)."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
FIGURES: dict[str, Any] = {}

# The demo mall, open around the clock, without daily quotas (the load takes many tickets).
PREPARE = """
from datetime import time
from satupintu.catalog.models import ClosureDay, Mall, OpeningHours, Service
mall = Mall.objects.get(slug="yogyakarta")
OpeningHours.objects.filter(mall=mall).delete()
OpeningHours.objects.bulk_create(
    OpeningHours(mall=mall, weekday=day, opens=time(0, 0), closes=time(23, 59)) for day in range(7)
)
ClosureDay.objects.filter(mall=mall).delete()
Service.objects.filter(mall=mall).update(quota_walk_in=None)
from satupintu.accounts.models import User
from satupintu.accounts.services import api_token_issue
import json
print("TOKENS" + json.dumps({
    name: api_token_issue(user=User.objects.get(username=name)) for name in ("kiosk-1", "loket1")
}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unit_command(unit: str, instance: int | None = None) -> list[str]:
    """The ExecStart of a unit of deploy/systemd, for this checkout's virtualenv."""
    text = (DEPLOY / "systemd" / unit).read_text()
    line = next(row for row in text.splitlines() if row.startswith("ExecStart="))
    command = line.split("=", 1)[1].replace("/opt/satupintu/.venv/bin/", f"{BIN}/")
    if instance is not None:
        command = command.replace("%i", str(instance))
    return shlex.split(command)


def _database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _psql(server_url: str, sql: str) -> None:
    subprocess.run(
        ["psql", _database_url(server_url, "postgres"), "-qc", sql], check=True, timeout=60
    )


@dataclass
class Stack:
    base: str  # nginx
    env: dict[str, str]
    folder: Path
    ports: dict[str, int]
    tokens: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: list[str]) -> None:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - owned by the process
        self.processes[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group: a kill takes its children too
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes[name]
        if process.poll() is None:
            os.killpg(process.pid, sig)
        process.wait(30)

    def stop_all(self) -> None:
        for name in list(self.processes):
            if self.processes[name].poll() is None:
                os.killpg(self.processes[name].pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def manage(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [str(BIN / "satupintu"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(
                f"satupintu {args[0]} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
            )
        return done.stdout

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"]) as conn:
            return list(conn.execute(query).fetchall())

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")[-4000:]


def _wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"nothing answered at {url}")


def _nginx_conf(folder: Path, ports: dict[str, int], static_root: Path) -> Path:
    locations = (DEPLOY / "nginx" / "satupintu-locations.conf").read_text()
    assert "alias /var/lib/satupintu/static/;" in locations
    locations = locations.replace("/var/lib/satupintu/static/", f"{static_root}/")
    (folder / "satupintu-locations.conf").write_text(locations)
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    conf = f"""{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
daemon off;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/nginx-access.log;
    client_body_temp_path {folder}/nginx-body;
    proxy_temp_path {folder}/nginx-proxy;
    fastcgi_temp_path {folder}/nginx-fastcgi;
    uwsgi_temp_path {folder}/nginx-uwsgi;
    scgi_temp_path {folder}/nginx-scgi;
    upstream satupintu_web {{
        server 127.0.0.1:{ports["web_a"]} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:{ports["web_b"]} max_fails=1 fail_timeout=5s;
        keepalive 16;
    }}
    upstream satupintu_events {{
        server 127.0.0.1:{ports["events_a"]} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:{ports["events_b"]} max_fails=1 fail_timeout=5s;
    }}
    server {{
        listen 127.0.0.1:{ports["nginx"]};
        server_name localhost;
        include {folder}/satupintu-locations.conf;
    }}
}}
"""
    path = folder / "nginx.conf"
    path.write_text(conf)
    return path


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    server_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    # CI asks for the test (DEPLOY_TEST_REQUIRED=1): a missing piece fails it, not skips it.
    missing = pytest.fail if os.environ.get("DEPLOY_TEST_REQUIRED") else pytest.skip
    if not server_url.startswith(("postgres://", "postgresql://")) or not redis_url:
        missing("the deploy test needs DATABASE_URL=postgres://... and REDIS_URL")
    if not Path(NGINX).exists():
        missing("the deploy test needs nginx (apt-get install nginx)")
    run = f"deploy{os.getpid()}"
    database = f"satupintu_{run}"
    folder = Path(tempfile.mkdtemp(prefix="satupintu-deploy-"))
    folder.chmod(0o755)
    static_root = folder / "static"
    ports = {name: _free_port() for name in ("nginx", "web_a", "web_b", "events_a", "events_b")}
    base = f"http://127.0.0.1:{ports['nginx']}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DJANGO_SETTINGS_MODULE": "satupintu.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_hex(32),
        "PERSONAL_DATA_KEY": secrets.token_hex(32),
        "SIGNING_PASSPHRASE": secrets.token_hex(16),
        "SIGNING_AUTO_INIT": "1",
        "SIGNING_TRUST_DEMO_CA": "1",
        "DATABASE_URL": _database_url(server_url, database),
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": run,
        "EVENT_KEY_PREFIX": f"{run}:events",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_BASE_URL": base,
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "WEB_CONCURRENCY": "4",
        "DB_MAX_CONNECTIONS": "60",
        "MEDIA_ROOT": str(folder / "media"),
        "SIGNING_DIR": str(folder / "signing"),
        "STATIC_ROOT": str(static_root),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SSE_HEARTBEAT_SECONDS": "2",
        "SCHEDULER_CRON_OVERRIDES": "tickets-expire=* * * * *",
        "SCHEDULER_HEARTBEAT_SECONDS": "5",
        "LOG_LEVEL": "WARNING",
    }
    _psql(server_url, f"DROP DATABASE IF EXISTS {database}")
    _psql(server_url, f"CREATE DATABASE {database}")
    stack = Stack(base=base, env=env, folder=folder, ports=ports, tokens={})
    try:
        started = time.monotonic()
        stack.manage("migrate", "--noinput", "-v0")
        stack.manage("seed_demo", "-v0")
        stack.manage("collectstatic", "--noinput", "-v0")
        out = stack.manage("shell", "-c", PREPARE)
        stack.tokens = json.loads(out.split("TOKENS", 1)[1].strip().splitlines()[0])
        FIGURES["setup_seconds (migrate, seed_demo, collectstatic)"] = round(
            time.monotonic() - started, 1
        )
        started = time.monotonic()
        stack.start("web_a", unit_command("satupintu-web@.service", ports["web_a"]))
        stack.start("web_b", unit_command("satupintu-web@.service", ports["web_b"]))
        stack.start("events_a", unit_command("satupintu-events@.service", ports["events_a"]))
        stack.start("events_b", unit_command("satupintu-events@.service", ports["events_b"]))
        stack.start("worker", unit_command("satupintu-worker.service"))
        if "scheduler" in stack.manage("help", "--commands").split():
            # Two schedulers, as on two servers; the day-end job made due every minute.
            for name in ("scheduler_a", "scheduler_b"):
                stack.start(name, unit_command("satupintu-scheduler.service"))
        conf = _nginx_conf(folder, ports, static_root)
        subprocess.run([NGINX, "-t", "-q", "-c", str(conf), "-p", str(folder)], check=True)
        stack.start("nginx", [NGINX, "-c", str(conf), "-p", str(folder)])
        for name in ("web_a", "web_b", "events_a", "events_b"):
            _wait_http(f"http://127.0.0.1:{ports[name]}/healthz")
        _wait_http(f"{base}/healthz")
        FIGURES["start_seconds (4 web/event processes, worker, nginx)"] = round(
            time.monotonic() - started, 1
        )
        yield stack
    finally:
        stack.stop_all()
        _psql(server_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        for leftover in (f"{database}_restored",):
            _psql(server_url, f"DROP DATABASE IF EXISTS {leftover} WITH (FORCE)")
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"*{run}*"):
            client.delete(key)
        shutil.rmtree(folder, ignore_errors=True)
        if FIGURES:
            print("\ndeploy test figures:\n" + json.dumps(FIGURES, indent=2))


# --- helpers: API calls and a board that listens like a browser's EventSource ----------------


def _auth(stack: Stack, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.tokens[name]}"}


def _counters(stack: Stack) -> list[dict[str, Any]]:
    answer = httpx.get(f"{stack.base}/api/v1/counters?mall=yogyakarta&limit=100", timeout=10)
    answer.raise_for_status()
    return [c for c in answer.json()["items"] if c["service_ids"] and c["mode"] == "walk_in"]


class Board:
    """A display board's stream, read like a browser's EventSource: on any end or error it
    reconnects after the server's `retry:` (or a second) and sends `Last-Event-ID`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.events: list[dict[str, Any]] = []
        self.connects = 0
        self.opened = threading.Event()
        self.stop = threading.Event()
        self.last_id = ""
        self.retry = 1.0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            headers = {"Accept": "text/event-stream"}
            if self.last_id:
                headers["Last-Event-ID"] = self.last_id
            try:
                with httpx.stream(
                    "GET", self.url, headers=headers, timeout=httpx.Timeout(10, read=30)
                ) as answer:
                    if answer.status_code != 200:
                        raise httpx.HTTPError(f"status {answer.status_code}")
                    self.connects += 1
                    self.opened.set()
                    event: dict[str, Any] = {}
                    for line in answer.iter_lines():
                        if self.stop.is_set():
                            return
                        if not line:
                            if "data" in event:
                                event["at"] = time.monotonic()
                                self.events.append(event)
                            event = {}
                        elif line.startswith("id:"):
                            self.last_id = line[3:].strip()
                        elif line.startswith("retry:"):
                            self.retry = int(line[6:].strip()) / 1000
                        elif line.startswith("event:"):
                            event["type"] = line[6:].strip()
                        elif line.startswith("data:"):
                            event["data"] = json.loads(line[5:].strip())
            except (httpx.HTTPError, json.JSONDecodeError):
                pass
            self.stop.wait(self.retry)

    def wait_for_call(self, number: str, timeout: float = 20) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                data = event.get("data") or {}
                called = data.get("ticket_number") or data.get("number")
                if event.get("type") == "ticket.called" and called == number:
                    return float(event["at"])
            time.sleep(0.05)
        raise AssertionError(f"{self.url}: no call of {number}; got {self.events[-5:]}")

    def close(self) -> None:
        self.stop.set()


def _take(base: str, stack: Stack, service_id: int, key: str | None = None) -> httpx.Response:
    headers = {**_auth(stack, "kiosk-1"), "Idempotency-Key": key or uuid.uuid4().hex}
    return httpx.post(
        f"{base}/api/v1/tickets", json={"service_id": service_id}, headers=headers, timeout=30
    )


def _call(base: str, stack: Stack, counter_id: int) -> dict[str, Any]:
    """Call the next ticket at the counter (after ending whatever the demo left at it)."""
    state = httpx.get(
        f"{base}/api/v1/counters/{counter_id}/state", headers=_auth(stack, "loket1"), timeout=30
    ).json()
    current = state.get("current_ticket")
    if current:
        action = "no-show" if current["status"] == "called" else "finish"
        ended = httpx.post(
            f"{base}/api/v1/tickets/{current['id']}/{action}",
            json={"outcome": "served"} if action == "finish" else None,
            headers=_auth(stack, "loket1"),
            timeout=30,
        )
        assert ended.status_code == 200, ended.text
    answer = httpx.post(
        f"{base}/api/v1/counters/{counter_id}/call-next", headers=_auth(stack, "loket1"), timeout=30
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _done(base: str, stack: Stack, ticket_id: int) -> None:
    """The counter's ticket did not come: the counter is free for the next call."""
    answer = httpx.post(
        f"{base}/api/v1/tickets/{ticket_id}/no-show", headers=_auth(stack, "loket1"), timeout=30
    )
    assert answer.status_code == 200, answer.text


# --- the checks ------------------------------------------------------------------------------


def test_nginx_serves_static_files_limits_bodies_and_closes_media(stack: Stack) -> None:
    served = httpx.get(f"{stack.base}/static/js/satupintu.js", timeout=10)
    assert served.status_code == 200
    on_disk = Path(stack.env["STATIC_ROOT"], "js", "satupintu.js").read_bytes()
    assert served.content == on_disk
    assert "Cache-Control" in served.headers  # nginx's expires, not the application
    assert httpx.get(f"{stack.base}/media/results/x.pdf", timeout=10).status_code == 404
    too_big = httpx.post(
        f"{stack.base}/api/v1/verify",
        content=b"0" * (26 * 1024 * 1024),
        headers={"Content-Type": "application/pdf"},
        timeout=60,
    )
    assert too_big.status_code == 413
    assert too_big.json()["detail"]


def test_a_board_on_process_a_gets_a_call_made_through_process_b(stack: Stack) -> None:
    ports = stack.ports
    counter = _counters(stack)[0]
    board_a = Board(f"http://127.0.0.1:{ports['events_a']}/api/v1/displays/1/events")
    board_nginx = Board(f"{stack.base}/api/v1/displays/1/events")
    try:
        assert board_a.opened.wait(20)
        assert board_nginx.opened.wait(20)
        web_b = f"http://127.0.0.1:{ports['web_b']}"
        opened = httpx.post(
            f"{web_b}/api/v1/counters/{counter['id']}/open",
            headers=_auth(stack, "loket1"),
            timeout=30,
        )
        assert opened.status_code in (200, 201, 409), opened.text
        ticket = _take(web_b, stack, counter["service_ids"][0])
        assert ticket.status_code == 201, ticket.text
        sent = time.monotonic()
        called = _call(web_b, stack, counter["id"])
        number = called["number"]
        FIGURES["call_to_board_ms (web B -> Redis -> events A)"] = round(
            (board_a.wait_for_call(number) - sent) * 1000
        )
        FIGURES["call_to_board_ms (through nginx)"] = round(
            (board_nginx.wait_for_call(number) - sent) * 1000
        )
        _done(web_b, stack, called["id"])
    finally:
        board_a.close()
        board_nginx.close()


def test_killing_a_web_process_under_load_loses_no_ticket_and_boards_reconnect(
    stack: Stack,
) -> None:
    counters = _counters(stack)
    counter = counters[0]
    service_id = counters[-1]["service_ids"][-1]
    boards = [Board(f"{stack.base}/api/v1/displays/1/events") for _ in range(2)]
    for board in boards:
        assert board.opened.wait(20)
    since = stack.sql("SELECT now()")[0][0]
    answers: dict[str, dict[str, Any]] = {}
    tries: list[int] = []
    failures: list[str] = []
    latencies: list[float] = []
    stop = threading.Event()
    lock = threading.Lock()

    def kiosk() -> None:
        while not stop.is_set():
            key = uuid.uuid4().hex
            started = time.monotonic()
            for attempt in range(1, 31):
                try:
                    answer = _take(stack.base, stack, service_id, key)
                except httpx.HTTPError:
                    answer = None
                if answer is not None and answer.status_code == 201:
                    with lock:
                        answers[key] = {
                            **answer.json(),
                            "replayed": answer.headers.get("Idempotent-Replayed") == "true",
                        }
                        tries.append(attempt)
                        latencies.append(time.monotonic() - started)
                    break
                if answer is not None and answer.status_code not in (500, 502, 503, 504):
                    failures.append(f"{answer.status_code} {answer.text[:200]}")
                    break
                time.sleep(0.2)
            else:
                failures.append(f"gave up on {key}")

    clients = [threading.Thread(target=kiosk) for _ in range(4)]
    load_started = time.monotonic()
    for client in clients:
        client.start()
    time.sleep(4)
    # A kiosk whose ticket web process A committed, but whose answer was lost with A.
    lost_key = uuid.uuid4().hex
    first = _take(f"http://127.0.0.1:{stack.ports['web_a']}", stack, service_id, lost_key)
    assert first.status_code == 201, first.text
    before_kill = len(answers)
    killed_at = time.monotonic()
    stack.kill("web_a")
    stack.kill("events_a")
    # Its retry through nginx (now to process B) gets that very ticket, not a second one.
    retried = _take(stack.base, stack, service_id, lost_key)
    assert retried.status_code == 201, retried.text
    assert retried.headers.get("Idempotent-Replayed") == "true"
    assert retried.json()["id"] == first.json()["id"]
    answers[lost_key] = {**retried.json(), "replayed": True}
    time.sleep(8)
    stop.set()
    for client in clients:
        client.join(120)
    load_seconds = time.monotonic() - load_started

    committed = {
        row[0]
        for row in stack.sql(
            f"SELECT id FROM queueing_ticket WHERE service_id = {int(service_id)} "
            f"AND created_at >= '{since.isoformat()}'"
        )
    }
    answered = {a["id"] for a in answers.values()}
    numbers = [a["number"] for a in answers.values()]
    assert not failures, failures[:5]
    assert committed - answered == set(), "committed tickets no kiosk ever got"
    assert answered - committed == set(), "answers without a committed ticket"
    assert len(numbers) == len(set(numbers)), "a number given twice"
    assert len(answered) > before_kill > 0

    # The boards that were connected through nginx (one of them to the process that died)
    # reconnect, and the next call reaches them.
    sent = time.monotonic()
    httpx.post(
        f"{stack.base}/api/v1/counters/{counter['id']}/open",
        headers=_auth(stack, "loket1"),
        timeout=30,
    )
    _take(stack.base, stack, counter["service_ids"][0])
    called = _call(stack.base, stack, counter["id"])
    number = called["number"]
    _done(stack.base, stack, called["id"])
    arrivals = [board.wait_for_call(number) for board in boards]
    for board in boards:
        board.close()
    assert max(b.connects for b in boards) >= 2, "no board had to reconnect"
    latencies.sort()
    FIGURES["load"] = {
        "kiosks": len(clients),
        "seconds": round(load_seconds, 1),
        "tickets_answered": len(answered),
        "tickets_committed": len(committed),
        "tickets_lost": len(committed - answered),
        "answers_without_ticket": len(answered - committed),
        "answers_replayed_after_retry": sum(a["replayed"] for a in answers.values()),
        "requests_retried": sum(1 for t in tries if t > 1),
        "max_tries_of_one_ticket": max(tries),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000),
        "killed_after_seconds": round(killed_at - load_started, 1),
        "board_connects": [b.connects for b in boards],
        "call_after_kill_to_boards_ms": [round((a - sent) * 1000) for a in arrivals],
    }


def test_two_schedulers_run_the_day_end_job_once(stack: Stack) -> None:
    if "scheduler_a" not in stack.processes:
        pytest.skip("this checkout has no `satupintu scheduler` command yet")
    deadline = time.monotonic() + 150
    runs: list[tuple[Any, ...]] = []
    while time.monotonic() < deadline:
        runs = stack.sql(
            "SELECT due_at, count(*), min(outcome), string_agg(host, ' ') FROM core_jobrun "
            "WHERE job = 'tickets-expire' GROUP BY due_at ORDER BY due_at"
        )
        if len(runs) >= 2 and all(run[2] != "running" for run in runs):
            break
        time.sleep(2)
    for name in ("scheduler_a", "scheduler_b"):
        assert stack.processes[name].poll() is None, stack.log(name)
    assert len(runs) >= 2, f"the day-end job did not run twice in time: {runs}"
    assert all(run[1] == 1 for run in runs), f"a due time ran more than once: {runs}"
    FIGURES["schedulers"] = {
        "schedulers": 2,
        "due_times": len(runs),
        "runs_per_due_time": sorted({run[1] for run in runs}),
        "outcomes": sorted({run[2] for run in runs}),
        "hosts": sorted({run[3] for run in runs}),
    }


def test_backup_and_restore_bring_the_database_back(stack: Stack) -> None:
    backups = stack.folder / "backups"
    env = {**stack.env, "BACKUP_DIR": str(backups), "BACKUP_KEEP": "2"}
    started = time.monotonic()
    subprocess.run(
        [str(DEPLOY / "backup.sh")], env=env, check=True, timeout=300, capture_output=True
    )
    FIGURES["backup_seconds"] = round(time.monotonic() - started, 1)
    (folder,) = [p for p in backups.iterdir() if p.is_dir()]
    assert (folder / "database.dump").stat().st_size > 0
    assert re.search(r"database\.dump", (folder / "SHA256SUMS").read_text())
    tickets = stack.sql("SELECT count(*) FROM queueing_ticket")[0][0]
    restored = stack.env["DATABASE_URL"].rsplit("/", 1)[1] + "_restored"
    _psql(stack.env["DATABASE_URL"], f"CREATE DATABASE {restored}")
    restore_env = {
        **env,
        "DATABASE_URL": _database_url(stack.env["DATABASE_URL"], restored),
        "MEDIA_ROOT": str(stack.folder / "media-restored"),
    }
    started = time.monotonic()
    subprocess.run(
        [str(DEPLOY / "restore.sh"), str(folder)],
        env=restore_env,
        check=True,
        timeout=300,
        capture_output=True,
    )
    FIGURES["restore_seconds"] = round(time.monotonic() - started, 1)
    import psycopg

    with psycopg.connect(restore_env["DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM queueing_ticket").fetchone()[0] == tickets
