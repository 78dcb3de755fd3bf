"""Every change of the citizen's account: one-time codes (sign-in and claims), the account and
its profile, claiming earlier applications, and staff messages to a dossier's owner.

Codes: six digits, kept only as an HMAC keyed per purpose (SECRET_KEY-derived) over the hashed
address and the code; they expire after CITIZEN_CODE_MINUTES, die after
CITIZEN_CODE_MAX_ATTEMPTS wrong tries or their first use, and a new code voids the earlier ones.
Asking for codes is limited per address (CITIZEN_CODE_RATE) besides the per-client limit of the
endpoint. Nothing the caller sees depends on whether an account exists: the account is created
at the first sign-in, and a wrong, expired or dead code all answer the same."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as django_login
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage, is_ratelimited

from satupintu.accounts.services import api_token_issue
from satupintu.citizens.messaging import send_on_commit
from satupintu.citizens.models import Channel, CitizenProfile, OneTimeCode, SignInEvent
from satupintu.core.audit import audit_record
from satupintu.core.client_address import client_ip
from satupintu.core.errors import Conflict, DomainError, InvalidInput, NotFound, RateLimited
from satupintu.core.notify import mask_email, mask_phone
from satupintu.core.signing import HmacSigner
from satupintu.core.validators import validate_phone
from satupintu.dossiers.codes import tracking_code_normalise
from satupintu.dossiers.models import Dossier
from satupintu.dossiers.selectors import access_dossier, is_staff_for

User = get_user_model()
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


class WrongCode(DomainError):
    """A wrong, expired, used or dead code: one answer for all (401)."""

    status_code = 401


def _wrong_code() -> WrongCode:
    return WrongCode(
        _("The code is wrong or no longer valid. Ask for a new code."),
        field="code",
        code="wrong_code",
    )


# --- addresses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    channel: str
    value: str  # normalised: lower-case e-mail, or E.164 phone

    @property
    def masked(self) -> str:
        return mask_email(self.value) if self.channel == Channel.EMAIL else mask_phone(self.value)

    @property
    def hash(self) -> str:
        return HmacSigner.for_purpose("citizens.destination").sign(f"{self.channel}:{self.value}")


def destination_parse(*, email: str | None = None, phone: str | None = None) -> Destination:
    """Exactly one of an e-mail address and a phone number, normalised; 422 naming the field."""
    email = (email or "").strip()
    phone = (phone or "").strip()
    if bool(email) == bool(phone):
        raise InvalidInput(
            _("Give either an e-mail address or a phone number."), field="email", code="required"
        )
    if phone:
        try:
            return Destination(Channel.PHONE, validate_phone(phone))
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], field="phone", code="phone") from exc
    from django.core.validators import validate_email

    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(
            _("'%(value)s' is not an e-mail address.") % {"value": email[:80]},
            field="email",
            code="email",
        ) from exc
    local, _at, domain = email.rpartition("@")
    return Destination(Channel.EMAIL, f"{local}@{domain.lower()}")


def _log(
    kind: str,
    *,
    request: HttpRequest | None,
    via: str,
    destination: Destination | None = None,
    user: Any = None,
) -> None:
    SignInEvent.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        channel=destination.channel if destination else "",
        destination_masked=destination.masked if destination else "",
        via=via,
        client_ip=client_ip(request) if request is not None else None,
    )


def _limit_per_key(request: HttpRequest | None, group: str, key: str, rate: str) -> int | None:
    """Count one call for `key` (an address hash, a dossier); the seconds to wait when full."""
    if not settings.RATELIMIT_ENABLE:
        return None
    usage = get_usage(
        request,
        group=f"satupintu.citizens.{group}",
        key=lambda _group, _request: key,
        rate=rate,
        method=is_ratelimited.ALL,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        return max(1, int(usage["time_left"]))
    return None


# --- codes ------------------------------------------------------------------------------------


def _code_hash(destination_hash: str, code: str) -> str:
    return HmacSigner.for_purpose("citizens.code").sign(f"{destination_hash}:{code}")


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _issue_code(
    *,
    purpose: str,
    channel: str,
    destination_hash: str,
    destination_masked: str,
    dossier: Dossier | None = None,
    requested_by: Any = None,
) -> str:
    now = timezone.now()
    OneTimeCode.objects.filter(
        purpose=purpose,
        destination_hash=destination_hash,
        used_at__isnull=True,
        voided_at__isnull=True,
    ).update(voided_at=now)
    code = _new_code()
    OneTimeCode.objects.create(
        purpose=purpose,
        channel=channel,
        destination_hash=destination_hash,
        destination_masked=destination_masked,
        code_hash=_code_hash(destination_hash, code),
        dossier=dossier,
        requested_by=requested_by,
        expires_at=now + timedelta(minutes=settings.CITIZEN_CODE_MINUTES),
    )
    return code


def _check_code(
    *, purpose: str, destination_hash: str, code: str, requested_by: Any = None
) -> tuple[OneTimeCode | None, str]:
    """Try `code` against the live code for the address; (the code row, outcome kind). Commits
    the counted try even when the code is wrong (the caller raises afterwards)."""
    now = timezone.now()
    code = "".join(ch for ch in (code or "") if not ch.isspace())
    with transaction.atomic():
        filters = Q(
            purpose=purpose,
            destination_hash=destination_hash,
            used_at__isnull=True,
            voided_at__isnull=True,
            expires_at__gt=now,
        )
        if requested_by is not None:
            filters &= Q(requested_by=requested_by)
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(filters)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            return None, SignInEvent.Kind.NO_LIVE_CODE
        expected = _code_hash(destination_hash, code)
        if secrets.compare_digest(expected, row.code_hash):
            row.used_at = now
            row.save(update_fields=["used_at"])
            return row, SignInEvent.Kind.SIGNED_IN
        row.attempts += 1
        fields = ["attempts"]
        kind = SignInEvent.Kind.WRONG_CODE
        if row.attempts >= settings.CITIZEN_CODE_MAX_ATTEMPTS:
            row.voided_at = now
            fields.append("voided_at")
            kind = SignInEvent.Kind.CODE_DEAD
        row.save(update_fields=fields)
        return None, kind


def sign_in_code_request(
    *,
    email: str | None = None,
    phone: str | None = None,
    request: HttpRequest | None = None,
    via: str = "api",
) -> Destination:
    """Send a sign-in code to the address, whether or not an account has it (the account is
    made at the first sign-in). 429 when this address asked too often."""
    destination = destination_parse(email=email, phone=phone)
    wait = _limit_per_key(request, "code-address", destination.hash, settings.CITIZEN_CODE_RATE)
    if wait is not None:
        _log(SignInEvent.Kind.RATE_LIMITED, request=request, via=via, destination=destination)
        raise RateLimited(
            _("Too many codes were asked for this address. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, (wait + 59) // 60)},
            retry_after=wait,
        )
    with transaction.atomic():
        code = _issue_code(
            purpose=OneTimeCode.Purpose.SIGN_IN,
            channel=destination.channel,
            destination_hash=destination.hash,
            destination_masked=destination.masked,
        )
        minutes = settings.CITIZEN_CODE_MINUTES
        text = _(
            "Your Satu Pintu sign-in code is %(code)s. It is valid for %(minutes)d minutes. "
            "Never give it to anyone, not even to an officer."
        ) % {"code": code, "minutes": minutes}
        send_on_commit(
            email=destination.value if destination.channel == Channel.EMAIL else "",
            phone=destination.value if destination.channel == Channel.PHONE else "",
            subject=_("Your sign-in code"),
            body=text,
            reference="sign-in",
        )
        _log(SignInEvent.Kind.CODE_SENT, request=request, via=via, destination=destination)
    return destination


def _account_for(destination: Destination) -> Any:
    """The account of this address, made at its first sign-in."""
    field = "phone" if destination.channel == Channel.PHONE else "email"
    profile = (
        CitizenProfile.objects.select_related("user").filter(**{field: destination.value}).first()
    )
    if profile is not None:
        return profile.user
    try:
        with transaction.atomic():
            user = User(username=f"warga-{secrets.token_hex(8)}", is_staff=False)
            if destination.channel == Channel.EMAIL:
                user.email = destination.value
            user.set_unusable_password()
            user.save()
            CitizenProfile.objects.create(user=user, **{field: destination.value})
            return user
    except IntegrityError:
        # Two first sign-ins of one address at once: the other one made the account.
        return CitizenProfile.objects.get(**{field: destination.value}).user


def sign_in_code_verify(
    *,
    code: str,
    email: str | None = None,
    phone: str | None = None,
    request: HttpRequest | None = None,
    via: str = "api",
) -> Any:
    """The account of the address once the code is right (made now if it is the first time);
    401 for a wrong, expired, used or dead code, with the try counted."""
    destination = destination_parse(email=email, phone=phone)
    row, kind = _check_code(
        purpose=OneTimeCode.Purpose.SIGN_IN, destination_hash=destination.hash, code=code
    )
    if row is None:
        _log(kind, request=request, via=via, destination=destination)
        raise _wrong_code()
    user = _account_for(destination)
    if not user.is_active:
        _log(SignInEvent.Kind.NO_LIVE_CODE, request=request, via=via, destination=destination)
        raise _wrong_code()
    _log(SignInEvent.Kind.SIGNED_IN, request=request, via=via, destination=destination, user=user)
    return user


def citizen_token_issue(*, user: Any, request: HttpRequest | None = None) -> tuple[str, datetime]:
    """A bearer token for the citizen's app, expiring after CITIZEN_TOKEN_HOURS."""
    expires_at = timezone.now() + timedelta(hours=settings.CITIZEN_TOKEN_HOURS)
    token = api_token_issue(
        user=user, name="citizen sign-in", expires_at=expires_at, request=request
    )
    if request is not None:
        user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token, expires_at


def citizen_session_start(*, request: HttpRequest, user: Any) -> None:
    """Sign the browser in (a new session key: nothing of the anonymous session is trusted)."""
    django_login(request, user, backend=SESSION_BACKEND)


# --- the profile ------------------------------------------------------------------------------


def profile_of(user: Any) -> CitizenProfile:
    """The citizen profile of a signed-in account; 404 for staff, devices and anonymous."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("No citizen account."))
    profile = CitizenProfile.objects.filter(user=user).first()
    if profile is None:
        raise NotFound(_("No citizen account."))
    return profile


@transaction.atomic
def profile_update(*, user: Any, full_name: str) -> CitizenProfile:
    profile = profile_of(user)
    name = " ".join((full_name or "").split())
    if len(name) > 150:
        raise InvalidInput(_("Name is longer than 150 characters."), field="full_name")
    user.full_name = name
    user.save(update_fields=["full_name"])
    return profile


def _officer_verified(dossier: Dossier) -> bool:
    """An officer checked the applicant's papers: the SLA clock started at `verify`, or a
    result was issued."""
    return dossier.sla_started_on is not None or hasattr(dossier, "result")


def profile_nik_prove(*, user: Any) -> bool:
    """Take the NIK of the account's earliest dossier that an officer verified, if the profile
    has none yet. Typing a NIK proves nothing; only this does. True when it changed."""
    profile = profile_of(user)
    if profile.nik_hash:
        return False
    candidates = (
        Dossier.objects.filter(applicant_user=user, applicant_kind=Dossier.ApplicantKind.PERSON)
        .exclude(applicant_nik_hash="")
        .order_by("submitted_at", "id")
    )
    for dossier in candidates:
        if _officer_verified(dossier):
            CitizenProfile.objects.filter(pk=profile.pk, nik_hash="").update(
                nik_encrypted=dossier.applicant_nik_encrypted,
                nik_hash=dossier.applicant_nik_hash,
                nik_masked=dossier.applicant_nik_masked,
                nik_proven_by=dossier,
                nik_proven_at=timezone.now(),
            )
            return True
    return False


# --- claiming an earlier application ---------------------------------------------------------


def _claim_key(dossier_id: int) -> str:
    return f"dossier:{dossier_id}"


def _find_claimable(tracking_code: str) -> Dossier | None:
    try:
        code = tracking_code_normalise(tracking_code)
    except DomainError:
        return None
    dossier = Dossier.objects.filter(tracking_code=code).select_related("mall").first()
    if dossier is not None and dossier.parent_id is not None:
        dossier = Dossier.objects.select_related("mall").get(pk=dossier.parent_id)
    return dossier


def claim_request(
    *, user: Any, tracking_code: str, request: HttpRequest | None = None, via: str = "api"
) -> None:
    """Send a code to the phone and e-mail given in that application. The answer is the same
    whether the code exists, belongs to someone else or has no contact: nothing is revealed,
    nothing is sent to the caller."""
    profile_of(user)
    if not (tracking_code or "").strip():
        raise InvalidInput(_("Enter the tracking code."), field="tracking_code", code="required")
    dossier = _find_claimable(tracking_code)
    key = _claim_key(dossier.pk) if dossier else f"unknown:{tracking_code.strip().upper()[:40]}"
    wait = _limit_per_key(request, "claim", f"{user.pk}:{key}", settings.CITIZEN_CODE_RATE)
    wait = wait or _limit_per_key(request, "claim-user", str(user.pk), settings.CITIZEN_CLAIM_RATE)
    if wait is not None:
        _log(SignInEvent.Kind.RATE_LIMITED, request=request, via=via, user=user)
        raise RateLimited(
            _("Too many codes were asked. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, (wait + 59) // 60)},
            retry_after=wait,
        )
    usable = (
        dossier is not None
        and dossier.applicant_user_id in (None, user.pk)
        and bool(dossier.applicant_phone or dossier.applicant_email)
    )
    if not usable:
        _log(SignInEvent.Kind.CLAIM_REFUSED, request=request, via=via, user=user)
        return
    assert dossier is not None
    with transaction.atomic():
        code = _issue_code(
            purpose=OneTimeCode.Purpose.CLAIM,
            channel=Channel.PHONE if dossier.applicant_phone else Channel.EMAIL,
            destination_hash=_claim_key(dossier.pk),
            destination_masked=dossier.tracking_code,
            dossier=dossier,
            requested_by=user,
        )
        text = _(
            "Someone asked to add application %(tracking)s to a Satu Pintu account. If it was "
            "you, the code is %(code)s (valid %(minutes)d minutes). If not, ignore this message."
        ) % {
            "tracking": dossier.tracking_code,
            "code": code,
            "minutes": settings.CITIZEN_CODE_MINUTES,
        }
        send_on_commit(
            email=dossier.applicant_email,
            phone=dossier.applicant_phone,
            subject=_("Code to add your application to your account"),
            body=text,
            reference=dossier.tracking_code,
            name=dossier.applicant_name,
            mall_name=dossier.mall.name,
        )
        _log(SignInEvent.Kind.CLAIM_SENT, request=request, via=via, user=user)


def claim_verify(
    *,
    user: Any,
    tracking_code: str,
    code: str,
    request: HttpRequest | None = None,
    via: str = "api",
) -> Dossier:
    """Attach the application (a bundle with all its services) to the account once the code
    sent to its contact is right. 401 for a wrong or dead code, as for sign-in."""
    profile_of(user)
    dossier = _find_claimable(tracking_code)
    if dossier is None:
        _log(SignInEvent.Kind.CLAIM_REFUSED, request=request, via=via, user=user)
        raise _wrong_code()
    row, _kind = _check_code(
        purpose=OneTimeCode.Purpose.CLAIM,
        destination_hash=_claim_key(dossier.pk),
        code=code,
        requested_by=user,
    )
    if row is None:
        _log(SignInEvent.Kind.CLAIM_REFUSED, request=request, via=via, user=user)
        raise _wrong_code()
    with transaction.atomic():
        family = Dossier.objects.select_for_update().filter(
            Q(pk=dossier.pk) | Q(parent_id=dossier.pk)
        )
        rows = list(family)
        if any(d.applicant_user_id not in (None, user.pk) for d in rows):
            _log(SignInEvent.Kind.CLAIM_REFUSED, request=request, via=via, user=user)
            raise _wrong_code()
        Dossier.objects.filter(pk__in=[d.pk for d in rows]).update(applicant_user=user)
        audit_record(
            actor=user,
            action="claim",
            obj=dossier,
            mall_id=dossier.mall_id,
            summary=f"application {dossier.tracking_code} attached to a citizen account",
            request=request,
        )
        _log(SignInEvent.Kind.CLAIMED, request=request, via=via, user=user)
        profile_nik_prove(user=user)
    dossier.refresh_from_db()
    return dossier


# --- staff: a dossier's owner ----------------------------------------------------------------


def _staff_dossier(actor: Any, dossier_id: int) -> Dossier:
    dossier = access_dossier(actor, dossier_id)
    if not is_staff_for(actor, dossier):
        raise NotFound(f"No dossier with id {dossier_id}")
    return dossier


def dossier_owner_status(*, actor: Any, dossier_id: int) -> dict[str, Any]:
    """Whether the dossier's applicant has an account, and how a message would reach them
    (for staff who may see the dossier; everyone else 404)."""
    dossier = _staff_dossier(actor, dossier_id)
    profile = (
        CitizenProfile.objects.filter(user_id=dossier.applicant_user_id).first()
        if dossier.applicant_user_id
        else None
    )
    channels = []
    if profile is not None:
        if profile.phone:
            channels.append("phone")
        if profile.email:
            channels.append("email")
    return {"dossier_id": dossier.pk, "has_account": profile is not None, "channels": channels}


@transaction.atomic
def dossier_owner_message(
    *, actor: Any, dossier_id: int, text: str, request: HttpRequest | None = None
) -> dict[str, Any]:
    """Send the owner of the dossier a message through the channels of their account."""
    dossier = _staff_dossier(actor, dossier_id)
    text = " ".join((text or "").split())
    if not text:
        raise InvalidInput(_("Write the message."), field="text", code="required")
    if len(text) > 1000:
        raise InvalidInput(_("The message is longer than 1000 characters."), field="text")
    profile = (
        CitizenProfile.objects.select_related("user")
        .filter(user_id=dossier.applicant_user_id)
        .first()
        if dossier.applicant_user_id
        else None
    )
    if profile is None or not profile.user.is_active:
        raise Conflict(_("The applicant has no account to send a message to."), code="no_account")
    agency = dossier.agency.name if dossier.agency_id and dossier.agency else dossier.mall.name
    send_on_commit(
        email=profile.email,
        phone=profile.phone,
        subject=_("A message about your application %(code)s") % {"code": dossier.tracking_code},
        body=f"{agency}: {text}",
        reference=dossier.tracking_code,
        name=profile.user.display_name(),
        mall_name=dossier.mall.name,
        link=f"{settings.PUBLIC_BASE_URL.rstrip('/')}/saya/",
    )
    audit_record(
        actor=actor,
        action="message",
        obj=dossier,
        mall_id=dossier.mall_id,
        summary=f"message sent to the applicant's account about {dossier.tracking_code}",
        request=request,
    )
    return dossier_owner_status(actor=actor, dossier_id=dossier_id)


# --- appointments -----------------------------------------------------------------------------


@transaction.atomic
def appointment_reschedule(*, appointment: Any, day: Any, slot: Any, actor: Any) -> Any:
    """Book the new slot and cancel the old booking in one transaction: when the new slot
    cannot be booked (409/422), the old booking stays as it was."""
    from satupintu.core.crypto import decrypt_personal
    from satupintu.queueing import services as queue_services

    nik = decrypt_personal(appointment.nik_encrypted, purpose="nik")
    queue_services.appointment_cancel(appointment=appointment, actor=actor)
    return queue_services.appointment_book(
        service=appointment.service,
        day=day,
        slot=slot,
        name=appointment.name,
        phone=appointment.phone,
        nik=nik,
        actor=actor,
    )
