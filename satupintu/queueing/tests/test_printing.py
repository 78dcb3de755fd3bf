"""Printing against a real TCP peer on 127.0.0.1 that captures what a printer would receive."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from satupintu.queueing.printing import TicketPrintout, ticket_print


class _CaptureHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        chunks = []
        while True:
            data = self.request.recv(65536)
            if not data:
                break
            chunks.append(data)
        self.server.captured.append(b"".join(chunks))  # type: ignore[attr-defined]
        self.server.done.set()  # type: ignore[attr-defined]


@pytest.fixture
def printer_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _CaptureHandler)
    server.captured = []  # type: ignore[attr-defined]
    server.done = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _printout() -> TicketPrintout:
    return TicketPrintout(
        mall_name="MPP Kota Yogyakarta",
        number="A-012",
        service_name="KTP-el baru",
        where_to_wait="Lantai 1 · Ruang tunggu A",
        people_ahead=3,
        estimated_wait_minutes=14,
        issued_at=datetime(2026, 11, 28, 2, 30, tzinfo=UTC),
        status_url="http://127.0.0.1:8000/q/ticket/42/abcdef/",
        priority_label="Lansia",
    )


def test_ticket_reaches_the_printer(printer_server: socketserver.ThreadingTCPServer) -> None:
    host, port = printer_server.server_address[:2]
    assert ticket_print(host=str(host), port=int(port), printout=_printout()) is True
    assert printer_server.done.wait(5)  # type: ignore[attr-defined]
    data = printer_server.captured[0]  # type: ignore[attr-defined]
    assert b"A-012" in data
    assert b"KTP-el baru" in data
    assert b"MPP Kota Yogyakarta" in data
    assert b"Lantai 1 - Ruang tunggu A" in data  # the middle dot is printed as a dash
    assert b"LANSIA" in data  # the priority as a label, in capitals
    assert b"elderly" not in data
    # The QR code is sent natively (GS ( k) with the status address inside it.
    assert b"\x1d(k" in data
    assert b"http://127.0.0.1:8000/q/ticket/42/abcdef/" in data
    # Double size for the number, and a paper cut at the end.
    assert b"\x1dV" in data[-8:]


def test_unreachable_printer_reports_failure() -> None:
    # A port that was just free: nothing listens there.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert ticket_print(host="127.0.0.1", port=port, printout=_printout(), timeout=1) is False
