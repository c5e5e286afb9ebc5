"""Events a type checker understands: narrowed by ``isinstance`` and ``match`` (mypy, in ``make lint``),
and at run time every event type the real server sent in the recordings arrives as its own class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from misskey_client.models import DriveFile, Note, NotificationMention
from misskey_client.streaming import (
    Channel,
    Event,
    Main,
    MentionEvent,
    NoteEvent,
    NotificationEvent,
    UnknownEvent,
    UrlUploadFinishedEvent,
)
from misskey_core._channels import CHANNELS
from misskey_core._events import make_event
from tests.streaming.replay import Recording

if TYPE_CHECKING:
    from typing_extensions import assert_type

    from misskey_client import AsyncMisskey, Misskey
    from misskey_client.models import MeDetailed, Notification, UserLite
    from misskey_client.streaming import (
        Drive,
        FileCreatedEvent,
        FollowedEvent,
        HomeTimeline,
        MeUpdatedEvent,
        NoteReacted,
        NoteUpdate,
        ServerStatsChannel,
        ServerStatsEvent,
        ServerStatsLogEvent,
    )
    from misskey_core._streaming import AsyncChannel, SyncChannel

    async def a_timeline_yields_notes(mk: AsyncMisskey) -> None:
        async with mk.stream() as stream:
            home = await stream.connect(HomeTimeline(with_renotes=False))
            assert_type(home, AsyncChannel[NoteEvent | UnknownEvent])
            async for event in home:
                if isinstance(event, NoteEvent):
                    assert_type(event.note, Note)
                else:
                    assert_type(event, UnknownEvent)
                assert_type(event.backfilled, bool)
                assert_type(event.channel, str)

    async def main_narrows_with_match(mk: AsyncMisskey) -> None:
        async with mk.stream() as stream:
            async for event in await stream.connect(Main()):
                match event:
                    case MentionEvent(note=note):
                        assert_type(note, Note)
                    case NotificationEvent(notification=notification):
                        assert_type(notification, Notification)
                    case FollowedEvent(user=user):
                        assert_type(user, UserLite)
                    case MeUpdatedEvent(me=me):
                        assert_type(me, MeDetailed)
                    case UrlUploadFinishedEvent(marker=marker, file=file):
                        assert_type(marker, str | None)
                        assert_type(file, DriveFile)
                    case UnknownEvent(body=body):
                        print(body)  # a type this client does not know: as it came

    def the_sync_stream_too(mk: Misskey) -> None:
        with mk.stream() as stream:
            drive = stream.connect(Drive())
            event = drive.next(timeout=5)
            if isinstance(event, FileCreatedEvent):
                assert_type(event.file, DriveFile)
            stats = stream.connect(ServerStatsChannel())
            assert_type(stats, SyncChannel[ServerStatsEvent | ServerStatsLogEvent | UnknownEvent])
            for update in stream.capture("note-id"):
                assert_type(update, NoteUpdate)
                if isinstance(update, NoteReacted):
                    assert_type(update.reaction, str)

    async def by_name_it_is_an_event(mk: AsyncMisskey) -> None:
        async with mk.stream() as stream:
            home = await stream.connect("homeTimeline", with_renotes=False)
            assert_type(home, AsyncChannel[Event])
            async for event in home:
                if isinstance(event, NoteEvent):  # isinstance still narrows
                    assert_type(event.note, Note)


def _recorded_events() -> list[tuple[str, str, object]]:
    """(channel, type, body) of every channel event the real server sent in the recordings."""
    events = []
    for name in ("reconnect_backfill.jsonl", "upload_from_url.jsonl"):
        recording = Recording.load(name)
        joined = {
            frame["body"]["id"]: frame["body"]["channel"]
            for frame in recording.frames("sent")
            if frame["type"] == "connect"
        }
        for frame in recording.frames():
            if frame["type"] == "channel":
                body = frame["body"]
                events.append((joined[body["id"]], body["type"], body["body"]))
    return events


def test_every_recorded_event_arrives_as_its_own_class() -> None:
    events = _recorded_events()
    seen = {(channel, kind) for channel, kind, _ in events}
    assert {("homeTimeline", "note"), ("main", "mention"), ("main", "notification")} <= seen
    for channel, kind, body in events:
        event = make_event(CHANNELS[channel].events.get(kind), channel, kind, body)
        assert not isinstance(event, UnknownEvent), (channel, kind)
        assert (event.channel, event.type, event.raw, event.backfilled) == (channel, kind, body, False)
        if isinstance(event, NoteEvent):
            assert isinstance(event.note, Note)
        if isinstance(event, NotificationEvent):
            assert type(event.notification).__name__.startswith("Notification")
        if isinstance(event, UrlUploadFinishedEvent):
            assert isinstance(event.file, DriveFile) and event.marker


def test_a_mention_notification_is_its_notification_model() -> None:
    notifications = [body for _, kind, body in _recorded_events() if kind == "notification"]
    mention = next(body for body in notifications if isinstance(body, dict) and body["type"] == "mention")
    event = make_event(Main.events["notification"], "main", "notification", mention)
    assert isinstance(event, NotificationEvent) and isinstance(event.notification, NotificationMention)


def test_an_event_type_the_client_does_not_know_is_kept_as_it_came() -> None:
    body = {"something": "new", "from": ["a", "newer", "server"]}
    event = make_event(Main.events.get("hologramReceived"), "main", "hologramReceived", body)
    assert isinstance(event, UnknownEvent)
    assert (event.type, event.body, event.raw) == ("hologramReceived", body, body)


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_every_channel_is_one_declaration_with_snake_case_parameters(name: str) -> None:
    channel = CHANNELS[name]
    assert issubclass(channel, Channel) and channel.name == name
    for field in channel.__dataclass_fields__:  # type: ignore[attr-defined]
        assert field == field.lower(), f"{name}.{field} is not snake_case"
    for kind, event_class in channel.events.items():
        assert issubclass(event_class, Event) and not issubclass(event_class, UnknownEvent), (name, kind)
