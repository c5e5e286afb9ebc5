"""Every failure as one message on stderr and an exit status that says its kind; never a traceback.

========  ===================================================================================
status    kind
========  ===================================================================================
0         success
1         Misskey answered with an error (``NO_SUCH_NOTE``, a rate limit, ...)
2         bad usage: an unknown command, endpoint or parameter, a value of the wrong type
3         authentication: not logged in, a token refused (401) or without the permission (403)
4         network: the server could not be reached, timed out, or did not answer Misskey's JSON
130       interrupted (Ctrl-C)
========  ===================================================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from misskey_auth import (
    AuthAPIError,
    AuthNetworkError,
    AuthTimeoutError,
    MisskeyAuthError,
    NotMisskeyServerError,
)
from misskey_core import (
    AuthenticationError,
    EndpointNotSupportedError,
    InsecureTransportError,
    InvalidResponseError,
    MisskeyAPIError,
    MisskeyError,
    PermissionDeniedError,
    RateLimitError,
    TransportError,
)

from ._hosts import HostError
from ._table import BadArgument

__all__ = [
    "EXIT_API",
    "EXIT_AUTH",
    "EXIT_INTERRUPTED",
    "EXIT_NETWORK",
    "EXIT_OK",
    "EXIT_USAGE",
    "Failure",
    "describe",
]

EXIT_OK = 0
EXIT_API = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NETWORK = 4
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Failure:
    status: int
    message: str
    details: str = ""


def _api_error(exc: MisskeyAPIError, status: int) -> Failure:
    code = exc.code or f"HTTP {exc.status_code}"
    text = f"{code}: {exc.message or 'no message'}"
    facts = [f"HTTP {exc.status_code}"]
    if exc.id:
        facts.append(f"id {exc.id}")
    if exc.endpoint:
        facts.append(f"endpoint {exc.endpoint}")
    if isinstance(exc, RateLimitError) and exc.retry_after is not None:
        facts.append(f"retry after {exc.retry_after:.0f} s")
    details = ", ".join(facts)
    if exc.info and not isinstance(exc, RateLimitError):
        details += "\n" + "\n".join(f"{key}: {value}" for key, value in exc.info.items())
    return Failure(status, text, details)


# A 403 says what is missing: the token's permission (a new login fixes it) or the account's role
# (a new token does not). Other refusals (a suspended account...) speak for themselves.
_AUTH_HINTS = {
    "PERMISSION_DENIED": "the token lacks this permission: `misskey login HOST` again (it asks for every permission)",
    "ROLE_PERMISSION_DENIED": "your account lacks the role this endpoint needs (moderator or administrator); "
    "a new token will not help",
}


def describe(exc: BaseException) -> Failure:
    """The message and exit status for ``exc``; messages never hold the token."""
    if isinstance(exc, KeyboardInterrupt):
        return Failure(EXIT_INTERRUPTED, "interrupted")
    if isinstance(exc, BadArgument):
        return Failure(EXIT_USAGE, str(exc))
    if isinstance(exc, HostError):
        return Failure(EXIT_AUTH, str(exc))
    if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
        failure = _api_error(exc, EXIT_AUTH)
        hint = _AUTH_HINTS.get(exc.code or "", "")
        if not hint and not isinstance(exc, PermissionDeniedError):
            hint = "log in again with `misskey login HOST`"
        return Failure(failure.status, failure.message, failure.details + ("\n" + hint if hint else ""))
    if isinstance(exc, EndpointNotSupportedError):
        return Failure(EXIT_API, str(exc))
    if isinstance(exc, MisskeyAPIError):
        return _api_error(exc, EXIT_API)
    if isinstance(exc, InsecureTransportError):
        return Failure(EXIT_USAGE, f"{exc} (--allow-insecure sends it anyway)")
    if isinstance(exc, (TransportError, InvalidResponseError, AuthNetworkError, NotMisskeyServerError)):
        return Failure(EXIT_NETWORK, str(exc))
    if isinstance(exc, AuthTimeoutError):
        return Failure(EXIT_AUTH, f"{exc}; run the command again (--timeout SECONDS waits longer)")
    if isinstance(exc, AuthAPIError):
        return Failure(EXIT_API, str(exc))
    if isinstance(exc, (MisskeyAuthError, MisskeyError)):
        return Failure(EXIT_AUTH if isinstance(exc, MisskeyAuthError) else EXIT_API, str(exc))
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return Failure(EXIT_USAGE, f"{exc.strerror or exc}{where}")
    detail = "" if os.environ.get("MISSKEY_CLI_TRACEBACK") else "set MISSKEY_CLI_TRACEBACK=1 to see where"
    return Failure(EXIT_API, f"unexpected failure: {type(exc).__name__}: {exc}", detail)
