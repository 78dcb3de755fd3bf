from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from satupintu.api import PUBLIC_AUTH
from satupintu.catalog.selectors import mall_get
from satupintu.queueing.models import Display

router = Router(tags=["queue"])


class DisplayOut(Schema):
    id: int
    name: str
    floor: int | None


@router.get("/displays", response=list[DisplayOut], auth=PUBLIC_AUTH)
@paginate(LimitOffsetPagination)
def displays_list(request: HttpRequest, mall: str) -> Any:
    displays = Display.objects.filter(mall=mall_get(slug=mall)).select_related("floor")
    return [
        {"id": d.pk, "name": d.name, "floor": d.floor.number if d.floor else None}
        for d in displays.order_by("name")
    ]
