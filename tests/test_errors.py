"""Errors: Misskey's error bodies are raised as typed exceptions; garbage never passes as data."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from misskey_client import (
    AuthenticationError,
    InsecureTransportError,
    InvalidResponseError,
    Misskey,
    MisskeyAPIError,
    MisskeyConnectionError,
    MisskeyTimeoutError,
    PermissionDeniedError,
    errors,
)
from misskey_client.errors import (
    AuthenticationFailedError,
    CredentialRequiredError,
    NoSuchNoteError,
    RateLimitError,
    RolePermissionDeniedError,
    ServerError,
)
from tests.loopback import Answer, loopback


@pytest.mark.vcr
def test_no_such_note_is_raised_with_every_field(alice: Misskey) -> None:
    with pytest.raises(MisskeyAPIError) as excinfo:
        alice.notes.show(note_id="0000000000000000")
    error = excinfo.value
    assert type(error) is NoSuchNoteError  # caught by name, and still a MisskeyAPIError
    assert (error.status_code, error.code, error.endpoint) == (400, "NO_SUCH_NOTE", "notes/show")
    assert error.id == "24fcbfc6-2e37-42b6-8388-c29b3861a08d"
    assert NoSuchNoteError.ids[error.id] == "No such note." and len(NoSuchNoteError.ids) > 1  # reused by others
    assert error.message == "No such note."
    assert "NO_SUCH_NOTE" in str(error) and "notes/show" in str(error)


@pytest.mark.vcr
def test_bad_token_is_an_authentication_error(misskey: dict[str, str]) -> None:
    with Misskey(misskey["url"], token="notavalidtoken") as mk, pytest.raises(AuthenticationError) as excinfo:
        mk.i()
    assert (excinfo.value.status_code, excinfo.value.code) == (401, "AUTHENTICATION_FAILED")
    assert type(excinfo.value) is AuthenticationFailedError  # 401, whatever the spec says (403)
    assert "notavalidtoken" not in str(excinfo.value) + repr(excinfo.value)


@pytest.mark.vcr
def test_missing_token_is_an_authentication_error(anonymous: Misskey) -> None:
    with pytest.raises(AuthenticationError) as excinfo:
        anonymous.i()
    assert excinfo.value.code == "CREDENTIAL_REQUIRED"
    assert type(excinfo.value) is CredentialRequiredError


@pytest.mark.vcr
def test_non_admin_calling_an_admin_endpoint_is_denied(alice: Misskey) -> None:
    with pytest.raises(PermissionDeniedError) as excinfo:
        alice.admin.show_users(limit=1)
    assert excinfo.value.status_code == 403
    assert excinfo.value.code == "ROLE_PERMISSION_DENIED"
    assert type(excinfo.value) is RolePermissionDeniedError
    assert RolePermissionDeniedError.ids[excinfo.value.id or ""] == "You are not assigned to a moderator role."


def test_every_documented_code_has_its_class() -> None:
    """One class per error code of the spec, extending the core class of its status; raised by code."""
    spec = json.loads((Path(__file__).parent.parent / "generator" / "specs" / "misskey-2026.3.2.json").read_text())
    codes = {
        code
        for item in spec["paths"].values()
        for status, response in item["post"]["responses"].items()
        if not status.startswith("2")
        for media in (response.get("content") or {}).values()
        for code in media.get("examples") or {}
    }
    assert codes <= set(errors.BY_CODE) and len(errors.BY_CODE) > 180
    for code, cls in errors.BY_CODE.items():
        assert issubclass(cls, MisskeyAPIError) and getattr(errors, cls.__name__) is cls, code
    assert issubclass(errors.RateLimitExceededError, RateLimitError)
    assert issubclass(errors.InternalError, ServerError)
    assert errors.BY_CODE["PERMISSION_DENIED"] is PermissionDeniedError  # the core's own class


_HTML = (("Content-Type", "text/html"),)
_JSON = (("Content-Type", "application/json"),)
#: How a misconfigured reverse proxy in front of Misskey might answer, by path.
_PROXY = {
    "/api/html-502": Answer(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", _HTML),
    "/api/truncated": Answer(200, b'{"id": "abc", "text": "cut of', _JSON),
    "/api/html-200": Answer(200, b"<!DOCTYPE html><title>Not Misskey</title>", _HTML),
    "/api/list-not-object": Answer(200, b'["not", "a", "note"]', _JSON),
    "/api/redirect": Answer(301, b"", (("Location", "https://elsewhere.example/api/i"),)),
}


@pytest.fixture
def proxy() -> Iterator[str]:
    with loopback(lambda seen: _PROXY.get(seen.path, Answer(404, b"nope"))) as server:
        yield server.url


@pytest.mark.parametrize(
    ("endpoint", "status", "snippet"),
    [
        ("html-502", 502, "502 Bad Gateway"),
        ("truncated", 200, '{"id": "abc"'),
        ("html-200", 200, "Not Misskey"),
    ],
)
def test_non_misskey_bodies_are_invalid_responses(proxy: str, endpoint: str, status: int, snippet: str) -> None:
    with Misskey(proxy, token="secret-token-value") as mk, pytest.raises(InvalidResponseError) as excinfo:
        mk.request(endpoint)
    assert excinfo.value.status_code == status
    assert snippet in excinfo.value.snippet
    assert "secret-token-value" not in str(excinfo.value)


def test_wrong_shape_is_an_invalid_response(proxy: str) -> None:
    from misskey_client.api.notes import notes_show

    with Misskey(proxy) as mk, pytest.raises(InvalidResponseError) as excinfo:
        mk._call("list-not-object", {}, notes_show._parse)
    assert excinfo.value.endpoint == "list-not-object"


def test_redirects_are_not_followed(proxy: str) -> None:
    with Misskey(proxy, token="secret-token-value") as mk, pytest.raises(InvalidResponseError) as excinfo:
        mk.request("redirect")
    assert excinfo.value.status_code == 301
    assert "not followed" in str(excinfo.value)


def test_unreachable_host_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        with Misskey(f"http://127.0.0.1:{port}") as mk, pytest.raises(MisskeyConnectionError) as excinfo:
            mk.meta()
    assert excinfo.value.endpoint == "meta"


def test_timeout_is_typed() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)  # accepts the connection, never answers
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with Misskey(url, timeout=0.2) as mk, pytest.raises(MisskeyTimeoutError) as excinfo:
            mk.ping()
    assert isinstance(excinfo.value, TimeoutError)


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(InsecureTransportError, match="unencrypted"):
        Misskey("http://misskey.example", token="x")
    Misskey("http://misskey.example", allow_insecure=True).close()
