"""No cassette holds a token, secret or password: only the scrubber's placeholders.

Checks every cassette under ``tests/`` for the places a Misskey credential travels: the
``Authorization`` header, ``i`` in a JSON body, a multipart field or the query string, the
credential fields of JSON request bodies, and ``token``/``accessToken``/``secret``/``password`` in
responses (MiAuth checks, the legacy app flow, accounts made by admin/accounts/create, webhooks).
A value passes when it is a placeholder (``REDACTED-...``), empty, or the legacy flow's
``sha256(accessToken + secret)`` computed from two placeholders.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.recording import PLACEHOLDER_PREFIX

TESTS = Path(__file__).parent
CASSETTES = sorted(p for p in TESTS.rglob("*.yaml") if "cassettes" in p.relative_to(TESTS).parts)
REQUEST_FIELDS = {"i", "token", "password", "currentPassword", "newPassword", "appSecret", "secret"}
RESPONSE_FIELDS = {"token", "accessToken", "secret", "password"}
_PLACEHOLDER = re.compile(re.escape(PLACEHOLDER_PREFIX) + r"[A-Za-z0-9_-]+")
_MULTIPART_I = re.compile(rb'name="i"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r\n]*)\r\n')


def _fields(data: Any, names: set[str]) -> list[tuple[str, str]]:
    """Every (key, string value) under ``names`` anywhere in a JSON document."""
    found = []
    if isinstance(data, list):
        for item in data:
            found += _fields(item, names)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key in names and isinstance(value, str):
                found.append((key, value))
            else:
                found += _fields(value, names)
    return found


def _json(body: Any) -> Any:
    if isinstance(body, dict):  # vcrpy's response form
        body = body.get("string")
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _allowed(value: str, placeholders: set[str]) -> bool:
    if value == "" or value.startswith(PLACEHOLDER_PREFIX):
        return True
    # The legacy app flow's `i` is sha256(accessToken + app secret), made from placeholders.
    return any(
        hashlib.sha256((a + b).encode()).hexdigest() == value for a, b in itertools.permutations(placeholders, 2)
    )


def leaks(path: Path, root: Path = TESTS) -> list[str]:
    """Each credential in the cassette at ``path`` that is not a placeholder, described."""
    text = path.read_text(encoding="utf-8")
    placeholders = set(_PLACEHOLDER.findall(text))
    data = yaml.safe_load(text) or {}
    found = []
    for number, interaction in enumerate(data.get("interactions", [])):
        request, response = interaction["request"], interaction["response"]
        where = f"{path.relative_to(root)} #{number} {request['uri']}"
        for name, values in (request.get("headers") or {}).items():
            if name.lower() == "authorization":
                found += [f"{where}: Authorization header" for v in values if not _allowed(v.split()[-1], set())]
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["uri"]).query)
        found += [f"{where}: ?i= in the URL" for v in query.get("i", []) if not _allowed(v, placeholders)]
        body = request.get("body") or b""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        for value in _MULTIPART_I.findall(raw):
            if not _allowed(value.decode("utf-8", "replace"), placeholders):
                found.append(f"{where}: multipart field i")
        for key, value in _fields(_json(body), REQUEST_FIELDS):
            if not _allowed(value, placeholders):
                found.append(f"{where}: request {key}")
        for key, value in _fields(_json(response.get("body")), RESPONSE_FIELDS):
            if not _allowed(value, placeholders):
                found.append(f"{where}: response {key}")
    return found


def test_there_are_cassettes_to_check() -> None:
    assert len(CASSETTES) > 100


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: str(p.relative_to(TESTS)))
def test_cassette_holds_no_secret(path: Path) -> None:
    assert leaks(path) == []


def test_the_check_finds_each_kind_of_leak(tmp_path: Path) -> None:
    """The checker itself: a cassette with a real-looking value in each place fails."""
    token = "a1B2c3D4e5F6g7H8"
    multipart = f'--x\r\nContent-Disposition: form-data; name="i"\r\n\r\n{token}\r\n--x--\r\n'
    interactions = [
        {
            "request": {"uri": f"http://h/api/x?i={token}", "headers": {"Authorization": [f"Bearer {token}"]}},
            "response": {"body": {"string": json.dumps({"token": token, "nested": [{"secret": token}]})}},
        },
        {"request": {"uri": "http://h/api/y", "body": json.dumps({"i": token})}, "response": {"body": {"string": ""}}},
        {"request": {"uri": "http://h/api/z", "body": multipart}, "response": {"body": {"string": "{}"}}},
    ]
    cassette = tmp_path / "cassettes" / "leaky.yaml"
    cassette.parent.mkdir()
    cassette.write_text(yaml.safe_dump({"interactions": interactions}), encoding="utf-8")
    found = [line.split(": ", 1)[1] for line in leaks(cassette, tmp_path)]
    assert found == [
        "Authorization header",
        "?i= in the URL",
        "response token",
        "response secret",
        "request i",
        "multipart field i",
    ]
