"""A Misskey stand-in on loopback: real answers where a test needs them, garbage where it asks.

``POST /api/notes/show`` answers a note recorded from Misskey 2026.3.2 whose ``id`` is the
requested ``noteId`` (so a response delivered to the wrong caller is caught). The other routes
answer what a broken server or proxy might: each route is named after what it sends.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.loopback import Answer, Loopback, Seen, json_answer, loopback

TOKEN = "sec-token-5b1e0c9a7d"
_CASSETTE = Path(__file__).parent.parent / "cassettes" / "test_notes" / "test_create_show_and_delete.yaml"


def recorded_note() -> dict[str, Any]:
    """A real ``notes/show`` answer (strictly valid ``Note``), from a cassette."""
    for interaction in yaml.safe_load(_CASSETTE.read_text("utf-8"))["interactions"]:
        if (
            interaction["request"]["uri"].endswith("/api/notes/show")
            and interaction["response"]["status"]["code"] == 200
        ):
            note: dict[str, Any] = json.loads(interaction["response"]["body"]["string"])
            return note
    raise LookupError(f"no notes/show answer in {_CASSETTE}")


NOTE = recorded_note()
JSON = (("Content-Type", "application/json; charset=utf-8"),)


def _error(status: int, code: str, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    body = {"error": {"message": f"{code} happened", "code": code, "id": "0-0-0-0", "kind": "client"}}
    answer = json_answer(body, status)
    return Answer(answer.status, answer.body, answer.headers + headers)


ROUTES: dict[str, Answer] = {
    "ping": json_answer({"pong": 1}),
    "error-400": _error(400, "NO_SUCH_NOTE"),
    "error-401": _error(401, "AUTHENTICATION_FAILED"),
    "error-403": _error(403, "PERMISSION_DENIED"),
    "error-429": _error(429, "RATE_LIMIT_EXCEEDED", (("Retry-After", "0"),)),
    "error-500": _error(500, "INTERNAL_ERROR"),
    "html-502": Answer(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", (("Content-Type", "text/html"),)),
    "html-200": Answer(200, b"<!DOCTYPE html><title>Not Misskey</title>", (("Content-Type", "text/html"),)),
    "empty-200": Answer(200, b"", JSON),
    "null": Answer(200, b"null", JSON),
    "string": Answer(200, b'"a note"', JSON),
    "number": Answer(200, b"42", JSON),
    "list": Answer(200, json.dumps([NOTE]).encode(), JSON),
    "object": json_answer({"id": "x"}),
    "truncated": Answer(200, json.dumps(NOTE).encode()[:120], JSON),
    "json-as-text-plain": Answer(200, json.dumps(NOTE).encode(), (("Content-Type", "text/plain"),)),
    "json-without-content-type": Answer(200, json.dumps(NOTE).encode()),
    "invalid-utf8": Answer(200, b'{"id": "\xff\xfe"}', JSON),
    "deeply-nested": Answer(200, b"[" * 100_000 + b"]" * 100_000, JSON),
    "bad-gzip": Answer(200, b"this is not gzip", (*JSON, ("Content-Encoding", "gzip"))),
    "gzip-of-html": Answer(
        200, gzip.compress(b"<html></html>"), (("Content-Type", "text/html"), ("Content-Encoding", "gzip"))
    ),
    # Promises 5000 bytes, sends 120, hangs up: a connection cut mid-body.
    "cut-mid-body": Answer(200, json.dumps(NOTE).encode()[:120], (*JSON, ("Content-Length", "5000")), close=True),
    "redirect": Answer(302, b"", (("Location", "https://elsewhere.example/api/i"),)),
    "redirect-loop": Answer(307, b"", (("Location", "/api/redirect-loop"),)),
}


def answer(request: Seen) -> Answer:
    endpoint = request.path.removeprefix("/api/")
    if endpoint in ("notes/show", "notes/show-slowly"):
        params = request.json() or {}
        if endpoint == "notes/show-slowly":
            time.sleep(1.0)
        # 0-4 ms, different per note: concurrent answers finish out of order.
        time.sleep((zlib.crc32(str(params.get("noteId")).encode()) % 5) / 1000)
        if "noteId" not in params:
            return _error(400, "INVALID_PARAM")
        if str(params["noteId"]).startswith("garbage:"):  # a typed method meeting a route's garbage
            return ROUTES[params["noteId"].removeprefix("garbage:")]
        # A reply mixed up between callers would carry another caller's noteId.
        return json_answer(NOTE | {"id": params["noteId"], "text": f"note {params['noteId']}"})
    if endpoint in ROUTES:
        return ROUTES[endpoint]
    return Answer(404, b"Not Found", (("Content-Type", "text/plain"),))


@pytest.fixture
def stand_in() -> Iterator[Loopback]:
    with loopback(answer) as server:
        yield server
