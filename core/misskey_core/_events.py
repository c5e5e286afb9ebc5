"""The events of Misskey's streaming API: one class per kind, for ``isinstance`` and ``match``.

Every event has ``channel`` (the channel's name), ``type`` (Misskey's name for the event),
``backfilled`` (fetched through the REST API after a reconnect, not pushed by the socket) and
``raw`` (the body as it came). The rest is typed: a ``NoteEvent`` has its ``note`` as the generated
``Note``, a ``FollowedEvent`` its ``user``... An event the client does not know arrives as an
``UnknownEvent`` with its ``body``, never dropped.

Each class says how it is read from a body (``_payload``: attribute -> the body's key, or the whole
body, and the generated model it is), so the parsing is data, in one place. Models are found by
name in ``misskey_client.models`` on first use; a client generated from a fork's spec that lacks one
keeps that value as it came.
"""

from __future__ import annotations

import datetime
import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypedDict

from ._parsing import parse_union

if TYPE_CHECKING:
    from misskey_client.models import (
        Announcement,
        ChatMessage,
        ChatMessageLite,
        DriveFile,
        DriveFolder,
        MeDetailed,
        Note,
        Notification,
        ReversiGameDetailed,
        Signin,
        UserDetailedNotMe,
        UserLite,
    )

__all__ = [
    "AnnouncementCreatedEvent",
    "ChatMessageDeletedEvent",
    "ChatMessageEvent",
    "ChatReactedEvent",
    "ChatUnreactedEvent",
    "DriveFileCreatedEvent",
    "Event",
    "FileCreatedEvent",
    "FileDeletedEvent",
    "FileUpdatedEvent",
    "FolderCreatedEvent",
    "FolderDeletedEvent",
    "FolderUpdatedEvent",
    "FollowEvent",
    "FollowedEvent",
    "MeUpdatedEvent",
    "MentionEvent",
    "MyTokenRegeneratedEvent",
    "NewAbuseUserReport",
    "NewAbuseUserReportEvent",
    "NewChatMessageEvent",
    "NoteDeleted",
    "NoteEdited",
    "NoteEvent",
    "NotePollVoted",
    "NoteReacted",
    "NoteUnreacted",
    "NoteUpdate",
    "NotificationEvent",
    "NotificationFlushedEvent",
    "PageEvent",
    "QueueStats",
    "QueueStatsEvent",
    "QueueStatsLogEvent",
    "ReadAllAnnouncementsEvent",
    "ReadAllNotificationsEvent",
    "ReadAntennaEvent",
    "ReceiveFollowRequestEvent",
    "RegistryUpdatedEvent",
    "RenoteEvent",
    "ReplyEvent",
    "ReversiCanceledEvent",
    "ReversiEndedEvent",
    "ReversiInvitedEvent",
    "ReversiLogEvent",
    "ReversiMatchedEvent",
    "ReversiReadyStatesEvent",
    "ReversiSettingsUpdatedEvent",
    "ReversiStartedEvent",
    "ServerStats",
    "ServerStatsEvent",
    "ServerStatsLogEvent",
    "SigninEvent",
    "UnfollowEvent",
    "UnknownEvent",
    "UnknownNoteUpdate",
    "UnreadAntennaEvent",
    "UnreadNotificationEvent",
    "UrlUploadFinishedEvent",
    "make_event",
    "make_note_update",
]

#: How an attribute is read from a body: from the whole body (key None) or one of its keys, by a parser.
Payload = Mapping[str, tuple[str | None, Callable[[Any], Any]]]


# -- reading bodies -----------------------------------------------------------------------------


def _raw(value: Any) -> Any:
    return value


@functools.cache
def _from_dict(name: str) -> Callable[[Any], Any]:
    """``Note.from_dict``, looked up on first use (the generated package depends on this core)."""
    models = importlib.import_module("misskey_client.models")
    model = getattr(models, name, None)
    if model is None:  # a client generated from a spec without it (a fork, an older release)
        return _raw
    parse: Callable[[Any], Any] = model.from_dict
    return parse


def model(*names: str) -> Callable[[Any], Any]:
    """A parser for a body that is one of the generated models ``names`` (tried in that order)."""

    resolved: list[Callable[[Any], Any]] = []  # the from_dicts, looked up on the first body

    def parse(value: Any) -> Any:
        if value is None:
            return None
        if not resolved:
            resolved.extend(_from_dict(name) for name in names)
        if len(resolved) == 1:
            return resolved[0](value)
        return parse_union(value, resolved)

    return parse


@functools.cache
def _notification_model(tag: str) -> Callable[[Any], Any]:
    """``reaction:grouped`` -> ``NotificationReactionGrouped.from_dict`` (a type newer than the spec: as it came)."""
    camel = "".join(part[:1].upper() + part[1:] for part in tag.replace(":", "_").split("_"))
    return _from_dict(f"Notification{camel}")


def _notification(value: Any) -> Any:
    """A notification is a union tagged by ``type``, read by the member that tag names."""
    tag = value.get("type") if isinstance(value, dict) else None
    if not isinstance(tag, str):
        raise ValueError(f"notification without a type: {str(value)[:80]!r}")
    return _notification_model(tag)(value)


def _timestamp(value: Any) -> Any:
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


_NOTE = model("Note")
_DRIVE_FILE = model("DriveFile")
_DRIVE_FOLDER = model("DriveFolder")
_USER_LITE = model("UserLite")
_CHAT_MESSAGE_LITE = model("ChatMessageLiteFor1On1", "ChatMessageLiteForRoom", "ChatMessageLite")


# -- the base classes ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Event:
    """An event of a channel. ``raw`` is its body as it came; the subclasses type it."""

    channel: str
    type: str
    raw: Any
    backfilled: bool = False

    _payload: ClassVar[Payload] = {}

    @classmethod
    def read(cls, channel: str, type: str, raw: Any, backfilled: bool = False) -> Any:
        """The event of this class for ``raw``; raises what a model parse raises for a body that does not fit."""
        # Filled in place, as the generated models are: a frozen dataclass's __init__ would set
        # each field through object.__setattr__, a good part of the cost of a small event.
        event = object.__new__(cls)
        fields = event.__dict__
        fields["channel"] = channel
        fields["type"] = type
        fields["raw"] = raw
        fields["backfilled"] = backfilled
        is_object = isinstance(raw, dict)
        for name, (key, parse) in cls._payload.items():
            fields[name] = parse(raw if key is None else (raw.get(key) if is_object else None))
        return event


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(Event):
    """An event this client does not know (a newer server, a fork): its ``body`` as it came."""

    body: Any

    _payload: ClassVar[Payload] = {"body": (None, _raw)}


# -- timelines (homeTimeline, localTimeline, hybridTimeline, globalTimeline, antenna, userList,
#    hashtag, roleTimeline, channel) -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NoteEvent(Event):
    """``note``: a note on a timeline."""

    note: Note

    _payload: ClassVar[Payload] = {"note": (None, _NOTE)}


# -- main -----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NotificationEvent(Event):
    """``notification``: a notification (its ``Notification*`` model, told apart by ``type``)."""

    notification: Notification

    _payload: ClassVar[Payload] = {"notification": (None, _notification)}


@dataclass(frozen=True, kw_only=True)
class UnreadNotificationEvent(NotificationEvent):
    """``unreadNotification``: a notification the account has not read yet."""


@dataclass(frozen=True, kw_only=True)
class MentionEvent(NoteEvent):
    """``mention``: a note that mentions the account."""


@dataclass(frozen=True, kw_only=True)
class ReplyEvent(NoteEvent):
    """``reply``: a reply to one of the account's notes."""


@dataclass(frozen=True, kw_only=True)
class RenoteEvent(NoteEvent):
    """``renote``: a renote of one of the account's notes."""


@dataclass(frozen=True, kw_only=True)
class FollowEvent(Event):
    """``follow``: the account followed ``user``."""

    user: UserDetailedNotMe

    _payload: ClassVar[Payload] = {"user": (None, model("UserDetailedNotMe", "UserLite"))}


@dataclass(frozen=True, kw_only=True)
class UnfollowEvent(FollowEvent):
    """``unfollow``: the account stopped following ``user``."""


@dataclass(frozen=True, kw_only=True)
class FollowedEvent(Event):
    """``followed``: ``user`` followed the account."""

    user: UserLite

    _payload: ClassVar[Payload] = {"user": (None, _USER_LITE)}


@dataclass(frozen=True, kw_only=True)
class ReceiveFollowRequestEvent(FollowedEvent):
    """``receiveFollowRequest``: ``user`` asks to follow the (locked) account."""


@dataclass(frozen=True, kw_only=True)
class MeUpdatedEvent(Event):
    """``meUpdated``: the account itself changed."""

    me: MeDetailed

    _payload: ClassVar[Payload] = {"me": (None, model("MeDetailed"))}


@dataclass(frozen=True, kw_only=True)
class PageEvent(Event):
    """``pageEvent``: someone used a button of one of the account's pages."""

    page_id: str
    event: str
    var: Any
    user_id: str

    _payload: ClassVar[Payload] = {
        "page_id": ("pageId", _raw),
        "event": ("event", _raw),
        "var": ("var", _raw),
        "user_id": ("userId", _raw),
    }


@dataclass(frozen=True, kw_only=True)
class UrlUploadFinishedEvent(Event):
    """``urlUploadFinished``: a ``drive/files/upload-from-url`` is done; ``marker`` is the caller's."""

    marker: str | None
    file: DriveFile

    _payload: ClassVar[Payload] = {"marker": ("marker", _raw), "file": ("file", _DRIVE_FILE)}


@dataclass(frozen=True, kw_only=True)
class ReadAllNotificationsEvent(Event):
    """``readAllNotifications``: every notification was marked read (no body)."""


@dataclass(frozen=True, kw_only=True)
class NotificationFlushedEvent(Event):
    """``notificationFlushed``: every notification was deleted (no body)."""


@dataclass(frozen=True, kw_only=True)
class ReadAllAnnouncementsEvent(Event):
    """``readAllAnnouncements`` (no body)."""


@dataclass(frozen=True, kw_only=True)
class MyTokenRegeneratedEvent(Event):
    """``myTokenRegenerated``: the account's token was regenerated (this stream's token is dead)."""


@dataclass(frozen=True, kw_only=True)
class UnreadAntennaEvent(Event):
    """``unreadAntenna``: an antenna has new notes. ``antenna`` is the server's row, not the packed model."""

    antenna: dict[str, Any]

    _payload: ClassVar[Payload] = {"antenna": (None, _raw)}


@dataclass(frozen=True, kw_only=True)
class ReadAntennaEvent(UnreadAntennaEvent):
    """``readAntenna``: an antenna was read."""


@dataclass(frozen=True, kw_only=True)
class NewChatMessageEvent(Event):
    """``newChatMessage``: a chat message for the account."""

    message: ChatMessage

    _payload: ClassVar[Payload] = {"message": (None, model("ChatMessage"))}


@dataclass(frozen=True, kw_only=True)
class SigninEvent(Event):
    """``signin``: someone signed in to the account."""

    signin: Signin

    _payload: ClassVar[Payload] = {"signin": (None, model("Signin"))}


@dataclass(frozen=True, kw_only=True)
class RegistryUpdatedEvent(Event):
    """``registryUpdated``: a registry value of the account changed."""

    scope: list[str] | None
    key: str
    value: Any

    _payload: ClassVar[Payload] = {"scope": ("scope", _raw), "key": ("key", _raw), "value": ("value", _raw)}


@dataclass(frozen=True, kw_only=True)
class DriveFileCreatedEvent(Event):
    """``driveFileCreated``: a file arrived in the account's drive."""

    file: DriveFile

    _payload: ClassVar[Payload] = {"file": (None, _DRIVE_FILE)}


@dataclass(frozen=True, kw_only=True)
class AnnouncementCreatedEvent(Event):
    """``announcementCreated``: a new announcement."""

    announcement: Announcement

    _payload: ClassVar[Payload] = {"announcement": ("announcement", model("Announcement"))}


# -- drive ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FileCreatedEvent(Event):
    """``fileCreated``."""

    file: DriveFile

    _payload: ClassVar[Payload] = {"file": (None, _DRIVE_FILE)}


@dataclass(frozen=True, kw_only=True)
class FileUpdatedEvent(FileCreatedEvent):
    """``fileUpdated``."""


@dataclass(frozen=True, kw_only=True)
class FileDeletedEvent(Event):
    """``fileDeleted``: the id of the deleted file."""

    file_id: str

    _payload: ClassVar[Payload] = {"file_id": (None, _raw)}


@dataclass(frozen=True, kw_only=True)
class FolderCreatedEvent(Event):
    """``folderCreated``."""

    folder: DriveFolder

    _payload: ClassVar[Payload] = {"folder": (None, _DRIVE_FOLDER)}


@dataclass(frozen=True, kw_only=True)
class FolderUpdatedEvent(FolderCreatedEvent):
    """``folderUpdated``."""


@dataclass(frozen=True, kw_only=True)
class FolderDeletedEvent(Event):
    """``folderDeleted``: the id of the deleted folder."""

    folder_id: str

    _payload: ClassVar[Payload] = {"folder_id": (None, _raw)}


# -- chatUser, chatRoom ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ChatMessageEvent(Event):
    """``message``: a message of the conversation or room."""

    message: ChatMessageLite

    _payload: ClassVar[Payload] = {"message": (None, _CHAT_MESSAGE_LITE)}


@dataclass(frozen=True, kw_only=True)
class ChatMessageDeletedEvent(Event):
    """``deleted``: the id of a deleted message."""

    message_id: str

    _payload: ClassVar[Payload] = {"message_id": (None, _raw)}


@dataclass(frozen=True, kw_only=True)
class ChatReactedEvent(Event):
    """``react``: ``user`` reacted to a message."""

    message_id: str
    reaction: str
    user: UserLite | None

    _payload: ClassVar[Payload] = {
        "message_id": ("messageId", _raw),
        "reaction": ("reaction", _raw),
        "user": ("user", _USER_LITE),
    }


@dataclass(frozen=True, kw_only=True)
class ChatUnreactedEvent(ChatReactedEvent):
    """``unreact``."""


# -- serverStats, queueStats, admin ----------------------------------------------------------------


class ServerStats(TypedDict, total=False):
    """What ``serverStats`` reports each tick (``packages/backend/src/daemons/ServerStatsService.ts``)."""

    cpu: float
    mem: dict[str, float]  # used, active
    net: dict[str, float]  # rx, tx
    fs: dict[str, float]  # r, w


class QueueStats(TypedDict, total=False):
    """What ``queueStats`` reports each tick: per queue (deliver, inbox) its job counts."""

    deliver: dict[str, int]  # activeSincePrevTick, active, waiting, delayed
    inbox: dict[str, int]


class NewAbuseUserReport(TypedDict, total=False):
    id: str
    targetUserId: str
    reporterId: str
    comment: str


@dataclass(frozen=True, kw_only=True)
class ServerStatsEvent(Event):
    """``stats``: one tick of the server's load."""

    stats: ServerStats

    _payload: ClassVar[Payload] = {"stats": (None, _raw)}


@dataclass(frozen=True, kw_only=True)
class ServerStatsLogEvent(Event):
    """``statsLog``: the ticks asked for with ``requestLog``."""

    log: list[ServerStats]

    _payload: ClassVar[Payload] = {"log": (None, _raw)}


@dataclass(frozen=True, kw_only=True)
class QueueStatsEvent(Event):
    """``stats``: one tick of the job queues."""

    stats: QueueStats

    _payload: ClassVar[Payload] = {"stats": (None, _raw)}


@dataclass(frozen=True, kw_only=True)
class QueueStatsLogEvent(Event):
    """``statsLog``: the ticks asked for with ``requestLog``."""

    log: list[QueueStats]

    _payload: ClassVar[Payload] = {"log": (None, _raw)}


@dataclass(frozen=True, kw_only=True)
class NewAbuseUserReportEvent(Event):
    """``newAbuseUserReport``: a user was reported (to moderators)."""

    report: NewAbuseUserReport

    _payload: ClassVar[Payload] = {"report": (None, _raw)}


# -- reversi, reversiGame -------------------------------------------------------------------------

_GAME = model("ReversiGameDetailed")


@dataclass(frozen=True, kw_only=True)
class ReversiMatchedEvent(Event):
    """``matched``: a game with the account starts."""

    game: ReversiGameDetailed

    _payload: ClassVar[Payload] = {"game": ("game", _GAME)}


@dataclass(frozen=True, kw_only=True)
class ReversiInvitedEvent(Event):
    """``invited``: ``user`` invites the account to a game."""

    user: UserLite

    _payload: ClassVar[Payload] = {"user": ("user", model("UserLite", "UserDetailedNotMe"))}


@dataclass(frozen=True, kw_only=True)
class ReversiStartedEvent(ReversiMatchedEvent):
    """``started``."""


@dataclass(frozen=True, kw_only=True)
class ReversiEndedEvent(ReversiMatchedEvent):
    """``ended``: ``winner_id`` is None for a draw."""

    winner_id: str | None

    _payload: ClassVar[Payload] = {"game": ("game", _GAME), "winner_id": ("winnerId", _raw)}


@dataclass(frozen=True, kw_only=True)
class ReversiCanceledEvent(Event):
    """``canceled``: ``user_id`` left the game before it started."""

    user_id: str

    _payload: ClassVar[Payload] = {"user_id": ("userId", _raw)}


@dataclass(frozen=True, kw_only=True)
class ReversiReadyStatesEvent(Event):
    """``changeReadyStates``."""

    user1: bool
    user2: bool

    _payload: ClassVar[Payload] = {"user1": ("user1", _raw), "user2": ("user2", _raw)}


@dataclass(frozen=True, kw_only=True)
class ReversiSettingsUpdatedEvent(Event):
    """``updateSettings``: ``user_id`` changed the game's setting ``key``."""

    user_id: str
    key: str
    value: Any

    _payload: ClassVar[Payload] = {"user_id": ("userId", _raw), "key": ("key", _raw), "value": ("value", _raw)}


@dataclass(frozen=True, kw_only=True)
class ReversiLogEvent(Event):
    """``log``: a stone was put at ``pos`` (``player`` True is black)."""

    time: int
    player: bool
    operation: str
    pos: int
    id: str | None

    _payload: ClassVar[Payload] = {name: (name, _raw) for name in ("time", "player", "operation", "pos", "id")}


def make_event(event_class: type[Event] | None, channel: str, type: str, raw: Any, backfilled: bool = False) -> Any:
    """The event for a body; a type the channel does not list is an ``UnknownEvent``."""
    return (event_class or UnknownEvent).read(channel, type, raw, backfilled)


# -- captured notes ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NoteUpdate:
    """A ``noteUpdated`` event of a captured note. ``body`` is its body as it came."""

    note_id: str
    type: str
    body: Any

    _payload: ClassVar[Payload] = {}

    @property
    def user_id(self) -> str | None:
        """Who reacted or voted, for the updates that say."""
        value = self.body.get("userId") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) else None


@dataclass(frozen=True, kw_only=True)
class NoteReacted(NoteUpdate):
    """``reacted``: ``reaction`` (``👍`` or ``:name@.:``), with its custom ``emoji`` (name, url) if any."""

    reaction: str
    emoji: dict[str, str] | None

    _payload: ClassVar[Payload] = {"reaction": ("reaction", _raw), "emoji": ("emoji", _raw)}


@dataclass(frozen=True, kw_only=True)
class NoteUnreacted(NoteUpdate):
    """``unreacted``."""

    reaction: str

    _payload: ClassVar[Payload] = {"reaction": ("reaction", _raw)}


@dataclass(frozen=True, kw_only=True)
class NotePollVoted(NoteUpdate):
    """``pollVoted``: a vote for ``choice`` (its index)."""

    choice: int

    _payload: ClassVar[Payload] = {"choice": ("choice", _raw)}


@dataclass(frozen=True, kw_only=True)
class NoteDeleted(NoteUpdate):
    """``deleted``."""

    deleted_at: datetime.datetime

    _payload: ClassVar[Payload] = {"deleted_at": ("deletedAt", _timestamp)}


@dataclass(frozen=True, kw_only=True)
class NoteEdited(NoteUpdate):
    """``updated``: the note's text or content warning was edited."""

    text: str | None
    cw: str | None

    _payload: ClassVar[Payload] = {"text": ("text", _raw), "cw": ("cw", _raw)}


@dataclass(frozen=True, kw_only=True)
class UnknownNoteUpdate(NoteUpdate):
    """A ``noteUpdated`` type this client does not know."""


_NOTE_UPDATES: Mapping[str, type[NoteUpdate]] = {
    "reacted": NoteReacted,
    "unreacted": NoteUnreacted,
    "pollVoted": NotePollVoted,
    "deleted": NoteDeleted,
    "updated": NoteEdited,
}

NoteUpdateType = Literal["reacted", "unreacted", "pollVoted", "deleted", "updated"]


def make_note_update(note_id: str, type: str, body: Any) -> NoteUpdate:
    cls = _NOTE_UPDATES.get(type, UnknownNoteUpdate)
    values = {
        name: parse(body.get(key) if isinstance(body, dict) and key else body)
        for name, (key, parse) in cls._payload.items()
    }
    return cls(note_id=note_id, type=type, body=body, **values)
