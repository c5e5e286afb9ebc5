"""Loopback HTTP servers on real sockets that remember every byte they were sent.

A test gives :class:`Loopback` a function from the request it received to an answer; the server
keeps each request (request line, headers and body, as received) so a test can prove what did or
did not arrive there: a token, say. Two servers on two ports are two origins, which is what the
redirect tests need; the load tests use the same server with many clients at once.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["Answer", "Loopback", "Seen", "json_answer", "loopback"]


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    peer: tuple[str, int] = ("", 0)  # the client's address and port: one per connection

    @property
    def raw(self) -> bytes:
        """Everything that crossed the socket for this request (request line, headers, body)."""
        head = f"{self.method} {self.path}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in self.headers.items())
        return head.encode("latin-1") + b"\r\n" + self.body

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    #: Close the connection after sending (with a short body under a longer Content-Length: a cut).
    close: bool = False


def json_answer(data: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(data).encode(), (("Content-Type", "application/json; charset=utf-8"),))


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # hundreds of clients connect at once in the load tests
    answer: Callable[[Seen], Answer]
    seen: list[Seen]
    lock: threading.Lock
    in_flight: int
    max_in_flight: int


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the load tests reuse pooled connections
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and delayed ACKs
        # stall every kept-alive request by 40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {k.lower(): v for k, v in self.headers.items()}
        seen = Seen(self.command, self.path, headers, body, (self.client_address[0], self.client_address[1]))
        with self.server.lock:
            self.server.seen.append(seen)
            self.server.in_flight += 1
            self.server.max_in_flight = max(self.server.max_in_flight, self.server.in_flight)
        try:
            answer = self.server.answer(seen)
        finally:
            with self.server.lock:
                self.server.in_flight -= 1
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name, _ in answer.headers):
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)
        if answer.close:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:
        pass  # the server sees the token, being the server: keep it out of the captured logs


class Loopback:
    """A running server: ``url`` (``http://127.0.0.1:<port>``), ``seen`` requests, and the answer."""

    def __init__(self, answer: Callable[[Seen], Answer], host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.answer = answer
        self._server.seen = []
        self._server.lock = threading.Lock()
        self._server.in_flight = self._server.max_in_flight = 0
        self.host, self.port = host, self._server.server_address[1]
        self.url = f"http://{host}:{self.port}"

    @property
    def seen(self) -> list[Seen]:
        with self._server.lock:
            return list(self._server.seen)

    @property
    def max_in_flight(self) -> int:
        """The most requests the server was answering at one moment."""
        return self._server.max_in_flight

    def received(self, secret: str) -> list[Seen]:
        """The requests in which ``secret`` arrived, anywhere."""
        return [request for request in self.seen if secret.encode() in request.raw]


@contextmanager
def loopback(answer: Callable[[Seen], Answer], host: str = "127.0.0.1", port: int = 0) -> Iterator[Loopback]:
    server = Loopback(answer, host, port)
    thread = threading.Thread(target=server._server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server._server.shutdown()
        server._server.server_close()
        thread.join(5)
