"""AsyncMisskey over either backend, on real sockets: the same bytes out, the same errors back.

Each test runs over httpx's own transport and over aiohttp (the ``backend`` fixture), against the
loopback stand-in of ``conftest.py`` or a server made for the case.
"""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from misskey_client import (
    AsyncMisskey,
    InvalidResponseError,
    MisskeyConnectionError,
    MisskeyTimeoutError,
    RateLimitError,
    RetryPolicy,
)
from misskey_core import AsyncBackend
from tests.loopback import Answer, Loopback, Seen, json_answer, loopback
from tests.security.conftest import NOTE, TOKEN

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(max_attempts=3, backoff=0.001, max_backoff=0.002)


@pytest.mark.parametrize("token_in", ["header", "body"])
async def test_both_backends_send_the_same_request(stand_in: Loopback, token_in: Any) -> None:
    """Same headers (token included), same JSON body, same path: a server cannot tell them apart."""
    for backend in ("httpx", "aiohttp"):
        async with AsyncMisskey(stand_in.url, token=TOKEN, token_in=token_in, retry=None, backend=backend) as amk:
            assert (await amk.notes.show(note_id="n1")).id == "n1"
    over_httpx, over_aiohttp = stand_in.seen
    assert (
        (over_aiohttp.method, over_aiohttp.path) == (over_httpx.method, over_httpx.path) == ("POST", "/api/notes/show")
    )
    assert over_aiohttp.headers == over_httpx.headers | {"host": over_aiohttp.headers["host"]}
    assert over_aiohttp.headers["content-type"] == "application/json"
    assert over_aiohttp.body == over_httpx.body  # byte for byte: the same JSON encoding
    if token_in == "header":
        assert over_aiohttp.headers["authorization"] == f"Bearer {TOKEN}"
        assert over_aiohttp.json() == {"noteId": "n1"}
    else:
        assert "authorization" not in over_aiohttp.headers
        assert over_aiohttp.json() == {"noteId": "n1", "i": TOKEN}


async def test_the_default_backend_is_aiohttp_when_installed(stand_in: Loopback) -> None:
    async with AsyncMisskey(stand_in.url) as amk:
        assert amk.backend == "aiohttp"
        assert (await amk.notes.show(note_id="n2")).id == "n2"
    assert AsyncMisskey(stand_in.url, backend="httpx").backend == "httpx"


@pytest.mark.parametrize(
    "option",
    [{"transport": httpx.AsyncHTTPTransport()}, {"http2": True}, {"proxy": "http://127.0.0.1:9"}],
    ids=["transport", "http2", "proxy"],
)
def test_options_only_httpx_honours_choose_httpx(option: dict[str, Any]) -> None:
    """``auto`` quietly takes httpx for them; asking for aiohttp with one is an error that says why."""
    assert AsyncMisskey("misskey.example", **option).backend == "httpx"
    name = next(iter(option))
    with pytest.raises(ValueError, match=f"cannot honour {name}=.*backend='httpx'"):
        AsyncMisskey("misskey.example", backend="aiohttp", **option)


def test_a_proxy_from_the_environment_chooses_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "bypassed.example")
    assert AsyncMisskey("misskey.example").backend == "httpx"
    assert AsyncMisskey("bypassed.example").backend == "aiohttp"
    assert AsyncMisskey("misskey.example", trust_env=False).backend == "aiohttp"
    with pytest.raises(ValueError, match="the proxy from the environment"):
        AsyncMisskey("misskey.example", backend="aiohttp")


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="backend must be 'auto', 'aiohttp' or 'httpx'"):
        AsyncMisskey("misskey.example", backend="curl")  # type: ignore[arg-type]


def test_each_backend_keeps_idle_connections_as_its_library_would() -> None:
    """httpcore looks at every idle connection on each request, so over httpx they go after httpx's
    5 s; aiohttp's cost nothing per request and stay its 15 s. ``limits=`` sets both."""
    over_httpx = AsyncMisskey("misskey.example", backend="httpx")._http
    assert over_httpx._transport._pool._keepalive_expiry == 5.0  # type: ignore[attr-defined]
    over_aiohttp = AsyncMisskey("misskey.example", backend="aiohttp")._http
    assert over_aiohttp._transport._limits.keepalive_expiry == 15.0  # type: ignore[attr-defined]
    chosen = httpx.Limits(max_connections=7, keepalive_expiry=30.0)
    for backend in ("httpx", "aiohttp"):
        pool = AsyncMisskey("misskey.example", backend=backend, limits=chosen)._http._transport
        if backend == "httpx":
            assert pool._pool._keepalive_expiry == 30.0  # type: ignore[attr-defined]
        else:
            assert pool._limits is chosen  # type: ignore[attr-defined]


async def test_httpx_side_options_still_apply_over_aiohttp() -> None:
    """``params``, ``cookies`` and ``event_hooks`` are httpx.AsyncClient's: calls go through it, over aiohttp."""
    hooked: list[str] = []

    async def hook(request: httpx.Request) -> None:
        hooked.append(request.url.path)

    options: dict[str, Any] = {"params": {"via": "httpx"}, "cookies": {"c": "1"}, "event_hooks": {"request": [hook]}}
    with loopback(lambda request: json_answer(NOTE)) as server:
        async with AsyncMisskey(server.url, token=TOKEN, retry=None, backend="aiohttp", **options) as amk:
            assert (await amk.notes.show(note_id=NOTE["id"])).id == NOTE["id"]
            assert amk._fast is None
    [request] = server.seen
    assert request.path == "/api/notes/show?via=httpx"
    assert request.headers["cookie"] == "c=1"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert hooked == ["/api/notes/show"]


# -- failures ------------------------------------------------------------------------------------


async def test_a_read_timeout_is_a_timeout_error(stand_in: Loopback, backend: AsyncBackend) -> None:
    async with AsyncMisskey(stand_in.url, retry=None, timeout=0.2, backend=backend) as amk:
        with pytest.raises(MisskeyTimeoutError) as excinfo:
            await amk.request("notes/show-slowly", {"noteId": "slow"})
    assert isinstance(excinfo.value.__cause__, httpx.ReadTimeout)
    assert not excinfo.value.never_sent  # it reached the server: a write would not be retried


async def test_a_refused_connection_is_never_sent_and_retried_even_for_writes(backend: AsyncBackend) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: every connection is refused
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with AsyncMisskey(url, retry=FAST, backend=backend) as amk:
            with pytest.raises(MisskeyConnectionError) as excinfo:
                await amk.request("notes/create", {"text": "never sent"})
    assert isinstance(excinfo.value.__cause__, httpx.ConnectError)
    assert (excinfo.value.never_sent, excinfo.value.attempts) == (True, 3)


async def test_a_connection_cut_mid_body_may_have_run(stand_in: Loopback, backend: AsyncBackend) -> None:
    async with AsyncMisskey(stand_in.url, retry=FAST, backend=backend) as amk:
        with pytest.raises(MisskeyConnectionError) as excinfo:
            await amk.request("cut-mid-body", {})  # not a known read: not retried
    assert isinstance(excinfo.value.__cause__, httpx.RemoteProtocolError)
    assert (excinfo.value.never_sent, excinfo.value.attempts) == (False, 1)


def _rate_limited(seen: list[Seen]) -> Any:
    """429 with ``Retry-After: 0`` to the first call of each note, then the note."""

    def answer(request: Seen) -> Answer:
        seen.append(request)
        note_id = request.json()["noteId"]
        if sum(1 for s in seen if s.json()["noteId"] == note_id) == 1:
            body = {"error": {"code": "RATE_LIMIT_EXCEEDED", "id": "x", "message": "slow down", "info": {}}}
            limited = json_answer(body, 429)
            return Answer(429, limited.body, (*limited.headers, ("Retry-After", "0")))
        return json_answer(NOTE | {"id": note_id})

    return answer


async def test_a_429_is_waited_out_and_retried(backend: AsyncBackend) -> None:
    seen: list[Seen] = []
    with loopback(_rate_limited(seen)) as server:
        async with AsyncMisskey(server.url, retry=FAST, backend=backend) as amk:
            assert (await amk.notes.show(note_id="later")).id == "later"
        async with AsyncMisskey(server.url, retry=None, backend=backend) as amk:
            with pytest.raises(RateLimitError) as excinfo:
                await amk.notes.show(note_id="now")
    assert excinfo.value.retry_after == 0.0
    assert [s.json()["noteId"] for s in seen] == ["later", "later", "now"]


async def test_compressed_answers_are_decoded_and_bad_ones_refused(stand_in: Loopback, backend: AsyncBackend) -> None:
    async with AsyncMisskey(stand_in.url, retry=None, backend=backend) as amk:
        for route, why in (("gzip-of-html", "expected JSON, got text/html"), ("bad-gzip", "DecodingError")):
            with pytest.raises(InvalidResponseError, match=why):
                await amk.request(route)


@pytest.fixture
def gzipping() -> Iterator[Loopback]:
    def answer(request: Seen) -> Answer:
        body = gzip.compress(json.dumps({"pong": 1}).encode())
        return Answer(200, body, (("Content-Type", "application/json"), ("Content-Encoding", "gzip")))

    with loopback(answer) as server:
        yield server


async def test_a_gzipped_json_answer_is_read(gzipping: Loopback, backend: AsyncBackend) -> None:
    async with AsyncMisskey(gzipping.url, retry=None, backend=backend) as amk:
        assert (await amk.ping()).pong == 1
    assert "gzip" in gzipping.seen[0].headers["accept-encoding"]


# -- uploads -------------------------------------------------------------------------------------


def _stored(request: Seen) -> Answer:
    return json_answer({"received": len(request.body), "type": request.headers.get("content-type", "")})


async def test_an_upload_streams_with_a_length_and_progress(backend: AsyncBackend) -> None:
    payload = bytes(range(256)) * 1024  # 256 KiB: four of httpx's 64 KiB chunks
    seen: list[tuple[int, int | None]] = []
    with loopback(_stored) as server:
        async with AsyncMisskey(server.url, token=TOKEN, retry=None, backend=backend) as amk:
            answer = await amk.request(
                "drive/files/create",
                {"name": "blob.bin", "isSensitive": False},
                files={"file": payload},
                progress=lambda sent, total: seen.append((sent, total)),
            )
    [request] = server.seen
    assert "transfer-encoding" not in request.headers  # a Content-Length, not chunks
    assert answer["received"] == int(request.headers["content-length"]) > len(payload)
    assert answer["type"].startswith("multipart/form-data; boundary=")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert payload in request.body
    assert request.body.index(b'name="name"') < request.body.index(b'name="file"')  # fields first
    assert seen[-1] == (len(payload), len(payload))
    assert len(seen) >= 4 and [sent for sent, _ in seen] == sorted(sent for sent, _ in seen)


def test_httpcore_finds_sniffio_so_no_request_pays_a_failed_import() -> None:
    """httpcore imports sniffio on every async request; without it each import fails anew and
    searches every path again, a quarter of a call's CPU. The distribution depends on it, so the
    import is answered from ``sys.modules`` and no finder is asked."""
    import asyncio
    import sys
    from importlib.metadata import requires

    from httpcore._synchronization import current_async_library

    assert any(requirement.startswith("sniffio") for requirement in requires("misskey-client") or [])

    asked: list[str] = []

    class Recorder:
        @staticmethod
        def find_spec(name: str, *args: object) -> None:
            asked.append(name)

    async def detect() -> list[str]:
        return [current_async_library() for _ in range(3)]

    asyncio.run(detect())  # the first call may import sniffio for real
    sys.meta_path.insert(0, Recorder)
    try:
        assert asyncio.run(detect()) == ["asyncio"] * 3
    finally:
        sys.meta_path.remove(Recorder)
    assert "sniffio" not in asked
