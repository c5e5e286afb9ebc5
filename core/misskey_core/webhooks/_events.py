"""Typed webhook events: one class per event type Misskey 2026.3.2 delivers, and one for any other.

Every event has the envelope's fields (``server``, ``hook_id``, ``event_id``, ``created_at``,
``type``) and ``raw``, the whole delivery as it was decoded, so nothing the server sent is lost even
when a newer server adds to it. User webhooks (``i/webhooks/create``) give ``UserWebhookEvent``
subclasses, which add ``user_id`` (the hook's owner); system webhooks (``admin/system-webhook/create``)
give ``SystemWebhookEvent`` subclasses. The bodies are the generated models (``Note``, ``UserLite``,
``UserDetailedNotMe``) where the spec has them.

What the server puts in each body (``packages/backend/src``): ``note`` is the author's new note as
everyone sees it (``NoteCreateService``), ``reply`` and ``renote`` (quotes too) are the new note, sent
to the author of the note replied to or renoted, ``mention`` is the note as the mentioned user sees
it; ``follow`` and ``unfollow`` are the other user as ``UserDetailedNotMe`` from the hook owner's
view, ``followed`` is the new follower as ``UserLite`` (``UserFollowingService``). ``reaction`` can be
subscribed to but is never sent: no server code enqueues it, and ``i/webhooks/test`` skips it
(``WebhookTestService.testUserWebhook``, "not implemented yet (#9485)").
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from misskey_client.models import Note, UserDetailedNotMe, UserLite

from ._models import AbuseReport, ModeratorInactivityRemainingTime

__all__ = [
    "EVENT_TYPES",
    "AbuseReportEvent",
    "AbuseReportResolvedEvent",
    "FollowEvent",
    "FollowedEvent",
    "InactiveModeratorsInvitationOnlyChangedEvent",
    "InactiveModeratorsWarningEvent",
    "MentionEvent",
    "NoteEvent",
    "RenoteEvent",
    "ReplyEvent",
    "SystemWebhookEvent",
    "UnfollowEvent",
    "UnknownEvent",
    "UserCreatedEvent",
    "UserWebhookEvent",
    "WebhookEvent",
]


@dataclass(frozen=True, kw_only=True)
class WebhookEvent:
    """One delivery of a Misskey webhook: the envelope's fields, and ``raw``, the delivery's JSON.

    ``event_id`` is the same on every redelivery of one event (the receiver drops repeats by it);
    ``created_at`` is when the server queued the delivery (UTC); ``server`` is the server's URL.
    """

    #: The event type this class stands for (``"note"``); empty on the base classes and ``UnknownEvent``.
    event_type: ClassVar[str] = ""

    type: str
    server: str
    hook_id: str
    event_id: str
    created_at: datetime.datetime
    raw: Mapping[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, kw_only=True)
class UserWebhookEvent(WebhookEvent):
    """A delivery of a user webhook; ``user_id`` is the hook owner's id."""

    user_id: str


@dataclass(frozen=True, kw_only=True)
class SystemWebhookEvent(WebhookEvent):
    """A delivery of a system webhook (an administrator's)."""


@dataclass(frozen=True, kw_only=True)
class NoteEvent(UserWebhookEvent):
    """``note``: the hook's owner posted ``note``."""

    event_type: ClassVar[str] = "note"
    note: Note


@dataclass(frozen=True, kw_only=True)
class ReplyEvent(UserWebhookEvent):
    """``reply``: someone replied to a note of the hook's owner; ``note`` is the reply."""

    event_type: ClassVar[str] = "reply"
    note: Note


@dataclass(frozen=True, kw_only=True)
class RenoteEvent(UserWebhookEvent):
    """``renote``: someone renoted or quoted a note of the hook's owner; ``note`` is the renote."""

    event_type: ClassVar[str] = "renote"
    note: Note


@dataclass(frozen=True, kw_only=True)
class MentionEvent(UserWebhookEvent):
    """``mention``: a note mentions the hook's owner; ``note`` as the owner sees it."""

    event_type: ClassVar[str] = "mention"
    note: Note


@dataclass(frozen=True, kw_only=True)
class FollowEvent(UserWebhookEvent):
    """``follow``: the hook's owner followed ``user``."""

    event_type: ClassVar[str] = "follow"
    user: UserDetailedNotMe


@dataclass(frozen=True, kw_only=True)
class UnfollowEvent(UserWebhookEvent):
    """``unfollow``: the hook's owner no longer follows ``user``: unfollowed, or the follow (or the
    follow request) was rejected or ended by a block (``UserFollowingService``, ``UserBlockingService``)."""

    event_type: ClassVar[str] = "unfollow"
    user: UserDetailedNotMe


@dataclass(frozen=True, kw_only=True)
class FollowedEvent(UserWebhookEvent):
    """``followed``: ``user`` followed the hook's owner."""

    event_type: ClassVar[str] = "followed"
    user: UserLite


@dataclass(frozen=True, kw_only=True)
class UserCreatedEvent(SystemWebhookEvent):
    """``userCreated``: an account was made on the server (sign-up or ``admin/accounts/create``)."""

    event_type: ClassVar[str] = "userCreated"
    user: UserLite


@dataclass(frozen=True, kw_only=True)
class AbuseReportEvent(SystemWebhookEvent):
    """``abuseReport``: a user filed ``report``."""

    event_type: ClassVar[str] = "abuseReport"
    report: AbuseReport


@dataclass(frozen=True, kw_only=True)
class AbuseReportResolvedEvent(SystemWebhookEvent):
    """``abuseReportResolved``: a moderator (``report.assignee``) resolved ``report``."""

    event_type: ClassVar[str] = "abuseReportResolved"
    report: AbuseReport


@dataclass(frozen=True, kw_only=True)
class InactiveModeratorsWarningEvent(SystemWebhookEvent):
    """``inactiveModeratorsWarning``: no moderator was active for a while; ``remaining_time`` before the
    server becomes invitation-only."""

    event_type: ClassVar[str] = "inactiveModeratorsWarning"
    remaining_time: ModeratorInactivityRemainingTime


@dataclass(frozen=True, kw_only=True)
class InactiveModeratorsInvitationOnlyChangedEvent(SystemWebhookEvent):
    """``inactiveModeratorsInvitationOnlyChanged``: the server made itself invitation-only (empty body)."""

    event_type: ClassVar[str] = "inactiveModeratorsInvitationOnlyChanged"


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(WebhookEvent):
    """An event type this library does not know (a newer server, a fork): ``body`` as it came.

    ``user_id`` is set when the envelope has one (a user webhook).
    """

    user_id: str | None
    body: Any


#: Each event type Misskey 2026.3.2 delivers, by the name in the envelope's ``type``.
EVENT_TYPES: Mapping[str, type[WebhookEvent]] = {
    cls.event_type: cls
    for cls in (
        NoteEvent,
        ReplyEvent,
        RenoteEvent,
        MentionEvent,
        FollowEvent,
        UnfollowEvent,
        FollowedEvent,
        UserCreatedEvent,
        AbuseReportEvent,
        AbuseReportResolvedEvent,
        InactiveModeratorsWarningEvent,
        InactiveModeratorsInvitationOnlyChangedEvent,
    )
}
