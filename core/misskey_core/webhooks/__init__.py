"""Receive Misskey's webhooks: verify the secret, parse deliveries into typed events, serve them.

>>> from misskey_core.webhooks import MentionEvent, WebhookASGIApp, WebhookReceiver
>>> hooks = WebhookReceiver(secret="the hook's secret")
>>> @hooks.on(MentionEvent)
... def on_mention(event: MentionEvent) -> None:
...     print(event.note.user.username, event.note.text)
>>> app = WebhookASGIApp(hooks)  # uvicorn module:app; WebhookWSGIApp(hooks) for WSGI

Or by hand, in any framework: ``event = verify_and_parse(secret, request.headers, body)``.
No web framework is needed; the apps are plain ASGI 3 and WSGI.
"""

from __future__ import annotations

from ._asgi import WebhookASGIApp
from ._dedup import RecentEvents
from ._errors import (
    WebhookBodyError,
    WebhookEnvelopeError,
    WebhookError,
    WebhookJSONError,
    WebhookPayloadError,
    WebhookSecretError,
    WebhookTooLargeError,
)
from ._events import (
    EVENT_TYPES,
    AbuseReportEvent,
    AbuseReportResolvedEvent,
    FollowedEvent,
    FollowEvent,
    InactiveModeratorsInvitationOnlyChangedEvent,
    InactiveModeratorsWarningEvent,
    MentionEvent,
    NoteEvent,
    RenoteEvent,
    ReplyEvent,
    SystemWebhookEvent,
    UnfollowEvent,
    UnknownEvent,
    UserCreatedEvent,
    UserWebhookEvent,
    WebhookEvent,
)
from ._models import AbuseReport, ModeratorInactivityRemainingTime
from ._parse import SECRET_HEADER, Headers, Secret, parse, parse_obj, verify, verify_and_parse
from ._receiver import DEFAULT_MAX_BODY_SIZE, Handler, WebhookReceiver, WebhookResponse
from ._wsgi import WebhookWSGIApp

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "EVENT_TYPES",
    "SECRET_HEADER",
    "AbuseReport",
    "AbuseReportEvent",
    "AbuseReportResolvedEvent",
    "FollowEvent",
    "FollowedEvent",
    "Handler",
    "Headers",
    "InactiveModeratorsInvitationOnlyChangedEvent",
    "InactiveModeratorsWarningEvent",
    "MentionEvent",
    "ModeratorInactivityRemainingTime",
    "NoteEvent",
    "RecentEvents",
    "RenoteEvent",
    "ReplyEvent",
    "Secret",
    "SystemWebhookEvent",
    "UnfollowEvent",
    "UnknownEvent",
    "UserCreatedEvent",
    "UserWebhookEvent",
    "WebhookASGIApp",
    "WebhookBodyError",
    "WebhookEnvelopeError",
    "WebhookError",
    "WebhookEvent",
    "WebhookJSONError",
    "WebhookPayloadError",
    "WebhookReceiver",
    "WebhookResponse",
    "WebhookSecretError",
    "WebhookTooLargeError",
    "WebhookWSGIApp",
    "parse",
    "parse_obj",
    "verify",
    "verify_and_parse",
]
