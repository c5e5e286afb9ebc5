"""A loopback Misskey stand-in that replays recorded streaming sessions over real sockets.

One ``asyncio`` server on 127.0.0.1 answers both halves of what the stream client talks to:

* ``GET /streaming`` (websocket upgrade, via websockets' sans-I/O ``ServerProtocol``): session *n*
  of the recording is played as a script. A ``sent`` record waits until the client really sent the
  same message (a ``connect`` to the same channel with the same params, ``s``/``sr``/``un`` for
  the same note); a ``recv`` record is sent to the client, its channel ids rewritten to the ids the
  client chose; a ``cut`` record drops the TCP connection with no close handshake, as a dying
  proxy or network would. Pings are answered unless the server is told to ``freeze``.
* ``POST /api/<endpoint>``: the REST answers recorded alongside, matched on the endpoint and the
  parsed JSON body, so the client's backfill is served real server data, offline (after ``delay``
  seconds, if a hand-made record says so).

Everything the client sent (handshake headers, messages, REST requests) is kept for assertions,
and anything unexpected lands in ``errors`` (the tests assert it stays empty).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

FRAMES = Path(__file__).parent / "frames"
#: The replay server's own protocol log (it sees the token, being the server).
SERVER_LOGGER = "tests.streaming.replay"

#: What Misskey 2026.3.2 writes on the raw socket for a bad token (StreamingApiServerService.ts).
MISSKEY_401 = (
    b"HTTP/1.1 401 Unauthorized\r\n"
    b'WWW-Authenticate: Bearer realm="Misskey", error="invalid_token", '
    b'error_description="Failed to authenticate"\r\n\r\n'
)


@dataclass
class Recording:
    """A JSONL recording: socket sessions (lists of records) and REST exchanges."""

    meta: dict[str, Any]
    sessions: dict[int, list[dict[str, Any]]]
    rest: list[dict[str, Any]]

    @classmethod
    def load(cls, name: str) -> Recording:
        meta: dict[str, Any] = {}
        sessions: dict[int, list[dict[str, Any]]] = {}
        rest: list[dict[str, Any]] = []
        for line in (FRAMES / name).read_text("utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if record["kind"] == "meta":
                meta = record
            elif record["kind"] == "rest":
                rest.append(record)
            else:
                sessions.setdefault(record["session"], []).append(record)
        return cls(meta, sessions, rest)

    def frames(self, kind: str = "recv") -> Iterable[dict[str, Any]]:
        for records in self.sessions.values():
            for record in records:
                if record["kind"] == kind:
                    yield record["frame"]


@dataclass
class Connection:
    """One websocket connection as the server saw it."""

    path: str
    headers: dict[str, str]
    messages: list[dict[str, Any]] = field(default_factory=list)


class ReplayServer:
    def __init__(self, recording: Recording | None = None, *, step_timeout: float = 10.0) -> None:
        self.recording = recording or Recording({}, {}, [])
        self.step_timeout = step_timeout
        #: Upgrade requests answered with Misskey's 401 before any is accepted (from the n-th on).
        self.reject_from: int | None = None
        #: Stop reading (and so answering pings) once the session script is done.
        self.freeze_after_script = False
        self.connections: list[Connection] = []
        self.upgrade_attempts = 0
        self.rest_requests: list[tuple[str, Any]] = []
        self.errors: list[str] = []
        self.url = ""
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> ReplayServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    # -- HTTP routing ------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                if head.startswith(b"POST "):
                    await self._rest(head, reader, writer)
                    continue
                await self._websocket(head, reader, writer)
                return
        except Exception as exc:
            self.errors.append(f"server crashed: {type(exc).__name__}: {exc}")
        finally:
            writer.close()

    async def _rest(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1]
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        endpoint = path.removeprefix("/api/")
        params = json.loads(body or b"{}")
        self.rest_requests.append((endpoint, params))
        status, answer = 404, {"error": {"code": "NOT_RECORDED", "message": f"{endpoint} {params}"}}
        matches = [i for i, r in enumerate(self.recording.rest) if r["endpoint"] == endpoint and r["params"] == params]
        if matches:
            record = self.recording.rest[matches[0]]
            status, answer = record["status"], record["response"]
            await asyncio.sleep(record.get("delay", 0))  # a hand-made record may answer late
        else:
            self.errors.append(f"unrecorded REST request {endpoint} {params}")
        data = b"" if status == 204 else json.dumps(answer).encode()
        reason = {200: "OK", 204: "No Content"}.get(status, "Error")
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json; charset=utf-8\r\n"
            f"content-length: {len(data)}\r\n\r\n".encode()
            + data
        )
        await writer.drain()

    # -- websocket ---------------------------------------------------------------------------------

    async def _websocket(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.upgrade_attempts += 1
        if self.reject_from is not None and self.upgrade_attempts >= self.reject_from:
            writer.write(MISSKEY_401)
            await writer.drain()
            return
        protocol = ServerProtocol(logger=logging.getLogger(SERVER_LOGGER))
        protocol.receive_data(head)
        request = protocol.events_received()[0]
        assert isinstance(request, Request)
        protocol.send_response(protocol.accept(request))
        writer.write(b"".join(protocol.data_to_send()))
        connection = Connection(request.path, dict(request.headers.raw_items()))
        self.connections.append(connection)
        session = len(self.connections)
        live = _Live(protocol, writer, connection)
        pump = asyncio.create_task(live.pump(reader))
        play = asyncio.create_task(self._play(session, live))
        try:
            await asyncio.wait({pump, play}, return_when=asyncio.FIRST_COMPLETED)
            if play.done() and play.result():
                writer.close()  # the cut: FIN without a close frame, the connection just dies
                return
            if play.done() and self.freeze_after_script:
                live.frozen = True
            await pump
        finally:
            pump.cancel()
            play.cancel()

    async def _play(self, session: int, live: _Live) -> bool:
        ids: dict[str, str] = {}  # recorded channel id -> the client's id
        for record in self.recording.sessions.get(session, []):
            if record["kind"] == "cut":
                return True
            if record["kind"] == "sent":
                if not await live.expect(record["frame"], ids, self.step_timeout):
                    self.errors.append(f"session {session}: client never sent {record['frame']}")
                    return False
            elif record["kind"] == "recv":
                live.send_raw(json.dumps(_remap(record["frame"], ids)))
                await live.writer.drain()
            elif record["kind"] == "raw":  # hand-made bad input, sent verbatim
                live.send_raw(record["text"])
                await live.writer.drain()
        return False


def _remap(frame: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    body = frame.get("body")
    if frame.get("type") in ("channel", "connected") and isinstance(body, dict) and body.get("id") in ids:
        return frame | {"body": body | {"id": ids[body["id"]]}}
    return frame


class _Live:
    """The server end of one websocket: reads the client's messages, sends frames."""

    def __init__(self, protocol: ServerProtocol, writer: asyncio.StreamWriter, connection: Connection) -> None:
        self.protocol = protocol
        self.writer = writer
        self.connection = connection
        self.frozen = False
        self._unmatched: list[dict[str, Any]] = []
        self._arrived = asyncio.Condition()

    def send_raw(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self.writer.write(b"".join(self.protocol.data_to_send()))

    async def pump(self, reader: asyncio.StreamReader) -> None:
        while True:
            data = await reader.read(65536)
            if not data:
                return
            if self.frozen:
                continue  # a dead peer: what arrives is never processed, pings get no pong
            self.protocol.receive_data(data)
            for frame in self.protocol.events_received():
                if isinstance(frame, Frame) and frame.opcode is Opcode.TEXT:
                    message = json.loads(bytes(frame.data))
                    self.connection.messages.append(message)
                    async with self._arrived:
                        self._unmatched.append(message)
                        self._arrived.notify_all()
            for chunk in self.protocol.data_to_send():
                if chunk == b"":  # the close handshake is done: the server closes TCP first
                    self.writer.close()
                    return
                self.writer.write(chunk)

    async def expect(self, recorded: dict[str, Any], ids: dict[str, str], timeout: float) -> bool:
        def find() -> dict[str, Any] | None:
            for message in self._unmatched:
                if _same(recorded, message, ids):
                    return message
            return None

        async with self._arrived:
            try:
                found = await asyncio.wait_for(self._arrived.wait_for(find), timeout)
            except asyncio.TimeoutError:
                return False
            assert found is not None
            message = found
            self._unmatched.remove(message)
        if recorded["type"] == "connect":
            ids[recorded["body"]["id"]] = message["body"]["id"]
        return True


def _same(recorded: dict[str, Any], message: dict[str, Any], ids: dict[str, str]) -> bool:
    if recorded.get("type") != message.get("type"):
        return False
    want, got = recorded.get("body") or {}, message.get("body") or {}
    if recorded["type"] == "connect":
        keys = ("channel", "params", "pong")
        return all(want.get(key) == got.get(key) for key in keys)
    if recorded["type"] in ("disconnect", "ch", "channel"):
        return ids.get(str(want.get("id"))) == got.get("id")
    return bool(want == got)


@contextlib.contextmanager
def threaded_replay(recording: Recording) -> Iterator[ReplayServer]:
    """A ``ReplayServer`` on its own event loop thread, for the blocking client's tests."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = ReplayServer(recording)
    asyncio.run_coroutine_threadsafe(server.__aenter__(), loop).result(5)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.__aexit__(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
