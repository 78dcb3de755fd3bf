"""Browser journeys: a real uvicorn server on a free port with a fresh SQLite database and the
demo mall, driven by Playwright through Debian's Chromium. Without Chromium the suite skips."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "screenshots"
AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags that keep Chromium off the network (this machine has none) and quiet in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
]
DEMO_PASSWORD = "satupintu-demo"
MALL_ZONE = ZoneInfo("Asia/Jakarta")


def mall_now() -> datetime:
    """The demo mall's local time. Its dates are not the browser's UTC ones: from 17:00 UTC the
    mall is already in the next day."""
    return datetime.now(MALL_ZONE)


def mall_today() -> str:
    return mall_now().date().isoformat()


# The journeys run at any hour and on any day (CI at night, on a Sunday, on a holiday): the test
# mall opens around the clock, and today's appointments can still be booked after noon. Done once
# on the fresh database after the demo seed, through the models (the admin would do the same).
ALWAYS_OPEN = """
from datetime import time
from satupintu.catalog.models import ClosureDay, Mall, OpeningHours
from satupintu.queueing.models import AppointmentSlotConfig
mall = Mall.objects.get(slug="yogyakarta")
OpeningHours.objects.filter(mall=mall).delete()
OpeningHours.objects.bulk_create(
    OpeningHours(mall=mall, weekday=day, opens=time(0, 0), closes=time(23, 59)) for day in range(7)
)
ClosureDay.objects.filter(mall=mall).delete()
AppointmentSlotConfig.objects.filter(service__mall=mall).update(cutoff_hour=24)
"""

TODAYS_QUEUE = """
from satupintu.catalog.models import Mall
from satupintu.queueing import demo
demo.seed(Mall.objects.get(slug="yogyakarta"), lambda line: None)
"""

# Records what a page hands to the speech engine (the display board's announcements), and
# lets `speak` end at once so that the next call in the board's queue is spoken.
SPEECH_RECORDER = """
window.__spoken = [];
(function () {
  var engine = window.speechSynthesis;
  if (!engine) { return; }
  engine.speak = function (utterance) {
    if (utterance && utterance.text) { window.__spoken.push(utterance.text); }
    setTimeout(function () { if (utterance.onend) { utterance.onend(new Event("end")); } }, 10);
  };
})();
"""


# Every page runs under the server's Content-Security-Policy. A violation (an inline script or
# handler, a script from elsewhere) is reported by the page itself and by Chromium on the
# console; either fails the test that caused it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("securitypolicyviolation: " + e.violatedDirective + " blocked " +
    (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""
CSP_VIOLATIONS: list[str] = []


def _is_csp_message(text: str) -> bool:
    return "securitypolicyviolation" in text or "Content Security Policy" in text


def watch_csp(context: Any) -> Any:
    """Record the CSP violations of every page of `context` (checked after each test)."""
    context.add_init_script(CSP_LISTENER)
    context.on(
        "console",
        lambda message: CSP_VIOLATIONS.append(f"{message.page.url if message.page else ''}: "
                                              f"{message.text}")
        if _is_csp_message(message.text) else None,
    )  # fmt: skip
    return context


@pytest.fixture(autouse=True)
def _no_csp_violations() -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    yield
    assert not CSP_VIOLATIONS, "Content-Security-Policy violations:\n" + "\n".join(CSP_VIOLATIONS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(
        reason=f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    )
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer at {url}")


class SmsGateway:
    """A WhatsApp/SMS gateway on this machine that keeps what the server sends it (the server's
    SMS_GATEWAY_URL points here), so a journey can read the one-time code a phone received."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received: list[dict[str, Any]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/send"

    def messages_to(self, phone: str) -> list[str]:
        return [m["message"] for m in self.received if m.get("to") == phone]

    def wait_for_code(self, phone: str, after: int = 0, timeout: float = 15.0) -> str:
        """The six-digit code of the first message to `phone` beyond the first `after`."""
        import re

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.messages_to(phone)[after:]
            for message in messages:
                found = re.search(r"\b(\d{6})\b", message)
                if found:
                    return found.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no code reached {phone}: {self.messages_to(phone)}")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# The running server's environment, for journeys that run one of its commands (a scheduler's
# job such as `citizens_tick`) against the same database.
SERVER_ENV: dict[str, str] = {}


@pytest.fixture(scope="session")
def sms_gateway() -> Iterator[SmsGateway]:
    gateway = SmsGateway()
    yield gateway
    gateway.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, sms_gateway: SmsGateway) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}")
    workdir = tmp_path_factory.mktemp("e2e-server")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "SIGNING_DIR": str(workdir / "signing"),
        "DEBUG": "1",
        # The real settings with the browser suite's own secrets (none has a default).
        "DJANGO_SETTINGS_MODULE": "satupintu.settings",
        "SECRET_KEY": secrets.token_hex(32),
        "PERSONAL_DATA_KEY": secrets.token_hex(32),
        "SIGNING_PASSPHRASE": secrets.token_hex(16),
        "SIGNING_TRUST_DEMO_CA": "1",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "RATELIMIT_ENABLE": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "SMS_GATEWAY_URL": sms_gateway.url,
        "SMS_GATEWAY_TOKEN": "e2e-gateway-token",
    }
    env.pop("REDIS_URL", None)
    SERVER_ENV.clear()
    SERVER_ENV.update(env)
    bin_dir = Path(sys.executable).parent
    command = str(bin_dir / "satupintu")
    subprocess.run([command, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    # Today's queue of the demo is seeded only inside opening hours: once the mall is open
    # around the clock, the queue's demo runs again (a run before 08:00 or on a Sunday would
    # otherwise have none; the full seed_demo would put the demo's hours back).
    for step in (["seed_demo"], ["shell", "-c", ALWAYS_OPEN], ["shell", "-c", TODAYS_QUEUE]):
        done = subprocess.run([command, *step], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{step[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - closed after the server stops
    process = subprocess.Popen(
        [
            str(bin_dir / "uvicorn"),
            "satupintu.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-proxy-headers",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base_url}/api/v1/malls")
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = watch_csp(
        browser.new_context(
            base_url=server, locale="id-ID", viewport={"width": 1280, "height": 900}
        )
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Any]:
    """A cheap phone: 360 px wide."""
    context = watch_csp(
        browser.new_context(
            base_url=server,
            locale="id-ID",
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
        )
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save screenshots/<name>.png (the whole page; `full_page=False` for a fixed-size screen
    such as the display board, whose fixed ticker would float over a full-page capture)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def serious_accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page; return the serious and critical violations."""
    # Evaluated through the browser's debugging channel, not as an inline <script>, so that the
    # page's Content-Security-Policy stays as strict as it is for visitors.
    page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page: Any) -> None:
    violations = serious_accessibility_violations(page)
    assert not violations, json.dumps(violations, indent=2)


def sign_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def switch_to_english(page: Any, timeout: float = 15_000) -> None:
    """The site header's language menu, or the kiosk header's one-button switch."""
    with page.expect_navigation(timeout=timeout):
        if page.locator("#lang-select").count():
            page.select_option("#lang-select", "en")
        else:
            page.locator("button[name=language][value=en]").click()


def record_speech(page: Any) -> None:
    """From the next navigation on, keep the texts the page asks the browser to speak."""
    page.add_init_script(SPEECH_RECORDER)


def spoken(page: Any) -> list[str]:
    return list(page.evaluate("window.__spoken || []"))


def new_context_page(browser: Any, server: str, **options: Any) -> Any:
    """A second person (or device) with its own cookies, e.g. the display board."""
    settings: dict[str, Any] = {
        "base_url": server,
        "locale": "id-ID",
        "viewport": {"width": 1280, "height": 900},
        **options,
    }
    context = watch_csp(browser.new_context(**settings))
    context.set_default_timeout(15_000)
    return context.new_page()


def small_pdf(text: str = "Satu Pintu") -> bytes:
    """A tiny valid one-page PDF (with a correct cross-reference table)."""
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def small_png(width: int = 8, height: int = 8) -> bytes:
    """A tiny valid PNG (a grey square)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def clean_screenshots() -> None:
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
