"""Citizen accounts in the JSON API (API.md, "Citizen accounts"): sign-in by a one-time code,
the profile, "my services", claiming earlier applications, the queue from home, and the staff
side (does a dossier's owner have an account; send them a message).

A citizen's token or session works everywhere else too, but sees only what is theirs: their
dossiers' `result.pdf`, uploads and `resubmit` (the dossiers API checks the applicant), and a
404 for anything else."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from satupintu.accounts.auth import anonymous_only
from satupintu.citizens import remote, selectors, services
from satupintu.citizens.schemas import (
    CheckInIn,
    CitizenTokenOut,
    ClaimedOut,
    ClaimIn,
    ClaimVerifyIn,
    CodeRequestIn,
    CodeSentOut,
    CodeVerifyIn,
    MyAppointmentOut,
    MyComplaintOut,
    MyDossierOut,
    MySurveyOut,
    MyTicketOut,
    OwnerMessageIn,
    OwnerOut,
    ProfileIn,
    ProfileOut,
    RescheduleIn,
)
from satupintu.citizens.services import profile_of
from satupintu.core.schemas import ErrorOut, Id, paginated
from satupintu.queueing import services as queue_services

router = Router(tags=["citizens"])

# Per client address; the per-address (phone, e-mail) limits are in the services.
CODE_AUTH = anonymous_only("citizen-code", rate="10/10m")
VERIFY_AUTH = anonymous_only("citizen-code-verify", rate="30/10m")


@router.post("/auth/code", response={202: CodeSentOut}, auth=CODE_AUTH)
def code_request(request: HttpRequest, payload: CodeRequestIn) -> Status:
    """Send a sign-in code to the e-mail address or phone (WhatsApp/SMS), whether or not an
    account exists: the account is made at the first sign-in. 429 when this address asked too
    often."""
    services.sign_in_code_request(
        email=payload.email, phone=payload.phone, request=request, via="api"
    )
    return Status(202, {"detail": _("If the address can receive it, a code is on its way.")})


@router.post("/auth/code/verify", response={200: CitizenTokenOut, 401: ErrorOut}, auth=VERIFY_AUTH)
def code_verify(request: HttpRequest, payload: CodeVerifyIn) -> dict[str, Any]:
    """Exchange the code for a bearer token that expires. 401 for a wrong or expired code;
    after a few wrong tries the code is dead."""
    user = services.sign_in_code_verify(
        email=payload.email, phone=payload.phone, code=payload.code, request=request, via="api"
    )
    token, expires_at = services.citizen_token_issue(user=user, request=request)
    return {"token": token, "expires_at": expires_at}


@router.get("/me", response=ProfileOut)
def me(request: HttpRequest) -> dict[str, Any]:
    """The signed-in citizen's profile (404 for staff and device accounts)."""
    profile = profile_of(request.user)
    services.profile_nik_prove(user=request.user)
    profile.refresh_from_db()
    return selectors.profile_dict(profile)


@router.patch("/me", response=ProfileOut)
def me_update(request: HttpRequest, payload: ProfileIn) -> dict[str, Any]:
    profile = services.profile_update(user=request.user, full_name=payload.full_name)
    return selectors.profile_dict(profile)


@router.get("/me/tickets", response=list[MyTicketOut])
@paginated
def my_tickets(request: HttpRequest) -> list[dict[str, Any]]:
    """Today's tickets, with live position; remote ones with the arrival time and check-in."""
    return selectors.my_tickets(profile_of(request.user))


@router.post("/me/tickets/{ticket_id}/give-up", response=MyTicketOut)
def my_ticket_give_up(request: HttpRequest, ticket_id: Id) -> dict[str, Any]:
    """Give up the place of a remote ticket from the phone."""
    profile = profile_of(request.user)
    mine = remote.remote_ticket_of_ticket(user=profile.user, ticket_id=ticket_id)
    remote.remote_ticket_give_up(user=profile.user, remote_id=mine.pk)
    return _my_ticket(profile, ticket_id)


def _my_ticket(profile: Any, ticket_id: int) -> dict[str, Any]:
    return next(t for t in selectors.my_tickets(profile) if t["id"] == ticket_id)


@router.get("/me/appointments", response=list[MyAppointmentOut])
@paginated
def my_appointments(request: HttpRequest) -> list[dict[str, Any]]:
    return selectors.my_appointments(profile_of(request.user))


@router.post("/me/appointments/{appointment_id}/cancel", response=MyAppointmentOut)
def my_appointment_cancel(request: HttpRequest, appointment_id: Id) -> dict[str, Any]:
    profile = profile_of(request.user)
    appointment = selectors.my_appointment(profile, appointment_id)
    queue_services.appointment_cancel(appointment=appointment, actor=request.user)
    return _appointment(profile, appointment_id)


@router.post("/me/appointments/{appointment_id}/reschedule", response={201: MyAppointmentOut})
def my_appointment_reschedule(
    request: HttpRequest, appointment_id: Id, payload: RescheduleIn
) -> Status:
    """Move the booking to another slot: the new booking is made and the old one cancelled in
    one step (409 when the new slot cannot be booked; then nothing changed)."""
    profile = profile_of(request.user)
    appointment = selectors.my_appointment(profile, appointment_id)
    new = services.appointment_reschedule(
        appointment=appointment, day=payload.date, slot=payload.slot, actor=request.user
    )
    return Status(201, _appointment(profile, new.pk))


def _appointment(profile: Any, appointment_id: int) -> dict[str, Any]:
    return next(a for a in selectors.my_appointments(profile) if a["id"] == appointment_id)


@router.get("/me/dossiers", response=list[MyDossierOut])
@paginated
def my_dossiers(request: HttpRequest) -> list[dict[str, Any]]:
    """My applications with status, deadlines, documents asked again, and results."""
    return selectors.my_dossiers(profile_of(request.user))


@router.get("/me/complaints", response=list[MyComplaintOut])
@paginated
def my_complaints(request: HttpRequest) -> list[dict[str, Any]]:
    return selectors.my_complaints(profile_of(request.user))


@router.get("/me/surveys", response=list[MySurveyOut])
@paginated
def my_surveys(request: HttpRequest) -> list[dict[str, Any]]:
    """Finished services of mine I have not rated yet."""
    return selectors.my_open_surveys(profile_of(request.user))


@router.post("/me/claim", response={202: CodeSentOut})
def claim(request: HttpRequest, payload: ClaimIn) -> Status:
    """Send a code to the phone or e-mail given in that application. The same answer whether
    the tracking code exists or not."""
    services.claim_request(user=request.user, tracking_code=payload.tracking_code, request=request)
    return Status(
        202,
        {"detail": _("If the application has a phone or e-mail, a code was sent to it.")},
    )


@router.post("/me/claim/verify", response={200: ClaimedOut, 401: ErrorOut})
def claim_verify(request: HttpRequest, payload: ClaimVerifyIn) -> dict[str, Any]:
    dossier = services.claim_verify(
        user=request.user, tracking_code=payload.tracking_code, code=payload.code, request=request
    )
    return {"dossier_id": dossier.pk, "tracking_code": dossier.tracking_code}


@router.post("/remote-tickets/check-in", response=MyTicketOut)
def remote_check_in(request: HttpRequest, payload: CheckInIn) -> dict[str, Any]:
    """The holder of a remote ticket arrived (kiosk scanning the QR code, or the counter)."""
    checked = remote.remote_ticket_check_in(actor=request.user, code=payload.code)
    return remote.remote_ticket_dict(checked)


@router.get("/dossiers/{dossier_id}/owner", response=OwnerOut)
def dossier_owner(request: HttpRequest, dossier_id: Id) -> dict[str, Any]:
    """Staff who may see the dossier: does its applicant have an account?"""
    return services.dossier_owner_status(actor=request.user, dossier_id=dossier_id)


@router.post("/dossiers/{dossier_id}/owner/message", response=OwnerOut)
def dossier_owner_message(
    request: HttpRequest, dossier_id: Id, payload: OwnerMessageIn
) -> dict[str, Any]:
    """Send the applicant a message through their account's phone and e-mail (409 when the
    applicant has no account)."""
    return services.dossier_owner_message(
        actor=request.user, dossier_id=dossier_id, text=payload.text, request=request
    )
