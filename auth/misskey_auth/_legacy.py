"""The legacy application flow, from before MiAuth; still served by Misskey and used by older apps.

1. ``app/create`` registers the application once and returns its ``secret``;
2. ``auth/session/generate`` with the secret gives a session ``token`` and the ``url`` to send the user to;
3. once the user accepted, ``auth/session/userkey`` with the secret and the session token gives an
   ``accessToken``; the token the API accepts is ``sha256(accessToken + secret)`` in hex.

Misskey stores only that hash, so the access token alone is useless without the app secret. Prefer
:class:`~misskey_auth.MiAuth` for new code: it needs no registration and no secret to keep.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import httpx

from ._errors import NotMisskeyServerError
from ._http import DEFAULT_TIMEOUT, ApiCall, HttpSession, read_json, server_url
from ._models import AppSession, AuthResult, RegisteredApp
from ._validation import validate_permissions

__all__ = ["LegacyAuth"]


class LegacyAuth:
    """The steps of the legacy app flow, named after the endpoints they call.

    Register once with :meth:`create_app` (the secret is remembered on the object; store
    ``app.secret`` and pass it as ``app_secret=`` next time), then for each user call
    :meth:`generate_session`, send them to ``session.url``, and call :meth:`userkey` after they accepted.
    Every step has an ``_async`` twin.
    """

    def __init__(
        self,
        host: str,
        *,
        app_secret: str | None = None,
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
        self.app_secret = app_secret

    @property
    def server(self) -> str:
        """The normalised server address, e.g. ``https://misskey.example``."""
        return self._http.base_url

    def __repr__(self) -> str:
        has_secret = self.app_secret is not None
        return f"LegacyAuth(server={self.server!r}, app_secret={'<set>' if has_secret else None})"

    @staticmethod
    def derive_token(access_token: str, app_secret: str) -> str:
        """The API token for an ``accessToken`` of the app: hex SHA-256 of ``access_token + app_secret``."""
        return hashlib.sha256((access_token + app_secret).encode("utf-8")).hexdigest()

    # -- calls, built once; the sync and async methods below only send them ---------------------------

    def _create_app_call(
        self,
        name: str,
        description: str,
        permission: str | Iterable[str],
        callback_url: str | None,
    ) -> ApiCall[RegisteredApp]:
        body: dict[str, Any] = {
            "name": name,
            "description": description,
            "permission": list(validate_permissions(permission)),
        }
        if callback_url is not None:
            body["callbackUrl"] = callback_url
        return ApiCall("/api/app/create", body, self._remember_app)

    def _remember_app(self, response: httpx.Response) -> RegisteredApp:
        data = _object(response)
        secret, app_id = data.get("secret"), data.get("id")
        if not isinstance(secret, str) or not isinstance(app_id, str):
            raise _unexpected(response, "an App with its secret")
        self.app_secret = secret
        callback = data.get("callbackUrl")
        return RegisteredApp(
            id=app_id,
            name=str(data.get("name", "")),
            secret=secret,
            permission=tuple(str(p) for p in data.get("permission") or ()),
            callback_url=callback if isinstance(callback, str) else None,
            raw=data,
        )

    def _generate_session_call(self) -> ApiCall[AppSession]:
        return ApiCall("/api/auth/session/generate", {"appSecret": self._secret()}, _parse_session)

    def _userkey_call(self, session_token: str) -> ApiCall[AuthResult]:
        secret = self._secret()

        def parse(response: httpx.Response) -> AuthResult:
            data = _object(response)
            access_token, user = data.get("accessToken"), data.get("user")
            if not isinstance(access_token, str) or not isinstance(user, dict):
                raise _unexpected(response, "an accessToken and a user")
            return AuthResult(token=self.derive_token(access_token, secret), user=user)

        body = {"appSecret": secret, "token": session_token}
        return ApiCall("/api/auth/session/userkey", body, parse)

    def _secret(self) -> str:
        if self.app_secret is None:
            raise RuntimeError("no app secret: call create_app() first, or pass app_secret= to LegacyAuth")
        return self.app_secret

    # -- the named steps -------------------------------------------------------------------------------

    def create_app(
        self,
        name: str,
        description: str,
        permission: str | Iterable[str],
        callback_url: str | None = None,
    ) -> RegisteredApp:
        """Register the application (``app/create``) and remember its secret for the next steps."""
        return self._http.send(self._create_app_call(name, description, permission, callback_url))

    async def create_app_async(
        self,
        name: str,
        description: str,
        permission: str | Iterable[str],
        callback_url: str | None = None,
    ) -> RegisteredApp:
        """The async twin of :meth:`create_app`."""
        call = self._create_app_call(name, description, permission, callback_url)
        return await self._http.send_async(call)

    def generate_session(self) -> AppSession:
        """Start an authorisation (``auth/session/generate``); send the user to the returned ``url``."""
        return self._http.send(self._generate_session_call())

    async def generate_session_async(self) -> AppSession:
        """The async twin of :meth:`generate_session`."""
        return await self._http.send_async(self._generate_session_call())

    def userkey(self, session_token: str) -> AuthResult:
        """Collect the token after the user accepted (``auth/session/userkey``).

        The result's ``token`` is already the derived one the API accepts. Before the user accepted,
        Misskey answers with :class:`AuthAPIError` code ``PENDING_SESSION``.
        """
        return self._http.send(self._userkey_call(session_token))

    async def userkey_async(self, session_token: str) -> AuthResult:
        """The async twin of :meth:`userkey`."""
        return await self._http.send_async(self._userkey_call(session_token))


def _object(response: httpx.Response) -> dict[str, Any]:
    data = read_json(response)
    if not isinstance(data, dict):
        raise _unexpected(response, "a JSON object")
    return data


def _unexpected(response: httpx.Response, expected: str) -> NotMisskeyServerError:
    return NotMisskeyServerError(
        f"{response.request.url.path}: the answer is JSON but not {expected}",
        url=str(response.request.url),
        status_code=response.status_code,
        snippet="",  # it may hold a secret: do not quote it
    )


def _parse_session(response: httpx.Response) -> AppSession:
    data = _object(response)
    token, url = data.get("token"), data.get("url")
    if not isinstance(token, str) or not isinstance(url, str):
        raise _unexpected(response, "a session token and URL")
    return AppSession(token=token, url=url)
