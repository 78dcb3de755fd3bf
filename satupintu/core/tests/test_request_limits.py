"""Request bodies over REQUEST_MAX_BODY_BYTES are refused with 413 before they are read: over
real HTTP to uvicorn, with a client that watches for the answer while it is still sending."""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from satupintu.core.tests.live_server import uvicorn_server

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024


@pytest.fixture
def server() -> Iterator[tuple[str, int]]:
    with uvicorn_server() as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


def send_until_answered(
    address: tuple[str, int], head: bytes, body_chunks: Iterator[bytes]
) -> tuple[int, bytes]:
    """Send `head`, then the body chunk by chunk while watching the socket: as soon as the
    server answers, stop. Return how many body bytes went out and the whole answer."""
    sock = socket.create_connection(address, timeout=30)
    sock.sendall(head)
    sock.setblocking(False)
    sent = 0
    answer = b""
    try:
        for chunk in body_chunks:
            view = memoryview(chunk)
            while view:
                readable, writable, _ = select.select([sock], [sock], [], 30)
                if readable:
                    raise StopIteration
                if not writable:
                    raise TimeoutError("the server neither read nor answered")
                try:
                    count = sock.send(view)
                except (BrokenPipeError, ConnectionResetError):
                    raise StopIteration from None
                view = view[count:]
                sent += count
    except StopIteration:
        pass
    sock.setblocking(True)
    sock.settimeout(30)
    while True:
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not data:
            break
        answer += data
    sock.close()
    return sent, answer


def chunks(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    block = b"x" * size
    for _ in range(total // size):
        yield block


def parse(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _sep, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_a_200_mb_upload_to_verify_is_refused_before_it_is_read(
    server: tuple[str, int], settings: Any
) -> None:
    settings.REQUEST_MAX_BODY_BYTES = 25 * MB
    total = 200 * MB
    head = (
        "POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {total}\r\n\r\n"
    ).encode()
    sent, answer = send_until_answered(server, head, chunks(total))
    status, headers, body = parse(answer)
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"detail": "Permintaan terlalu besar: paling banyak 25 MB."}
    # The answer came while the client was still sending: the server never waited for the
    # body (what went out fits in the sockets' buffers, far from 200 MB).
    assert sent < total // 4


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(
    server: tuple[str, int], settings: Any
) -> None:
    settings.REQUEST_MAX_BODY_BYTES = 1 * MB
    total = 200 * MB
    head = (
        b"POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    )

    def chunked(size: int = 64 * 1024) -> Iterator[bytes]:
        for piece in chunks(total, size):
            yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        yield b"0\r\n\r\n"

    sent, answer = send_until_answered(server, head, chunked())
    status, _headers, body = parse(answer)
    assert status == 413
    assert "1 MB" in json.loads(body)["detail"]
    assert sent < total // 4


def test_pages_get_an_html_answer_in_the_visitors_language(
    server: tuple[str, int], settings: Any
) -> None:
    settings.REQUEST_MAX_BODY_BYTES = 1 * MB
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {50 * MB}\r\n\r\n"
    ).encode()
    _sent, answer = send_until_answered(server, head, chunks(50 * MB))
    status, headers, body = parse(answer)
    assert status == 413
    assert headers["content-type"].startswith("text/html")
    assert b"at most 1 MB may be sent" in body


def test_bodies_within_the_limit_reach_the_application(
    server: tuple[str, int], settings: Any
) -> None:
    settings.REQUEST_MAX_BODY_BYTES = 1 * MB
    payload = json.dumps({"username": "nobody", "password": "x" * 200}).encode()
    plain = (
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode()
    _sent, answer = send_until_answered(server, plain + payload, iter([]))
    assert parse(answer)[0] == 401  # Django read the body and checked the credentials
    chunked_head = (
        b"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    halves = [payload[:50], payload[50:]]
    body = b"".join(f"{len(h):x}\r\n".encode() + h + b"\r\n" for h in halves) + b"0\r\n\r\n"
    _sent, answer = send_until_answered(server, chunked_head + body, iter([]))
    assert parse(answer)[0] == 401


def test_the_wsgi_entry_point_refuses_a_declared_body_over_the_limit(settings: Any) -> None:
    """The API is served under WSGI too (granian): the same limit, answered before Django runs."""
    from wsgiref.util import setup_testing_defaults

    from satupintu.wsgi import application

    settings.REQUEST_MAX_BODY_BYTES = 1024 * 1024
    reached: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        reached.append(status)

    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/verify",
        "CONTENT_LENGTH": str(200 * 1024 * 1024),
        "CONTENT_TYPE": "multipart/form-data; boundary=x",
    }
    setup_testing_defaults(environ)
    unread = environ["wsgi.input"]
    body = b"".join(application(environ, start_response))
    assert reached == ["413 Content Too Large"]
    assert "MB" in json.loads(body)["detail"]
    assert unread.tell() == 0  # nothing of the body was read
