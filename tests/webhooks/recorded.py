"""The deliveries recorded from Misskey 2026.3.2 (``deliveries/*.json``), and ways to replay them.

``DELIVERIES`` has every recorded request; ``request`` turns one (or a changed copy of one) into what
an app is handed, and ``call_wsgi`` / ``call_asgi`` hand it over the way a server would: a WSGI
environ with the body in ``wsgi.input``, an ASGI scope with the body in chunks.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tests.webhooks.record_deliveries import SECRETS

__all__ = [
    "ABSENT",
    "DELIVERIES",
    "SECRETS",
    "Answer",
    "Recorded",
    "call_asgi",
    "call_wsgi",
    "delivery",
]

HERE = Path(__file__).parent / "deliveries"
#: Headers of the recording's own connection, which a replay sets for itself.
_TRANSPORT = {"content-length", "host", "connection", "transfer-encoding"}


@dataclass(frozen=True)
class Recorded:
    """One request Misskey sent: ``name`` is its fixture (``note``), ``n`` its place in it."""

    name: str
    n: int
    trigger: str
    answered: int
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def kind(self) -> str:
        """``user`` or ``system``: which webhook it came from (the recorder's receiver paths)."""
        return self.path.strip("/")

    @property
    def secret(self) -> str:
        return SECRETS[self.kind]

    @property
    def envelope(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    def with_body(self, body: bytes) -> Recorded:
        return replace(self, body=body)

    def with_headers(self, change: Callable[[list[tuple[str, str]]], list[tuple[str, str]]]) -> Recorded:
        return replace(self, headers=tuple(change(list(self.headers))))

    def sent_headers(self) -> list[tuple[str, str]]:
        """The headers as Misskey sent them, less the transport's own."""
        return [(k, v) for k, v in self.headers if k.lower() not in _TRANSPORT]

    def __str__(self) -> str:
        return f"{self.name}[{self.n}]"


def _load() -> list[Recorded]:
    found = []
    for path in sorted(HERE.glob("*.json")):
        if path.name == "absent.json":
            continue
        fixture = json.loads(path.read_text(encoding="utf-8"))
        for n, d in enumerate(fixture["deliveries"]):
            r = d["request"]
            found.append(
                Recorded(
                    name=path.stem,
                    n=n,
                    trigger=fixture["trigger"],
                    answered=d["answered"],
                    method=r["method"],
                    path=r["path"],
                    headers=tuple((k, v) for k, v in r["headers"]),
                    body=r["body"].encode("utf-8"),
                )
            )
    return found


DELIVERIES: list[Recorded] = _load()
#: What was triggered during the recording and never delivered, with why.
ABSENT: dict[str, str] = json.loads((HERE / "absent.json").read_text(encoding="utf-8"))


def delivery(name: str, n: int = 0) -> Recorded:
    return next(d for d in DELIVERIES if d.name == name and d.n == n)


@dataclass
class Answer:
    """What an app answered: the status, the JSON body and the headers (names in lower case)."""

    status: int
    json: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def error(self) -> str | None:
        return self.json.get("error")


def _answer(status: int, headers: list[tuple[str, str]], body: bytes) -> Answer:
    names = {k.lower(): v for k, v in headers}
    assert names["content-type"] == "application/json"
    assert int(names["content-length"]) == len(body)
    return Answer(status, json.loads(body), names)


def call_wsgi(
    app: Any, d: Recorded, *, method: str | None = None, content_length: bool = True, terminated: bool = False
) -> Answer:
    """``d`` through a WSGI app, as a WSGI server builds the environ (``HTTP_X_MISSKEY_HOOK_SECRET``).

    ``content_length=False`` leaves the length out; ``terminated`` says the input ends by itself
    (``wsgi.input_terminated``, as servers set for a chunked body).
    """
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method or d.method,
        "PATH_INFO": d.path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(d.body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    if terminated:
        environ["wsgi.input_terminated"] = True
    for name, value in d.sent_headers():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ[key] = value
            continue
        key = f"HTTP_{key}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value  # as PEP 3333 joins repeats
    if content_length:
        environ["CONTENT_LENGTH"] = str(len(d.body))
    seen: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen.extend([status, headers])

    body = b"".join(app(environ, start_response))
    status, headers = seen
    code, _, _ = status.partition(" ")
    return _answer(int(code), headers, body)


async def call_asgi(
    app: Any,
    d: Recorded,
    *,
    method: str | None = None,
    content_length: bool = True,
    chunk: int = 1 << 16,
    disconnect_after: bool = True,
) -> Answer:
    """``d`` through an ASGI app: header names as sent (servers lower-case them), the body in chunks."""
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in d.sent_headers()]
    if content_length:
        headers.append((b"content-length", str(len(d.body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method or d.method,
        "scheme": "http",
        "path": d.path,
        "raw_path": d.path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8080),
    }
    pieces = [d.body[i : i + chunk] for i in range(0, len(d.body), chunk)] or [b""]
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1} for i, piece in enumerate(pieces)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        assert disconnect_after, "the app read past the end of the body"
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start, body = sent
    assert start["type"] == "http.response.start" and body["type"] == "http.response.body"
    return _answer(start["status"], [(k.decode(), v.decode()) for k, v in start["headers"]], body["body"])
