"""A birth bundle: akta lahir first, then KK and KIA after it, BPJS after KK. Shared documents
are asked once; children start only when what they depend on is finished."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import TestCase

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.catalog.models import BundleItem, ServiceBundle
from satupintu.catalog.tests.factories import (
    AgencyFactory,
    ServiceFactory,
    ServiceRequirementFactory,
)
from satupintu.dossiers.models import Dossier, DossierEvent
from satupintu.dossiers.tests.conftest import World, applicant_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(world: World) -> dict[str, Any]:
    duk = world.bo.memberships.get().agency
    bpjs = AgencyFactory(mall=world.mall, slug="bpjs", name="BPJS Kesehatan")
    services = {}
    for code, agency in [("AKTA", duk), ("KK", duk), ("KIA", duk), ("BPJS", bpjs)]:
        service = ServiceFactory(
            mall=world.mall, agency=agency, code=f"B-{code}", offers_online=True
        )
        ServiceRequirementFactory(service=service, name="KTP orang tua", key="ktp-ortu")
        services[code] = service
    ServiceRequirementFactory(service=services["AKTA"], name="Surat lahir", key="surat-lahir")
    bundle = ServiceBundle.objects.create(mall=world.mall, code="BND-LAHIR", name="Kelahiran")
    items = {
        code: BundleItem.objects.create(bundle=bundle, service=s, position=i)
        for i, (code, s) in enumerate(services.items())
    }
    items["KK"].depends_on.add(items["AKTA"])
    items["KIA"].depends_on.add(items["AKTA"])
    items["BPJS"].depends_on.add(items["KK"])
    return {
        "bundle": bundle,
        "services": services,
        "bpjs_bo": user_with_role(Role.BACK_OFFICE_OFFICER, mall=world.mall, agency=bpjs),
    }


def _run_to_result(world: World, bo: Any, child_id: int) -> None:
    for user, action in [
        (world.counter, "verify"),
        (bo, "process"),
        (bo, "approve"),
        (bo, "issue_result"),
    ]:
        # What follows each commit runs too (the result's PDF is made after the commit).
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = world.client(user).post(
                f"/api/v1/dossiers/{child_id}/transitions",
                data=json.dumps({"action": action}),
                content_type="application/json",
            )
        assert response.status_code == 200, (action, response.content)


def test_bundle_children_start_in_dependency_order(world: World, bundle: dict[str, Any]) -> None:
    client = world.client(world.counter)
    response = client.post(
        "/api/v1/dossiers",
        data=json.dumps(
            {
                "bundle_id": bundle["bundle"].pk,
                "channel": "walk_in",
                "applicant": applicant_payload(),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    parent = Dossier.objects.get(pk=response.json()["id"])
    assert parent.service is None
    children = {c.service.code[2:]: c for c in parent.children.select_related("service")}
    assert set(children) == {"AKTA", "KK", "KIA", "BPJS"}
    # The shared KTP is asked once; the birth letter once.
    detail = client.get(f"/api/v1/dossiers/{parent.pk}").json()
    assert sorted(r["key"] for r in detail["requirements"]) == ["ktp-ortu", "surat-lahir"]
    for row in detail["requirements"]:
        client.post(
            f"/api/v1/dossiers/{parent.pk}/documents/{row['requirement_id']}/check",
            data={"status": "present"},
            content_type="application/json",
        )

    def on_hold() -> set[str]:
        return {code for code, c in children.items() if Dossier.objects.get(pk=c.pk).on_hold}

    assert on_hold() == {"KK", "KIA", "BPJS"}
    blocked = client.post(
        f"/api/v1/dossiers/{children['KK'].pk}/transitions",
        data=json.dumps({"action": "verify"}),
        content_type="application/json",
    )
    assert blocked.status_code == 409
    _run_to_result(world, world.bo, children["AKTA"].pk)
    assert on_hold() == {"BPJS"}
    _run_to_result(world, world.bo, children["KIA"].pk)
    assert on_hold() == {"BPJS"}
    _run_to_result(world, world.bo, children["KK"].pk)
    assert on_hold() == set()
    parent.refresh_from_db()
    assert parent.status == "in_progress"
    _run_to_result(world, bundle["bpjs_bo"], children["BPJS"].pk)
    parent.refresh_from_db()
    assert parent.status == "completed"
    # One tracking code for the whole bundle, with every service's status.
    tracked = client.get(f"/api/v1/track/{parent.tracking_code}").json()
    assert tracked["bundle"]["code"] == "BND-LAHIR"
    assert [s["status"] for s in tracked["services"]] == ["result_issued"] * 4
    starts = list(
        DossierEvent.objects.filter(action="start", dossier__parent=parent)
        .order_by("id")
        .values_list("dossier__service__code", flat=True)
    )
    assert starts == ["B-KK", "B-KIA", "B-BPJS"]
    # One result package with the four signed results.
    import io
    import zipfile

    package = client.get(f"/api/v1/dossiers/{parent.pk}/results.zip")
    assert package.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(package.content)).namelist()
    assert sorted(n.split("-")[1] for n in names) == ["AKTA", "BPJS", "KIA", "KK"]


def test_bundle_online_application_asks_shared_documents_once(
    world: World, bundle: dict[str, Any]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from satupintu.dossiers.models import DossierDocument
    from satupintu.dossiers.tests.conftest import PDF_BYTES, VALID_NIK

    client = Client()
    url = f"/m/{world.mall.slug}/ajukan/{bundle['bundle'].code}/"
    page = client.get(url).content.decode()
    assert page.count("KTP orang tua") == 1  # four services need it; it is asked once
    form = client.get(url).context["form"]
    ktp = next(r for r in form.requirements if r.key == "ktp-ortu")
    response = client.post(
        url,
        {
            "kind": "person",
            "nik": VALID_NIK,
            "name": "Ani Rahayu",
            f"file_{ktp.pk}": SimpleUploadedFile("ktp.pdf", PDF_BYTES),
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    parent = Dossier.objects.get(applicant_name="Ani Rahayu", parent__isnull=True)
    assert parent.children.count() == 4
    row = DossierDocument.objects.get(dossier=parent, requirement__key="ktp-ortu")
    assert row.status == "pending"  # the front office checks what applicants upload
    assert row.sha256
