"""Hand-written core of misskey-client. Import the public API from ``misskey_client`` instead."""

from __future__ import annotations

from ._client import AsyncClient, BaseClient, SyncClient, TokenLocation
from ._config import DEFAULT_TIMEOUT, is_loopback, normalize_base_url
from ._errors import (
    AuthenticationError,
    InsecureTransportError,
    InvalidResponseError,
    MisskeyAPIError,
    MisskeyConnectionError,
    MisskeyError,
    MisskeyTimeoutError,
    PermissionDeniedError,
    RateLimitError,
    ResponseParseError,
    ServerError,
    TransportError,
)
from ._parsing import is_strict, strict_parsing

__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncClient",
    "AuthenticationError",
    "BaseClient",
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
    "SyncClient",
    "TokenLocation",
    "TransportError",
    "is_loopback",
    "is_strict",
    "normalize_base_url",
    "strict_parsing",
]
