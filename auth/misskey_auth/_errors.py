"""Exceptions raised by :mod:`misskey_auth`.

Every exception derives from :class:`MisskeyAuthError`, so one ``except`` clause catches them all. The
messages are written for the person running the program and never contain a token, an app secret or a
session token: they are safe to log.
"""

from __future__ import annotations

import misskey_core as _core

__all__ = [
    "AuthAPIError",
    "AuthNetworkError",
    "AuthNetworkTimeoutError",
    "AuthTimeoutError",
    "InsecureTransportError",
    "MiAuthError",
    "MiAuthNotAuthorizedError",
    "MisskeyAuthError",
    "NotMisskeyServerError",
]


class MisskeyAuthError(Exception):
    """Base class of every error raised by :mod:`misskey_auth`."""


class InsecureTransportError(MisskeyAuthError, _core.InsecureTransportError):
    """A plain ``http://`` address for a host that is not loopback.

    Tokens would cross the network in clear text. Pass ``allow_insecure=True`` (``--allow-insecure`` on the
    command line) to accept it anyway, for instance on a private test network.
    """


class AuthNetworkError(MisskeyAuthError):
    """The server could not be reached, or the connection broke; the httpx error is the ``__cause__``."""


class AuthNetworkTimeoutError(AuthNetworkError, TimeoutError):
    """One HTTP request took longer than the configured ``timeout``."""


class NotMisskeyServerError(MisskeyAuthError):
    """The answer does not come from a Misskey API: an HTML page, a 404, a body that is not JSON.

    Usually the address is wrong (a typo, a web page rather than the server, a proxy's error page).
    """

    def __init__(self, message: str, *, url: str, status_code: int, snippet: str) -> None:
        super().__init__(message)
        self.url = url
        self.status_code = status_code
        self.snippet = snippet


class AuthAPIError(MisskeyAuthError):
    """Misskey answered with its error object, ``{"error": {"code": ..., "message": ..., "id": ...}}``."""

    def __init__(self, message: str, *, status_code: int, code: str, error_id: str | None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.error_id = error_id


class MiAuthError(MisskeyAuthError):
    """Base class of the errors specific to MiAuth."""


class MiAuthNotAuthorizedError(MiAuthError):
    """``check`` answered ``{"ok": false}``.

    Misskey gives the same answer in three cases it does not tell apart: the user has not approved the
    session yet, the user pressed "Deny" (Misskey does not record a denial), or the token of this session
    was already fetched (``check`` hands a token out only once).
    """


class AuthTimeoutError(MisskeyAuthError, TimeoutError):
    """Waiting for the user's approval took longer than the ``timeout`` given to ``wait`` or ``login``."""
