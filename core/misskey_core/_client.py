"""The hand-written core of the client: configuration, transport and error mapping.

``BaseClient`` does no I/O: it turns an endpoint name and a body into request arguments, and a
response into JSON or a typed error. ``SyncClient`` and ``AsyncClient`` only add the I/O. The
generated ``Misskey`` / ``AsyncMisskey`` classes subclass these and add one typed namespace per
endpoint path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Literal, TypeVar

import httpx

from ._config import DEFAULT_TIMEOUT, normalize_base_url
from ._errors import (
    AuthenticationError,
    InvalidResponseError,
    MisskeyAPIError,
    MisskeyConnectionError,
    MisskeyTimeoutError,
    PermissionDeniedError,
    RateLimitError,
    ResponseParseError,
    ServerError,
)

__all__ = ["AsyncClient", "BaseClient", "SyncClient", "TokenLocation"]

T = TypeVar("T")
TokenLocation = Literal["header", "body"]
Files = Mapping[str, Any]
_SNIPPET = 200

_STATUS_ERRORS: dict[int, type[MisskeyAPIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    429: RateLimitError,
}


def _snippet(response: httpx.Response) -> str:
    text = response.content[:_SNIPPET].decode("utf-8", "replace")
    return " ".join(text.split())


def _multipart_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _retry_after(response: httpx.Response, info: Mapping[str, Any]) -> float | None:
    header = response.headers.get("retry-after")
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    reset_ms = info.get("resetMs")
    if isinstance(reset_ms, (int, float)) and not isinstance(reset_ms, bool):
        return max(0.0, reset_ms / 1000.0)
    return None


class BaseClient:
    """Configuration and request/response handling shared by the sync and async clients."""

    def __init__(
        self,
        host: str,
        token: str | None = None,
        *,
        token_in: TokenLocation = "header",
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        allow_insecure: bool = False,
    ) -> None:
        if token_in not in ("header", "body"):
            raise ValueError(f"token_in must be 'header' or 'body', not {token_in!r}")
        self.base_url = normalize_base_url(host, allow_insecure=allow_insecure)
        self.token_in: TokenLocation = token_in
        self._token = token
        self._timeout = timeout

    def __repr__(self) -> str:
        auth = "set" if self._token else "none"
        return f"{type(self).__name__}({self.base_url!r}, token=<{auth}>, token_in={self.token_in!r})"

    @property
    def has_token(self) -> bool:
        """Whether calls carry an access token."""
        return self._token is not None

    def _httpx_options(self, options: dict[str, Any]) -> dict[str, Any]:
        options.setdefault("timeout", self._timeout)
        options.setdefault("follow_redirects", False)
        options.setdefault("headers", {})
        options["base_url"] = self.base_url + "/api/"
        return options

    def _request_kwargs(self, body: Mapping[str, Any] | None, files: Files | None) -> dict[str, Any]:
        payload: dict[str, Any] = dict(body) if body else {}
        headers: dict[str, str] = {}
        if self._token is not None:
            if self.token_in == "header":
                headers["Authorization"] = f"Bearer {self._token}"
            else:
                payload["i"] = self._token
        if files is None:
            # Misskey answers 400 INVALID_PARAM to a POST with no JSON body, even when the
            # endpoint takes no parameters: always send an object, ``{}`` at least.
            return {"json": payload, "headers": headers}
        # Multipart: Misskey reads only the fields that arrive before the file (httpx sends ``data``
        # first), takes strings as they are and JSON-parses booleans and numbers
        # (ApiCallService: "Cast non JSON input"). A null cannot be sent, so it is left out.
        data = {key: _multipart_value(value) for key, value in payload.items() if value is not None}
        return {"data": data, "files": files, "headers": headers}

    def _handle(self, endpoint: str, response: httpx.Response) -> Any:
        """Return the parsed JSON of a successful response, or raise the matching error."""
        status = response.status_code
        if status == 204:
            return None
        if 200 <= status < 300:
            if not response.content:
                return None
            return self._decode(endpoint, response)
        self._raise_error(endpoint, response)

    def _decode(self, endpoint: str, response: httpx.Response) -> Any:
        content_type = response.headers.get("content-type", "")
        if "json" not in content_type:
            raise InvalidResponseError(
                f"{endpoint}: expected JSON, got {content_type or 'no content type'} "
                f"(HTTP {response.status_code}); is this a Misskey server?",
                status_code=response.status_code,
                endpoint=endpoint,
                snippet=_snippet(response),
            )
        try:
            return json.loads(response.content)
        except ValueError:
            raise InvalidResponseError(
                f"{endpoint}: the response body is not valid JSON (HTTP {response.status_code})",
                status_code=response.status_code,
                endpoint=endpoint,
                snippet=_snippet(response),
            ) from None

    def _raise_error(self, endpoint: str, response: httpx.Response) -> None:
        status = response.status_code
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        error = data.get("error") if isinstance(data, dict) else None
        if not isinstance(error, dict):
            if 300 <= status < 400:
                where = response.headers.get("location", "?")
                message = f"{endpoint}: HTTP {status} redirect to {where} (redirects are not followed)"
            else:
                message = f"{endpoint}: HTTP {status} without a Misskey error body"
            raise InvalidResponseError(message, status_code=status, endpoint=endpoint, snippet=_snippet(response))
        info = error.get("info")
        info = info if isinstance(info, dict) else {}
        fields: dict[str, Any] = {
            "status_code": status,
            "endpoint": endpoint,
            "code": error.get("code"),
            "id": error.get("id"),
            "message": error.get("message"),
            "kind": error.get("kind"),
            "info": info,
        }
        if status == 429:
            raise RateLimitError(retry_after=_retry_after(response, info), **fields)
        cls = _STATUS_ERRORS.get(status) or (ServerError if status >= 500 else MisskeyAPIError)
        raise cls(**fields)

    @staticmethod
    def _parse(endpoint: str, data: Any, parse: Callable[[Any], T]) -> T:
        try:
            return parse(data)
        except ResponseParseError as exc:
            exc.endpoint = endpoint
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResponseParseError(
                f"{endpoint}: response does not fit its model: {type(exc).__name__}: {exc}",
                status_code=200,
                endpoint=endpoint,
                snippet=json.dumps(data)[:_SNIPPET],
            ) from exc


def _transport_error(endpoint: str, exc: httpx.TransportError) -> Exception:
    if isinstance(exc, httpx.TimeoutException):
        return MisskeyTimeoutError(f"{endpoint}: timed out ({type(exc).__name__})", endpoint=endpoint)
    return MisskeyConnectionError(f"{endpoint}: {type(exc).__name__}: {exc}", endpoint=endpoint)


class SyncClient(BaseClient):
    """A blocking Misskey client over one ``httpx.Client`` (connection pool)."""

    def __init__(
        self,
        host: str,
        token: str | None = None,
        *,
        token_in: TokenLocation = "header",
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        allow_insecure: bool = False,
        **httpx_options: Any,
    ) -> None:
        super().__init__(host, token, token_in=token_in, timeout=timeout, allow_insecure=allow_insecure)
        self._http = httpx.Client(**self._httpx_options(httpx_options))

    def request(self, endpoint: str, params: Mapping[str, Any] | None = None, *, files: Files | None = None) -> Any:
        """Call any endpoint by name (``"notes/create"``) and return the parsed JSON, or None for 204."""
        endpoint = endpoint.strip("/")
        try:
            response = self._http.post(endpoint, **self._request_kwargs(params, files))
        except httpx.TransportError as exc:
            raise _transport_error(endpoint, exc) from exc
        return self._handle(endpoint, response)

    def _call(self, endpoint: str, body: Mapping[str, Any], parse: Callable[[Any], T], files: Files | None = None) -> T:
        return self._parse(endpoint, self.request(endpoint, body, files=files), parse)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient(BaseClient):
    """An asyncio Misskey client over one ``httpx.AsyncClient`` (connection pool)."""

    def __init__(
        self,
        host: str,
        token: str | None = None,
        *,
        token_in: TokenLocation = "header",
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        allow_insecure: bool = False,
        **httpx_options: Any,
    ) -> None:
        super().__init__(host, token, token_in=token_in, timeout=timeout, allow_insecure=allow_insecure)
        self._http = httpx.AsyncClient(**self._httpx_options(httpx_options))

    async def request(
        self, endpoint: str, params: Mapping[str, Any] | None = None, *, files: Files | None = None
    ) -> Any:
        """Call any endpoint by name (``"notes/create"``) and return the parsed JSON, or None for 204."""
        endpoint = endpoint.strip("/")
        try:
            response = await self._http.post(endpoint, **self._request_kwargs(params, files))
        except httpx.TransportError as exc:
            raise _transport_error(endpoint, exc) from exc
        return self._handle(endpoint, response)

    async def _call(
        self, endpoint: str, body: Mapping[str, Any], parse: Callable[[Any], T], files: Files | None = None
    ) -> T:
        return self._parse(endpoint, await self.request(endpoint, body, files=files), parse)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self: _A) -> _A:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


_S = TypeVar("_S", bound=SyncClient)
_A = TypeVar("_A", bound=AsyncClient)
