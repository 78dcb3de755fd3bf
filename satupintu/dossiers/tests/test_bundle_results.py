"""Issue #12: the Akta issued inside the birth bundle is the Akta that the KIA asks for: the
result fulfils the later service's requirement, so the KIA can be verified without it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import TestCase

from satupintu.catalog.models import BundleItem, ServiceBundle
from satupintu.catalog.tests.factories import ServiceFactory, ServiceRequirementFactory
from satupintu.dossiers.models import Dossier, DossierDocument, ResultDocument
from satupintu.dossiers.tests.conftest import World, applicant_payload

pytestmark = pytest.mark.django_db


def _post(world: World, user: Any, url: str, body: dict[str, Any]) -> Any:
    return world.client(user).post(url, data=json.dumps(body), content_type="application/json")


def test_a_result_issued_inside_a_bundle_fulfils_the_later_requirement(world: World) -> None:
    duk = world.bo.memberships.get().agency
    akta = ServiceFactory(
        mall=world.mall, agency=duk, code="B-AKTA", offers_online=True, result_key="akta-lahir"
    )
    kia = ServiceFactory(mall=world.mall, agency=duk, code="B-KIA", offers_online=True)
    ServiceRequirementFactory(service=akta, name="Surat lahir", key="surat-lahir")
    ServiceRequirementFactory(service=kia, name="Kutipan akta kelahiran", key="akta-lahir")
    bundle = ServiceBundle.objects.create(mall=world.mall, code="BND-LAHIR", name="Kelahiran")
    first = BundleItem.objects.create(bundle=bundle, service=akta, position=0)
    BundleItem.objects.create(bundle=bundle, service=kia, position=1).depends_on.add(first)
    created = _post(
        world,
        world.counter,
        "/api/v1/dossiers",
        {"bundle_id": bundle.pk, "channel": "walk_in", "applicant": applicant_payload()},
    )
    assert created.status_code == 201, created.content
    parent = Dossier.objects.get(pk=created.json()["id"])
    children = {c.service.code: c for c in parent.children.select_related("service")}
    letter = DossierDocument.objects.get(dossier=parent, requirement__key="surat-lahir")
    _post(
        world,
        world.counter,
        f"/api/v1/dossiers/{parent.pk}/documents/{letter.requirement_id}/check",
        {"status": "present"},
    )
    akta_doc = DossierDocument.objects.get(dossier=parent, requirement__key="akta-lahir")
    assert akta_doc.status != "present"
    # Before the Akta exists, the KIA could not be verified for want of it (it is on hold too).
    for user, action in [
        (world.counter, "verify"),
        (world.bo, "process"),
        (world.bo, "approve"),
        (world.bo, "issue_result"),
    ]:
        with TestCase.captureOnCommitCallbacks(execute=True):  # the result's PDF, after commit
            response = _post(
                world,
                user,
                f"/api/v1/dossiers/{children['B-AKTA'].pk}/transitions",
                {"action": action},
            )
        assert response.status_code == 200, (action, response.content)
    result = ResultDocument.objects.get(dossier=children["B-AKTA"])
    akta_doc.refresh_from_db()
    assert akta_doc.status == "present"
    assert akta_doc.sha256 == result.sha256
    assert akta_doc.file.name == result.file.name
    # The KIA now passes the front office with the Akta issued in the bundle.
    verified = _post(
        world, world.counter, f"/api/v1/dossiers/{children['B-KIA'].pk}/transitions",
        {"action": "verify"},
    )  # fmt: skip
    assert verified.status_code == 200, verified.content
    # the staff can open it as the KIA's requirement file
    detail = world.client(world.bo).get(f"/api/v1/dossiers/{children['B-KIA'].pk}").json()
    row = next(r for r in detail["requirements"] if r["key"] == "akta-lahir")
    assert row["status"] == "present"
    assert row["sha256"] == result.sha256


def test_a_document_the_applicant_brought_is_not_replaced(world: World) -> None:
    duk = world.bo.memberships.get().agency
    akta = ServiceFactory(mall=world.mall, agency=duk, code="C-AKTA", result_key="akta-lahir")
    kia = ServiceFactory(mall=world.mall, agency=duk, code="C-KIA")
    ServiceRequirementFactory(service=akta, name="Surat lahir", key="surat-lahir")
    ServiceRequirementFactory(service=kia, name="Kutipan akta kelahiran", key="akta-lahir")
    bundle = ServiceBundle.objects.create(mall=world.mall, code="BND-2", name="Kelahiran 2")
    BundleItem.objects.create(bundle=bundle, service=akta, position=0)
    BundleItem.objects.create(bundle=bundle, service=kia, position=1)
    parent = Dossier.objects.get(
        pk=_post(
            world, world.counter, "/api/v1/dossiers",
            {"bundle_id": bundle.pk, "channel": "walk_in", "applicant": applicant_payload()},
        ).json()["id"]
    )  # fmt: skip
    for doc in DossierDocument.objects.filter(dossier=parent):
        _post(
            world, world.counter,
            f"/api/v1/dossiers/{parent.pk}/documents/{doc.requirement_id}/check",
            {"status": "present"},
        )  # fmt: skip
    akta_child = parent.children.get(service=akta)
    for user, action in [
        (world.counter, "verify"),
        (world.bo, "process"),
        (world.bo, "approve"),
        (world.bo, "issue_result"),
    ]:
        assert (
            _post(world, user, f"/api/v1/dossiers/{akta_child.pk}/transitions", {"action": action})
        ).status_code == 200
    brought = DossierDocument.objects.get(dossier=parent, requirement__key="akta-lahir")
    assert brought.sha256 == ""  # the tick the officer made stays as it was
