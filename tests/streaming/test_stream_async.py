"""AsyncStream against a loopback server replaying a session recorded from Misskey 2026.3.2."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from misskey_client import AsyncMisskey
from misskey_client.models import (
    NotificationFollow,
    NotificationMention,
    NotificationReaction,
    NotificationReply,
)
from misskey_client.streaming import (
    Event,
    FollowedEvent,
    HomeTimeline,
    Main,
    MainEvent,
    MentionEvent,
    NoteEvent,
    NoteReacted,
    NoteUnreacted,
    NoteUpdate,
    NotificationEvent,
    ReplyEvent,
    TimelineEvent,
)
from misskey_core import AuthenticationError
from misskey_core._streaming import AsyncStream, ChannelRejectedError
from tests.streaming.conftest import TOKEN
from tests.streaming.replay import SERVER_LOGGER, Recording, ReplayServer

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(server: ReplayServer) -> AsyncIterator[AsyncMisskey]:
    async with AsyncMisskey(server.url, token=TOKEN) as mk:
        yield mk


def _stream(client: AsyncMisskey, **options: Any) -> AsyncStream:
    options = {"backoff_initial": 0.01, "ack_timeout": 5.0} | options
    return AsyncStream(client, **options)


async def _collect(iterator: Any, into: list[Any], count: int | None = None) -> None:
    async for item in iterator:
        into.append(item)
        if count is not None and len(into) >= count:
            return


async def _until(predicate: Any, what: str, timeout: float = 10.0) -> None:
    async def wait() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(wait(), timeout)
    except asyncio.TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


async def test_a_cut_connection_loses_and_duplicates_nothing(
    server: ReplayServer, client: AsyncMisskey, recorded: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    posted: list[str] = recorded.meta["posted"]
    missed_by_bob: list[str] = recorded.meta["missed_by_bob"]
    home_events: list[TimelineEvent] = []
    main_events: list[MainEvent] = []
    updates: list[NoteUpdate] = []
    async with _stream(client, backfill_page_size=recorded.meta["page_size"]) as stream:
        home = await stream.connect(HomeTimeline())
        main = await stream.connect(Main())
        readers = [
            asyncio.create_task(_collect(home, home_events)),
            asyncio.create_task(_collect(main, main_events)),
        ]
        await _until(lambda: home_events, "the first note")
        first = home_events[0]
        assert isinstance(first, NoteEvent)
        capture = await stream.capture(first.note.id)
        readers.append(asyncio.create_task(_collect(capture, updates)))
        await _until(
            lambda: _ids(home_events)[-1:] == posted[-1:] and len(updates) == 2 and len(main_events) == 14,
            "the rest of the session",
        )
        stats = stream.stats
        for reader in readers:
            reader.cancel()

    assert all(isinstance(event, NoteEvent) for event in home_events)
    delivered = _ids(home_events)
    alices = [
        event.note.id for event in home_events if isinstance(event, NoteEvent) and event.note.user.username == "alice"
    ]
    duplicated = len(delivered) - len(set(delivered))
    lost = len(set(posted) - set(delivered))
    print(f"\ndelivered={len(delivered)} duplicated={duplicated} lost={lost} of {len(posted)} posted")
    assert (duplicated, lost) == (0, 0)
    assert alices == posted  # every note of hers exactly once, oldest first
    assert delivered == sorted(delivered)  # Misskey's ids sort by time: the whole timeline in order
    assert missed_by_bob[0] in delivered  # bob's mention (alice follows him) posted during the cut
    # A1-A3 (and bob's first mention) came over the first socket; A4-A7, bob's mention and A8
    # through the REST backfill (pages of two); the socket's own copy of A8 was dropped; A9 came
    # over the second socket.
    backfilled = [event.note.id for event in home_events if isinstance(event, NoteEvent) and event.backfilled]
    assert backfilled == [*posted[3:7], missed_by_bob[0], posted[7]]
    assert not home_events[-1].backfilled
    assert (stats.reconnects, stats.duplicates_dropped, stats.malformed_frames) == (1, 1, 0)

    # The note capture survived the reconnect: its second event arrived over the second socket.
    assert [(u.note_id, u.type) for u in updates] == [(posted[0], "reacted"), (posted[0], "unreacted")]
    reacted = updates[0]
    assert isinstance(reacted, NoteReacted) and reacted.reaction == "👍"
    assert isinstance(updates[1], NoteUnreacted)

    # main: what came over the socket, then what happened during the cut, refilled from
    # i/notifications (each told once: the mention, the reply and the follow with their
    # notifications), then the socket again.
    assert [[event.type, event.backfilled] for event in main_events] == recorded.meta["main_events"]
    refilled = [event for event in main_events if event.backfilled]
    assert [type(event) for event in refilled] == [
        MentionEvent,
        NotificationEvent,
        ReplyEvent,
        NotificationEvent,
        FollowedEvent,
        NotificationEvent,
    ]
    mention, mention_notification, reply, reply_notification, followed, follow_notification = refilled
    assert isinstance(mention, MentionEvent) and isinstance(reply, ReplyEvent)
    assert [mention.note.id, reply.note.id] == missed_by_bob
    assert isinstance(mention_notification, NotificationEvent)
    assert isinstance(mention_notification.notification, NotificationMention)
    assert isinstance(reply_notification, NotificationEvent)
    assert isinstance(reply_notification.notification, NotificationReply)
    assert isinstance(followed, FollowedEvent) and followed.user.username == "bob"
    assert isinstance(follow_notification, NotificationEvent)
    assert isinstance(follow_notification.notification, NotificationFollow)
    socket_first = main_events[0]
    assert isinstance(socket_first, NotificationEvent)
    assert isinstance(socket_first.notification, NotificationReaction)
    assert all(event.channel == "main" and event.raw for event in main_events)

    # Resubscription: the second socket re-joined both channels (same ids) and re-captured A1.
    first_socket, second_socket = server.connections
    joins = [m["body"] for m in second_socket.messages if m["type"] == "connect"]
    assert [(j["channel"], j["pong"]) for j in joins] == [("homeTimeline", True), ("main", True)]
    assert [j["id"] for j in joins] == [m["body"]["id"] for m in first_socket.messages if m["type"] == "connect"]
    assert {"type": "sr", "body": {"id": posted[0]}} in second_socket.messages
    # Backfill paged from the last delivered note, one request per page.
    timeline_pages = [
        params for endpoint, params in server.rest_requests if endpoint == "notes/timeline" and "sinceId" in params
    ]
    assert [p["sinceId"] for p in timeline_pages] == [posted[2], posted[4], posted[6], posted[7]]
    notification_pages = [
        params for endpoint, params in server.rest_requests if endpoint == "i/notifications" and "sinceId" in params
    ]
    assert len(notification_pages) == 2 and all(p["markAsRead"] is False for p in notification_pages)
    assert server.errors == []

    # The token travelled in the Authorization header only, and no log record holds it.
    for connection in server.connections:
        assert connection.headers["Authorization"] == f"Bearer {TOKEN}"
        assert "i=" not in connection.path
    client_log = [r.getMessage() for r in caplog.records if r.name != SERVER_LOGGER]
    assert "> Authorization: Bearer <token>" in client_log  # websockets' DEBUG header dump, redacted
    assert not [message for message in client_log if TOKEN in message]


def _ids(events: list[TimelineEvent]) -> list[str]:
    return [event.note.id for event in events if isinstance(event, NoteEvent)]


async def test_unknown_channel_or_parameter_is_refused_before_sending(
    server: ReplayServer, client: AsyncMisskey
) -> None:
    async with _stream(client) as stream:
        with pytest.raises(ValueError, match="unknown streaming channel 'homeTimline'"):
            await stream.connect("homeTimline")
        with pytest.raises(TypeError, match="needs parameter"):
            await stream.connect("antenna")
        with pytest.raises(TypeError, match="'withRenotes' is spelled 'with_renotes'"):
            await stream.connect("homeTimeline", withRenotes=True)  # camelCase: the REST facade's names only
        with pytest.raises(TypeError, match="carries its parameters"):
            await stream.connect(HomeTimeline(), with_files=True)  # type: ignore[call-overload]
        await asyncio.sleep(0.1)
    assert server.connections[0].messages == []


def _session(*records: dict[str, Any]) -> list[dict[str, Any]]:
    return [record | {"session": 1} for record in records]


async def test_a_malformed_frame_is_logged_and_skipped(
    server: ReplayServer, client: AsyncMisskey, recorded: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    join, joined, *_ = recorded.sessions[1]
    notes = [f for f in recorded.frames() if f["type"] == "channel" and f["body"]["type"] == "note"]
    broken_note = json.loads(json.dumps(notes[1]))
    del broken_note["body"]["body"]["user"]  # fails the Note model (strict parsing in the tests)
    recorded.sessions = {
        1: _session(
            join,
            joined,
            {"kind": "raw", "text": "{not json"},
            {"kind": "raw", "text": '["a", "list"]'},
            {"kind": "raw", "text": '{"type": "channel", "body": "no id"}'},
            {"kind": "recv", "frame": notes[0]},
            {"kind": "recv", "frame": broken_note},
            {"kind": "raw", "text": '{"type": "noteUpdated", "body": {"id": 1}}'},
            {"kind": "recv", "frame": notes[2]},
        )
    }
    received: list[Event] = []
    async with _stream(client, backfill=False) as stream:
        home = await stream.connect("homeTimeline")
        await asyncio.wait_for(_collect(home, received, 2), 5)
        assert stream.stats.malformed_frames == 5
    assert [e.note.id for e in received if isinstance(e, NoteEvent)] == [
        notes[0]["body"]["body"]["id"],
        notes[2]["body"]["body"]["id"],
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("skipped a malformed frame" in w for w in warnings) == 5
    assert server.errors == []


async def test_an_invalid_token_is_never_retried(server: ReplayServer, client: AsyncMisskey) -> None:
    server.reject_from = 1
    with pytest.raises(AuthenticationError) as caught:
        async with _stream(client):
            pass
    assert caught.value.status_code == 401
    await asyncio.sleep(0.1)
    assert server.upgrade_attempts == 1


async def test_a_token_revoked_while_disconnected_ends_the_iterators(
    server: ReplayServer, client: AsyncMisskey, recorded: Recording
) -> None:
    server.reject_from = 2  # the reconnect after the cut meets a 401
    received: list[str] = []
    async with _stream(client) as stream:
        home = await stream.connect(HomeTimeline())
        await stream.connect(Main())
        with pytest.raises(AuthenticationError):
            async for event in home:
                assert isinstance(event, NoteEvent)
                received.append(event.note.id)
                if len(received) == 1:
                    await stream.capture(event.note.id)
    frames = [record["frame"] for record in recorded.sessions[1] if record["kind"] == "recv"]
    before_the_cut = [f["body"]["body"]["id"] for f in frames if f["type"] == "channel" and f["body"]["type"] == "note"]
    assert received == before_the_cut  # A1, bob's mention, A2, A3; then the reconnect meets the 401
    assert server.upgrade_attempts == 2


async def test_a_dead_connection_is_detected_and_replaced(
    server: ReplayServer, client: AsyncMisskey, recorded: Recording
) -> None:
    join, joined = recorded.sessions[1][:2]
    note = next(f for f in recorded.frames() if f["type"] == "channel")
    recorded.sessions = {1: _session(join, joined, {"kind": "recv", "frame": note}), 2: []}
    recorded.sessions[2] = [r | {"session": 2} for r in (join, joined)]
    server.freeze_after_script = True  # after the script, no pong: a half-open connection
    async with _stream(client, ping_interval=0.1, ping_timeout=0.2, close_timeout=0.2, backfill=False) as stream:
        await stream.connect("homeTimeline")
        await _until(lambda: stream.stats.reconnects == 1, "the ping timeout to trigger a reconnect")
        await _until(lambda: len(server.connections[-1].messages) == 1, "the re-join")
    assert server.connections[1].messages[0]["body"]["channel"] == "homeTimeline"


async def test_a_shared_channel_is_joined_once(server: ReplayServer, client: AsyncMisskey, recorded: Recording) -> None:
    main_join, main_joined = recorded.sessions[1][2:4]
    recorded.sessions = {1: _session(main_join, main_joined)}
    async with _stream(client) as stream:
        first = await stream.connect("main")
        second = await stream.connect("main")
        await second.disconnect()
        await asyncio.sleep(0.05)
        assert [m["type"] for m in server.connections[0].messages] == ["connect"]
        await first.disconnect()
        await _until(lambda: len(server.connections[0].messages) == 2, "the disconnect")
    assert server.connections[0].messages[1]["type"] == "disconnect"


async def test_a_join_the_server_never_confirms_is_an_error(server: ReplayServer, client: AsyncMisskey) -> None:
    async with _stream(client, ack_timeout=0.2) as stream:
        with pytest.raises(ChannelRejectedError, match="did not confirm joining 'antenna'"):
            await stream.connect("antenna", antenna_id="0000000000")
        await asyncio.sleep(0.05)
        assert stream.stats.connections == 1


async def test_a_note_the_backfill_missed_but_the_socket_brought_keeps_its_place(
    server: ReplayServer, client: AsyncMisskey, recorded: Recording
) -> None:
    """Misskey answers a post before the note is on the Redis timeline the backfill reads, and can
    publish it on the socket first: after a reconnect the REST page may lack a note the socket
    brings while a newer one is on the page. Seen live, across a server restart. Each note still
    arrives once and in time order, the page's copy marked backfilled, the socket's dropped."""
    join = next(
        r for r in recorded.sessions[1] if r["kind"] == "sent" and r["frame"]["body"]["channel"] == "homeTimeline"
    )
    home_id = join["frame"]["body"]["id"]
    joined = {"kind": "recv", "frame": {"type": "connected", "body": {"id": home_id}}}
    frames = {
        f["body"]["body"]["id"]: f
        for f in recorded.frames()
        if f["type"] == "channel" and f["body"]["id"] == home_id and f["body"]["type"] == "note"
    }
    first, lagging, newest = sorted(frames)[:3]
    baseline = next(r for r in recorded.rest if r["endpoint"] == "notes/timeline" and "sinceId" not in r["params"])
    recorded.rest = [
        baseline,
        {  # the page, answered late, lacks the note the server had not pushed to its timeline yet
            "kind": "rest",
            "endpoint": "notes/timeline",
            "params": {"limit": 2, "sinceId": first},
            "status": 200,
            "response": [frames[newest]["body"]["body"]],
            "delay": 0.3,
        },
    ]
    recorded.sessions = {
        1: _session(join, joined, {"kind": "recv", "frame": frames[first]}, {"kind": "cut"}),
        2: [
            record | {"session": 2}
            for record in (
                join,
                joined,
                {"kind": "recv", "frame": frames[lagging]},
                {"kind": "recv", "frame": frames[newest]},
            )
        ],
    }
    received: list[Event] = []
    async with _stream(client, backfill_page_size=2) as stream:
        home = await stream.connect(HomeTimeline())
        await asyncio.wait_for(_collect(home, received, 3), 10)
        stats = stream.stats
    assert [(e.note.id, e.backfilled) for e in received if isinstance(e, NoteEvent)] == [
        (first, False),
        (lagging, False),  # only the socket had it
        (newest, True),  # both had it: the page's copy, in its place
    ]
    assert (stats.reconnects, stats.duplicates_dropped) == (1, 1)
    assert server.errors == []
