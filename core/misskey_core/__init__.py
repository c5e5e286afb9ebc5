"""Hand-written core of misskey-client. Import the public API from ``misskey_client`` instead."""

from __future__ import annotations

from ._client import AsyncBackend, AsyncClient, BaseClient, SyncClient, TokenLocation
from ._config import DEFAULT_TIMEOUT, is_loopback, normalize_base_url
from ._errors import (
    AuthenticationError,
    EndpointNotSupportedError,
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
    UntypedResponseWarning,
)
from ._parsing import is_strict, strict_parsing
from ._retry import DEFAULT_RETRY, RetryPolicy
from ._server import ServerInfo
from ._upload import FileInput, ProgressCallback

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "AsyncBackend",
    "AsyncClient",
    "AuthenticationError",
    "BaseClient",
    "EndpointNotSupportedError",
    "FileInput",
    "InsecureTransportError",
    "InvalidResponseError",
    "MisskeyAPIError",
    "MisskeyConnectionError",
    "MisskeyError",
    "MisskeyTimeoutError",
    "PermissionDeniedError",
    "ProgressCallback",
    "RateLimitError",
    "ResponseParseError",
    "RetryPolicy",
    "ServerError",
    "ServerInfo",
    "SyncClient",
    "TokenLocation",
    "TransportError",
    "UntypedResponseWarning",
    "is_loopback",
    "is_strict",
    "normalize_base_url",
    "strict_parsing",
]
