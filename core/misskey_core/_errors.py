"""The exceptions every Misskey call can raise.

Everything derives from :class:`MisskeyError`, so ``except MisskeyError`` catches any failure of this
library. Messages never contain the access token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AuthenticationError",
    "EndpointNotSupportedError",
    "InsecureTransportError",
    "InvalidResponseError",
    "MisskeyAPIError",
    "MisskeyConnectionError",
    "MisskeyError",
    "MisskeyTimeoutError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseParseError",
    "ServerError",
    "TransportError",
    "UntypedResponseWarning",
]


class MisskeyError(Exception):
    """Base class of every error raised by misskey-client.

    ``attempts`` counts the tries of the call that failed (more than 1 after retries).
    """

    attempts: int = 1


class InsecureTransportError(MisskeyError, ValueError):
    """Refused to send a token over plain ``http://`` to a host that is not loopback."""


class TransportError(MisskeyError):
    """The request never produced an HTTP response (DNS, refused connection, TLS, ...).

    The underlying ``httpx`` exception is chained as ``__cause__``. ``never_sent`` is true when no
    connection was made, so the request cannot have reached the server (safe to retry any call).
    """

    def __init__(self, message: str, *, endpoint: str | None = None, never_sent: bool = False) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.never_sent = never_sent


class MisskeyConnectionError(TransportError):
    """The server could not be reached: bad host, refused connection, TLS failure, dropped socket."""


class MisskeyTimeoutError(TransportError, TimeoutError):
    """Connecting, writing, reading or waiting for a pooled connection took longer than the timeout."""


class EndpointNotSupportedError(MisskeyError):
    """The server has no such endpoint (an older version, or a fork without it): HTTP 404."""

    def __init__(self, endpoint: str, server_version: str | None) -> None:
        version = server_version or "an unknown version"
        super().__init__(f"the server (Misskey {version}) has no endpoint {endpoint!r}")
        self.endpoint = endpoint
        self.server_version = server_version


class InvalidResponseError(MisskeyError):
    """The server answered, but not with what a Misskey API answers.

    Raised for an HTML error page from a proxy, an empty or truncated body, a wrong content type, or
    JSON of the wrong shape. ``snippet`` holds the first characters of the body for diagnosis.
    """

    def __init__(self, message: str, *, status_code: int, endpoint: str | None, snippet: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.endpoint = endpoint
        self.snippet = snippet


class ResponseParseError(InvalidResponseError):
    """A JSON response did not fit the typed model of its endpoint (strict parsing only).

    The default lenient parsing never raises it for valid JSON: a value that does not fit is kept as
    it came. Strict parsing raises it for each mismatch: a value of the wrong type, an unknown
    property or enum value, a missing required property. ``json_path`` says where (``$.user.name``,
    ``$[3].files[0]``) and ``reason`` what.
    """

    json_path: str = "$"
    reason: str = ""


class MisskeyAPIError(MisskeyError):
    """Misskey answered with its error body ``{"error": {"code", "id", "message", "kind", "info"}}``."""

    def __init__(
        self,
        *,
        status_code: int,
        endpoint: str | None,
        code: str | None = None,
        id: str | None = None,
        message: str | None = None,
        kind: str | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        self.status_code = status_code
        self.endpoint = endpoint
        self.code = code
        self.id = id
        self.message = message
        self.kind = kind
        self.info: Mapping[str, Any] = info or {}
        where = f" on {endpoint}" if endpoint else ""
        super().__init__(f"{status_code} {code or 'ERROR'}{where}: {message or 'no message'}")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"endpoint={self.endpoint!r}, message={self.message!r})"
        )


class AuthenticationError(MisskeyAPIError):
    """401: the token is missing, invalid or revoked (``CREDENTIAL_REQUIRED``, ``AUTHENTICATION_FAILED``)."""


class PermissionDeniedError(MisskeyAPIError):
    """403: the token lacks a permission, or the user lacks a role (``PERMISSION_DENIED``...)."""


class RateLimitError(MisskeyAPIError):
    """429: too many requests. ``retry_after`` is in seconds when the server said how long to wait."""

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry_after = retry_after


class ServerError(MisskeyAPIError):
    """5xx: the server failed (``INTERNAL_ERROR`` and friends)."""


class UntypedResponseWarning(UserWarning):
    """An answer the client could not type is returned as plain JSON (never dropped)."""
