"""No token in anything a program prints or logs: reprs, error messages, tracebacks, log records.

Every logger is captured at DEBUG (httpx, httpcore, websockets and ours) while clients make
normal calls, failing calls and a streaming session; each record is rendered the way a handler
would (message, arguments, traceback) and searched for the token. Cassettes are checked by
``tests/test_cassette_secrets.py``: every recorded request and response, for every credential.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

from misskey_client import AsyncMisskey, Misskey, MisskeyError, RetryPolicy
from misskey_core import AsyncBackend, AuthenticationError, TokenLocation
from misskey_core._events import NoteEvent
from misskey_core._streaming import AsyncStream, SyncStream
from tests.loopback import Loopback
from tests.security.conftest import TOKEN
from tests.streaming.conftest import TOKEN as REPLAY_TOKEN
from tests.streaming.replay import SERVER_LOGGER, Recording, ReplayServer, threaded_replay

LOGGERS = ("", "httpx", "httpcore", "websockets", "websockets.client", "misskey_core", "misskey_client", "asyncio")
FAILING_ROUTES = ("error-400", "error-401", "error-403", "error-429", "error-500", "html-502", "truncated", "redirect")
_FORMAT = logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s %(args)r")


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def rendered(record: logging.LogRecord) -> str:
    """A record as any handler might write it: formatted message, raw arguments, traceback, stack."""
    parts = [_FORMAT.format(record), repr(record.msg), repr(record.args)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    return "\n".join(parts)


def leaks(caplog: pytest.LogCaptureFixture, secret: str, *, ignore: str | None = None) -> list[str]:
    return [rendered(r) for r in caplog.records if r.name != ignore and secret in rendered(r)]


def described(exc: BaseException) -> str:
    """Everything an exception shows: str, repr, the formatted traceback with its chained causes."""
    return f"{exc}\n{exc!r}\n" + "".join(traceback.format_exception(exc))


# -- clients -------------------------------------------------------------------------------------


@pytest.mark.parametrize("token_in", ["header", "body"])
def test_client_reprs_hide_the_token(token_in: TokenLocation) -> None:
    with Misskey("misskey.example", token=TOKEN, token_in=token_in) as mk:
        clone = mk.with_options(retry=RetryPolicy(retry_writes=True))
        for text in (repr(mk), str(mk), repr(clone), repr(mk.notes), repr(mk.retry), repr(vars(mk).get("_http"))):
            assert TOKEN not in text
        assert "token=<set>" in repr(mk)
    amk = AsyncMisskey("misskey.example", token=TOKEN, token_in=token_in)
    assert TOKEN not in repr(amk) + str(amk)


# -- calls that succeed and calls that fail ------------------------------------------------------


@pytest.mark.parametrize("token_in", ["header", "body"])
def test_no_token_in_errors_or_logs_of_sync_calls(
    stand_in: Loopback, everything_logged: pytest.LogCaptureFixture, token_in: TokenLocation
) -> None:
    errors: list[BaseException] = []
    with Misskey(stand_in.url, token=TOKEN, token_in=token_in, retry=RetryPolicy(max_attempts=2, backoff=0)) as mk:
        assert mk.notes.show(note_id="n1").id == "n1"
        assert mk.request("ping") == {"pong": 1}
        for route in FAILING_ROUTES:
            with pytest.raises(MisskeyError) as excinfo:
                mk.request(route)
            errors.append(excinfo.value)
    assert len(stand_in.received(TOKEN)) == len(stand_in.seen)  # the token was sent every time...
    assert any(r.name.startswith("httpx") for r in everything_logged.records)  # ...and httpx did log
    assert any(r.name.startswith("httpcore") for r in everything_logged.records)
    assert [described(e) for e in errors if TOKEN in described(e)] == []
    assert leaks(everything_logged, TOKEN) == []


def test_no_token_in_transport_errors() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        for url, timeout in ((refused, 5.0), (f"http://127.0.0.1:{silent.getsockname()[1]}", 0.2)):
            for token_in in ("header", "body"):
                with (
                    Misskey(url, token=TOKEN, token_in=token_in, timeout=timeout, retry=None) as mk,
                    pytest.raises(MisskeyError) as excinfo,
                ):
                    mk.request("i", {"text": "x"})
                assert TOKEN not in described(excinfo.value)


def test_no_token_in_locals_of_a_traceback_in_header_mode() -> None:
    """Error trackers record frame locals; with the token in the header none of them holds it.

    (With ``token_in="body"`` the JSON body, ``i`` included, is a local of httpx's frames.)
    """
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with Misskey(url, token=TOKEN, timeout=0.2, retry=None) as mk, pytest.raises(MisskeyError) as excinfo:
            mk.request("i", {"text": "x"})
    report = traceback.TracebackException.from_exception(excinfo.value, capture_locals=True)
    assert TOKEN not in "".join(report.format())


@pytest.mark.anyio
@pytest.mark.parametrize("token_in", ["header", "body"])
async def test_no_token_in_errors_or_logs_of_async_calls(
    stand_in: Loopback, everything_logged: pytest.LogCaptureFixture, token_in: TokenLocation, backend: AsyncBackend
) -> None:
    errors: list[BaseException] = []
    async with AsyncMisskey(stand_in.url, token=TOKEN, token_in=token_in, retry=None, backend=backend) as amk:
        assert (await amk.notes.show(note_id="n1")).id == "n1"
        for route in FAILING_ROUTES:
            try:
                await amk.request(route)
            except MisskeyError as exc:
                errors.append(exc)
    assert len(errors) == len(FAILING_ROUTES)
    assert [described(e) for e in errors if TOKEN in described(e)] == []
    assert leaks(everything_logged, TOKEN) == []


# -- streaming -----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_no_token_in_the_logs_of_a_streaming_session(
    server: ReplayServer, recorded: Recording, everything_logged: pytest.LogCaptureFixture, backend: AsyncBackend
) -> None:
    """The recorded session, cut and reconnected, with its REST backfill: every log record at DEBUG."""
    posted = recorded.meta["posted"]
    delivered: list[Any] = []
    async with (
        AsyncMisskey(server.url, token=REPLAY_TOKEN, backend=backend) as client,
        AsyncStream(client, backoff_initial=0.01, backfill_page_size=recorded.meta["page_size"]) as stream,
    ):
        home = await stream.connect("homeTimeline")
        await stream.connect("main")

        async def collect() -> None:
            async for event in home:
                assert isinstance(event, NoteEvent)
                delivered.append(event)
                if len(delivered) == 1:
                    await stream.capture(event.note.id)  # the recorded session captures the first note
                if event.note.id == posted[-1]:
                    return

        await asyncio.wait_for(collect(), 10)
        assert TOKEN not in repr(stream) + repr(home)
    assert [event.note.id for event in delivered if event.note.id in posted] == posted
    assert server.connections[0].headers["Authorization"] == f"Bearer {REPLAY_TOKEN}"
    names = {record.name for record in everything_logged.records}
    assert {"websockets.client", "httpx"} <= names  # the handshake headers were logged, redacted
    assert leaks(everything_logged, REPLAY_TOKEN, ignore=SERVER_LOGGER) == []


@pytest.mark.anyio
async def test_a_refused_streaming_token_leaks_nowhere(
    everything_logged: pytest.LogCaptureFixture, backend: AsyncBackend
) -> None:
    async with ReplayServer() as server:
        server.reject_from = 1  # Misskey's raw 401 to the upgrade request
        async with AsyncMisskey(server.url, token=REPLAY_TOKEN, backend=backend) as client:
            with pytest.raises(AuthenticationError) as excinfo:
                async with AsyncStream(client, backoff_initial=0.01):
                    pass
    assert REPLAY_TOKEN not in described(excinfo.value)
    assert leaks(everything_logged, REPLAY_TOKEN, ignore=SERVER_LOGGER) == []


def test_no_token_in_the_logs_of_a_sync_streaming_session(
    recorded: Recording, everything_logged: pytest.LogCaptureFixture
) -> None:
    recorded.sessions = {1: recorded.sessions[1][:4]}  # join both channels, nothing more
    with (
        threaded_replay(recorded) as server,
        Misskey(server.url, token=REPLAY_TOKEN) as client,
        SyncStream(client) as stream,
    ):
        stream.connect("homeTimeline")
        stream.connect("main")
        assert REPLAY_TOKEN not in repr(stream)
    assert leaks(everything_logged, REPLAY_TOKEN, ignore=SERVER_LOGGER) == []


@pytest.fixture
def recorded() -> Iterator[Recording]:
    yield Recording.load("reconnect_backfill.jsonl")


@pytest.fixture
async def server(recorded: Recording) -> Any:
    async with ReplayServer(recorded) as replay:
        yield replay


def test_the_leak_check_finds_a_leak(everything_logged: pytest.LogCaptureFixture) -> None:
    """The control: a token in a message, in an argument or in a traceback is found."""
    log = logging.getLogger("httpx")
    log.debug("Authorization: Bearer %s", TOKEN)
    try:
        raise ValueError(f"bad {TOKEN}")
    except ValueError:
        log.exception("failed")
    assert len(leaks(everything_logged, TOKEN)) == 2
