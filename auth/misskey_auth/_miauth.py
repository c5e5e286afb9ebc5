"""MiAuth: Misskey's way for an application to ask a user for an access token.

The flow (https://misskey-hub.net/en/docs/for-developers/api/token/miauth/):

1. the application makes a fresh random session id (a UUID);
2. the user opens ``https://{host}/miauth/{session}?name=&icon=&callback=&permission=`` and approves;
   with a ``callback`` the browser is then sent to ``callback?session={session}``;
3. the application POSTs to ``/api/miauth/{session}/check`` and gets ``{"ok": true, "token", "user"}``.

Misskey hands the token out once: a second ``check`` answers ``{"ok": false}`` again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, urlsplit

import anyio
import httpx

from ._errors import AuthTimeoutError, MiAuthNotAuthorizedError, NotMisskeyServerError
from ._http import DEFAULT_TIMEOUT, ApiCall, HttpSession, read_json, server_url
from ._models import AuthResult
from ._validation import validate_permissions

__all__ = ["MiAuth"]


def _uuid4() -> str:
    # uuid4 draws from os.urandom, a cryptographic source: a session id must not be guessable, since
    # whoever knows it before the token is fetched can fetch the token.
    return str(uuid.uuid4())


#: Where sessions come from. Tests replace it to get a session id that is stable across recordings;
#: application code has no reason to touch it.
_new_session: Callable[[], str] = _uuid4

# The schemes Misskey's approval page refuses to redirect to (frontend ``pages/miauth.vue``).
_FORBIDDEN_CALLBACK_SCHEMES = frozenset({"javascript", "file", "data", "mailto", "tel", "vbscript"})


class MiAuth:
    """One MiAuth authorisation request: a session, its approval URL, and the calls that collect the token.

    Create one object per authorisation; each gets its own session id and is not meant to be reused. A
    web application typically stores ``session`` with the user's pending sign-in, redirects the user to
    ``url`` with a ``callback`` pointing back at itself, and calls :meth:`check` when the callback arrives
    (comparing its ``session`` query parameter first); a handler in another process rebuilds the object
    with :meth:`resume`. Scripts without a callback call :meth:`wait`.

    ``timeout`` bounds every HTTP request. Pass ``client`` / ``async_client`` to use your own httpx
    clients (their configuration, including their timeout, then applies; they are not closed).
    """

    def __init__(
        self,
        host: str,
        *,
        name: str | None = None,
        icon: str | None = None,
        callback: str | None = None,
        permission: str | Iterable[str] = (),
        allow_insecure: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._http = HttpSession(
            server_url(host, allow_insecure=allow_insecure),
            timeout=timeout,
            client=client,
            async_client=async_client,
        )
        self._session = _new_session()
        self.name = name
        self.icon = icon
        self.callback = _validated_callback(callback)
        self.permission = validate_permissions(permission)

    @property
    def server(self) -> str:
        """The normalised server address, e.g. ``https://misskey.example``."""
        return self._http.base_url

    @property
    def session(self) -> str:
        """This request's session id, a random UUID4. Treat it as a secret until the token is fetched."""
        return self._session

    @property
    def url(self) -> str:
        """The page where the user approves the request; every query value is percent-encoded."""
        query = [
            (key, quote(value, safe=safe))
            for key, value, safe in (
                ("name", self.name, ""),
                ("icon", self.icon, ""),
                ("callback", self.callback, ""),
                # ':' and ',' are legal in a query and keep the list readable, as in Misskey's docs.
                ("permission", ",".join(self.permission), ":,"),
            )
            if value
        ]
        text = "&".join(f"{key}={value}" for key, value in query)
        return f"{self.server}/miauth/{quote(self._session, safe='')}" + (f"?{text}" if text else "")

    @classmethod
    def resume(
        cls,
        host: str,
        session: str,
        *,
        allow_insecure: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
    ) -> MiAuth:
        """An object for checking a session started earlier, e.g. by another process of a web application.

        Only for collecting the token of that session (:meth:`check`, :meth:`wait`); start every new
        authorisation with a new :class:`MiAuth`, never with an old session id.
        """
        if not isinstance(session, str) or not session.strip():
            raise ValueError("session must be the non-empty id of a MiAuth request started earlier")
        auth = cls(host, allow_insecure=allow_insecure, timeout=timeout, client=client, async_client=async_client)
        auth._session = session.strip()
        return auth

    def __repr__(self) -> str:
        # The session id is left out on purpose: until the token is fetched it is as good as the token.
        return f"MiAuth(server={self.server!r}, name={self.name!r}, permission={self.permission!r})"

    # -- the check call, once; sync and async below only send it -------------------------------------

    def _check_call(self) -> ApiCall[AuthResult]:
        return ApiCall(f"/api/miauth/{quote(self._session, safe='')}/check", {}, _parse_check)

    def check(self) -> AuthResult:
        """Fetch the token if the user approved.

        Raises :class:`MiAuthNotAuthorizedError` while it is not approved (or after it was fetched).
        """
        return self._http.send(self._check_call())

    async def check_async(self) -> AuthResult:
        """The async twin of :meth:`check`."""
        return await self._http.send_async(self._check_call())

    def wait(self, timeout: float = 300.0, interval: float = 2.0) -> AuthResult:
        """Call :meth:`check` every ``interval`` seconds until the user approves.

        Raises :class:`AuthTimeoutError` (a ``TimeoutError``) after ``timeout`` seconds. Misskey does not
        record a denial, so a user who pressed "Deny" also ends in this timeout.
        """
        deadline = _deadline(timeout, interval)
        with self._http.client() as client:
            while True:
                try:
                    return self._http.send(self._check_call(), client)
                except MiAuthNotAuthorizedError:
                    pause = _next_pause(deadline, interval, timeout)
                time.sleep(pause)

    async def wait_async(self, timeout: float = 300.0, interval: float = 2.0) -> AuthResult:
        """The async twin of :meth:`wait` (works under asyncio and trio)."""
        deadline = _deadline(timeout, interval)
        async with self._http.async_client() as client:
            while True:
                try:
                    return await self._http.send_async(self._check_call(), client)
                except MiAuthNotAuthorizedError:
                    pause = _next_pause(deadline, interval, timeout)
                await anyio.sleep(pause)


def _validated_callback(callback: str | None) -> str | None:
    if not callback:
        return None
    scheme = urlsplit(callback).scheme.lower()
    if not scheme:
        raise ValueError(f"callback must be an absolute URL (with a scheme), got {callback!r}")
    if scheme in _FORBIDDEN_CALLBACK_SCHEMES:
        raise ValueError(f"Misskey refuses to redirect to a {scheme}: callback")
    return callback


def _parse_check(response: httpx.Response) -> AuthResult:
    data = read_json(response)
    if isinstance(data, dict) and data.get("ok") is False:
        raise MiAuthNotAuthorizedError(
            "the MiAuth session is not approved: the user has not approved it yet, denied it, "
            "or its token was already fetched"
        )
    if isinstance(data, dict) and data.get("ok") is True:
        token: Any = data.get("token")
        user: Any = data.get("user")
        if isinstance(token, str) and token and isinstance(user, dict):
            return AuthResult(token=token, user=user)
    raise NotMisskeyServerError(
        f"{response.request.url.path}: the answer is JSON but not a MiAuth check result",
        url=str(response.request.url),
        status_code=response.status_code,
        snippet="",  # it may hold a token: do not quote it
    )


def _deadline(timeout: float, interval: float) -> float:
    if timeout < 0:
        raise ValueError(f"timeout must not be negative, got {timeout}")
    if interval <= 0:
        raise ValueError(f"interval must be positive, got {interval}")
    return time.monotonic() + timeout


def _next_pause(deadline: float, interval: float, timeout: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise AuthTimeoutError(
            f"the MiAuth request was not approved within {timeout:g} seconds "
            "(the user denied it, or has not finished in the browser)"
        )
    return min(interval, remaining)
