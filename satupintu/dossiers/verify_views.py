"""The public verification page `/verify/<code>`: where the QR code on a result leads.

It says, in words and not by colour only, whether the code belongs to a genuine issued result
(with its public facts and the holder's name masked) and lets the visitor upload the PDF they
were given, to check its electronic signature and that it is the very file issued under the
code. Anonymous, rate limited, light enough for a cheap phone (no script needed)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from satupintu.core.errors import InvalidInput, NotFound
from satupintu.core.ratelimit import RateLimit, rate_limited
from satupintu.dossiers.verification import (
    VERIFICATION_CODE_RE,
    ResultStatus,
    normalise_verification_code,
    read_upload,
    result_public_facts,
    result_public_get,
    verification_check_upload,
)

# The same bucket as the verification API: a page and a script check documents alike.
VERIFY_LIMIT = RateLimit("verify")


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited(VERIFY_LIMIT, methods=["GET", "POST"])
def verify_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        result = result_public_get(code=code)
    except NotFound:
        return render(request, "dossiers/verify_not_found.html", status=404)

    context: dict[str, object] = {
        "facts": result_public_facts(result),
        "ResultStatus": ResultStatus,
        "check": None,
        "upload_error": None,
    }
    status = 200
    if request.method == "POST":
        try:
            data = read_upload(request.FILES.get("file"))
            context["check"] = verification_check_upload(data=data, code=result.verification_code)
        except InvalidInput as exc:
            context["upload_error"] = exc.message
            status = 422
    return render(request, "dossiers/verify.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited(VERIFY_LIMIT, methods=["GET", "POST"])
def verify_index(request: HttpRequest) -> HttpResponse:
    """Without a QR code: type the verification code printed on the document, or upload the PDF
    to find out whether it is a result issued here (matched by its checksum)."""
    context: dict[str, object] = {"check": None, "upload_error": None, "code_error": None}
    status = 200
    code = request.GET.get("code", "").strip()
    if code:
        normalised = normalise_verification_code(code).replace(" ", "")
        if not VERIFICATION_CODE_RE.match(normalised):
            context["code_error"] = _("A verification code has letters and digits only.")
            status = 422
        else:
            return redirect("dossiers:verify", code=normalised)
    if request.method == "POST":
        try:
            check = verification_check_upload(data=read_upload(request.FILES.get("file")))
            context["check"] = check
            if check.result is not None:
                context["facts"] = result_public_facts(check.result)
        except InvalidInput as exc:
            context["upload_error"] = exc.message
            status = 422
    return render(request, "dossiers/verify_index.html", context, status=status)
