"""Printing a ticket on a kiosk's ESC/POS network thermal printer (python-escpos).

The kiosk page always offers the browser's print as well; a printer that is off or out of paper
must never stop a visitor from getting a ticket, so `ticket_print` reports failure instead of
raising, and the page says so."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# A receipt printer answers in milliseconds; a kiosk must not hang on a dead one.
PRINTER_TIMEOUT_SECONDS = 4.0


@dataclass(frozen=True)
class TicketPrintout:
    """What a printed ticket shows. Plain values, so that printing needs no database."""

    mall_name: str
    number: str
    service_name: str
    where_to_wait: str
    people_ahead: int | None
    estimated_wait_minutes: int | None
    issued_at: datetime
    status_url: str
    priority_label: str = ""
    plate_number: str = ""
    wait_text: str = ""  # the estimate in words (`selectors.estimate_text`)


def _ascii(text: str) -> str:
    """Receipt printers' code pages lack some characters; fall back to close ASCII forms."""
    replacements = {"\u2013": "-", "\u2014": "-", "\u00b7": "-", "\u2019": "'", "\u2192": "->"}
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def ticket_render(printer: Any, printout: TicketPrintout) -> None:
    """Write the ticket to an open python-escpos printer object."""
    p = printer  # an escpos.escpos.Escpos (the library has no type hints)
    p.set(align="center", normal_textsize=True)
    p.textln(_ascii(printout.mall_name))
    p.textln(_ascii(_("Queue number")))
    p.set(align="center", bold=True, double_width=True, double_height=True)
    p.textln(printout.number)
    p.set(align="center", normal_textsize=True, bold=False)
    p.textln(_ascii(printout.service_name))
    if printout.priority_label:
        # A label the counter staff read at a glance ("PRIORITAS: LANSIA"), never a code.
        p.set(align="center", bold=True)
        p.textln(_ascii(_("Priority: %(label)s") % {"label": printout.priority_label}).upper())
        p.set(align="center", bold=False)
    if printout.plate_number:
        p.textln(_ascii(_("Plate: %(plate)s") % {"plate": printout.plate_number}))
    p.textln(_ascii(_("Wait at: %(place)s") % {"place": printout.where_to_wait}))
    if printout.people_ahead is not None:
        p.textln(_ascii(_("People ahead: %(n)d") % {"n": printout.people_ahead}))
    if printout.wait_text:
        p.textln(_ascii(_("Estimated wait: %(text)s") % {"text": printout.wait_text}))
    elif printout.estimated_wait_minutes is not None:
        p.textln(_ascii(_("Estimated wait: %(m)d min") % {"m": printout.estimated_wait_minutes}))
    p.textln(formats.date_format(printout.issued_at, "DATETIME_FORMAT"))
    p.set(align="center")
    p.qr(printout.status_url, size=6, native=True)
    p.textln(_ascii(_("Scan to follow your turn on your phone")))
    p.cut()


def ticket_print(
    *, host: str, port: int, printout: TicketPrintout, timeout: float = PRINTER_TIMEOUT_SECONDS
) -> bool:
    """Print on the network printer at host:port. True when the printer took the whole ticket."""
    from escpos.printer import Network

    printer = Network(host, port=port, timeout=timeout)
    try:
        printer.open()
        ticket_render(printer, printout)
        return True
    except Exception:
        logger.warning("ticket %s not printed on %s:%s", printout.number, host, port, exc_info=True)
        return False
    finally:
        try:
            printer.close()
        except Exception:
            logger.debug("closing printer %s:%s failed", host, port, exc_info=True)
