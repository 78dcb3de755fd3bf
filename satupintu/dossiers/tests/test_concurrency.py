"""Two officers approve the same dossier at the same moment: exactly one wins."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from satupintu.accounts.models import Role
from satupintu.accounts.tests.factories import user_with_role
from satupintu.dossiers.models import Dossier, DossierEvent
from satupintu.dossiers.services import dossier_transition
from satupintu.dossiers.tests.conftest import World, make_dossier, tick_all_present


def _race(clients: list[Client], dossier_id: int, action: str) -> list[int]:
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []
    lock = threading.Lock()

    def act(client: Client) -> None:
        try:
            barrier.wait()
            response = client.post(
                f"/api/v1/dossiers/{dossier_id}/transitions",
                data=json.dumps({"action": action}),
                content_type="application/json",
            )
            with lock:
                codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_approving_at_once_one_200_one_409(world: World) -> None:
    agency = world.bo.memberships.get().agency
    second_bo = user_with_role(Role.BACK_OFFICE_OFFICER, mall=world.mall, agency=agency)
    for _round in range(5):
        dossier = make_dossier(world)
        tick_all_present(world, dossier)
        dossier_transition(actor=world.counter, dossier_id=dossier.pk, action="verify")
        dossier_transition(actor=world.bo, dossier_id=dossier.pk, action="process")
        codes = _race([world.client(world.bo), world.client(second_bo)], dossier.pk, "approve")
        assert codes == [200, 409]
        assert Dossier.objects.get(pk=dossier.pk).status == "approved"
        assert DossierEvent.objects.filter(dossier=dossier, action="approve").count() == 1
