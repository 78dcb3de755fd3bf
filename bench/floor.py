"""The web stack's floor: the smallest useful Django + django-ninja endpoint, one
`UPDATE ... RETURNING` (in autocommit: one round trip to the database), served by the same
server, settings, middleware and worker count as the product. What the product's full cycle
costs beyond this is the product's own work.

Each client updates its own row of `bench_floor` (created by the benchmark), so that the floor
measures the web stack and not one row lock shared by every client."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest
from ninja import NinjaAPI

floor_api = NinjaAPI(title="bench floor", urls_namespace="bench-floor", docs_url=None)

FLOOR_TABLE = "bench_floor"


@floor_api.post("/floor/{slot}", auth=None)
def floor(request: HttpRequest, slot: int) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {FLOOR_TABLE} SET hits = hits + 1 WHERE slot = %s RETURNING hits", [slot]
        )
        row = cursor.fetchone()
    return {"slot": slot, "hits": row[0] if row else None}
