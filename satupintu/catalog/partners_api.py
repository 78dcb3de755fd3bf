"""JSON API of partner agencies and their MOUs: /api/v1/partnerships."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from satupintu.catalog import partners
from satupintu.catalog.models import Partnership
from satupintu.catalog.selectors import mall_get
from satupintu.core.schemas import Id, InputSchema, Slug, Text, paginated

router = Router(tags=["partners"])


class PartnershipEventOut(Schema):
    at: datetime
    actor: str | None
    action: str
    from_status: str
    to_status: str
    note: str


class PartnershipOut(Schema):
    id: int
    mall: str
    agency_id: int
    agency_name: str
    status: str
    mou_number: str
    signed_on: date | None
    starts_on: date | None
    ends_on: date | None
    days_left: int | None
    expiring_soon: bool
    document_url: str | None
    allowed_transitions: list[str]
    history: list[PartnershipEventOut]


class TransitionIn(InputSchema):
    to_status: Partnership.Status
    mou_number: Text | None = Field(default=None, max_length=100)
    signed_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    note: Text = Field(default="", max_length=2000)


class InviteIn(InputSchema):
    agency_id: Id
    note: Text = Field(default="", max_length=2000)


def partnership_out(p: Partnership, today: date | None = None) -> dict[str, Any]:
    today = today or p.mall.today()
    days_left = (p.ends_on - today).days if p.ends_on else None
    return {
        "id": p.pk,
        "mall": p.mall.slug,
        "agency_id": p.agency_id,
        "agency_name": p.agency.name,
        "status": p.status,
        "mou_number": p.mou_number,
        "signed_on": p.signed_on,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "days_left": days_left,
        "expiring_soon": p.status == Partnership.Status.ACTIVE
        and days_left is not None
        and 0 <= days_left <= partners.EXPIRING_SOON_DAYS,
        "document_url": f"/m/{p.mall.slug}/mitra/{p.pk}/mou.pdf" if p.document else None,
        "allowed_transitions": sorted(partners.ALLOWED_TRANSITIONS[p.status]),
        "history": [
            {
                "at": e.at,
                "actor": e.actor.get_username() if e.actor else None,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
            }
            for e in partners.partnership_events(p)
        ],
    }


class _MappedPage:
    """A queryset the paginator counts and slices, turning only the page's rows into dicts."""

    def __init__(self, qs: QuerySet[Partnership], today: date) -> None:
        self.qs = qs
        self.today = today

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [partnership_out(p, self.today) for p in self.qs[page]]


@router.get("/partnerships", response=list[PartnershipOut])
@paginated
def partnership_list(
    request: HttpRequest,
    mall: Slug,
    status: Partnership.Status | None = None,
) -> Any:
    """The partnerships of the mall (mall admin, supervisor or viewer of that mall), newest
    first per agency; `status` filters by lifecycle status."""
    the_mall = partners.access_partners_mall(user=request.user, mall=mall_get(slug=mall))
    qs = partners.partnership_list(mall=the_mall)
    if status:
        qs = qs.filter(status=status)
    return _MappedPage(qs, the_mall.today())


@router.post("/partnerships", response={201: PartnershipOut})
def partnership_invite(request: HttpRequest, payload: InviteIn) -> Status:
    """Invite an agency: its partnership starts as "invited" (mall admin)."""
    agency = partners.agency_for_invitation(user=request.user, agency_id=payload.agency_id)
    created = partners.partnership_invite(actor=request.user, agency=agency, note=payload.note)
    return Status(201, partnership_out(created))


@router.get("/partnerships/{partnership_id}", response=PartnershipOut)
def partnership_detail(request: HttpRequest, partnership_id: Id) -> Any:
    return partnership_out(
        partners.access_partnership(user=request.user, partnership_id=partnership_id)
    )


@router.post("/partnerships/{partnership_id}/transitions", response=PartnershipOut)
def partnership_transition(request: HttpRequest, partnership_id: Id, payload: TransitionIn) -> Any:
    """Move the partnership along its lifecycle (mall admin). 409 for a step not allowed."""
    found = partners.access_partnership_for_admin(user=request.user, partnership_id=partnership_id)
    updated = partners.partnership_transition(
        actor=request.user,
        partnership=found,
        to_status=payload.to_status,
        terms=partners.TransitionTerms(
            mou_number=payload.mou_number,
            signed_on=payload.signed_on,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
        ),
        note=payload.note,
    )
    return partnership_out(updated)


@router.post("/partnerships/{partnership_id}/document", response=PartnershipOut)
def partnership_document(
    request: HttpRequest,
    partnership_id: Id,
    file: UploadedFile = File(...),  # noqa: B008
) -> Any:
    """Upload the signed MOU (PDF, checked by its content; at most 10 MB)."""
    found = partners.access_partnership_for_admin(user=request.user, partnership_id=partnership_id)
    return partnership_out(
        partners.partnership_document_upload(actor=request.user, partnership=found, upload=file)
    )
