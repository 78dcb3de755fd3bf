"""`satupintu check --deploy`: the signing of result documents in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from satupintu.dossiers.signing import (
    CA_DIR_NAME,
    CA_KEY_FILE,
    load_certificate_file,
    signing_dir,
)

# The passphrase the code once defaulted to: known to everyone.
PUBLISHED_SIGNING_PASSPHRASES = {"satupintu-demo-signing"}


@register(Tags.security, deploy=True)
def signing_settings_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    if not settings.SIGNING_PASSPHRASE:
        found.append(
            Error(
                "SIGNING_PASSPHRASE is not set: result documents cannot be signed.",
                hint="Set SIGNING_PASSPHRASE to the passphrase of the agencies' PKCS#12 files.",
                id="satupintu.E001",
            )
        )
    elif settings.SIGNING_PASSPHRASE in PUBLISHED_SIGNING_PASSPHRASES:
        found.append(
            Error(
                "SIGNING_PASSPHRASE is the demo passphrase published in this repository.",
                hint="Protect the agencies' PKCS#12 files with a passphrase of your own.",
                id="satupintu.E002",
            )
        )
    if settings.SIGNING_TRUST_DEMO_CA:
        found.append(
            Error(
                "SIGNING_TRUST_DEMO_CA is on: documents signed by the demo CA, whose key anyone "
                "can create, are reported as genuine.",
                hint="Set SIGNING_TRUST_DEMO_CA=0 and list the real roots in SIGNING_TRUST_ROOTS.",
                id="satupintu.E003",
            )
        )
    if settings.SIGNING_AUTO_INIT:
        found.append(
            Error(
                "SIGNING_AUTO_INIT is on: an agency without a key gets a demo certificate.",
                hint="Set SIGNING_AUTO_INIT=0 and install each agency's own PKCS#12 file.",
                id="satupintu.E004",
            )
        )
    if not settings.SIGNING_TRUST_ROOTS:
        found.append(
            Warning(
                "SIGNING_TRUST_ROOTS is empty: no signature counts as trusted on the "
                "verification page.",
                hint="List the root certificates (PEM or DER files) of the agencies' CA, "
                "e.g. BSrE's, in SIGNING_TRUST_ROOTS.",
                id="satupintu.W013",
            )
        )
    for name in settings.SIGNING_TRUST_ROOTS:
        try:
            # asn1crypto parses lazily: reading the subject makes a broken file fail here.
            load_certificate_file(Path(name)).subject.human_friendly  # noqa: B018
        except (OSError, ValueError, TypeError) as exc:
            found.append(
                Error(
                    f"SIGNING_TRUST_ROOTS: {name} cannot be loaded ({exc}).",
                    hint="Each entry is the path of a PEM or DER certificate file.",
                    id="satupintu.E014",
                )
            )
    if (signing_dir() / CA_DIR_NAME / CA_KEY_FILE).exists():
        found.append(
            Warning(
                f"SIGNING_DIR ({settings.SIGNING_DIR}) holds the demo CA made by "
                "'satupintu signing_init': results signed with its certificates are not trusted.",
                hint="Install the agencies' own PKCS#12 files and remove the demo CA folder 'ca'.",
                id="satupintu.W005",
            )
        )
    return found
