"""Real servers on loopback for the webhook apps: uvicorn for ASGI, the standard library's for WSGI.

Each is a context manager giving the base URL; the server runs in a thread and stops on exit.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import uvicorn

__all__ = ["serve_asgi", "serve_wsgi"]


@contextlib.contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """``app`` under uvicorn (h11, with the lifespan protocol on), at the URL yielded."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, http="h11", ws="none", lifespan="on", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(1000):  # a startup wait, not a measurement: it ends as soon as uvicorn is up
            if server.started or not thread.is_alive():
                break
            time.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(WSGIServer):
    """One thread per request, so a test can send a redelivery while the first is being handled."""

    def process_request(self, request: Any, client_address: Any) -> None:
        def run() -> None:
            try:
                self.finish_request(request, client_address)
            finally:
                self.shutdown_request(request)

        threading.Thread(target=run, daemon=True).start()


@contextlib.contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """``app`` under ``wsgiref.simple_server``, at the URL yielded."""
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
