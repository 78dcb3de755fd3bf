"""A `NotFound` escaping any page view is a 404, sync or async, with no decorator on the view;
other domain errors are not turned into 404s."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from satupintu.core.errors import Conflict, NotFound


def missing(request: HttpRequest) -> HttpResponse:
    raise NotFound("No such dossier")


async def missing_async(request: HttpRequest) -> HttpResponse:
    raise NotFound("No such display")


def conflicting(request: HttpRequest) -> HttpResponse:
    raise Conflict("Already called")


def found(request: HttpRequest) -> HttpResponse:
    return HttpResponse("here")


urlpatterns = [
    path("missing/", missing),
    path("missing-async/", missing_async),
    path("conflicting/", conflicting),
    path("found/", found),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/missing/", "/missing-async/"])
def test_not_found_from_a_view_is_a_404_page(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 404


@pytest.mark.urls(__name__)
def test_debug_404_page_shows_the_message(settings: Any) -> None:
    settings.DEBUG = True
    response = Client().get("/missing/")
    assert response.status_code == 404
    assert b"No such dossier" in response.content


@pytest.mark.urls(__name__)
def test_other_domain_errors_and_normal_pages_pass_through() -> None:
    client = Client(raise_request_exception=True)
    assert client.get("/found/").content == b"here"
    with pytest.raises(Conflict):
        client.get("/conflicting/")
