"""The stream row: recorded note frames through the stream's frame handling into typed events.

1,000 ``homeTimeline`` note frames (the ones Misskey 2026.3.2 sent in
``tests/streaming/frames/reconnect_backfill.jsonl``, each given its own id so none is a duplicate)
are fed to a real ``AsyncStream``'s frame handler, which parses them, checks them against the
dedup window and builds a ``NoteEvent`` with its ``Note`` for the channel's reader; the baseline
is ``json.loads`` of the same frames, kept in a list as a raw websocket consumer would queue them.
No socket: this measures what the client adds per frame, in CPU time of this process (so other
work on the machine does not blur it).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from misskey_core._channels import HomeTimeline
from misskey_core._events import NoteEvent
from misskey_core._streaming import AsyncChannel, AsyncStream, _Subscription

FRAMES = Path(__file__).resolve().parent.parent / "tests" / "streaming" / "frames" / "reconnect_backfill.jsonl"
COUNT = 1_000


class _NoRest:
    base_url = "http://127.0.0.1:9"

    async def request(self, endpoint: str, params: Any = None) -> Any:  # never called: no backfill
        raise AssertionError(endpoint)


def note_frames(channel_id: str, count: int = COUNT) -> list[str]:
    recorded = []
    for line in FRAMES.read_text("utf-8").splitlines():
        record = json.loads(line)
        frame = record.get("frame")
        if record["kind"] == "recv" and frame["type"] == "channel" and frame["body"]["type"] == "note":
            recorded.append(frame["body"]["body"])
    assert recorded, f"no note frames in {FRAMES}"
    frames = []
    for n in range(count):
        note = dict(recorded[n % len(recorded)], id=f"bench{n:06d}")
        frames.append(json.dumps({"type": "channel", "body": {"id": channel_id, "type": "note", "body": note}}))
    return frames


def _typed_once() -> float:
    async def run() -> float:
        stream = AsyncStream(_NoRest(), backfill=False)
        subscription = _Subscription(HomeTimeline(), stream.dedup_window)
        reader: AsyncChannel[Any] = AsyncChannel(stream, subscription)
        subscription.readers.append(reader)
        stream._subscriptions[subscription.id] = subscription
        frames = note_frames(subscription.id)
        start = time.process_time()
        for frame in frames:
            stream._on_frame(frame)
        events = [reader._inbox._queue.get_nowait() for _ in frames]
        elapsed = time.process_time() - start
        assert all(isinstance(event, NoteEvent) for event in events)
        assert stream.stats.malformed_frames == 0
        return elapsed

    return asyncio.run(run())


def _json_once() -> float:
    # The decoded frames are kept, as the stream keeps its events until the reader takes them.
    frames = note_frames("x")
    start = time.process_time()
    decoded = [json.loads(frame) for frame in frames]
    elapsed = time.process_time() - start
    assert len(decoded) == len(frames)
    return elapsed


def measure() -> tuple[Any, Any]:
    """One measurement each: (typed events, json.loads), in seconds for the 1,000 frames."""
    return _typed_once, _json_once
