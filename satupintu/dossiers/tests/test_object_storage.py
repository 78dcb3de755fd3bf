"""Documents and result PDFs in S3-compatible object storage (django-storages), against a local
S3 server (moto in server mode on a free port), configured exactly as S3_BUCKET and its
companions configure production: upload a dossier document, issue a signed result, download
it and verify it. Nothing lands on the local disk."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from moto.server import ThreadedMotoServer

from satupintu import settings as project_settings
from satupintu.dossiers.models import DossierDocument, ResultDocument
from satupintu.dossiers.tests.conftest import PDF_BYTES, World, make_dossier, tick_all_present

pytestmark = pytest.mark.django_db

BUCKET = "mpp-documents"
CREDENTIALS = {"S3_ACCESS_KEY_ID": "test-key-id", "S3_SECRET_ACCESS_KEY": "test-secret"}


@pytest.fixture
def s3_bucket(settings: Any) -> Iterator[Any]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="ap-southeast-3",
        aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"],
    )  # fmt: skip
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"}
    )
    storage = project_settings.object_storage(
        {"S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint, "S3_REGION": "ap-southeast-3",
         "S3_PREFIX": "satupintu", **CREDENTIALS}
    )  # fmt: skip
    assert storage is not None
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    yield client
    server.stop()


def _keys(client: Any) -> list[str]:
    listing = client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_without_s3_bucket_files_stay_on_the_local_disk() -> None:
    assert project_settings.object_storage({}) is None
    assert project_settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


def test_documents_and_results_live_in_the_bucket(
    world: World, s3_bucket: Any, settings: Any
) -> None:
    assert default_storage.__class__.__name__ == "S3Storage"
    dossier = make_dossier(world)
    uploaded = world.client(world.counter).post(
        f"/api/v1/dossiers/{dossier.pk}/documents",
        data={"requirement_id": world.ktp.pk, "file": SimpleUploadedFile("ktp.pdf", PDF_BYTES)},
    )
    assert uploaded.status_code == 201, uploaded.content
    document = DossierDocument.objects.get(dossier=dossier, requirement=world.ktp)
    stored = s3_bucket.get_object(Bucket=BUCKET, Key=f"satupintu/{document.file.name}")
    assert stored["Body"].read() == PDF_BYTES

    tick_all_present(world, dossier)
    for user, action in (
        (world.counter, "verify"), (world.bo, "process"), (world.bo, "approve"),
        (world.bo, "issue_result"),
    ):  # fmt: skip
        with TestCase.captureOnCommitCallbacks(execute=True):  # the result's PDF, after commit
            response = world.client(user).post(
                f"/api/v1/dossiers/{dossier.pk}/transitions",
                data=json.dumps({"action": action}),
                content_type="application/json",
            )
        assert response.status_code == 200, response.content
    result = ResultDocument.objects.get(dossier=dossier)
    assert f"satupintu/{result.file.name}" in _keys(s3_bucket)

    download = world.client(world.bo).get(f"/api/v1/dossiers/{dossier.pk}/result.pdf")
    assert download.status_code == 200
    pdf = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert hashlib.sha256(pdf).hexdigest() == result.sha256

    check = world.client(None).post(
        "/api/v1/verify", data={"file": SimpleUploadedFile("hasil.pdf", pdf)}
    )
    assert check.status_code == 200, check.content
    assert check.json()["valid"] is True
    assert check.json()["matches_issued"] is True
    # Nothing of it on the local disk.
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
