"""What Misskey 2026.3.2's streaming API offers: its channels, their parameters, events and REST twins.

Everything here is data read off the server (``packages/backend/src/server/api/stream/channels/``)
and the official SDK (``packages/misskey-js/src/streaming.types.ts``); nothing does I/O. The stream
uses it to refuse an unknown channel or parameter before anything is sent, to turn event bodies into
the generated models, and to know which REST endpoint refills a timeline after a reconnect.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._parsing import parse_union, unknown_enum_value

__all__ = [
    "CHANNELS",
    "Backfill",
    "ChannelSpec",
    "parse_event_body",
    "parse_note",
    "validate_params",
]


@dataclass(frozen=True)
class Backfill:
    """The REST endpoint that lists what a timeline channel streams, and how its params translate.

    ``params`` maps a channel parameter to the endpoint's name for it (``q`` -> ``query`` for
    hashtags); channel parameters the endpoint does not take are left out of the request.
    """

    endpoint: str
    params: Mapping[str, str] = field(default_factory=dict)

    def request(self, channel_params: Mapping[str, Any]) -> dict[str, Any]:
        return {rest: channel_params[name] for name, rest in self.params.items() if name in channel_params}


@dataclass(frozen=True)
class ChannelSpec:
    """One server channel: its parameters, whether the server shares one instance per socket, ..."""

    name: str
    #: Parameter name -> whether it is required.
    params: Mapping[str, bool] = field(default_factory=dict)
    #: The server keeps one instance per connection and ignores a second ``connect`` to it.
    shared: bool = False
    backfill: Backfill | None = None
    #: Event type -> names of the generated models its body may be (tried in order).
    events: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


_NOTE_EVENTS: Mapping[str, tuple[str, ...]] = {"note": ("Note",)}
_USER = ("UserDetailedNotMe", "MeDetailed", "UserLite")
_TIMELINE_FLAGS = {"withRenotes": False, "withFiles": False}


def _timeline(name: str, endpoint: str, params: Mapping[str, bool], extra: Mapping[str, str]) -> ChannelSpec:
    rest = {key: key for key in params if key not in extra} | dict(extra)
    return ChannelSpec(name, params, backfill=Backfill(endpoint, rest), events=_NOTE_EVENTS)


_SPECS = [
    ChannelSpec(
        "main",
        shared=True,
        events={
            "notification": ("Notification",),
            "unreadNotification": ("Notification",),
            "mention": ("Note",),
            "reply": ("Note",),
            "renote": ("Note",),
            "follow": _USER,
            "followed": _USER,
            "unfollow": _USER,
            "receiveFollowRequest": _USER,
            "meUpdated": ("MeDetailed",),
            "driveFileCreated": ("DriveFile",),
            "unreadAntenna": ("Antenna",),
            "readAntenna": ("Antenna",),
            "newChatMessage": ("ChatMessage",),
            "signin": ("Signin",),
        },
    ),
    _timeline("homeTimeline", "notes/timeline", _TIMELINE_FLAGS, {}),
    _timeline("localTimeline", "notes/local-timeline", _TIMELINE_FLAGS | {"withReplies": False}, {}),
    _timeline("hybridTimeline", "notes/hybrid-timeline", _TIMELINE_FLAGS | {"withReplies": False}, {}),
    _timeline("globalTimeline", "notes/global-timeline", _TIMELINE_FLAGS, {}),
    _timeline("antenna", "antennas/notes", {"antennaId": True}, {}),
    _timeline("userList", "notes/user-list-timeline", _TIMELINE_FLAGS | {"listId": True}, {}),
    # The channel takes ``q`` (OR of ANDs of tags); notes/search-by-tag calls the same thing ``query``.
    _timeline("hashtag", "notes/search-by-tag", {"q": True}, {"q": "query"}),
    _timeline("roleTimeline", "roles/notes", {"roleId": True}, {}),
    _timeline("channel", "channels/timeline", {"channelId": True}, {}),
    ChannelSpec(
        "chatUser",
        {"otherId": True},
        events={"message": ("ChatMessageLiteFor1On1", "ChatMessageLite")},
    ),
    ChannelSpec(
        "chatRoom",
        {"roomId": True},
        events={"message": ("ChatMessageLiteForRoom", "ChatMessageLite")},
    ),
    ChannelSpec(
        "drive",
        shared=True,
        events={
            "fileCreated": ("DriveFile",),
            "fileUpdated": ("DriveFile",),
            "folderCreated": ("DriveFolder",),
            "folderUpdated": ("DriveFolder",),
        },
    ),
    ChannelSpec("admin", shared=True),
    ChannelSpec("serverStats", shared=True),
    ChannelSpec("queueStats", shared=True),
    ChannelSpec("reversi", shared=True),
    ChannelSpec("reversiGame", {"gameId": True}),
]

#: Every channel of Misskey 2026.3.2 by name.
CHANNELS: Mapping[str, ChannelSpec] = {spec.name: spec for spec in _SPECS}


def validate_params(name: str, params: Mapping[str, Any]) -> ChannelSpec:
    """Return the spec of channel ``name``, or raise before anything reaches the server.

    ``ValueError`` for a channel the server does not have (it would throw on its side and never
    answer); ``TypeError`` for a parameter the channel does not take or a missing required one,
    as a Python call with a wrong keyword would.
    """
    spec = CHANNELS.get(name)
    if spec is None:
        known = ", ".join(sorted(CHANNELS))
        raise ValueError(f"unknown streaming channel {name!r}; Misskey has: {known}")
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        takes = ", ".join(sorted(spec.params)) or "no parameters"
        raise TypeError(f"channel {name!r} got unexpected parameter(s) {unknown}; it takes {takes}")
    missing = sorted(key for key, required in spec.params.items() if required and key not in params)
    if missing:
        raise TypeError(f"channel {name!r} needs parameter(s) {missing}")
    return spec


def _model(name: str) -> Callable[[Any], Any]:
    # The generated package depends on this core, not the other way round: look models up lazily.
    models = importlib.import_module("misskey_client.models")
    if name == "Notification":
        return _parse_notification
    parse: Callable[[Any], Any] = getattr(models, name).from_dict
    return parse


def _parse_notification(data: Any) -> Any:
    """A notification is a union tagged by ``type``: ``reaction:grouped`` -> NotificationReactionGrouped."""
    models = importlib.import_module("misskey_client.models")
    tag = data.get("type") if isinstance(data, dict) else None
    if not isinstance(tag, str):
        raise ValueError(f"notification without a type: {str(data)[:80]!r}")
    camel = "".join(part[:1].upper() + part[1:] for part in tag.replace(":", "_").split("_"))
    model = getattr(models, f"Notification{camel}", None)
    if model is None:
        # A notification type newer than the spec: an error in strict mode, the raw JSON otherwise.
        return unknown_enum_value("Notification.type", tag) and data
    return model.from_dict(data)


def parse_note(data: Any) -> Any:
    return _model("Note")(data)


def parse_event_body(spec: ChannelSpec, event_type: str, body: Any) -> Any:
    """The body as its generated model where the server's type is known, else as it came."""
    names = spec.events.get(event_type)
    if not names:
        return body
    if len(names) == 1:
        return _model(names[0])(body)
    return parse_union(body, [_model(name) for name in names])
