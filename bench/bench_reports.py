"""Reports at volume: `seed_volume` on a PostgreSQL database of its own, then p50/p99 of the KPI
endpoint, the report JSON endpoints and the dashboard pages over HTTP against uvicorn.

Database: BENCH_REPORTS_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/sp_r1bench),
created, migrated and given the demo catalog when missing. The history is generated once
(`seed_volume --years BENCH_REPORTS_YEARS --scale BENCH_REPORTS_SCALE`, defaults 3 and 0.25)
and kept for later runs; BENCH_REPORTS_RESEED=1 makes it again (--replace). Everything runs in
subprocesses with that DATABASE_URL, so this module never touches the other benchmarks' database.
BENCH_REPORTS_REQUESTS (default 40) sequential requests per URL, after 3 warm-up requests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta

import httpx

from bench.support import ROOT, percentile, server_env, uvicorn_server

DATABASE_URL = os.environ.get(
    "BENCH_REPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sp_r1bench"
)
YEARS = os.environ.get("BENCH_REPORTS_YEARS", "3")
SCALE = os.environ.get("BENCH_REPORTS_SCALE", "0.25")
REQUESTS = int(os.environ.get("BENCH_REPORTS_REQUESTS", "40"))
MALL = "yogyakarta"


def _env() -> dict[str, str]:
    return server_env(DATABASE_URL=DATABASE_URL)


def _manage(*args: str, capture: bool = True) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "satupintu.manage", *args],
        cwd=ROOT,
        env=_env(),
        check=True,
        text=True,
        capture_output=capture,
    )
    return done.stdout if capture else ""


def _ensure_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    _manage("migrate", "--noinput", "-v", "0")
    _manage("seed_demo", "--quiet-table")


def _history_days() -> int:
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        row = conn.execute(
            "SELECT MIN(service_date), COUNT(*) FROM queueing_ticket t JOIN catalog_mall m"
            " ON m.id = t.mall_id WHERE m.slug = %s",
            [MALL],
        ).fetchone()
    if row is None or row[0] is None:
        return 0
    return (date.today() - row[0]).days


def _seed() -> None:
    wanted_days = int(float(YEARS) * 365) - 2
    if _history_days() >= wanted_days and os.environ.get("BENCH_REPORTS_RESEED") != "1":
        print(f"history of {YEARS} years already there (BENCH_REPORTS_RESEED=1 to redo)")
        return
    command = ["seed_volume", "--years", YEARS, "--scale", SCALE, "--mall", MALL, "--replace"]
    print("running: satupintu " + " ".join(command), flush=True)
    started = time.monotonic()
    output = _manage(*command)
    lines = [line for line in output.splitlines() if not line.startswith(("history ", "roll-ups "))]
    print("\n".join(lines))
    print(f"seed_volume wall time {time.monotonic() - started:.0f} s")


def _credentials() -> tuple[str, str]:
    """A bearer token and a session key of the demo supervisor (made in a subprocess)."""
    code = (
        "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, "
        "HASH_SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from satupintu.accounts.services import api_token_issue\n"
        "u = get_user_model().objects.get(username='supervisor')\n"
        "s = SessionStore()\n"
        "s[SESSION_KEY] = str(u.pk)\n"
        "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash()\n"
        "s.save()\n"
        "print('TOKEN', api_token_issue(user=u))\n"
        "print('SESSION', s.session_key)\n"
    )
    out = _manage("shell", "-c", code)
    token = re.search(r"TOKEN (\S+)", out)
    session = re.search(r"SESSION (\S+)", out)
    assert token, out
    assert session, out
    return token.group(1), session.group(1)


def _agency_id() -> int:
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        row = conn.execute(
            "SELECT a.id FROM catalog_agency a JOIN catalog_mall m ON m.id = a.mall_id"
            " WHERE m.slug = %s AND a.slug = 'disdukcapil'",
            [MALL],
        ).fetchone()
    assert row is not None
    return int(row[0])


def _measure(client: httpx.Client, url: str) -> tuple[float, float, int, int]:
    for _ in range(3):
        client.get(url)
    times = []
    status = 0
    size = 0
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        status = response.status_code
        size = len(response.content)
    return percentile(times, 50), percentile(times, 99), status, size


def main() -> None:
    _ensure_database()
    _seed()
    token, session = _credentials()
    agency = _agency_id()
    today = date.today()
    three_years = (today - timedelta(days=int(float(YEARS) * 365) - 1)).isoformat()
    month = (today - timedelta(days=29)).isoformat()
    year = (today - timedelta(days=364)).isoformat()
    t = today.isoformat()
    api = "/api/v1/reports"
    urls = [
        ("KPIs, whole mall, 3 years", f"{api}/kpis?mall={MALL}&from={three_years}&to={t}"),
        (
            "KPIs, one agency, 3 years",
            f"{api}/kpis?mall={MALL}&agency={agency}&from={three_years}&to={t}",
        ),
        ("KPIs, whole mall, 30 days", f"{api}/kpis?mall={MALL}&from={month}&to={t}"),
        ("KPIs, today (live)", f"{api}/kpis?mall={MALL}&from={t}&to={t}"),
        (
            "series by month, 3 years",
            f"{api}/series?mall={MALL}&from={three_years}&to={t}&bucket=month",
        ),
        ("series by day, 1 year", f"{api}/series?mall={MALL}&from={year}&to={t}"),
        ("backlog by age, today", f"{api}/backlog?mall={MALL}"),
        ("overdue by agency, today", f"{api}/overdue?mall={MALL}"),
        ("counter utilisation, 30 days", f"{api}/counters?mall={MALL}&from={month}&to={t}"),
        ("officer throughput, 30 days", f"{api}/officers?mall={MALL}&from={month}&to={t}"),
        ("mall comparison, 1 year", f"{api}/comparison?from={year}&to={t}"),
        ("public summary API, 1 year", f"{api}/public?mall={MALL}&from={year}&to={t}"),
        ("page: mall dashboard", f"/laporan/{MALL}/"),
        ("page: agency dashboard", f"/laporan/{MALL}/instansi/{agency}/"),
        ("page: today panel (htmx)", f"/laporan/{MALL}/hari-ini/"),
        ("page: national view", "/laporan/nasional/"),
        ("page: transparency (public)", f"/transparansi/{MALL}/"),
    ]
    rows = []
    with uvicorn_server(DATABASE_URL=DATABASE_URL) as base:
        headers = {"Authorization": f"Bearer {token}"}
        with (
            httpx.Client(base_url=base, headers=headers, timeout=60) as api_client,
            httpx.Client(base_url=base, cookies={"sessionid": session}, timeout=60) as pages,
        ):
            for label, url in urls:
                client = pages if url.startswith(("/laporan", "/transparansi")) else api_client
                p50, p99, status, size = _measure(client, url)
                rows.append((label, p50, p99, status, size))
                print(f"{label:<32} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  {status} {size} B")
    print()
    print("| request | p50 ms | p99 ms | status |")
    print("|---|---|---|---|")
    for label, p50, p99, status, _size in rows:
        print(f"| {label} | {p50:.0f} | {p99:.0f} | {status} |")


if __name__ == "__main__":
    main()
