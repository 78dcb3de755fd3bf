from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from satupintu.catalog.models import Service
from satupintu.feedback.models import Survey
from satupintu.feedback.unsur import UNSUR_CODES

PROFILE = {"gender": "female", "age": 34, "education": "d4_s1", "occupation": "swasta"}


def answers(value: int = 4, **overrides: int) -> dict[str, int]:
    result = dict.fromkeys(UNSUR_CODES, value)
    result.update(overrides)
    return result


def survey_payload(service: Service, **extra: Any) -> dict[str, Any]:
    return {"service_id": service.pk, "answers": answers(), "respondent": dict(PROFILE), **extra}


def surveys_with_total(
    service: Service, *, respondents: int, total: int, at: datetime | None = None
) -> list[Survey]:
    """`respondents` surveys whose 9 x respondents scores add up to `total`: start every answer
    at 1 and raise answers one point at a time, round-robin."""
    if not 9 * respondents <= total <= 36 * respondents:
        raise ValueError("total out of reach")
    grid = [[1] * 9 for _ in range(respondents)]
    extra = total - 9 * respondents
    cell = 0
    while extra:
        row, col = divmod(cell % (9 * respondents), 9)
        if grid[row][col] < 4:
            grid[row][col] += 1
            extra -= 1
        cell += 1
    rows = [
        Survey(
            mall_id=service.mall_id,
            agency_id=service.agency_id,
            service=service,
            **dict(zip(UNSUR_CODES, scores, strict=True)),
            **PROFILE,
            **({"submitted_at": at} if at else {}),
        )
        for scores in grid
    ]
    return Survey.objects.bulk_create(rows)


def random_survey_rows(service: Service, n: int, seed: int = 1) -> list[Survey]:
    rng = random.Random(seed)
    return Survey.objects.bulk_create(
        Survey(
            mall_id=service.mall_id,
            agency_id=service.agency_id,
            service=service,
            **{code: rng.randint(1, 4) for code in UNSUR_CODES},
            **PROFILE,
        )
        for _ in range(n)
    )
