"""Record the streaming scenario the replay tests play back, from a real Misskey server.

    set -a; . /path/to/tokens.env; set +a     # MISSKEY_URL, MISSKEY_USER_TOKEN, MISSKEY_USER2_TOKEN
    .venv/bin/python -m tests.streaming.record_frames

writes ``tests/streaming/frames/reconnect_backfill.jsonl``. The real ``AsyncStream`` runs against the
server (alice's token) with its socket and its REST calls tapped:

* session 1: join ``homeTimeline`` and ``main``; alice posts A1, captures it; bob reacts to A1 and
  mentions alice; alice posts A2 and A3; then the socket is cut (aborted, no close handshake);
* while it is down alice posts A4..A7 (two full backfill pages of two), then the reconnect is allowed;
* session 2: the client re-joins both channels and re-captures A1; alice posts A8 just before the
  backfill's first REST request goes out, so the server delivers A8 twice (REST and socket); bob
  removes his reaction (proving the re-capture) and alice posts A9.

Every frame each way, every REST exchange of the stream, and the expected outcome are written as
JSON lines. Tokens are replaced by the placeholders the test fixtures use and the server address by
``REPLAY_URL``; the script refuses to write a file in which a token survived.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx

from misskey_client import AsyncMisskey
from misskey_core import strict_parsing
from misskey_core._streaming import AsyncStream, Event
from tests.recording import REPLAY_URL, Scrubber

OUT = Path(__file__).parent / "frames" / "reconnect_backfill.jsonl"
PAGE_SIZE = 2


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
    def __init__(self, client: AsyncMisskey, log: list[dict[str, Any]], **options: Any) -> None:
        super().__init__(client, **options)
        self.log = log
        self.sockets: list[_Tap] = []
        self.may_reconnect = asyncio.Event()

    async def _open_socket(self) -> Any:
        if self.sockets:
            await self.may_reconnect.wait()
        tap = _Tap(await super()._open_socket(), self.log, len(self.sockets) + 1)
        self.sockets.append(tap)
        return tap


async def _until(predicate: Any, what: str, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def record() -> None:
    url = os.environ["MISSKEY_URL"].rstrip("/")
    alice_token, bob_token = os.environ["MISSKEY_USER_TOKEN"], os.environ["MISSKEY_USER2_TOKEN"]
    log: list[dict[str, Any]] = []
    posted: list[str] = []
    post_before_backfill: list[str] = []

    async def tap_rest(response: httpx.Response) -> None:
        await response.aread()
        endpoint = response.request.url.path.removeprefix("/api/")
        params = json.loads(response.request.content or b"{}")
        log.append(
            {
                "kind": "rest",
                "endpoint": endpoint,
                "params": params,
                "status": response.status_code,
                "response": response.json(),
            }
        )

    async def post(client: AsyncMisskey, text: str) -> str:
        note_id: str = (await client.request("notes/create", {"text": text}))["createdNote"]["id"]
        return note_id

    async with (
        AsyncMisskey(url, token=alice_token) as alice,
        AsyncMisskey(url, token=bob_token) as bob,
    ):

        async def before_request(request: httpx.Request) -> None:
            # A note posted after the re-join but before the backfill query: the server sends it
            # both ways, which is exactly the duplicate the client must drop.
            if post_before_backfill and b"sinceId" in request.content:
                posted.append(await post(alice, post_before_backfill.pop()))

        stream_client = AsyncMisskey(
            url, token=alice_token, event_hooks={"request": [before_request], "response": [tap_rest]}
        )
        async with stream_client:
            stream = RecordingStream(stream_client, log, backfill_page_size=PAGE_SIZE, backoff_initial=0.2)
            async with stream:
                home = await stream.connect("homeTimeline")
                main = await stream.connect("main")
                delivered: list[Event] = []
                main_events: list[Event] = []
                updates: list[Any] = []

                async def drain(iterator: Any, into: list[Any]) -> None:
                    async for item in iterator:
                        into.append(item)

                readers = [asyncio.create_task(drain(home, delivered)), asyncio.create_task(drain(main, main_events))]
                await asyncio.sleep(1.0)  # let the baseline request settle
                posted.append(await post(alice, "stream test A1"))
                await _until(lambda: len(delivered) == 1, "A1")
                capture = await stream.capture(posted[0])
                readers.append(asyncio.create_task(drain(capture, updates)))
                await asyncio.sleep(0.3)
                await bob.request("notes/reactions/create", {"noteId": posted[0], "reaction": "👍"})
                await _until(lambda: len(updates) == 1, "the reaction")
                await bob.request("notes/create", {"text": "@alice are you there?"})
                await _until(lambda: len(main_events) >= 2, "the mention and its notification")
                for n in (2, 3):
                    posted.append(await post(alice, f"stream test A{n}"))
                await _until(lambda: len(delivered) == 3, "A2, A3")
                await asyncio.sleep(0.3)

                log.append({"kind": "cut", "session": 1})
                stream.sockets[0].transport.abort()
                await _until(lambda: stream._ws is None, "the client to notice the cut")
                for n in (4, 5, 6, 7):
                    posted.append(await post(alice, f"stream test A{n} (posted while disconnected)"))
                post_before_backfill.append("stream test A8 (posted during the re-join)")
                stream.may_reconnect.set()
                await _until(lambda: len(delivered) == 8, "the backfill", timeout=30)
                await asyncio.sleep(1.0)  # the socket's copy of A8 arrives and is dropped
                await bob.request("notes/reactions/delete", {"noteId": posted[0]})
                await _until(lambda: len(updates) == 2, "the unreaction")
                posted.append(await post(alice, "stream test A9"))
                await _until(lambda: len(delivered) == 9, "A9")
                await asyncio.sleep(0.5)
                stats = stream.stats
                for reader in readers:
                    reader.cancel()

    ids = [event.body.id for event in delivered]
    if ids != posted:
        sys.exit(f"the live run itself lost or reordered notes: posted {posted}, delivered {ids}")
    log.insert(
        0,
        {
            "kind": "meta",
            "server": "Misskey 2026.3.2",
            "scenario": __doc__.split("\n\n")[2] if __doc__ else "",
            "page_size": PAGE_SIZE,
            "posted": posted,
            "captured": posted[0],
            "stats": {
                "reconnects": stats.reconnects,
                "backfilled": stats.backfilled,
                "duplicates_dropped": stats.duplicates_dropped,
            },
            "main_events": [event.type for event in main_events],
            "note_updates": [update.type for update in updates],
        },
    )

    scrubber = Scrubber()
    scrubber.add(url, REPLAY_URL)
    scrubber.add(alice_token, "REDACTED-MISSKEY_USER_TOKEN")
    scrubber.add(bob_token, "REDACTED-MISSKEY_USER2_TOKEN")
    if os.environ.get("MISSKEY_ADMIN_TOKEN"):
        scrubber.add(os.environ["MISSKEY_ADMIN_TOKEN"], "REDACTED-MISSKEY_ADMIN_TOKEN")
    text = "".join(scrubber.text(json.dumps(record, ensure_ascii=False)) + "\n" for record in log)
    for secret in (alice_token, bob_token, os.environ.get("MISSKEY_ADMIN_TOKEN")):
        if secret and secret in text:
            sys.exit("refusing to write: a token survived scrubbing")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, "utf-8")
    print(f"wrote {OUT} ({len(log)} records); stats {stats}")


def main() -> None:
    missing = [
        name for name in ("MISSKEY_URL", "MISSKEY_USER_TOKEN", "MISSKEY_USER2_TOKEN") if not os.environ.get(name)
    ]
    if missing:
        sys.exit(f"set {', '.join(missing)} (a real Misskey server and two accounts)")
    with strict_parsing():
        asyncio.run(record())


if __name__ == "__main__":
    main()
