"""The HTTP plumbing shared by the MiAuth and legacy flows.

Everything that does no I/O lives here once: turning what the user typed into a server address, deciding
whether plain HTTP is acceptable, describing a call (:class:`ApiCall`) and reading Misskey's answer. The
sync and async senders in :class:`HttpSession` are thin wrappers around httpx that only add error
translation, so a flow method is written as "build an ``ApiCall``, hand it to ``send`` or ``send_async``".
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import httpx

from misskey_core import is_loopback

from ._errors import (
    AuthAPIError,
    AuthNetworkError,
    AuthNetworkTimeoutError,
    InsecureTransportError,
    NotMisskeyServerError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "ApiCall",
    "HttpSession",
    "is_loopback_host",
    "read_json",
    "server_url",
]

T = TypeVar("T")

#: Seconds allowed for one HTTP request (connect, write, read, pool: each).
DEFAULT_TIMEOUT = 10.0

_SNIPPET_LENGTH = 120


#: Whether a host name can only mean this machine (``localhost``, 127.0.0.0/8, ``::1``).
is_loopback_host = is_loopback


def server_url(host: str, *, allow_insecure: bool = False) -> str:
    """Normalise a server address to ``scheme://host[:port]`` without a trailing slash.

    A bare host (``misskey.example``) means HTTPS. Plain HTTP is accepted for loopback addresses, which
    never leave the machine, and elsewhere only with ``allow_insecure=True``: a token sent in clear text
    can be read by anyone on the path.
    """
    text = host.strip()
    if not text:
        raise ValueError("the Misskey server address is empty")
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"a Misskey server address must use https:// (or http://), not {parts.scheme}://")
    try:
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ValueError(f"{host!r} is not a valid server address: {exc}") from None
    if not hostname:
        raise ValueError(f"{host!r} is not a valid server address: it has no host name")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"{host!r} is not a server address: give only the server, "
            f"like https://{parts.netloc}, without a path or query"
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{host!r} is not a valid server address: it contains user information")
    if scheme == "http" and not allow_insecure and not is_loopback_host(hostname):
        raise InsecureTransportError(
            f"refusing plain http:// to {parts.netloc}: the token would cross the network unencrypted; "
            f"use https://{parts.netloc}, or pass allow_insecure=True (--allow-insecure) if you accept that"
        )
    return f"{scheme}://{parts.netloc.lower()}"


def _snippet(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    if len(text) > _SNIPPET_LENGTH:
        text = text[: _SNIPPET_LENGTH - 3] + "..."
    return text


def _not_misskey(response: httpx.Response, why: str) -> NotMisskeyServerError:
    url = str(response.request.url)
    snippet = _snippet(response)
    message = f"{url} does not look like a Misskey server: {why} (HTTP {response.status_code})"
    if snippet:
        message += f"; the answer starts with {snippet!r}"
    return NotMisskeyServerError(message, url=url, status_code=response.status_code, snippet=snippet)


def read_json(response: httpx.Response) -> Any:
    """The JSON body of a Misskey API answer, or the typed error that explains why there is none.

    Misskey always answers its API in JSON; errors carry ``{"error": {"code", "message", "id"}}``.
    Anything else (an HTML page, a bare 404, a proxy error) means the address is not a Misskey API.
    """
    if response.status_code == 204:
        return None
    try:
        data = json.loads(response.content)
    except ValueError:
        content_type = response.headers.get("content-type", "no content type").split(";")[0]
        raise _not_misskey(response, f"the answer is {content_type}, not JSON") from None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        code = error["code"]
        text = error.get("message") if isinstance(error.get("message"), str) else code
        error_id = error.get("id") if isinstance(error.get("id"), str) else None
        raise AuthAPIError(
            f"{response.request.url.path}: {text} ({code}, HTTP {response.status_code})",
            status_code=response.status_code,
            code=code,
            error_id=error_id,
        )
    if not response.is_success:
        raise _not_misskey(response, "an unexpected error status")
    return data


@dataclass(frozen=True)
class ApiCall(Generic[T]):
    """One POST to the server: where, with which JSON body, and how to turn the answer into a result.

    ``parse`` receives the response; it usually starts with :func:`read_json`.
    """

    path: str
    body: dict[str, Any]
    parse: Callable[[httpx.Response], T]


class HttpSession:
    """Sends :class:`ApiCall` objects to one server, with either a caller's httpx client or its own.

    A client passed in is used as is and never closed: that is how an application shares its connection
    pool, proxies, certificates and timeouts, and how tests plug in a ``MockTransport``. Without one, each
    call (or each ``wait`` loop) opens a short-lived client with ``timeout``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        client: httpx.Client | None,
        async_client: httpx.AsyncClient | None,
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self._client = client
        self._async_client = async_client

    @contextlib.contextmanager
    def client(self) -> Iterator[httpx.Client]:
        """The caller's client, or a fresh one closed on exit."""
        if self._client is not None:
            yield self._client
            return
        with httpx.Client(timeout=self.timeout) as client:
            yield client

    @contextlib.asynccontextmanager
    async def async_client(self) -> AsyncIterator[httpx.AsyncClient]:
        """The caller's async client, or a fresh one closed on exit."""
        if self._async_client is not None:
            yield self._async_client
            return
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            yield client

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def send(self, call: ApiCall[T], client: httpx.Client | None = None) -> T:
        """Perform ``call`` synchronously, on ``client`` if given (used by polling loops)."""
        if client is None:
            with self.client() as own:
                return self.send(call, own)
        with _translate_network_errors(self.base_url):
            response = client.post(self.url(call.path), json=call.body)
        return call.parse(response)

    async def send_async(self, call: ApiCall[T], client: httpx.AsyncClient | None = None) -> T:
        """Perform ``call`` on an async client; the twin of :meth:`send`."""
        if client is None:
            async with self.async_client() as own:
                return await self.send_async(call, own)
        with _translate_network_errors(self.base_url):
            response = await client.post(self.url(call.path), json=call.body)
        return call.parse(response)


@contextlib.contextmanager
def _translate_network_errors(base_url: str) -> Iterator[None]:
    try:
        yield
    except httpx.TimeoutException as exc:
        raise AuthNetworkTimeoutError(f"{base_url} did not answer in time ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise AuthNetworkError(f"cannot talk to {base_url}: {type(exc).__name__}: {exc}") from exc
