"""PDF documents of a dossier: the receipt handed over at submission and the result document.

Both are drawn with ReportLab (no system libraries) and carry a QR code made with segno, drawn as
vector squares so that it stays sharp when printed. The receipt's QR leads to the public tracking
page; the result's QR leads to the verification page. The result PDF is signed afterwards by
`satupintu.dossiers.signing.sign_pdf`; the QR itself is not a signature (PP 71/2019 Pasal 60)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

import segno
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from satupintu.catalog.models import Mall
from satupintu.dossiers.codes import tracking_code_format

BRAND_COLOUR = colors.HexColor("#0b4f8a")
QR_QUIET_ZONE = 4


def public_url(path: str) -> str:
    from satupintu.core.public_url import public_url as base_public_url

    return base_public_url(path)


def tracking_url(tracking_code: str) -> str:
    return public_url(f"/lacak/{tracking_code}/")


def verification_url(verification_code: str) -> str:
    return public_url(f"/verify/{verification_code}")


class QrCode(Flowable):
    """A QR code drawn module by module (runs of dark modules per row as one rectangle)."""

    def __init__(self, data: str, size: float = 32 * mm) -> None:
        super().__init__()
        self.qr = segno.make(data, error="m", micro=False)
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        matrix = [list(row) for row in self.qr.matrix]
        modules = len(matrix) + 2 * QR_QUIET_ZONE
        unit = self.size / modules
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for row_index, row in enumerate(matrix):
            y = self.size - (row_index + QR_QUIET_ZONE + 1) * unit
            column = 0
            while column < len(row):
                if not row[column]:
                    column += 1
                    continue
                start = column
                while column < len(row) and row[column]:
                    column += 1
                x = (start + QR_QUIET_ZONE) * unit
                # A hair of overlap hides the seams some PDF viewers draw between squares.
                canvas.rect(x, y, (column - start) * unit + 0.05, unit + 0.05, stroke=0, fill=1)
        canvas.restoreState()


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "header": ParagraphStyle(
            "header", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=13, leading=16
        ),
        "subheader": ParagraphStyle(
            "subheader", parent=base["Normal"], fontSize=9.5, leading=12, textColor=colors.grey
        ),
        "title": ParagraphStyle(
            "title",
            parent=base["Title"],
            fontName="Helvetica-Bold",
            fontSize=17,
            leading=21,
            alignment=TA_CENTER,
            textColor=BRAND_COLOUR,
            spaceAfter=2 * mm,
        ),
        "centre": ParagraphStyle("centre", parent=base["Normal"], alignment=TA_CENTER),
        "code": ParagraphStyle(
            "code",
            parent=base["Normal"],
            fontName="Courier-Bold",
            fontSize=22,
            leading=26,
            alignment=TA_CENTER,
        ),
        "label": ParagraphStyle(
            "label", parent=base["Normal"], fontSize=9.5, leading=12, textColor=colors.grey
        ),
        "value": ParagraphStyle("value", parent=base["Normal"], fontSize=10.5, leading=13.5),
        "bold": ParagraphStyle(
            "bold", parent=base["Normal"], fontName="Helvetica-Bold", fontSize=10.5, leading=13.5
        ),
        "small": ParagraphStyle("small", parent=base["Normal"], fontSize=8.5, leading=11),
        "heading": ParagraphStyle(
            "heading",
            parent=base["Normal"],
            fontName="Helvetica-Bold",
            fontSize=11.5,
            leading=15,
            spaceBefore=4 * mm,
            spaceAfter=1.5 * mm,
        ),
    }


def _text(value: Any) -> str:
    """Escape a value for a ReportLab paragraph (which reads a small subset of XML)."""
    return escape(str(value if value is not None else "")).replace("\n", "<br/>")


def _local(value: dt.datetime | None, mall: Mall) -> dt.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return mall.local_now(value)


def _date_text(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return date_format(value, "j F Y, H:i")
    return date_format(value, "j F Y")


def _facts_table(rows: Iterable[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    data = [
        [Paragraph(_text(label), styles["label"]), Paragraph(_text(value), styles["value"])]
        for label, value in rows
    ]
    table = Table(data, colWidths=[52 * mm, None], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _letterhead(
    agency_name: str, mall_name: str, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    return [
        Paragraph(_text(agency_name.upper()), styles["header"]),
        Paragraph(_text(mall_name), styles["subheader"]),
        Spacer(1, 2 * mm),
        HRFlowable(width="100%", thickness=1.5, color=BRAND_COLOUR),
        Spacer(1, 5 * mm),
    ]


def _build(story: list[Flowable], *, title: str, author: str, subject: str) -> bytes:
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="Satu Pintu",
    )

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(20 * mm, 10 * mm, "Satu Pintu · " + subject)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, str(doc.page))
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _qr_block(url: str, caption: str, styles: dict[str, ParagraphStyle]) -> Table:
    table = Table(
        [[QrCode(url), Paragraph(caption, styles["small"])]],
        colWidths=[36 * mm, None],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


# --- receipt ----------------------------------------------------------------------------------


def render_receipt_pdf(dossier: Any) -> bytes:
    """The receipt (tanda terima) of a submitted dossier: what was handed in and when it is due."""
    styles = _styles()
    service = dossier.service
    mall = dossier.mall
    url = tracking_url(dossier.tracking_code)
    # A bundle's parent dossier has no single service or agency: it names the bundle and the
    # mall, and its children are listed instead.
    bundle = getattr(dossier, "bundle", None)
    issuer_name = dossier.agency.name if dossier.agency_id else (mall.operator or mall.name)
    if service is not None:
        service_text = f"{service.name} ({service.code})"
    elif bundle is not None:
        service_text = f"{bundle.name} ({bundle.code})"
    else:
        service_text = "-"

    applicant = dossier.applicant_name
    if getattr(dossier, "business_name", ""):
        applicant = f"{dossier.business_name} ({dossier.applicant_name})"
    facts = [(_("Service"), service_text)]
    if dossier.agency_id:
        facts.append((_("Agency"), dossier.agency.name))
    else:
        children = [
            f"{child.service.name} ({child.agency.name})"
            for child in dossier.children.select_related("service", "agency").order_by("id")
            if child.service_id and child.agency_id
        ]
        if children:
            facts.append((_("Services in this bundle"), "\n".join(children)))
    facts += [
        (_("Applicant"), applicant),
        (_("Channel"), _channel_label(dossier)),
        (_("Submitted"), _date_text(_local(dossier.submitted_at, mall))),
        (
            _("Due date"),
            _date_text(dossier.sla_due)
            if dossier.sla_due
            else _("set once the application is found complete"),
        ),
    ]
    if getattr(dossier, "sla_days", 0):
        facts.append((_("Service time"), _("%(days)d working days") % {"days": dossier.sla_days}))

    story: list[Flowable] = [
        *_letterhead(issuer_name, mall.name, styles),
        Paragraph(_text(_("Receipt of application")), styles["title"]),
        Paragraph(_text(_("Tracking code")), styles["centre"]),
        Paragraph(_text(tracking_code_format(dossier.tracking_code)), styles["code"]),
        Spacer(1, 5 * mm),
        _facts_table(facts, styles),
        Paragraph(_text(_("Documents")), styles["heading"]),
        _documents_table(dossier, styles),
        Spacer(1, 6 * mm),
        _qr_block(
            url,
            _text(
                _(
                    "Scan the code or open %(url)s to follow your application. Keep this "
                    "receipt: you need the tracking code to collect the result."
                )
                % {"url": url}
            ),
            styles,
        ),
    ]
    return _build(
        story,
        title=f"{_('Receipt of application')} {dossier.tracking_code}",
        author=issuer_name,
        subject=_("Receipt %(code)s") % {"code": dossier.tracking_code},
    )


def _channel_label(dossier: Any) -> str:
    label = dossier.get_channel_display() if hasattr(dossier, "get_channel_display") else ""
    label = str(label or dossier.channel)
    if getattr(dossier, "assisted", False):
        label = _("%(channel)s, submitted with an officer's help") % {"channel": label}
    return label


def _document_rows(dossier: Any) -> list[tuple[str, str, str]]:
    """(requirement, status, note) for every requirement of the dossier, in order."""
    rows = []
    documents = dossier.documents.select_related("requirement").all()
    for document in documents:
        status = (
            document.get_status_display()
            if hasattr(document, "get_status_display")
            else document.status
        )
        note = document.reason or ""
        if not note and document.original_name:
            note = document.original_name
        if not document.requirement.mandatory:
            note = (_("optional") + (f"; {note}" if note else "")).strip()
        rows.append((document.requirement.name, str(status), note))
    return rows


def _documents_table(dossier: Any, styles: dict[str, ParagraphStyle]) -> Flowable:
    rows = _document_rows(dossier)
    if not rows:
        return Paragraph(_text(_("No documents are required for this service.")), styles["value"])
    header = [
        Paragraph(_text(h), styles["bold"]) for h in ("#", _("Requirement"), _("Status"), _("Note"))
    ]
    data = [header] + [
        [
            Paragraph(str(number), styles["value"]),
            Paragraph(_text(name), styles["value"]),
            Paragraph(_text(status), styles["value"]),
            Paragraph(_text(note), styles["small"]),
        ]
        for number, (name, status, note) in enumerate(rows, start=1)
    ]
    table = Table(data, colWidths=[8 * mm, 78 * mm, 30 * mm, None], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


# --- result -----------------------------------------------------------------------------------


def _detail_rows(details: dict[str, Any]) -> list[tuple[str, str]]:
    """The printed fields of a result: `details["fields"]` as a list of {label, value} (or
    [label, value]) items, or as a mapping of label to value."""
    fields = details.get("fields") or []
    rows: list[tuple[str, str]] = []
    if isinstance(fields, dict):
        rows = [(str(label), str(value)) for label, value in fields.items()]
    else:
        for item in fields:
            if isinstance(item, dict):
                rows.append((str(item.get("label", "")), str(item.get("value", ""))))
            elif isinstance(item, list | tuple) and len(item) == 2:
                rows.append((str(item[0]), str(item[1])))
    return rows


def render_result_pdf(result: Any) -> bytes:
    """The result document (the product of the service), ready to be signed.

    The layout follows the kind of service: a licensing service issues a decision-style permit
    (with its legal basis), a non-licensing one a certificate-style document."""
    styles = _styles()
    dossier = result.dossier
    service = dossier.service
    agency = result.agency
    mall = agency.mall
    details: dict[str, Any] = dict(result.details or {})
    issued_local = _local(result.issued_at, mall)
    url = verification_url(result.verification_code)
    title = str(details.get("product") or details.get("title") or service.product or service.name)
    service_name = str(details.get("service") or details.get("service_name") or service.name)
    licensing = getattr(service, "kind", "") == "licensing"

    story: list[Flowable] = [
        *_letterhead(agency.name, mall.name, styles),
        Paragraph(_text(title.upper()), styles["title"]),
        Paragraph(
            _text(_("Number: %(number)s") % {"number": result.document_number}),
            styles["centre"],
        ),
        Spacer(1, 7 * mm),
    ]
    if licensing:
        legal_basis = str(details.get("legal_basis") or getattr(service, "legal_basis", ""))
        if legal_basis:
            story += [
                Paragraph(_text(_("Legal basis")), styles["heading"]),
                Paragraph(_text(legal_basis), styles["value"]),
            ]
        story.append(
            Paragraph(
                _text(
                    _(
                        "Having examined the application %(code)s and found it to meet the "
                        "requirements, %(agency)s grants:"
                    )
                    % {"code": tracking_code_format(dossier.tracking_code), "agency": agency.name}
                ),
                styles["value"],
            )
        )
    else:
        story.append(
            Paragraph(
                _text(
                    _("%(agency)s hereby certifies the following, on application %(code)s:")
                    % {"agency": agency.name, "code": tracking_code_format(dossier.tracking_code)}
                ),
                styles["value"],
            )
        )
    story.append(Spacer(1, 3 * mm))
    facts = [
        (_("Issued to") if licensing else _("Holder"), result.holder_name),
        (_("Service"), service_name),
        *_detail_rows(details),
    ]
    story.append(_facts_table(facts, styles))
    story += [
        Spacer(1, 3 * mm),
        _facts_table(
            [
                (_("Issued on"), _date_text(issued_local.date() if issued_local else None)),
                (
                    _("Valid until"),
                    _date_text(result.valid_until) if result.valid_until else _("no expiry date"),
                ),
                (_("Issued by"), f"{agency.name}, {mall.name}"),
            ],
            styles,
        ),
        Spacer(1, 8 * mm),
        _qr_block(
            url,
            _text(
                _(
                    "This document is signed electronically by %(agency)s. Its signature, not "
                    "this QR code, makes it valid. Scan the code or open %(url)s to check that "
                    "it is genuine; verification code %(code)s."
                )
                % {"agency": agency.name, "url": url, "code": result.verification_code}
            ),
            styles,
        ),
    ]
    return _build(
        story,
        title=f"{title} {result.document_number}",
        author=agency.name,
        subject=_("Result %(number)s") % {"number": result.document_number},
    )
