"""Production settings, as an operator meets them: the real settings module in a fresh process,
with nothing in the environment but what the test gives it."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[3]
PUBLISHED_KEY = "satupintu-insecure-development-key-change-me-in-production"


def run_satupintu(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "satupintu.settings",
    }
    return subprocess.run(
        [sys.executable, "-m", "satupintu.manage", *args],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _key() -> str:
    return secrets.token_hex(32)


def test_without_secrets_the_server_refuses_to_start_and_names_both() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import satupintu.asgi"],
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "satupintu.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "refuses to start" in done.stderr
    assert "SECRET_KEY is not set" in done.stderr
    assert "PERSONAL_DATA_KEY is not set" in done.stderr


def test_commands_that_touch_data_refuse_to_start_without_secrets() -> None:
    done = run_satupintu(["migrate", "--check"], {})
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr


def test_check_deploy_runs_without_secrets_and_names_them(tmp_path: Path) -> None:
    env = documented_production_environment(tmp_path)
    del env["SECRET_KEY"], env["PERSONAL_DATA_KEY"]
    done = run_satupintu(["check", "--deploy"], env)
    assert done.returncode != 0
    assert "satupintu.E015" in done.stderr
    assert "SECRET_KEY is not set" in done.stderr
    assert "PERSONAL_DATA_KEY is not set" in done.stderr


def test_the_personal_data_key_is_required_and_never_taken_from_secret_key() -> None:
    secret = _key()
    alone = run_satupintu(["shell", "-c", "pass"], {"SECRET_KEY": secret})
    assert alone.returncode != 0
    assert "PERSONAL_DATA_KEY is not set" in alone.stderr
    assert "SECRET_KEY is not set" not in alone.stderr
    same = run_satupintu(
        ["shell", "-c", "pass"], {"SECRET_KEY": secret, "PERSONAL_DATA_KEY": secret}
    )
    assert same.returncode != 0
    assert "PERSONAL_DATA_KEY must differ from SECRET_KEY" in same.stderr
    short = run_satupintu(["shell", "-c", "pass"], {"SECRET_KEY": secret, "PERSONAL_DATA_KEY": "x"})
    assert "at least 32 characters" in short.stderr


def test_the_key_once_published_in_the_repository_is_refused() -> None:
    done = run_satupintu(
        ["shell", "-c", "pass"], {"SECRET_KEY": PUBLISHED_KEY, "PERSONAL_DATA_KEY": _key()}
    )
    assert done.returncode != 0
    assert "SECRET_KEY is the key published in this repository" in done.stderr


def documented_production_environment(tmp_path: Path) -> dict[str, str]:
    """The README's production environment, with its `<...>` placeholders filled in and its
    file paths moved under `tmp_path` (the trust root is a real certificate there)."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- production-environment.*?```sh\n(.*?)```", readme, re.S)
    assert block, "README.md lost its production environment block"
    env: dict[str, str] = {}
    for line in block.group(1).splitlines():
        name, _, value = line.partition("=")
        value = re.sub(r"<[^>]*>", lambda _m: _key(), value)
        for prefix in ("/etc/satupintu", "/var/lib/satupintu", "/run/satupintu"):
            value = value.replace(prefix, str(tmp_path / prefix.strip("/")))
        env[name] = value
    root = Path(env["SIGNING_TRUST_ROOTS"])
    root.parent.mkdir(parents=True)
    root.write_bytes(_self_signed_pem())
    return env


def _self_signed_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Root CA of a test mall")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def test_check_deploy_is_clean_with_the_documented_production_environment(
    tmp_path: Path,
) -> None:
    done = run_satupintu(
        ["check", "--deploy", "--fail-level", "WARNING"],
        documented_production_environment(tmp_path),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


# Each case breaks several settings at once (one process per case keeps the test quick); every
# finding must name what to change.
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {
                "HTTPS": "0",
                "SIGNING_PASSPHRASE": "",
                "SIGNING_TRUST_ROOTS": "/nowhere/root.pem",
                "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
                "REDIS_URL": "",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": "1025",
                "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            },
            [
                "satupintu.E006",
                "HTTPS=1",
                "security.W004",
                "security.W008",
                # Django names the sessions app (W010): the session middleware is wrapped.
                "security.W010",
                "satupintu.E001",
                "SIGNING_PASSPHRASE",
                "satupintu.E014",
                "/nowhere/root.pem",
                "satupintu.E007",
                "PUBLIC_BASE_URL",
                "satupintu.E009",
                "REDIS_URL",
                "satupintu.W011",
                "EMAIL_HOST",
                "satupintu.W008",
                "ALLOWED_HOSTS",
            ],
        ),
        (
            {
                "SIGNING_PASSPHRASE": "satupintu-demo-signing",
                "SIGNING_TRUST_DEMO_CA": "1",
                "SIGNING_AUTO_INIT": "1",
                "SIGNING_TRUST_ROOTS": "",
                "DB_POOL_MAX_SIZE": "0",
                "METRICS_TOKEN": "",
                "METRICS_ALLOWED_IPS": "10.0.0.5",
                "PROMETHEUS_MULTIPROC_DIR": "",
                "SECRET_KEY": "short-but-long-enough-to-start",
            },
            [
                "satupintu.E002",
                "satupintu.E003",
                "SIGNING_TRUST_DEMO_CA",
                "satupintu.E004",
                "SIGNING_AUTO_INIT",
                "satupintu.W013",
                "SIGNING_TRUST_ROOTS",
                "satupintu.W010",
                "DB_POOL_MAX_SIZE",
                "satupintu.W012",
                "METRICS_TOKEN",
                "satupintu.W016",
                "PROMETHEUS_MULTIPROC_DIR",
                "security.W009",
            ],
        ),
    ],
    ids=["site-and-services", "signing-and-secrets"],
)
def test_check_deploy_names_each_unsafe_setting(
    tmp_path: Path, change: dict[str, str], expected: list[str]
) -> None:
    env = {**documented_production_environment(tmp_path), **change}
    done = run_satupintu(["check", "--deploy", "--fail-level", "WARNING"], env)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    missing = [text for text in expected if text not in output]
    assert not missing, output
