"""Issue #12 in the dossier pages: what people read on the dossier page, the worklist, the
tracking page of a finished application and the result message, and the online form."""

from __future__ import annotations

import json
import re
from datetime import time
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from satupintu.catalog.models import OpeningHours
from satupintu.catalog.tests.factories import CounterFactory
from satupintu.dossiers.models import Dossier, FormField
from satupintu.dossiers.tests.conftest import World, make_dossier, tick_all_present

pytestmark = pytest.mark.django_db


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _act(world: World, user: Any, dossier_id: int, action: str, comment: str = "") -> None:
    response = world.client(user).post(
        f"/api/v1/dossiers/{dossier_id}/transitions",
        data=json.dumps({"action": action, "comment": comment} if comment else {"action": action}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content


def _to_result(world: World, dossier: Dossier) -> None:
    tick_all_present(world, dossier)
    _act(world, world.counter, dossier.pk, "verify")
    _act(world, world.bo, dossier.pk, "process")
    _act(world, world.bo, dossier.pk, "approve")
    _act(world, world.bo, dossier.pk, "issue_result")


def test_dossier_page_shows_labels_local_dates_and_translated_history(world: World) -> None:
    FormField.objects.create(
        service=world.service, name="tanggal_lahir", label="Tanggal lahir", kind="date",
        required=False, position=9,
    )  # fmt: skip
    dossier = make_dossier(
        world,
        form={"kk_number": "3471010101010001", "reason": "baru", "tanggal_lahir": "2026-11-20"},
    )
    tick_all_present(world, dossier)
    _act(world, world.counter, dossier.pk, "verify")
    page = _login(world.bo).get(f"/bo/berkas/{dossier.pk}/", HTTP_ACCEPT_LANGUAGE="id")
    text = page.content.decode()
    assert page.status_code == 200
    # the labels of the form, not its keys; the date the Indonesian way, not ISO
    assert "<dt>Nomor KK</dt>" in text
    assert "<dt>Tanggal lahir</dt>" in text
    assert ">kk_number<" not in text
    assert ">tanggal_lahir<" not in text
    assert "20 November 2026" in text
    assert "2026-11-20" not in text
    # the history in words of the active language, not the action codes
    actions = re.findall(r'<span class="history-action">([^<]*)</span>', text)
    assert actions[0] == "Diajukan"
    assert "submit" not in actions
    assert "verify" not in actions
    # "Tolak" is a destructive action and looks like one; "Setujui" does not
    _act(world, world.bo, dossier.pk, "process")
    text = _login(world.bo).get(f"/bo/berkas/{dossier.pk}/", HTTP_ACCEPT_LANGUAGE="id").content
    html = text.decode()
    reject = re.search(r'<button class="button button-danger"[^>]*>.*?Tolak</button>', html)
    assert reject, html[-4000:]
    assert re.search(r'<button class="button" type="submit">Setujui</button>', html)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _hue(hex_colour: str) -> float:
    import colorsys

    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hsv(r, g, b)[0] * 360


def test_worklist_deadline_colours_are_distinct_and_pass_contrast(world: World) -> None:
    page = _login(world.bo).get("/bo/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    colours = dict(
        re.findall(
            r"tr\.deadline-(\w+) td:first-child[^{]*\{ border-left: \d+px solid (#[0-9a-f]{6})",
            page,
        )
    )
    assert set(colours) >= {"overdue", "due_today", "soon", "ok"}
    for level, colour in colours.items():
        # a coloured mark must stand out from the white row (WCAG 1.4.11: 3:1)
        assert _contrast(colour, "#ffffff") >= 4.5, (level, colour)
    levels = ["overdue", "due_today", "soon", "ok"]
    for i, a in enumerate(levels):
        for b in levels[i + 1 :]:
            gap = abs(_hue(colours[a]) - _hue(colours[b]))
            assert min(gap, 360 - gap) >= 40, (a, b, colours[a], colours[b])
    # each level is also said in words, and the legend names all four
    for words in ("merah", "ungu", "biru", "hijau"):
        assert words in page.lower()


def _finished_online(world: World, client: Client) -> Dossier:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from satupintu.dossiers.tests.conftest import PNG_BYTES, VALID_NIK

    response = client.post(
        f"/m/{world.mall.slug}/ajukan/{world.service.code}/",
        {
            "kind": "person",
            "nik": VALID_NIK,
            "name": "Rina Wati",
            "email": "rina@example.test",
            "form_kk_number": "3471010101010001",
            "form_reason": "baru",
            f"file_{world.photo.pk}": SimpleUploadedFile("foto.png", PNG_BYTES),
        },
    )
    assert response.status_code == 302
    return Dossier.objects.get(applicant_name="Rina Wati")


def test_finished_application_says_how_to_get_the_result(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    OpeningHours.objects.create(mall=world.mall, weekday=0, opens=time(8), closes=time(15))
    counter = CounterFactory(mall=world.mall, number=3, name="Loket Disdukcapil 3")
    counter.services.add(world.service)
    applicant_browser = Client()
    dossier = _finished_online(world, applicant_browser)
    before = Client().get(f"/lacak/{dossier.tracking_code}/", HTTP_ACCEPT_LANGUAGE="id")
    assert "Perkiraan selesai" in before.content.decode()
    assert "Hasil Anda sudah siap" not in before.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _to_result(world, dossier)
    page = Client().get(f"/lacak/{dossier.tracking_code}/", HTTP_ACCEPT_LANGUAGE="id")
    text = page.content.decode()
    assert "Perkiraan selesai" not in text
    assert "Selesai pada" in text
    assert "Loket Disdukcapil 3" in text  # where
    assert "08:00" in text
    assert "15:00" in text
    assert "KTP-el asli" in text  # what to bring
    assert f"/survei/k/{dossier.tracking_code}/" in text  # the survey
    # a stranger holding the tracking code gets no file; the applicant's browser does
    assert "/hasil.zip" not in text
    own = applicant_browser.get(f"/lacak/{dossier.tracking_code}/").content.decode()
    assert f"/berkas/{dossier.pk}/" in own

    # the result message of the online application says how to get it: signing in to the
    # account (on any device), never a link that opens the files for whoever holds it
    result_mail = [m for m in mail.outbox if "Rina" in m.body and "siap" in m.subject.lower()]
    assert result_mail, [m.subject for m in mail.outbox]
    body = result_mail[-1].body
    assert "/hasil/" not in body
    link = re.search(r"(http\S+/saya/berkas/(\d+)/)", body)
    assert link, body
    assert link.group(2) == str(dossier.pk)
    assert "Loket Disdukcapil 3" in body
    assert "KTP-el asli" in body
    path = "/" + link.group(1).split("://", 1)[1].split("/", 1)[1]
    stranger = Client().get(path)
    assert stranger.status_code == 302
    assert "/saya/masuk/" in stranger["Location"]


def test_online_form_hides_the_business_name_for_a_person_and_says_sizes_humanly(
    world: World,
) -> None:
    page = (
        Client()
        .get(f"/m/{world.mall.slug}/ajukan/{world.service.code}/", HTTP_ACCEPT_LANGUAGE="id")
        .content.decode()
    )
    assert re.search(r'<div class="business-only" data-show-if="kind=business" hidden>', page)
    assert "1 KB" in page  # the photo's limit (max_size_kb=1)
    assert "2 MB" in page  # the KTP's default limit of 2048 KB
    assert "2048 KB" not in page
    from satupintu.dossiers.forms import human_size_kb

    assert human_size_kb(2048) == "2 MB"
    assert human_size_kb(500) == "500 KB"


def test_a_person_never_keeps_a_business_name(world: World) -> None:
    client = Client()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from satupintu.dossiers.tests.conftest import PNG_BYTES, VALID_NIK

    client.post(
        f"/m/{world.mall.slug}/ajukan/{world.service.code}/",
        {
            "kind": "person",
            "nik": VALID_NIK,
            "name": "Budi",
            "business_name": "CV Tidak Relevan",
            "form_kk_number": "3471010101010001",
            "form_reason": "baru",
            f"file_{world.photo.pk}": SimpleUploadedFile("foto.png", PNG_BYTES),
        },
    )
    assert Dossier.objects.get(applicant_name="Budi").business_name == ""
