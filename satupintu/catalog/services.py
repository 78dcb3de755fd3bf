"""Changes to the catalog. Each function runs in one transaction and records an audit entry."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from satupintu.catalog.models import (
    Channel,
    ClosureDay,
    Mall,
    OpeningHours,
    Service,
    ServiceRequirement,
)
from satupintu.catalog.schemas import ClosureDaySchema, MallPatch, ServicePatch
from satupintu.core.audit import audit_record, model_changes
from satupintu.core.errors import InvalidInput

_STANDARD_TEXT_FIELDS = [
    "fee_note",
    "fee_rule",
    "product",
    "complaint_handling",
    "legal_basis",
    "facilities",
    "staff_competence",
    "internal_supervision",
    "service_guarantee",
    "security_guarantee",
    "performance_evaluation",
]


@transaction.atomic
def mall_update(*, actor: Any, mall: Mall, data: MallPatch, request: Any = None) -> Mall:
    mall = Mall.objects.select_for_update().get(pk=mall.pk)
    changes: dict[str, Any] = {}
    simple_fields = [f for f in ("name", "address", "phone") if f in data.model_fields_set]
    before = {f: getattr(mall, f) for f in simple_fields}
    for field in simple_fields:
        value = getattr(data, field)
        if value is None:
            raise InvalidInput(f"{field} must not be null", field=field)
        setattr(mall, field, value)
    changes.update(model_changes(mall, simple_fields, before))
    mall.save()

    if data.opening_hours is not None:
        old = [str(h) for h in mall.opening_hours.all()]
        mall.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(mall=mall, weekday=row.weekday, opens=row.opens, closes=row.closes)
            for row in data.opening_hours
        )
        changes["opening_hours"] = [old, [str(h) for h in mall.opening_hours.all()]]

    if data.closure_days is not None:
        rows: dict[date, str] = {}
        for item in data.closure_days:
            if isinstance(item, ClosureDaySchema):
                rows[item.date] = item.reason
            else:
                rows[item] = ""
        old_days = sorted(str(d) for d in mall.closure_days.values_list("date", flat=True))
        mall.closure_days.all().delete()
        ClosureDay.objects.bulk_create(
            ClosureDay(mall=mall, date=day, reason=reason) for day, reason in sorted(rows.items())
        )
        changes["closure_days"] = [old_days, sorted(str(d) for d in rows)]

    audit_record(
        actor=actor, action="update", obj=mall, mall_id=mall.pk, changes=changes, request=request
    )
    return mall


@transaction.atomic
def service_update(
    *, actor: Any, service: Service, data: ServicePatch, request: Any = None
) -> Service:
    service = Service.objects.select_for_update().get(pk=service.pk)
    tracked = [
        "name",
        "description",
        "is_active",
        *Service.CHANNEL_FIELDS.values(),
        *Service.QUOTA_FIELDS.values(),
        "procedure",
        "duration_value",
        "duration_unit",
        "fee",
        "staff_count",
        *_STANDARD_TEXT_FIELDS,
    ]
    before = {f: getattr(service, f) for f in tracked}

    for field in ("name", "description", "is_active"):
        if field in data.model_fields_set:
            value = getattr(data, field)
            if value is None:
                raise InvalidInput(f"{field} must not be null", field=field)
            setattr(service, field, value)

    if data.channels is not None:
        for channel, field in Service.CHANNEL_FIELDS.items():
            setattr(service, field, channel in data.channels)

    if data.daily_quota is not None:
        for name in data.daily_quota.model_fields_set:
            setattr(service, Service.QUOTA_FIELDS[Channel(name)], getattr(data.daily_quota, name))

    requirement_changes = None
    if data.standard is not None:
        standard = data.standard
        for field in ["procedure", "fee", "staff_count", *_STANDARD_TEXT_FIELDS]:
            if field in standard.model_fields_set:
                value = getattr(standard, field)
                if value is None:
                    raise InvalidInput(
                        f"standard.{field} must not be null", field=f"standard.{field}"
                    )
                setattr(service, field, value)
        if standard.duration is not None:
            service.duration_value = standard.duration.value
            service.duration_unit = standard.duration.unit
        if standard.requirements is not None:
            requirement_changes = _replace_requirements(service, standard)

    service.full_clean(exclude=["mall", "agency"])
    service.save()
    changes = model_changes(service, tracked, before)
    if requirement_changes is not None:
        changes["requirements"] = requirement_changes
    audit_record(actor=actor, action="update", obj=service, changes=changes, request=request)
    return service


def _replace_requirements(service: Service, standard: Any) -> list[list[str]]:
    existing = {r.pk: r for r in service.requirements.all()}
    old_names = [r.name for r in existing.values()]
    keep: set[int] = set()
    for position, item in enumerate(standard.requirements):
        if item.id is not None:
            requirement = existing.get(item.id)
            if requirement is None:
                raise InvalidInput(
                    f"Requirement {item.id} does not belong to this service",
                    field=f"standard.requirements.{position}.id",
                )
            keep.add(requirement.pk)
        else:
            requirement = ServiceRequirement(service=service)
        requirement.position = position
        requirement.name = item.name
        requirement.document = item.document
        requirement.mandatory = item.mandatory
        requirement.note = item.note
        requirement.key = item.key
        requirement.accepted_types = ",".join(item.accepted_types)
        requirement.max_size_kb = item.max_size_kb
        requirement.save()
    ServiceRequirement.objects.filter(pk__in=set(existing) - keep).delete()
    return [old_names, [item.name for item in standard.requirements]]
