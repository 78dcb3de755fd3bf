"""The end of the road: the signed result is issued by the transition and made right after its
commit, streamed by the API, verifiable by its code, and a changed byte breaks its signature."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.test import TestCase

from satupintu.dossiers.models import ResultDocument
from satupintu.dossiers.signing import verify_pdf
from satupintu.dossiers.tests.conftest import World, make_dossier, tick_all_present

pytestmark = pytest.mark.django_db


def _act(world: World, user: Any, dossier_id: int, action: str) -> Any:
    # What follows the commit runs too: the result's PDF is made after the transition commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = world.client(user).post(
            f"/api/v1/dossiers/{dossier_id}/transitions",
            data=json.dumps({"action": action}),
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    return response.json()


def test_issue_result_signs_and_the_api_streams_it(world: World, settings: Any) -> None:
    settings.PUBLIC_BASE_URL, settings.PUBLIC_BASE_URL_CONFIGURED = "https://mpp.example.id", True
    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    _act(world, world.counter, dossier.pk, "verify")
    _act(world, world.bo, dossier.pk, "process")
    _act(world, world.bo, dossier.pk, "approve")
    body = _act(world, world.bo, dossier.pk, "issue_result")
    result = ResultDocument.objects.get(dossier=dossier)
    assert body["result"]["document_number"] == result.document_number
    assert body["result"]["verification_url"] == (
        f"https://mpp.example.id/verify/{result.verification_code}"
    )
    assert result.holder_name == "Siti Aminah"
    assert result.details["service_code"] == "DUK-KK"
    assert result.details["fields"] == {"Alasan": "baru"}
    assert result.signer_subject
    response = world.client(world.bo).get(f"/api/v1/dossiers/{dossier.pk}/result.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert hashlib.sha256(data).hexdigest() == result.sha256
    assert verify_pdf(data).valid
    tampered = bytearray(data)
    tampered[len(tampered) // 3] ^= 0x01
    assert not verify_pdf(bytes(tampered)).valid
    assert (
        world.client(world.other_bo).get(f"/api/v1/dossiers/{dossier.pk}/result.pdf").status_code
        == 404
    )


def test_receipt_pdf_for_the_front_office(world: World) -> None:
    dossier = make_dossier(world)
    response = world.client(world.counter).get(f"/api/v1/dossiers/{dossier.pk}/receipt.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
