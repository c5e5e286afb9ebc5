"""Record the streaming scenarios the replay tests play back, from a real Misskey server.

    set -a; . /path/to/tokens.env; set +a     # MISSKEY_URL, MISSKEY_USER_TOKEN, MISSKEY_USER2_TOKEN
    .venv/bin/python -m tests.streaming.record_frames

writes ``tests/streaming/frames/reconnect_backfill.jsonl`` and ``upload_from_url.jsonl``. The real
``AsyncStream`` runs against the server (alice's token) with its socket and its REST calls tapped.

reconnect_backfill:

* session 1: join ``homeTimeline`` and ``main``; alice posts A1, captures it; bob reacts to A1 and
  mentions alice; alice posts A2 and A3; then the socket is cut (aborted, no close handshake);
* while it is down alice posts A4..A7 (two full backfill pages of two), and bob mentions alice,
  replies to A2 and follows her; then the reconnect is allowed;
* session 2: the client re-joins both channels and re-captures A1; alice posts A8 just before the
  timeline backfill's first REST request goes out, so the server delivers A8 twice (REST and
  socket); ``main`` is refilled from i/notifications (the mention, the reply, the follow and their
  notifications); bob removes his reaction (proving the re-capture) and alice posts A9.

upload_from_url: alice has the server download a file served on loopback; the stream waits for the
``urlUploadFinished`` event with the marker (fixed while recording, so replay can match it).

Every frame each way, every REST exchange of the stream, and the expected outcome are written as
JSON lines. Tokens are replaced by the placeholders the test fixtures use and the server address by
``REPLAY_URL``; the script refuses to write a file in which a token survived.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock

import httpx

from misskey_client import AsyncMisskey
from misskey_client.streaming import HomeTimeline, Main
from misskey_core import strict_parsing
from misskey_core._events import Event, NoteEvent
from misskey_core._streaming import AsyncStream
from tests.recording import REPLAY_URL, Scrubber

FRAMES = Path(__file__).parent / "frames"
PAGE_SIZE = 2
#: The marker upload_from_url sends while recording (and replaying): uuid4 is patched to this.
MARKER = uuid.UUID("00000000-0000-4000-8000-00000000cafe")
UPLOAD = b"a file the server downloads from loopback\n"


class _Tap:
    """Wraps the client's websocket connection and logs every message each way."""

    def __init__(self, ws: Any, log: list[dict[str, Any]], session: int) -> None:
        self._ws = ws
        self._log = log
        self._session = session

    @property
    def close_code(self) -> int | None:
        code: int | None = self._ws.close_code
        return code

    @property
    def transport(self) -> Any:
        return self._ws.transport

    async def send(self, message: str) -> None:
        self._log.append({"kind": "sent", "session": self._session, "frame": json.loads(message)})
        await self._ws.send(message)

    async def close(self) -> None:
        await self._ws.close()

    def __aiter__(self) -> Any:
        return self._frames()

    async def _frames(self) -> Any:
        async for frame in self._ws:
            self._log.append({"kind": "recv", "session": self._session, "frame": json.loads(frame)})
            yield frame


class RecordingStream(AsyncStream):
    log: ClassVar[list[dict[str, Any]]] = []  # set per recording (upload_from_url makes its own streams)

    def __init__(self, client: Any, **options: Any) -> None:
        super().__init__(client, **options)
        self.sockets: list[_Tap] = []
        self.may_reconnect = asyncio.Event()

    async def _open_socket(self) -> Any:
        if self.sockets:
            await self.may_reconnect.wait()
        tap = _Tap(await super()._open_socket(), RecordingStream.log, len(self.sockets) + 1)
        self.sockets.append(tap)
        return tap


async def _until(predicate: Any, what: str, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _rest_tap(log: list[dict[str, Any]]) -> Any:
    async def tap(response: httpx.Response) -> None:
        await response.aread()
        log.append(
            {
                "kind": "rest",
                "endpoint": response.request.url.path.removeprefix("/api/"),
                "params": json.loads(response.request.content or b"{}"),
                "status": response.status_code,
                "response": response.json() if response.content else None,
            }
        )

    return tap


async def _post(client: AsyncMisskey, text: str, **extra: Any) -> str:
    note_id: str = (await client.request("notes/create", {"text": text} | extra))["createdNote"]["id"]
    return note_id


async def record_reconnect(url: str, alice_token: str, bob_token: str) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = []
    RecordingStream.log = log
    posted: list[str] = []
    post_before_backfill: list[str] = []

    async with AsyncMisskey(url, token=alice_token) as alice, AsyncMisskey(url, token=bob_token) as bob:
        alice_id = (await alice.request("i"))["id"]
        if (await bob.request("users/relation", {"userId": alice_id}))[0]["isFollowing"]:
            await bob.request("following/delete", {"userId": alice_id})  # left over from a run before

        async def before_request(request: httpx.Request) -> None:
            # A note posted after the re-join but before the backfill query: the server sends it
            # both ways, which is exactly the duplicate the client must drop.
            if post_before_backfill and request.url.path.endswith("/notes/timeline") and b"sinceId" in request.content:
                posted.append(await _post(alice, post_before_backfill.pop()))

        stream_client = AsyncMisskey(
            url, token=alice_token, event_hooks={"request": [before_request], "response": [_rest_tap(log)]}
        )
        async with stream_client:
            stream = RecordingStream(stream_client, backfill_page_size=PAGE_SIZE, backoff_initial=0.2)
            async with stream:
                home = await stream.connect(HomeTimeline())
                main = await stream.connect(Main())
                delivered: list[Event] = []
                main_events: list[Event] = []
                updates: list[Any] = []

                async def drain(iterator: Any, into: list[Any]) -> None:
                    async for item in iterator:
                        into.append(item)

                def mine() -> list[str]:  # alice follows bob: his notes are on her timeline too
                    return [e.note.id for e in delivered if isinstance(e, NoteEvent) and e.note.user_id == alice_id]

                readers = [asyncio.create_task(drain(home, delivered)), asyncio.create_task(drain(main, main_events))]
                await asyncio.sleep(1.0)  # let the baseline requests settle
                posted.append(await _post(alice, "stream test A1"))
                await _until(lambda: len(mine()) == 1, "A1")
                capture = await stream.capture(posted[0])
                readers.append(asyncio.create_task(drain(capture, updates)))
                await asyncio.sleep(0.3)
                await bob.request("notes/reactions/create", {"noteId": posted[0], "reaction": "👍"})
                await _until(lambda: len(updates) == 1, "the reaction")
                await bob.request("notes/create", {"text": "@alice are you there?"})
                await _until(lambda: len(main_events) >= 3, "the mention and its notification")
                for n in (2, 3):
                    posted.append(await _post(alice, f"stream test A{n}"))
                await _until(lambda: len(mine()) == 3, "A2, A3")
                await asyncio.sleep(2.5)  # the unreadNotification events come 2 s after the notifications

                log.append({"kind": "cut", "session": 1})
                stream.sockets[0].transport.abort()
                await _until(lambda: stream._ws is None, "the client to notice the cut")
                for n in (4, 5, 6, 7):
                    posted.append(await _post(alice, f"stream test A{n} (posted while disconnected)"))
                missed = [
                    await _post(bob, "@alice did you see this while you were away?"),
                    await _post(bob, "a reply while you were away", replyId=posted[1]),
                ]
                await bob.request("following/create", {"userId": alice_id})
                await asyncio.sleep(1.0)  # the notifications are written
                post_before_backfill.append("stream test A8 (posted during the re-join)")
                stream.may_reconnect.set()
                await _until(lambda: len(mine()) == 8, "the backfill", timeout=30)
                await _until(lambda: sum(e.backfilled for e in main_events) >= 6, "main's backfill", timeout=30)
                await asyncio.sleep(1.0)  # the socket's copy of A8 arrives and is dropped
                await bob.request("notes/reactions/delete", {"noteId": posted[0]})
                await _until(lambda: len(updates) == 2, "the unreaction")
                posted.append(await _post(alice, "stream test A9"))
                await _until(lambda: len(mine()) == 9, "A9")
                await asyncio.sleep(0.5)
                stats = stream.stats
                for reader in readers:
                    reader.cancel()
        await bob.request("following/delete", {"userId": alice_id})

    ids = mine()
    if ids != posted:
        sys.exit(f"the live run itself lost or reordered notes: posted {posted}, delivered {ids}")
    log.insert(
        0,
        {
            "kind": "meta",
            "server": "Misskey 2026.3.2",
            "scenario": " ".join(__doc__.split("\n\n")[3:5]) if __doc__ else "",
            "page_size": PAGE_SIZE,
            "posted": posted,
            "missed_by_bob": missed,
            "captured": posted[0],
            "stats": {
                "reconnects": stats.reconnects,
                "backfilled": stats.backfilled,
                "duplicates_dropped": stats.duplicates_dropped,
            },
            "main_events": [[event.type, event.backfilled] for event in main_events],
            "note_updates": [update.type for update in updates],
        },
    )
    return log


@contextmanager
def _file_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(UPLOAD)))
            self.end_headers()
            self.wfile.write(UPLOAD)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/upload-from-url.txt"
    finally:
        server.shutdown()
        server.server_close()


async def record_upload(url: str, alice_token: str) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = []
    RecordingStream.log = log
    with _file_server() as file_url, mock.patch("misskey_core._drive.uuid.uuid4", return_value=MARKER):
        async with AsyncMisskey(url, token=alice_token, event_hooks={"response": [_rest_tap(log)]}) as alice:
            with mock.patch("misskey_core._streaming.AsyncStream", RecordingStream):
                uploaded = await alice.drive.upload_from_url(file_url, force=True, timeout=30)
            await alice.request("drive/files/delete", {"fileId": uploaded.id})
    log.insert(
        0,
        {
            "kind": "meta",
            "server": "Misskey 2026.3.2",
            "url": file_url,
            "marker": MARKER.hex,
            "file": {"name": uploaded.name, "size": uploaded.size, "type": uploaded.type},
        },
    )
    return log


def _write(name: str, log: list[dict[str, Any]], scrubber: Scrubber, secrets: list[str]) -> None:
    text = "".join(scrubber.text(json.dumps(record, ensure_ascii=False)) + "\n" for record in log)
    if any(secret and secret in text for secret in secrets):
        sys.exit("refusing to write: a token survived scrubbing")
    (FRAMES / name).write_text(text, "utf-8")
    print(f"wrote {FRAMES / name} ({len(log)} records)")


def main() -> None:
    names = ("MISSKEY_URL", "MISSKEY_USER_TOKEN", "MISSKEY_USER2_TOKEN")
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        sys.exit(f"set {', '.join(missing)} (a real Misskey server and two accounts)")
    url = os.environ["MISSKEY_URL"].rstrip("/")
    alice, bob = os.environ["MISSKEY_USER_TOKEN"], os.environ["MISSKEY_USER2_TOKEN"]
    scrubber = Scrubber()
    scrubber.add(url, REPLAY_URL)
    scrubber.add(alice, "REDACTED-MISSKEY_USER_TOKEN")
    scrubber.add(bob, "REDACTED-MISSKEY_USER2_TOKEN")
    secrets = [alice, bob, os.environ.get("MISSKEY_ADMIN_TOKEN", "")]
    FRAMES.mkdir(parents=True, exist_ok=True)
    with strict_parsing():
        _write("reconnect_backfill.jsonl", asyncio.run(record_reconnect(url, alice, bob)), scrubber, secrets)
        _write("upload_from_url.jsonl", asyncio.run(record_upload(url, alice)), scrubber, secrets)


if __name__ == "__main__":
    main()
