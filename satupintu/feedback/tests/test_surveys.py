"""Survey intake: validation (422 naming the unsur), once per ticket or dossier (409)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from satupintu.catalog.tests.factories import MallFactory, ServiceFactory
from satupintu.feedback.models import Survey
from satupintu.feedback.tests.factories import PROFILE, answers, survey_payload
from satupintu.feedback.tests.helpers import make_dossier, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return ServiceFactory(agency__mall=MallFactory(slug="survey-mall"))


def post(client, payload):
    return client.post("/api/v1/surveys", payload, content_type="application/json")


def error_locs(response):
    return [tuple(d["loc"]) for d in response.json()["detail"]]


def test_anonymous_survey_is_stored(client, service):
    response = post(client, survey_payload(service, suggestion="Antrian cepat"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["answers"] == answers()
    survey = Survey.objects.get()
    assert survey.mall_id == service.mall_id
    assert survey.agency_id == service.agency_id
    assert survey.age == 34
    assert survey.suggestion == "Antrian cepat"


@pytest.mark.parametrize(
    ("bad_answers", "loc"),
    [
        (answers(u3=5), ("body", "answers", "u3")),
        (answers(u1=0), ("body", "answers", "u1")),
        (answers(u9=-1), ("body", "answers", "u9")),
        (answers(u2="3"), ("body", "answers", "u2")),
        (answers(u4=True), ("body", "answers", "u4")),
        (answers(u5=2.5), ("body", "answers", "u5")),
        ({**answers(), "u10": 3}, ("body", "answers", "u10")),
        ({k: v for k, v in answers().items() if k != "u7"}, ("body", "answers", "u7")),
    ],
)
def test_bad_answer_is_422_naming_the_unsur_and_nothing_stored(client, service, bad_answers, loc):
    response = post(client, {**survey_payload(service), "answers": bad_answers})
    assert response.status_code == 422, response.content
    assert loc in error_locs(response)
    assert Survey.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("gender", "x"), ("education", "s4"), ("occupation", "astronot"), ("age", 7), ("age", "30")],
)
def test_bad_respondent_is_422(client, service, field, value):
    response = post(client, {**survey_payload(service), "respondent": {**PROFILE, field: value}})
    assert response.status_code == 422
    assert ("body", "respondent", field) in error_locs(response)
    assert Survey.objects.count() == 0


def test_unknown_service_is_422(client, service):
    response = post(client, {**survey_payload(service), "service_id": 999999})
    assert response.status_code == 422
    assert ("body", "service_id") in error_locs(response)


def test_second_survey_for_the_same_dossier_is_409(client, service):
    dossier = make_dossier(service)
    first = post(client, survey_payload(service, tracking_code=dossier.tracking_code))
    assert first.status_code == 201, first.content
    assert first.json()["tracking_code"] == dossier.tracking_code
    second = post(
        client,
        survey_payload(service, tracking_code=dossier.tracking_code.lower(), answers=answers(1)),
    )
    assert second.status_code == 409
    assert Survey.objects.count() == 1
    assert Survey.objects.get().u1 == 4


def test_survey_of_an_unfinished_dossier_is_409(client, service):
    dossier = make_dossier(service, completed=False)
    response = post(client, survey_payload(service, tracking_code=dossier.tracking_code))
    assert response.status_code == 409
    assert Survey.objects.count() == 0


def test_unknown_tracking_code_is_422(client, service):
    response = post(client, survey_payload(service, tracking_code="NOPE1234"))
    assert response.status_code == 422
    assert ("body", "tracking_code") in error_locs(response)


def test_second_survey_for_the_same_ticket_is_409(client, service):
    ticket = make_ticket(service)
    first = post(client, survey_payload(service, ticket_id=ticket.pk))
    assert first.status_code == 201, first.content
    second = post(client, survey_payload(service, ticket_id=ticket.pk))
    assert second.status_code == 409
    assert Survey.objects.filter(ticket_id=ticket.pk).count() == 1


def test_service_defaults_to_the_ticket_service(client, service):
    ticket = make_ticket(service)
    payload = survey_payload(service, ticket_id=ticket.pk)
    del payload["service_id"]
    response = post(client, payload)
    assert response.status_code == 201, response.content
    assert response.json()["service_id"] == service.pk


def test_ticket_still_waiting_cannot_be_rated(client, service):
    ticket = make_ticket(service, status="waiting")
    assert post(client, survey_payload(service, ticket_id=ticket.pk)).status_code == 409
    assert Survey.objects.count() == 0


def test_anonymous_surveys_are_rate_limited(client, service, settings):
    settings.RATELIMIT_PUBLIC = "3/m"
    codes = [post(client, survey_payload(service)).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert Survey.objects.count() == 3


def test_questionnaire_lists_nine_unsur(client):
    body = client.get("/api/v1/surveys/questionnaire", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [u["code"] for u in body] == [f"u{i}" for i in range(1, 10)]
    assert all(len(u["options"]) == 4 for u in body)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_surveys_for_one_ticket_store_exactly_one():
    service = ServiceFactory()
    dossier = make_dossier(service)
    barrier = threading.Barrier(6)
    codes: list[int] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait()
            response = Client().post(
                "/api/v1/surveys",
                survey_payload(service, tracking_code=dossier.tracking_code),
                content_type="application/json",
                REMOTE_ADDR=f"10.0.0.{threading.get_ident() % 250}",
            )
            with lock:
                codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 409, 409, 409, 409, 409]
    assert Survey.objects.filter(dossier=dossier).count() == 1


def test_indonesian_wording_is_the_regulation_wording():
    from django.utils.translation import override

    from satupintu.feedback.unsur import REGULATION_WORDING, UNSUR

    with override("id"):
        for unsur in UNSUR:
            title, question, options = REGULATION_WORDING[unsur.code]
            assert str(unsur.title) == title
            assert str(unsur.question) == question
            assert tuple(str(o) for o in unsur.options) == options


def test_questionnaire_in_indonesian(client):
    body = client.get("/api/v1/surveys/questionnaire", HTTP_ACCEPT_LANGUAGE="id").json()
    u7 = body[6]
    assert u7["title"] == "Perilaku Pelaksana"
    assert [o["label"] for o in u7["options"]] == [
        "Tidak sopan dan ramah",
        "Kurang sopan dan ramah",
        "Sopan dan ramah",
        "Sangat sopan dan ramah",
    ]
    assert [o["letter"] for o in u7["options"]] == ["a", "b", "c", "d"]
