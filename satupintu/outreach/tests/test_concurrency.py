"""Exactly-once guarantees of scheduling, proven with real threads on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from satupintu.core.errors import Conflict
from satupintu.outreach import services
from satupintu.outreach.models import OutreachRequest, Visit
from satupintu.outreach.tests.factories import make_request, outreach_setup, plan


def _race(jobs: list[Any]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(job: Any) -> None:
        try:
            barrier.wait()
            results.append(job())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_vehicle_booked_at_the_same_time_by_two_schedulers_once() -> None:
    env = outreach_setup()
    mall = env["mall"]
    first = make_request(mall, [env["ktp"].pk])
    second = make_request(mall, [env["ktp"].pk], kecamatan="Jetis", kelurahan="Bumijo")
    for item in (first, second):
        services.outreach_request_triage(
            actor=env["officer"], outreach_request=item, priority="normal"
        )
    day = mall.today() + timedelta(days=1)

    def book(item: OutreachRequest, officer: Any) -> Any:
        def job() -> Visit:
            fresh = OutreachRequest.objects.select_related("mall").get(pk=item.pk)
            return services.visit_schedule(
                actor=officer,
                outreach_request=fresh,
                plan=plan(day, [officer.pk], vehicle_id=env["vehicle"].pk),
            )

        return job

    results, errors = _race([book(first, env["officer"]), book(second, env["officer2"])])
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], Conflict)
    assert Visit.objects.filter(vehicle=env["vehicle"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_request_scheduled_twice_at_once_gets_one_visit() -> None:
    env = outreach_setup()
    mall = env["mall"]
    item = make_request(mall, [env["ktp"].pk])
    services.outreach_request_triage(actor=env["officer"], outreach_request=item, priority="normal")
    day = mall.today() + timedelta(days=1)

    def job(officer: Any, hour_offset: int) -> Any:
        def run() -> Visit:
            fresh = OutreachRequest.objects.select_related("mall").get(pk=item.pk)
            p = plan(day, [officer.pk])
            return services.visit_schedule(
                actor=officer,
                outreach_request=fresh,
                plan=services.VisitPlan(
                    date=p.date,
                    window_start=p.window_start.replace(hour=8 + hour_offset),
                    window_end=p.window_end.replace(hour=9 + hour_offset + 1),
                    team_ids=p.team_ids,
                ),
            )

        return run

    results, errors = _race([job(env["officer"], 0), job(env["officer2"], 3)])
    assert len(results) == 1
    assert [type(e) for e in errors] == [Conflict]
    assert Visit.objects.filter(request=item).count() == 1
    assert item.events.filter(to_status="scheduled").count() == 1
