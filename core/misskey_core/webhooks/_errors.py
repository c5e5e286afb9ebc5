"""What receiving a webhook can raise: one error per way a delivery is refused.

Each carries the HTTP status a receiver answers with (``status_code``), so the ASGI and WSGI apps
map any of them to a response the same way; Misskey retries a delivery only on 5xx and network
errors, so every one of these (a 4xx) tells it not to send that delivery again. No message holds a
secret or the value that was sent in its place.
"""

from __future__ import annotations

from .._errors import MisskeyError

__all__ = [
    "WebhookBodyError",
    "WebhookEnvelopeError",
    "WebhookError",
    "WebhookJSONError",
    "WebhookPayloadError",
    "WebhookSecretError",
    "WebhookTooLargeError",
]


class WebhookError(MisskeyError):
    """Base class of every refusal of a webhook delivery; ``status_code`` is what a receiver answers."""

    status_code: int = 400
    #: A short machine-readable name of the refusal, used in the receiver's JSON answer.
    code: str = "bad_request"


class WebhookSecretError(WebhookError):
    """The ``X-Misskey-Hook-Secret`` header is missing, sent more than once, or not the hook's secret."""

    status_code = 401
    code = "bad_secret"


class WebhookTooLargeError(WebhookError):
    """The body is longer than the receiver's limit (``max_body_size``); ``limit`` is that limit in bytes."""

    status_code = 413
    code = "too_large"

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


class WebhookPayloadError(WebhookError):
    """The body is not a delivery this library can read; base of the three kinds below."""

    code = "bad_payload"
    #: Where in the delivery's JSON the problem is (``$``, ``$.createdAt``, ``$.body.note.user``).
    json_path: str = "$"

    def __init__(self, message: str, *, json_path: str = "$") -> None:
        super().__init__(message)
        self.json_path = json_path


class WebhookJSONError(WebhookPayloadError):
    """The body is not JSON: empty, cut off, not UTF-8, or with ``NaN``/``Infinity``, which JSON lacks."""

    code = "bad_json"


class WebhookEnvelopeError(WebhookPayloadError):
    """The body is JSON but not Misskey's envelope ``{server, hookId, userId, eventId, createdAt, type, body}``."""

    code = "bad_envelope"


class WebhookBodyError(WebhookPayloadError):
    """The envelope is fine but its ``body`` does not fit the event type (``event_type``) it names."""

    code = "bad_body"

    def __init__(self, message: str, *, event_type: str, json_path: str = "$.body") -> None:
        super().__init__(message, json_path=json_path)
        self.event_type = event_type
