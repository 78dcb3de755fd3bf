"""`python -m bench.seed COUNTERS FLOOR_SLOTS`: the bench mall (see `support.seed_queue_rows`)
and the floor endpoint's table in DATABASE_URL, whatever its engine; prints the seed as JSON on
its last line. Run in a subprocess by the queue benchmark, so that one benchmark process can
prepare databases of both engines."""

from __future__ import annotations

import json
import logging
import os
import sys


def main(counters: int, floor_slots: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.db import connection, transaction

    from bench.floor import FLOOR_TABLE
    from bench.support import seed_queue_rows

    seed = seed_queue_rows(counters=counters)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} (slot integer PRIMARY KEY, hits bigint)")
        for slot in range(floor_slots):
            cursor.execute(f"INSERT INTO {FLOOR_TABLE} (slot, hits) VALUES (%s, 0)", [slot])
    print(json.dumps(seed))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
