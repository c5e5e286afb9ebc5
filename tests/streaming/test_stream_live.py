"""The stream against a real Misskey at MISSKEY_URL (skipped without one).

* timelines: alice's notes are posted while her socket is aborted several times; every note
  arrives exactly once, in order, over a socket or through the REST backfill;
* ``main``: bob mentions alice and replies to her while her socket is killed by the kernel
  (``ss -K``, as a NAT timeout or a dying proxy would) several times; every mention and reply
  arrives exactly once, the missed ones refilled from ``i/notifications``;
* the server process goes away and comes back (``MISSKEY_SERVER_CTL``, a command taking ``stop``
  and ``start``, e.g. the shared ``setup.sh``); the stream reconnects on its own;
* ``mk.drive.upload_from_url`` with a file the server downloads from loopback.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import shlex
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from misskey_client import AsyncMisskey, Misskey
from misskey_client.models import DriveFile
from misskey_client.streaming import Event, HomeTimeline, Main, MentionEvent, NoteEvent, ReplyEvent
from misskey_core._streaming import AsyncStream

pytestmark = [pytest.mark.live, pytest.mark.anyio]

NOTES = 40
CUTS_AFTER = (6, 15, 16, 27)  # cut after this many notes were posted (twice in a row once)


@pytest.fixture
def bob_token(live_server: tuple[str, str]) -> str:
    token = os.environ.get("MISSKEY_USER2_TOKEN")
    if not token:
        pytest.skip("set MISSKEY_USER2_TOKEN (a second account) to run the main-channel live tests")
    return token


async def _eventually(predicate: Any, timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)


def _kill_socket(stream: AsyncStream) -> bool:
    """Kill the stream's TCP connection in the kernel (``ss -K``): no FIN, no close frame."""
    ws = stream._ws
    if ws is None:
        return False
    host, port = ws.transport.get_extra_info("sockname")[:2]
    done = subprocess.run(["ss", "-K", "-t", "-n", "src", f"{host}:{port}"], capture_output=True, text=True)
    return done.returncode == 0 and f":{port}" in done.stdout


async def _collect(iterator: Any, into: list[Any]) -> None:
    async for event in iterator:
        into.append(event)


async def test_live_cuts_while_posting_lose_and_duplicate_nothing(live_server: tuple[str, str]) -> None:
    url, token = live_server
    delivered: list[Event] = []
    posted: list[str] = []
    async with (
        AsyncMisskey(url, token=token) as poster,
        AsyncMisskey(url, token=token) as reader,
        AsyncStream(reader, backoff_initial=0.1, backoff_max=1.0) as stream,
    ):
        home = await stream.connect(HomeTimeline())
        collector = asyncio.create_task(_collect(home, delivered))
        for n in range(1, NOTES + 1):
            created = await poster.notes.create(text=f"live stream test {n}/{NOTES}")
            posted.append(created.created_note.id)
            for _ in range(CUTS_AFTER.count(n)):
                ws = stream._ws
                if ws is not None:
                    ws.transport.abort()
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.03)
        mine = set(posted)
        await _eventually(lambda: mine <= set(_note_ids(delivered)))
        await asyncio.sleep(1.0)  # late socket copies would show up as duplicates now
        collector.cancel()
        stats = stream.stats

    ids = [note_id for note_id in _note_ids(delivered) if note_id in mine]
    duplicated = len(ids) - len(set(ids))
    lost = len(mine - set(ids))
    backfilled = sum(e.backfilled for e in delivered if isinstance(e, NoteEvent) and e.note.id in mine)
    print(
        f"\nlive: posted={len(posted)} delivered={len(set(ids))} duplicated={duplicated} lost={lost} "
        f"(backfilled={backfilled}, reconnects={stats.reconnects}, "
        f"socket duplicates dropped={stats.duplicates_dropped})"
    )
    assert stats.reconnects >= 3
    assert (duplicated, lost) == (0, 0)
    assert ids == posted


def _note_ids(events: list[Any]) -> list[str]:
    return [event.note.id for event in events if isinstance(event, NoteEvent)]


MENTIONS = 24
KILL_AFTER = (4, 9, 10, 17, 21)  # kill alice's socket after bob's n-th note (twice in a row once)


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2) to kill the socket")
async def test_live_mentions_and_replies_during_socket_kills_arrive_exactly_once(
    live_server: tuple[str, str], bob_token: str
) -> None:
    url, alice_token = live_server
    events: list[Event] = []
    mentions: list[str] = []
    replies: list[str] = []
    async with (
        AsyncMisskey(url, token=alice_token) as alice,
        AsyncMisskey(url, token=bob_token) as bob,
        AsyncStream(alice, backoff_initial=0.1, backoff_max=1.0) as stream,
    ):
        alice_name = (await alice.i()).username
        target = (await alice.notes.create(text="live main test: reply to me")).created_note.id
        main = await stream.connect(Main())
        collector = asyncio.create_task(_collect(main, events))
        kills = 0
        for n in range(1, MENTIONS + 1):
            if n % 2:
                mentions.append((await bob.notes.create(text=f"@{alice_name} mention {n}/{MENTIONS}")).created_note.id)
            else:
                replies.append((await bob.notes.create(text=f"reply {n}/{MENTIONS}", reply_id=target)).created_note.id)
            for _ in range(KILL_AFTER.count(n)):
                await _eventually(lambda: stream._ws is not None, timeout=10)  # the second kill: once back
                kills += _kill_socket(stream)
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.05)
        await _eventually(
            lambda: set(mentions) <= _ids_of(events, MentionEvent) and set(replies) <= _ids_of(events, ReplyEvent)
        )
        await asyncio.sleep(2.5)  # late socket copies (and unreadNotification, 2 s later) would show now
        collector.cancel()
        stats = stream.stats

    got_mentions = [e.note.id for e in events if isinstance(e, MentionEvent) and e.note.id in mentions]
    got_replies = [e.note.id for e in events if isinstance(e, ReplyEvent) and e.note.id in replies]
    sent = len(mentions) + len(replies)
    delivered = len(set(got_mentions)) + len(set(got_replies))
    duplicates = len(got_mentions) + len(got_replies) - delivered
    lost = sent - delivered
    refilled = sum(e.backfilled for e in events if isinstance(e, MentionEvent | ReplyEvent))
    print(
        f"\nlive main: sent={sent} delivered={delivered} duplicates={duplicates} lost={lost} "
        f"(refilled={refilled}, kills={kills}, reconnects={stats.reconnects})"
    )
    assert kills == len(KILL_AFTER) and stats.reconnects >= kills
    assert (duplicates, lost) == (0, 0)
    assert got_mentions == mentions and got_replies == replies  # in order
    notification_ids = [e.notification.id for e in events if e.type == "notification"]  # type: ignore[attr-defined]
    assert len(notification_ids) == len(set(notification_ids))


def _ids_of(events: list[Event], kind: type[NoteEvent]) -> set[str]:
    return {event.note.id for event in events if isinstance(event, kind)}


@pytest.fixture
def server_ctl(live_server: tuple[str, str]) -> list[str]:
    command = os.environ.get("MISSKEY_SERVER_CTL")
    if not command:
        pytest.skip("set MISSKEY_SERVER_CTL to a command taking stop/start to run the restart test")
    return shlex.split(command)


async def test_live_the_server_goes_away_and_comes_back(
    live_server: tuple[str, str], bob_token: str, server_ctl: list[str]
) -> None:
    url, alice_token = live_server
    home_events: list[Event] = []
    main_events: list[Event] = []
    notes: list[str] = []
    mentions: list[str] = []

    async def run(*args: str) -> None:
        process = await asyncio.create_subprocess_exec(
            *server_ctl, *args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        assert await process.wait() == 0, f"{shlex.join(server_ctl)} {args[0]} failed"

    async with (
        AsyncMisskey(url, token=alice_token) as alice,
        AsyncMisskey(url, token=bob_token) as bob,
        AsyncStream(alice, backoff_initial=0.2, backoff_max=2.0) as stream,
    ):
        alice_name = (await alice.i()).username

        async def post(round_: str, count: int) -> None:
            for n in range(count):
                notes.append((await alice.notes.create(text=f"restart test {round_} {n}")).created_note.id)
                mentions.append((await bob.notes.create(text=f"@{alice_name} restart {round_} {n}")).created_note.id)

        home = await stream.connect(HomeTimeline())
        main = await stream.connect(Main())
        readers = [asyncio.create_task(_collect(home, home_events)), asyncio.create_task(_collect(main, main_events))]
        await post("before", 3)
        await asyncio.sleep(0.5)
        await run("stop")
        await asyncio.sleep(2.0)  # the stream retries against a closed port meanwhile
        assert stream._ws is None
        await run("start")
        await post("after", 3)
        await _eventually(
            lambda: set(notes) <= set(_note_ids(home_events)) and set(mentions) <= _ids_of(main_events, MentionEvent),
            timeout=60,
        )
        await asyncio.sleep(1.5)
        for reader in readers:
            reader.cancel()
        stats = stream.stats

    got_notes = [note_id for note_id in _note_ids(home_events) if note_id in notes]
    got_mentions = [e.note.id for e in main_events if isinstance(e, MentionEvent) and e.note.id in mentions]
    print(
        f"\nlive restart: notes {len(set(got_notes))}/{len(notes)} (dups {len(got_notes) - len(set(got_notes))}), "
        f"mentions {len(set(got_mentions))}/{len(mentions)} (dups {len(got_mentions) - len(set(got_mentions))}), "
        f"reconnects={stats.reconnects}"
    )
    assert stats.reconnects >= 1
    assert got_notes == notes
    assert got_mentions == mentions


@pytest.fixture
def served_file() -> Iterator[tuple[str, bytes]]:
    content = f"a file for upload_from_url {uuid.uuid4()}\n".encode()  # fresh bytes: Misskey dedups uploads

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/live-upload.txt", content
    finally:
        server.shutdown()
        server.server_close()


async def test_live_upload_from_url(live_server: tuple[str, str], served_file: tuple[str, bytes]) -> None:
    url, token = live_server
    file_url, content = served_file
    async with AsyncMisskey(url, token=token) as mk:
        uploaded = await mk.drive.upload_from_url(file_url, comment="from loopback", timeout=30)
        try:
            assert isinstance(uploaded, DriveFile)
            assert (uploaded.name, uploaded.size, uploaded.comment) == (
                "live-upload.txt",
                len(content),
                "from loopback",
            )
        finally:
            await mk.drive.files.delete(file_id=uploaded.id)


def test_live_upload_from_url_sync(live_server: tuple[str, str], served_file: tuple[str, bytes]) -> None:
    url, token = live_server
    file_url, content = served_file
    with Misskey(url, token=token) as mk:
        uploaded = mk.drive.upload_from_url(file_url, timeout=30)
        mk.drive.files.delete(file_id=uploaded.id)
    assert uploaded.size == len(content)
