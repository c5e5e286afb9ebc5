"""The channels of Misskey's streaming API, declared once: their parameters, events and REST twins.

Each channel is a small class whose fields are its parameters, in snake_case like every REST
method (``HomeTimeline(with_renotes=False)``, ``Antenna(antenna_id=...)``), and whose type
parameter is the union of its events, so ``await stream.connect(HomeTimeline())`` is an
``AsyncChannel[NoteEvent | UnknownEvent]`` to a type checker. The async and the sync stream both
read these classes; a new channel is one class here. Everything is read off Misskey 2026.3.2
(``packages/backend/src/server/api/stream/channels/``, ``core/GlobalEventService.ts``) and
misskey-js (``src/streaming.types.ts``); nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeVar

from ._events import (
    AnnouncementCreatedEvent,
    ChatMessageDeletedEvent,
    ChatMessageEvent,
    ChatReactedEvent,
    ChatUnreactedEvent,
    DriveFileCreatedEvent,
    Event,
    FileCreatedEvent,
    FileDeletedEvent,
    FileUpdatedEvent,
    FolderCreatedEvent,
    FolderDeletedEvent,
    FolderUpdatedEvent,
    FollowedEvent,
    FollowEvent,
    MentionEvent,
    MeUpdatedEvent,
    MyTokenRegeneratedEvent,
    NewAbuseUserReportEvent,
    NewChatMessageEvent,
    NoteEvent,
    NotificationEvent,
    NotificationFlushedEvent,
    PageEvent,
    QueueStatsEvent,
    QueueStatsLogEvent,
    ReadAllAnnouncementsEvent,
    ReadAllNotificationsEvent,
    ReadAntennaEvent,
    ReceiveFollowRequestEvent,
    RegistryUpdatedEvent,
    RenoteEvent,
    ReplyEvent,
    ReversiCanceledEvent,
    ReversiEndedEvent,
    ReversiInvitedEvent,
    ReversiLogEvent,
    ReversiMatchedEvent,
    ReversiReadyStatesEvent,
    ReversiSettingsUpdatedEvent,
    ReversiStartedEvent,
    ServerStatsEvent,
    ServerStatsLogEvent,
    SigninEvent,
    UnfollowEvent,
    UnknownEvent,
    UnreadAntennaEvent,
    UnreadNotificationEvent,
    UrlUploadFinishedEvent,
)

__all__ = [
    "CHANNELS",
    "Admin",
    "Antenna",
    "Backfill",
    "Channel",
    "ChannelTimeline",
    "ChatRoom",
    "ChatUser",
    "Drive",
    "GlobalTimeline",
    "Hashtag",
    "HomeTimeline",
    "HybridTimeline",
    "LocalTimeline",
    "Main",
    "MainEvent",
    "QueueStatsChannel",
    "Reversi",
    "ReversiGame",
    "RoleTimeline",
    "ServerStatsChannel",
    "TimelineEvent",
    "UserList",
    "channel_from_name",
]

E = TypeVar("E", bound=Event, covariant=True)


@dataclass(frozen=True)
class Backfill:
    """The REST endpoint that lists what a channel streams, for the refill after a reconnect.

    ``kind`` says what it lists: ``"note"`` (a timeline, ``sinceId`` over note ids) or
    ``"notification"`` (``main``: ``i/notifications``, from which mentions, replies, renotes and
    follows are told again). ``params`` maps a channel parameter (wire name) to the endpoint's
    name for it; ``fixed`` are sent as they are.
    """

    endpoint: str
    kind: Literal["note", "notification"] = "note"
    params: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def request(self, channel_params: Mapping[str, Any]) -> dict[str, Any]:
        mapped = {rest: channel_params[name] for name, rest in self.params.items() if name in channel_params}
        return dict(self.fixed) | mapped


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class Channel(Generic[E]):
    """A channel to join, with its parameters (the dataclass fields of each subclass)."""

    #: The channel's name on the wire.
    name: ClassVar[str]
    #: The server keeps one instance per socket and ignores a second ``connect`` to it.
    shared: ClassVar[bool] = False
    backfill: ClassVar[Backfill | None] = None
    #: Misskey's event type -> the class it arrives as (anything else: UnknownEvent).
    events: ClassVar[Mapping[str, type[Event]]] = {}

    def params(self) -> dict[str, Any]:
        """The parameters as the server takes them (camelCase; unset ones left out)."""
        fields = dataclasses.fields(self)  # type: ignore[arg-type]  # every subclass is a dataclass
        return {_camel(f.name): getattr(self, f.name) for f in fields if getattr(self, f.name) is not None}


_NOTES: Mapping[str, type[Event]] = {"note": NoteEvent}
#: What a timeline yields.
TimelineEvent = NoteEvent | UnknownEvent


def _timeline(endpoint: str, *names: str) -> Backfill:
    return Backfill(endpoint, params={name: name for name in names})


_FLAGS = ("withRenotes", "withFiles")


@dataclass(frozen=True)
class HomeTimeline(Channel[TimelineEvent]):
    """``homeTimeline``: the account's home timeline."""

    with_renotes: bool | None = None
    with_files: bool | None = None

    name = "homeTimeline"
    backfill = _timeline("notes/timeline", *_FLAGS)
    events = _NOTES


@dataclass(frozen=True)
class LocalTimeline(Channel[TimelineEvent]):
    """``localTimeline``."""

    with_renotes: bool | None = None
    with_replies: bool | None = None
    with_files: bool | None = None

    name = "localTimeline"
    backfill = _timeline("notes/local-timeline", *_FLAGS, "withReplies")
    events = _NOTES


@dataclass(frozen=True)
class HybridTimeline(Channel[TimelineEvent]):
    """``hybridTimeline`` (the social timeline)."""

    with_renotes: bool | None = None
    with_replies: bool | None = None
    with_files: bool | None = None

    name = "hybridTimeline"
    backfill = _timeline("notes/hybrid-timeline", *_FLAGS, "withReplies")
    events = _NOTES


@dataclass(frozen=True)
class GlobalTimeline(Channel[TimelineEvent]):
    """``globalTimeline``."""

    with_renotes: bool | None = None
    with_files: bool | None = None

    name = "globalTimeline"
    backfill = _timeline("notes/global-timeline", *_FLAGS)
    events = _NOTES


@dataclass(frozen=True)
class Antenna(Channel[TimelineEvent]):
    """``antenna``: the notes an antenna of the account catches."""

    antenna_id: str

    name = "antenna"
    backfill = _timeline("antennas/notes", "antennaId")
    events = _NOTES


@dataclass(frozen=True)
class UserList(Channel[TimelineEvent]):
    """``userList``: a list's timeline."""

    list_id: str
    with_renotes: bool | None = None
    with_files: bool | None = None

    name = "userList"
    backfill = _timeline("notes/user-list-timeline", "listId", *_FLAGS)
    events = _NOTES


@dataclass(frozen=True)
class Hashtag(Channel[TimelineEvent]):
    """``hashtag``: ``q`` is a list of lists of tags, OR of ANDs (``[["a", "b"], ["c"]]``)."""

    q: list[list[str]]

    name = "hashtag"
    # notes/search-by-tag calls the channel's ``q`` ``query``.
    backfill = Backfill("notes/search-by-tag", params={"q": "query"})
    events = _NOTES


@dataclass(frozen=True)
class RoleTimeline(Channel[TimelineEvent]):
    """``roleTimeline``: the notes of a role's members."""

    role_id: str

    name = "roleTimeline"
    backfill = _timeline("roles/notes", "roleId")
    events = _NOTES


@dataclass(frozen=True)
class ChannelTimeline(Channel[TimelineEvent]):
    """``channel``: a Misskey channel's timeline."""

    channel_id: str

    name = "channel"
    backfill = _timeline("channels/timeline", "channelId")
    events = _NOTES


#: What ``main`` yields.
MainEvent = (
    NotificationEvent
    | UnreadNotificationEvent
    | MentionEvent
    | ReplyEvent
    | RenoteEvent
    | FollowEvent
    | FollowedEvent
    | UnfollowEvent
    | ReceiveFollowRequestEvent
    | MeUpdatedEvent
    | PageEvent
    | UrlUploadFinishedEvent
    | ReadAllNotificationsEvent
    | NotificationFlushedEvent
    | ReadAllAnnouncementsEvent
    | MyTokenRegeneratedEvent
    | UnreadAntennaEvent
    | ReadAntennaEvent
    | NewChatMessageEvent
    | SigninEvent
    | RegistryUpdatedEvent
    | DriveFileCreatedEvent
    | AnnouncementCreatedEvent
    | UnknownEvent
)


@dataclass(frozen=True)
class Main(Channel[MainEvent]):
    """``main``: the account's notifications and everything that happens to it.

    After a reconnect it is refilled from ``i/notifications`` (without marking them read): the
    notifications missed, and the mentions, replies, renotes, follows and follow requests among
    them, each delivered once.
    """

    name = "main"
    shared = True
    backfill = Backfill("i/notifications", kind="notification", fixed={"markAsRead": False})
    events: ClassVar[Mapping[str, type[Event]]] = {
        "notification": NotificationEvent,
        "unreadNotification": UnreadNotificationEvent,
        "mention": MentionEvent,
        "reply": ReplyEvent,
        "renote": RenoteEvent,
        "follow": FollowEvent,
        "followed": FollowedEvent,
        "unfollow": UnfollowEvent,
        "receiveFollowRequest": ReceiveFollowRequestEvent,
        "meUpdated": MeUpdatedEvent,
        "pageEvent": PageEvent,
        "urlUploadFinished": UrlUploadFinishedEvent,
        "readAllNotifications": ReadAllNotificationsEvent,
        "notificationFlushed": NotificationFlushedEvent,
        "readAllAnnouncements": ReadAllAnnouncementsEvent,
        "myTokenRegenerated": MyTokenRegeneratedEvent,
        "unreadAntenna": UnreadAntennaEvent,
        "readAntenna": ReadAntennaEvent,
        "newChatMessage": NewChatMessageEvent,
        "signin": SigninEvent,
        "registryUpdated": RegistryUpdatedEvent,
        "driveFileCreated": DriveFileCreatedEvent,
        "announcementCreated": AnnouncementCreatedEvent,
    }


DriveEvent = (
    FileCreatedEvent
    | FileUpdatedEvent
    | FileDeletedEvent
    | FolderCreatedEvent
    | FolderUpdatedEvent
    | FolderDeletedEvent
    | UnknownEvent
)


@dataclass(frozen=True)
class Drive(Channel[DriveEvent]):
    """``drive``: changes to the account's drive."""

    name = "drive"
    shared = True
    events: ClassVar[Mapping[str, type[Event]]] = {
        "fileCreated": FileCreatedEvent,
        "fileUpdated": FileUpdatedEvent,
        "fileDeleted": FileDeletedEvent,
        "folderCreated": FolderCreatedEvent,
        "folderUpdated": FolderUpdatedEvent,
        "folderDeleted": FolderDeletedEvent,
    }


ChatEvent = ChatMessageEvent | ChatMessageDeletedEvent | ChatReactedEvent | ChatUnreactedEvent | UnknownEvent
_CHAT: Mapping[str, type[Event]] = {
    "message": ChatMessageEvent,
    "deleted": ChatMessageDeletedEvent,
    "react": ChatReactedEvent,
    "unreact": ChatUnreactedEvent,
}


@dataclass(frozen=True)
class ChatUser(Channel[ChatEvent]):
    """``chatUser``: a conversation with ``other_id``; send ``read`` with ``{"id": message id}``."""

    other_id: str

    name = "chatUser"
    events = _CHAT


@dataclass(frozen=True)
class ChatRoom(Channel[ChatEvent]):
    """``chatRoom``: a chat room's messages."""

    room_id: str

    name = "chatRoom"
    events = _CHAT


@dataclass(frozen=True)
class ServerStatsChannel(Channel[ServerStatsEvent | ServerStatsLogEvent | UnknownEvent]):
    """``serverStats``: the server's load, each tick; send ``requestLog`` for the past ticks."""

    name = "serverStats"
    shared = True
    events: ClassVar[Mapping[str, type[Event]]] = {"stats": ServerStatsEvent, "statsLog": ServerStatsLogEvent}


@dataclass(frozen=True)
class QueueStatsChannel(Channel[QueueStatsEvent | QueueStatsLogEvent | UnknownEvent]):
    """``queueStats``: the job queues, each tick; send ``requestLog`` for the past ticks."""

    name = "queueStats"
    shared = True
    events: ClassVar[Mapping[str, type[Event]]] = {"stats": QueueStatsEvent, "statsLog": QueueStatsLogEvent}


@dataclass(frozen=True)
class Admin(Channel[NewAbuseUserReportEvent | UnknownEvent]):
    """``admin``: what moderators are told."""

    name = "admin"
    shared = True
    events: ClassVar[Mapping[str, type[Event]]] = {"newAbuseUserReport": NewAbuseUserReportEvent}


@dataclass(frozen=True)
class Reversi(Channel[ReversiMatchedEvent | ReversiInvitedEvent | UnknownEvent]):
    """``reversi``: invitations and matches."""

    name = "reversi"
    shared = True
    events: ClassVar[Mapping[str, type[Event]]] = {"matched": ReversiMatchedEvent, "invited": ReversiInvitedEvent}


ReversiGameEvent = (
    ReversiStartedEvent
    | ReversiEndedEvent
    | ReversiCanceledEvent
    | ReversiReadyStatesEvent
    | ReversiSettingsUpdatedEvent
    | ReversiLogEvent
    | UnknownEvent
)


@dataclass(frozen=True)
class ReversiGame(Channel[ReversiGameEvent]):
    """``reversiGame``: one game; send ``putStone``, ``ready``, ``updateSettings``, ``cancel``."""

    game_id: str

    name = "reversiGame"
    events: ClassVar[Mapping[str, type[Event]]] = {
        "started": ReversiStartedEvent,
        "ended": ReversiEndedEvent,
        "canceled": ReversiCanceledEvent,
        "changeReadyStates": ReversiReadyStatesEvent,
        "updateSettings": ReversiSettingsUpdatedEvent,
        "log": ReversiLogEvent,
    }


#: Every channel of Misskey 2026.3.2 by its name on the wire.
CHANNELS: Mapping[str, type[Channel[Any]]] = {
    channel.name: channel
    for channel in (
        Main,
        HomeTimeline,
        LocalTimeline,
        HybridTimeline,
        GlobalTimeline,
        Antenna,
        UserList,
        Hashtag,
        RoleTimeline,
        ChannelTimeline,
        ChatUser,
        ChatRoom,
        Drive,
        Admin,
        ServerStatsChannel,
        QueueStatsChannel,
        Reversi,
        ReversiGame,
    )
}


def channel_from_name(name: str, params: Mapping[str, Any]) -> Channel[Any]:
    """``connect("homeTimeline", with_renotes=False)``: the channel by its wire name and snake_case parameters.

    ``ValueError`` for a channel the server does not have (it would never answer), ``TypeError``
    for a parameter the channel does not take (naming the ones it does) or a missing one.
    """
    cls = CHANNELS.get(name)
    if cls is None:
        close = difflib.get_close_matches(name, CHANNELS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown streaming channel {name!r}{hint}; Misskey has: {', '.join(sorted(CHANNELS))}")
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(params) - names)
    if unknown:
        snake = {_camel(n): n for n in names}
        hints = [f"{key!r} is spelled {snake[key]!r}" for key in unknown if key in snake]
        takes = ", ".join(sorted(names)) or "no parameters"
        extra = f" ({'; '.join(hints)})" if hints else ""
        raise TypeError(f"channel {name!r} got unexpected parameter(s) {unknown}{extra}; it takes {takes}")
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    missing = sorted(f.name for f in fields if f.default is dataclasses.MISSING and f.name not in params)
    if missing:
        raise TypeError(f"channel {name!r} needs parameter(s) {missing}")
    return cls(**params)
