"""Schemathesis against a real server: the OpenAPI document is the contract, and generated
requests (valid and invalid) must never get a 5xx, an answer that its schema does not describe,
or a status code the operation does not document.

A fresh database (DATABASE_URL, or a temporary SQLite file) gets the demo mall; uvicorn serves it
on a free port the way production runs it; schemathesis runs three times, as a superuser, as a
counter officer and without credentials. Bounded: SCHEMATHESIS_MAX_EXAMPLES generated cases per
operation, mode and run (default 8), in the phases SCHEMATHESIS_PHASES (default
"examples,fuzzing"; add "coverage" for a deeper run of boundary values). Exits non-zero on any
failure. SCHEMATHESIS_ARGS adds options (e.g. "--include-path-regex /tickets" while working on
one endpoint). Run by `make schemathesis` and `.ci/run`.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "satupintu-demo"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


def token(base: str, username: str) -> str:
    body = json.dumps({"username": username, "password": DEMO_PASSWORD, "name": "schemathesis"})
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.load(response)["token"])


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="satupintu-schemathesis-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'st.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "SIGNING_DIR": str(workdir / "signing"),
        "SIGNING_AUTO_INIT": "1",
        # The run signs with a throw-away demo CA of its own, as `make demo` does.
        "SIGNING_PASSPHRASE": "schemathesis-signing-only-" + "z" * 20,
        "SIGNING_TRUST_DEMO_CA": "1",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "schemathesis-run-only-" + "x" * 40),
        "PERSONAL_DATA_KEY": os.environ.get(
            "PERSONAL_DATA_KEY", "schemathesis-personal-data-only-" + "y" * 40
        ),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # The generated requests must reach the handlers, not the anonymous rate limits.
        "RATELIMIT_ENABLE": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "SMS_GATEWAY_URL": "",
        "LAPOR_BASE_URL": "",
    }
    database = env["DATABASE_URL"].split("@")[-1]
    satupintu = str(BIN / "satupintu")
    setup_log = workdir / "setup.log"
    with open(setup_log, "w") as log:
        for step in (["migrate", "--noinput", "-v0"], ["seed_demo", "-v0"]):
            done = subprocess.run(
                [satupintu, *step], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
            if done.returncode:
                print(setup_log.read_text()[-5000:])
                raise SystemExit(f"{step[0]} failed (exit {done.returncode})")
    log_path = workdir / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                str(BIN / "uvicorn"),
                "satupintu.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-proxy-headers",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    failed = []
    try:
        wait_for(f"{base}/api/v1/openapi.json", server)
        document = workdir / "openapi.json"
        with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=60) as response:
            document.write_bytes(response.read())
        callers = {
            "superuser": token(base, "admin"),
            "counter officer": token(base, "loket1"),
            "anonymous": "",
        }
        max_examples = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8")
        for caller, raw in callers.items():
            command = [
                str(BIN / "schemathesis"),
                "run",
                str(document),
                "--url",
                base,
                "--checks",
                CHECKS,
                "--phases",
                os.environ.get("SCHEMATHESIS_PHASES", "examples,fuzzing"),
                "--max-examples",
                max_examples,
                "--seed",
                os.environ.get("SCHEMATHESIS_SEED", "20261207"),
                "--workers",
                "2",
                "--request-timeout",
                "30",
                "--no-shrink",
                "--warnings",
                "off",
            ]
            if raw:
                command += ["--header", f"Authorization: Bearer {raw}"]
            command += shlex.split(os.environ.get("SCHEMATHESIS_ARGS", ""))
            started = time.monotonic()
            print(f"== schemathesis as {caller} on {database}", flush=True)
            done = subprocess.run(command, cwd=workdir, check=False)
            print(f"== {caller}: exit {done.returncode} in {time.monotonic() - started:.0f} s")
            if done.returncode:
                failed.append(caller)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    errors = [line for line in log_path.read_text().splitlines() if "Traceback" in line]
    if errors:
        print(log_path.read_text()[-20000:])
        failed.append("server tracebacks")
    if failed:
        print(f"schemathesis failed for: {', '.join(failed)} (server log: {log_path})")
        return 1
    print("schemathesis: no 5xx, no undocumented status, every answer matches its schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
