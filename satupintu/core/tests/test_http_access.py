"""Who may call the public API and how often, over real HTTP where it matters: a kiosk app, a
bot or a partner system posts anonymous JSON with no cookie and no CSRF token; a browser session
needs its CSRF token; a bearer token never does; limits count per client address, which a
client cannot choose by sending proxy headers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from satupintu.accounts.models import ApiToken
from satupintu.accounts.services import api_token_issue
from satupintu.accounts.tests.factories import UserFactory
from satupintu.catalog.models import Service
from satupintu.catalog.tests.factories import ServiceFactory
from satupintu.core.tests.live_server import uvicorn_server
from satupintu.dossiers.models import Dossier
from satupintu.feedback.models import Complaint, Survey
from satupintu.feedback.tests.factories import survey_payload
from satupintu.outreach.models import OutreachRequest
from satupintu.queueing.models import Appointment, Ticket
from satupintu.queueing.tests.factories import AppointmentSlotConfigFactory
from satupintu.queueing.tests.queue_fixtures import *  # noqa: F403 - the fixtures
from satupintu.queueing.tests.queue_fixtures import QueueWorld

VALID_NIK = "3471014501900003"
THURSDAY = date(2026, 3, 5)  # the day after the fixtures' clock (a Wednesday)


@pytest.fixture
def public(world: QueueWorld) -> dict[str, Any]:
    """What each public POST endpoint needs: the path, a valid body, the model it creates."""
    AppointmentSlotConfigFactory(service=world.service, capacity_per_slot=50)
    dossier_service = ServiceFactory(
        agency=world.service.agency, mall=world.mall, code="SVC-IZIN", offers_online=True
    )
    outreach_service = ServiceFactory(
        agency=world.service.agency,
        mall=world.mall,
        code="SVC-JB",
        offers_outreach=True,
        duration_unit=Service.DurationUnit.MINUTES,
        duration_value=30,
    )
    return {
        "tickets": ("/api/v1/tickets", {"service_id": world.service.pk}, Ticket),
        "complaints": (
            "/api/v1/complaints",
            {"mall": world.mall.slug, "text": "Antrean terlalu lama"},
            Complaint,
        ),
        "surveys": ("/api/v1/surveys", survey_payload(world.service), Survey),
        "appointments": (
            "/api/v1/appointments",
            {
                "service_id": world.service.pk,
                "date": THURSDAY.isoformat(),
                "slot": "09:00",
                "name": "Siti Aminah",
                "phone": "081234567890",
                "nik": VALID_NIK,
            },
            Appointment,
        ),
        "outreach requests": (
            "/api/v1/outreach/requests",
            {
                "mall": world.mall.slug,
                "person_name": "Sri Wahyuni",
                "phone": "081234567890",
                "address": "Jl. Kusumanegara 12",
                "kecamatan": "Umbulharjo",
                "kelurahan": "Semaki",
                "service_ids": [outreach_service.pk],
                "preferred_dates": [(THURSDAY + timedelta(days=1)).isoformat()],
                "reason": "elderly",
            },
            OutreachRequest,
        ),
        "dossiers": (
            "/api/v1/dossiers",
            {
                "service_id": dossier_service.pk,
                "channel": "online",
                "applicant": {"nik": VALID_NIK, "name": "Siti Aminah", "phone": "081234567890"},
            },
            Dossier,
        ),
    }


@pytest.fixture
def server(frozen_rate_windows: None) -> Iterator[str]:
    with uvicorn_server() as url:
        yield url


def _session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


# --- Django's test client with CSRF enforced ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "endpoint",
    ["tickets", "complaints", "surveys", "appointments", "outreach requests", "dossiers"],
)
def test_public_posts_take_anonymous_json_without_csrf(public, endpoint: str) -> None:
    path, body, model = public[endpoint]
    client = Client(enforce_csrf_checks=True)
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert model.objects.count() == 1


@pytest.mark.django_db
def test_a_signed_in_session_needs_its_csrf_token(public, world: QueueWorld) -> None:
    path, body, _model = public["tickets"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.officer)
    refused = client.post(path, body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert Ticket.objects.count() == 0
    token = _get_new_csrf_string()
    client.cookies[django_settings.CSRF_COOKIE_NAME] = token
    accepted = client.post(path, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content
    # Staff-only writes need it too, and reading never does.
    ticket_id = accepted.json()["id"]
    assert client.post(f"/api/v1/tickets/{ticket_id}/cancel").status_code == 403
    assert client.get(f"/api/v1/tickets/{ticket_id}").status_code == 200


# --- real HTTP against uvicorn ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_over_http_anonymous_posts_need_no_cookie_and_sessions_need_csrf(
    public, world: QueueWorld, server: str
) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        for endpoint, (path, body, model) in public.items():
            response = http.post(path, json=body)
            assert response.status_code == 201, (endpoint, response.text)
            assert model.objects.count() == 1, endpoint
        # A cookie that signs nobody in (expired, tampered) is no session: still anonymous.
        http.cookies.set(django_settings.SESSION_COOKIE_NAME, "no-such-session")
        stale = http.post("/api/v1/tickets", json={"service_id": world.service.pk})
        assert stale.status_code == 201, stale.text
        http.cookies.set(django_settings.SESSION_COOKIE_NAME, _session_cookie(world.officer))
        before = Ticket.objects.count()
        forged = http.post("/api/v1/tickets", json={"service_id": world.service.pk})
        assert forged.status_code == 403
        assert Ticket.objects.count() == before
        token = api_token_issue(user=world.officer)
        with_token = http.post(
            "/api/v1/tickets",
            json={"service_id": world.service.pk},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert with_token.status_code == 201, with_token.text
        assert with_token.json()["id"] > 0


@pytest.mark.django_db(transaction=True)
def test_over_http_a_ticket_is_read_back_with_its_token_only(
    world: QueueWorld, server: str
) -> None:
    """A client with no cookie takes a ticket and reads it back with the token of the answer;
    the ids around it, and its own id without the token, are 404 like a missing ticket."""
    with httpx.Client(base_url=server, timeout=10) as http:
        taken = http.post("/api/v1/tickets", json={"service_id": world.service.pk})
        assert taken.status_code == 201, taken.text
        ticket = taken.json()
        mine = http.get(f"/api/v1/tickets/{ticket['id']}", params={"token": ticket["token"]})
        assert mine.status_code == 200, mine.text
        assert (mine.json()["number"], mine.json()["status"]) == (ticket["number"], "waiting")
        missing = http.get("/api/v1/tickets/999999")
        assert missing.status_code == 404
        for ticket_id in (ticket["id"], ticket["id"] - 1, ticket["id"] + 1):
            walked = http.get(f"/api/v1/tickets/{ticket_id}")
            assert (walked.status_code, walked.json()) == (404, missing.json())


@pytest.mark.django_db(transaction=True)
def test_rotating_x_forwarded_for_does_not_escape_the_limit(
    public, server: str, settings: Any
) -> None:
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_PUBLIC = "5/m"
    path, body, _model = public["complaints"]
    with httpx.Client(base_url=server, timeout=10) as http:
        first = [http.post(path, json=body).status_code for _ in range(5)]
        rotated = [
            http.post(path, json=body, headers={"X-Forwarded-For": f"203.0.113.{n}"})
            for n in range(35)
        ]
    assert first == [201] * 5
    assert [r.status_code for r in rotated] == [429] * 35
    assert all(int(r.headers["Retry-After"]) >= 1 for r in rotated)
    assert Complaint.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_behind_a_trusted_proxy_two_citizens_have_their_own_buckets(
    public, server: str, settings: Any
) -> None:
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_PUBLIC = "2/m"
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    path, body, _model = public["complaints"]
    siti = {"X-Forwarded-For": "198.51.100.7"}
    budi = {"X-Forwarded-For": "198.51.100.8"}
    with httpx.Client(base_url=server, timeout=10) as http:
        siti_codes = [http.post(path, json=body, headers=siti).status_code for _ in range(3)]
        budi_codes = [http.post(path, json=body, headers=budi).status_code for _ in range(2)]
        # What a client writes to the left of the proxy's entry is not believed.
        spoofed = http.post(path, json=body, headers={"X-Forwarded-For": "1.1.1.1, 198.51.100.7"})
    assert siti_codes == [201, 201, 429]
    assert budi_codes == [201, 201]
    assert spoofed.status_code == 429


@pytest.mark.django_db(transaction=True)
def test_a_locked_account_stays_locked_with_a_new_header(server: str, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="dewi")  # password: correct-horse-battery
    with httpx.Client(base_url=server, timeout=10) as http:
        wrong = [
            http.post("/api/v1/auth/token", json={"username": "dewi", "password": "x"}).status_code
            for _ in range(3)
        ]
        assert wrong == [401, 401, 429]  # the third failure locks the name at this address
        right = {"username": "dewi", "password": "correct-horse-battery"}
        locked = [
            http.post(
                "/api/v1/auth/token", json=right, headers={"X-Forwarded-For": f"192.0.2.{n}"}
            ).status_code
            for n in range(5)
        ]
    assert locked == [429] * 5
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_password_spray_from_one_address_gets_429(server: str, settings: Any) -> None:
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_LOGIN = "30/10m"
    with httpx.Client(base_url=server, timeout=10) as http:
        codes = [
            http.post(
                "/api/v1/auth/token",
                json={"username": f"pegawai{n}", "password": "Rahasia123"},
                headers={"X-Forwarded-For": f"192.0.2.{n}"},
            ).status_code
            for n in range(40)
        ]
    assert codes == [401] * 30 + [429] * 10


@pytest.mark.django_db(transaction=True)
def test_the_login_page_limits_sign_ins_per_address_too(server: str, settings: Any) -> None:
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_LOGIN = "30/10m"
    user = UserFactory(username="staf")
    with httpx.Client(base_url=server, timeout=10) as http:
        page = http.get("/accounts/login/")
        token = page.cookies[django_settings.CSRF_COOKIE_NAME]
        codes = []
        for n in range(40):
            response = http.post(
                "/accounts/login/",
                data={
                    "username": f"pegawai{n}",
                    "password": "Rahasia123",
                    "csrfmiddlewaretoken": token,
                },
            )
            codes.append(response.status_code)
        # The address is spent: even the right password waits for the window to pass.
        right = http.post(
            "/accounts/login/",
            data={
                "username": "staf",
                "password": "correct-horse-battery",
                "csrfmiddlewaretoken": token,
            },
        )
    assert codes == [200] * 30 + [429] * 10
    assert right.status_code == 429
    user.refresh_from_db()
    assert user.last_login is None


@pytest.mark.django_db(transaction=True)
def test_a_malformed_upload_is_answered_in_json(server: str) -> None:
    long_name = "a" * 1000 + ".pdf"
    part = (
        b'--xx\r\nContent-Disposition: form-data; name="file"; filename="'
        + long_name.encode()
        + b'"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--xx--\r\n'
    )
    with httpx.Client(base_url=server, timeout=10) as http:
        answers = [
            http.post(
                "/api/v1/verify", files={"file": (long_name, b"%PDF-1.4", "application/pdf")}
            ),
            http.post(
                "/api/v1/verify",
                content=part,
                headers={"Content-Type": "multipart/form-data; boundary=xx"},
            ),
            http.post(
                "/api/v1/verify", content=b"%PDF", headers={"Content-Type": "multipart/form-data"}
            ),
            http.post(
                "/api/v1/complaints",
                content=b"{not json",
                headers={"Content-Type": "application/json"},
            ),
            http.get("/api/v1/no-such-endpoint"),
            http.delete("/api/v1/malls"),
        ]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 404, 405]
    assert answers[-1].headers["Allow"] == "GET"
    for answer in answers:
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.json()["detail"]
