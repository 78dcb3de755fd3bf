"""`satupintu check --deploy`: the settings a mall must choose itself before going live (the
signing settings are checked by the dossiers app, which owns them).

Each finding names the environment variable to set. Django's own deployment checks (DEBUG,
HSTS, secure cookies, ALLOWED_HOSTS, the strength of SECRET_KEY) run beside these; the secrets
themselves are checked earlier still, when the settings load (satupintu/settings.py)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

DEVELOPMENT_HOSTS = {"testserver"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"}


def _secret_findings() -> list[CheckMessage]:
    # Only a command that looks at the code (`check` itself) gets this far without the secrets;
    # the server and every other command refuse to start.
    return [
        Error(problem, hint="The server refuses to start until this is fixed.", id="satupintu.E015")
        for problem in settings.SECRET_PROBLEMS
    ]


def _site_findings() -> list[CheckMessage]:
    found: list[CheckMessage] = []
    if not settings.HTTPS:
        found.append(
            Error(
                "HTTPS is off: no secure cookies, no redirect to HTTPS, no HSTS.",
                hint="Serve through a TLS proxy that sets X-Forwarded-Proto and set HTTPS=1.",
                id="satupintu.E006",
            )
        )
    base = urlsplit(settings.PUBLIC_BASE_URL)
    if base.scheme != "https" or (base.hostname or "") in LOCAL_HOSTS:
        found.append(
            Error(
                f"PUBLIC_BASE_URL is {settings.PUBLIC_BASE_URL}: QR codes and messages would "
                "send citizens there.",
                hint="Set PUBLIC_BASE_URL to the https:// address the public reaches.",
                id="satupintu.E007",
            )
        )
    if DEVELOPMENT_HOSTS & set(settings.ALLOWED_HOSTS):
        found.append(
            Warning(
                "ALLOWED_HOSTS is the development default.",
                hint="Set ALLOWED_HOSTS to the host names of this deployment.",
                id="satupintu.W008",
            )
        )
    return found


def _service_findings() -> list[CheckMessage]:
    found: list[CheckMessage] = []
    if settings.WEB_CONCURRENCY > 1 and settings.EVENT_BROKER != "redis":
        found.append(
            Error(
                f"WEB_CONCURRENCY is {settings.WEB_CONCURRENCY} with the in-process event "
                "broker: a board connected to one process misses calls made through another.",
                hint="Set REDIS_URL (the broker, the cache and the rate limits then use Redis).",
                id="satupintu.E009",
            )
        )
    if settings.WEB_CONCURRENCY > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        found.append(
            Warning(
                f"WEB_CONCURRENCY is {settings.WEB_CONCURRENCY} without "
                "PROMETHEUS_MULTIPROC_DIR: /metrics would show the request counts of whichever "
                "process answers the scrape.",
                hint="Set PROMETHEUS_MULTIPROC_DIR to an empty folder, emptied at each start "
                "(systemd: RuntimeDirectory).",
                id="satupintu.W016",
            )
        )
    if settings.IS_POSTGRES and settings.DB_POOL_MAX_SIZE <= 0:
        found.append(
            Warning(
                "DB_POOL_MAX_SIZE=0 turns the connection pool off: under load each request "
                "thread holds a connection of its own until PostgreSQL refuses new clients.",
                hint="Unset DB_POOL_MAX_SIZE (the pool is sized from WEB_CONCURRENCY).",
                id="satupintu.W010",
            )
        )
    if (
        settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
        and settings.EMAIL_HOST in LOCAL_HOSTS
        and settings.EMAIL_PORT == 1025
    ):
        found.append(
            Warning(
                "EMAIL_HOST/EMAIL_PORT are the development mail catcher (127.0.0.1:1025).",
                hint="Set EMAIL_HOST, EMAIL_PORT (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
                "EMAIL_USE_TLS) for the mall's mail relay.",
                id="satupintu.W011",
            )
        )
    if not settings.METRICS_TOKEN and not set(settings.METRICS_ALLOWED_IPS) <= LOCAL_HOSTS:
        found.append(
            Warning(
                "METRICS_ALLOWED_IPS admits addresses beyond this machine without a METRICS_TOKEN.",
                hint="Set METRICS_TOKEN; the scraper sends it as a bearer token.",
                id="satupintu.W012",
            )
        )
    return found


@register(Tags.security, deploy=True)
def production_settings_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [*_secret_findings(), *_site_findings(), *_service_findings()]
