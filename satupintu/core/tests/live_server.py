"""The project's ASGI application served by a real uvicorn in a thread of the test process, on a
free port, as `make demo` serves it (without uvicorn's proxy-header rewriting): for tests whose
point is HTTP behaviour that Django's test client skips (CSRF, client addresses, streams).
The test must use a transactional database (`django_db(transaction=True)`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


@contextmanager
def uvicorn_server() -> Iterator[str]:
    """Yields the base URL (`http://127.0.0.1:<port>`) while the server runs."""
    from satupintu.asgi import application

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        application,
        log_level="warning",
        lifespan="off",
        proxy_headers=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
