"""Fixtures for the misskey_auth tests: cassette scrubbing, the test server's accounts, a stand-in browser.

Tests marked ``@pytest.mark.vcr`` replay cassettes from ``cassettes/<module>/<test>.yaml`` (pytest-recording's
default record mode ``none``: no network). To re-record against a real Misskey 2026.3.2, export the
variables of ``/opt/misskey/tokens.env`` (MISSKEY_URL, MISSKEY_ADMIN_TOKEN, MISSKEY_USER_TOKEN,
MISSKEY_USER2_TOKEN) and run ``pytest tests/auth --record-mode=rewrite``.

Scrubbing keeps replays meaningful. Every secret seen while recording (the native tokens from the
environment, and each ``token``, ``accessToken`` and ``secret`` the server returns) is replaced,
everywhere in URLs, request bodies and response bodies, by a numbered placeholder. The same value always
gets the same placeholder, so a request made with a token the server returned earlier still matches on
replay: the tests prove which token was used without the cassette containing it. The legacy flow's
derived token (``sha256(accessToken + secret)``) is mapped to the same formula over the placeholders.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from misskey_auth import _miauth
from tests.recording import Scrubber


@pytest.fixture
def fixed_sessions(monkeypatch: pytest.MonkeyPatch, recording: bool, scrubber: Scrubber) -> Callable[[int], str]:
    """Make MiAuth sessions replayable: the n-th MiAuth of a test gets ``fixed_session(n)`` on replay.

    While recording, each MiAuth object still gets a fresh random session (re-recording must not reuse
    one), and the scrubber writes it down as ``fixed_session(n)``. Returns ``fixed_session``.
    """
    count = 0

    def new_session() -> str:
        nonlocal count
        count += 1
        if not recording:
            return fixed_session(count)
        real = _miauth._uuid4()
        scrubber.add(real, fixed_session(count))
        return real

    monkeypatch.setattr(_miauth, "_new_session", new_session)
    return fixed_session


def fixed_session(n: int = 1) -> str:
    """The session id cassettes contain for the n-th MiAuth object of a test."""
    return f"00000000-0000-4000-8000-{n:012d}"


def visit(url: str, timeout: float = 5.0) -> tuple[int, str]:
    """GET ``url`` the way a browser following a redirect would; returns (status, body).

    A plain socket on purpose: vcrpy patches httpx and http.client while a cassette is in use, and this
    request must reach the real loopback callback server.
    """
    parts = urlsplit(url)
    assert parts.hostname is not None
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout) as conn:
        conn.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: test-browser\r\n"
            "Connection: close\r\n\r\n".encode("ascii")
        )
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body.decode("utf-8")


@pytest.fixture
def browser_visit() -> Callable[[str], tuple[int, str]]:
    return visit
