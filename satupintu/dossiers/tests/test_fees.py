from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.test import Client

from satupintu.dossiers.models import Bill, DossierEvent, ServiceConfig
from satupintu.dossiers.tests.conftest import World, make_dossier, tick_all_present

pytestmark = pytest.mark.django_db
SECRET = "gateway-shared-secret"


@pytest.fixture
def paid_service(world: World, settings: Any) -> World:
    settings.PAYMENT_CALLBACK_SECRET = SECRET
    world.service.fee = 50_000
    world.service.save()
    ServiceConfig.objects.create(service=world.service, payment_before_processing=True)
    return world


def _act(world: World, user: Any, dossier_id: int, action: str) -> Any:
    return world.client(user).post(
        f"/api/v1/dossiers/{dossier_id}/transitions",
        data=json.dumps({"action": action}),
        content_type="application/json",
    )


def _verified(world: World) -> Bill:
    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    assert _act(world, world.counter, dossier.pk, "verify").status_code == 200
    return Bill.objects.get(dossier=dossier)


def _callback(body: bytes, signature: str | None) -> Any:
    headers = {} if signature is None else {"HTTP_X_SIGNATURE": signature}
    return Client().post(
        "/api/v1/payments/callback", data=body, content_type="application/json", **headers
    )


def test_verify_raises_a_bill_and_processing_waits_for_payment(paid_service: World) -> None:
    world = paid_service
    bill = _verified(world)
    assert bill.amount == 50_000
    assert len(bill.payment_code) == 16
    assert bill.status == "unpaid"
    response = _act(world, world.bo, bill.dossier_id, "process")
    assert response.status_code == 409
    assert bill.payment_code in response.content.decode()
    pay = world.client(world.cashier).post(f"/api/v1/bills/{bill.payment_code}/pay")
    assert pay.status_code == 200
    assert pay.json()["status"] == "paid"
    assert (
        world.client(world.cashier).post(f"/api/v1/bills/{bill.payment_code}/pay").status_code
        == 409
    )
    assert _act(world, world.bo, bill.dossier_id, "process").status_code == 200


def test_only_a_cashier_marks_a_bill_paid(paid_service: World) -> None:
    world = paid_service
    bill = _verified(world)
    for user in (world.counter, world.bo, world.citizen):
        assert world.client(user).post(f"/api/v1/bills/{bill.payment_code}/pay").status_code == 404
    bill.refresh_from_db()
    assert bill.status == "unpaid"
    listed = world.client(world.cashier).get("/api/v1/bills?status=unpaid").json()
    assert [b["payment_code"] for b in listed["items"]] == [bill.payment_code]


@pytest.mark.parametrize("signature", [None, "", "00" * 32, "not-hex"])
def test_callback_with_a_wrong_signature_changes_nothing(
    paid_service: World, signature: str | None
) -> None:
    bill = _verified(paid_service)
    events = DossierEvent.objects.count()
    body = json.dumps(
        {
            "payment_code": bill.payment_code,
            "amount": 50_000,
            "reference": "TRX-1",
            "status": "paid",
        }
    ).encode()
    response = _callback(body, signature)
    assert response.status_code == 401
    bill.refresh_from_db()
    assert bill.status == "unpaid"
    assert bill.external_reference is None
    assert DossierEvent.objects.count() == events


def test_callback_signed_with_another_secret_or_over_another_body_is_refused(
    paid_service: World,
) -> None:
    bill = _verified(paid_service)
    body = json.dumps(
        {"payment_code": bill.payment_code, "amount": 50_000, "reference": "TRX-1"}
    ).encode()
    wrong_key = hmac.new(b"guess", body, hashlib.sha256).hexdigest()
    assert _callback(body, wrong_key).status_code == 401
    tampered = body.replace(b"50000", b"5")
    assert (
        _callback(tampered, hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()).status_code
        == 401
    )
    bill.refresh_from_db()
    assert bill.status == "unpaid"


def test_signed_callback_pays_once_and_repeats_idempotently(paid_service: World) -> None:
    bill = _verified(paid_service)
    body = json.dumps(
        {"payment_code": bill.payment_code, "amount": 50_000, "reference": "TRX-9"}
    ).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    first = _callback(body, signature)
    assert first.status_code == 200, first.content
    again = _callback(body, signature)
    assert again.status_code == 200
    bill.refresh_from_db()
    assert (bill.status, bill.paid_via, bill.external_reference) == ("paid", "callback", "TRX-9")
    assert DossierEvent.objects.filter(dossier=bill.dossier, action="pay").count() == 1
    wrong_amount = json.dumps(
        {"payment_code": bill.payment_code, "amount": 1, "reference": "TRX-10"}
    ).encode()
    response = _callback(
        wrong_amount, hmac.new(SECRET.encode(), wrong_amount, hashlib.sha256).hexdigest()
    )
    assert response.status_code == 422


def test_free_service_raises_no_bill(world: World) -> None:
    dossier = make_dossier(world)
    tick_all_present(world, dossier)
    assert _act(world, world.counter, dossier.pk, "verify").status_code == 200
    assert not Bill.objects.exists()
    assert _act(world, world.bo, dossier.pk, "process").status_code == 200
