"""An aiohttp-backed transport for ``AsyncClient``, kept behind the httpx API.

httpx's own async transport (httpcore) costs several times aiohttp's CPU per request, and more
still while many calls wait for a pooled connection. ``AiohttpTransport`` is an
``httpx.AsyncBaseTransport`` over one ``aiohttp.ClientSession``: everything the client sends
through ``httpx.AsyncClient`` (uploads, nodeinfo, calls with httpx-side options such as ``auth=``
or ``follow_redirects=True``) goes through it, and a plain JSON call skips httpx's request and
response objects altogether (:meth:`AiohttpTransport.post`). Both ways end in the same pool,
the same timeouts and the same httpx exceptions, so the client maps errors, retries and
``never_sent`` exactly as it does over httpcore.

aiohttp is an optional dependency (``misskey-client[aiohttp]``), imported on the first request.
We wrote this rather than depend on ``httpx-aiohttp``: that package reports a connection dropped
mid-answer as ``ConnectTimeout`` (a request that may have run would look never sent, and be
retried even for writes), bounds the pool wait with httpx's ``connect`` timeout and keeps an
aiohttp cookie jar beside httpx's.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import aiohttp

__all__ = ["AiohttpTransport", "Reply", "aiohttp_installed"]

#: The fast path logs each exchange as httpx.AsyncClient does (``HTTP Request: POST ... "HTTP/1.1 200 OK"``
#: at INFO on the ``httpx`` logger), so logging set up for httpx sees every call on either backend.
_httpx_logger = logging.getLogger("httpx")


def aiohttp_installed() -> bool:
    """Whether aiohttp can be imported (asked without importing it: that costs tens of ms)."""
    return importlib.util.find_spec("aiohttp") is not None


class Reply:
    """A response read whole: the three things ``BaseClient._handle`` looks at, as httpx names them."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content


def _httpx_exception(exc: BaseException, request: httpx.Request | None) -> httpx.TransportError:
    """The httpx exception httpcore would have raised for the same failure.

    What matters downstream is the class: ``ConnectError``, ``ConnectTimeout`` and ``PoolTimeout``
    mean the request never left (safe to retry, even a write); anything after a connection was made
    may have run on the server.
    """
    import aiohttp

    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        # aiohttp's ``connect`` timeout covers waiting for a pooled connection and making one.
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, asyncio.TimeoutError):  # aiohttp.SocketTimeoutError: the read timeout
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return httpx.ProxyError(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS: no connection made
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError)):
        # Hung up before or during the answer, a cut body, a malformed status line or headers.
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return httpx.UnsupportedProtocol(message, request=request)
    return httpx.ReadError(message, request=request)  # a reset or another OS error mid-exchange


#: The pool's default: httpx's limits, but idle connections are kept 15 s
#: (aiohttp's default) rather than 5 s, so a bot that sends a burst every few seconds does not make
#: its connections (and TLS sessions) anew each time; Misskey itself keeps them 72 s. Over httpx's
#: own transport the pool keeps httpx's 5 s: httpcore looks at every idle connection on each request
#: (about 50 µs each here), so twenty kept after a burst would cost a single call 1 ms of CPU.
AIOHTTP_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=15.0)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface over an aiohttp connection pool.

    ``limits``: ``max_connections`` caps the pool (None: no cap) and ``keepalive_expiry`` is how
    long an idle connection is kept; aiohttp has no cap on idle connections, so
    ``max_keepalive_connections`` is not used. ``verify``, ``cert`` and ``trust_env`` make the TLS
    context as httpx would (certifi's CAs). Timeouts come with each request, as httpx's do:
    ``connect`` bounds making a connection, ``read`` each wait for data, and ``pool`` the wait for
    a connection from the pool, making it included; aiohttp has no write timeout, so a stalled
    upload ends when the read timeout runs out.
    """

    def __init__(
        self,
        *,
        limits: httpx.Limits | None = None,
        verify: Any = True,
        cert: Any = None,
        trust_env: bool = True,
        secure: bool = True,
    ) -> None:
        self._limits = limits or AIOHTTP_LIMITS
        self._verify, self._cert, self._trust_env, self._secure = verify, cert, trust_env, secure
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}
        self._errors: tuple[type[BaseException], ...] = ()

    def session(self) -> aiohttp.ClientSession:
        """The pool, made on the first request (an aiohttp session belongs to the running loop)."""
        session = self._session
        if session is None:
            import aiohttp

            try:
                asyncio.get_running_loop()
            except RuntimeError:
                raise RuntimeError("the aiohttp backend runs under asyncio only: use backend='httpx'") from None
            # httpx's TLS context (certifi's CAs, SSLKEYLOGFILE...), not the system default, so the
            # same servers verify on both backends; it costs a few ms, so only for https.
            tls = httpx.create_ssl_context(self._verify, self._cert, self._trust_env) if self._secure else None
            connector = aiohttp.TCPConnector(
                limit=self._limits.max_connections or 0,
                keepalive_timeout=self._limits.keepalive_expiry,
                ssl=tls if tls is not None else True,
            )
            session = self._session = aiohttp.ClientSession(
                connector=connector,
                # No proxy and netrc look-ups (two thread hops per request): a client whose base
                # URL has a proxy in the environment uses httpx (see AsyncClient).
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies on the general path
                auto_decompress=False,  # httpx decodes Content-Encoding, with its errors
                timeout=aiohttp.ClientTimeout(total=None),
            )
            self._errors = (aiohttp.ClientError, asyncio.TimeoutError)
        return session

    def timeout(self, timeout: Mapping[str, float | None]) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for httpx's ``{"connect", "read", "write", "pool"}`` (cached)."""
        key = (timeout.get("connect"), timeout.get("read"), timeout.get("pool"))
        made = self._timeouts.get(key)
        if made is None:
            import aiohttp

            connect, read, pool = key
            made = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None, connect=pool, sock_connect=connect, sock_read=read
            )
        return made

    async def post(
        self, url: str, content: bytes, headers: Mapping[str, str], timeout: aiohttp.ClientTimeout
    ) -> Reply | httpx.Response:
        """POST ``content`` and read the whole answer: the client's fast path for a JSON call.

        Redirects are not followed. Raises the httpx exception for a failure (see
        ``_httpx_exception``). An answer with a ``Content-Encoding`` is decoded by httpx.
        """
        session = self._session or self.session()
        try:
            response = await session.request(
                "POST", url, data=content, headers=headers, allow_redirects=False, timeout=timeout
            )
            try:
                body = await response.read()
            finally:
                response.release()
        except self._errors as exc:
            raise _httpx_exception(exc, None) from exc
        if _httpx_logger.isEnabledFor(logging.INFO):
            _httpx_logger.info('HTTP Request: POST %s "HTTP/1.1 %d %s"', url, response.status, response.reason)
        if "Content-Encoding" in response.headers:
            return httpx.Response(response.status, headers=list(response.headers.items()), content=body)
        return Reply(response.status, response.headers, body)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session or self.session()
        headers = request.headers.copy()
        data: bytes | AsyncIterator[bytes] | None
        try:
            data = request.content or None
        except httpx.RequestNotRead:  # a streamed body (a multipart upload): sent as it is read
            data = _chunks(request.stream)
            headers.pop("Transfer-Encoding", None)  # aiohttp frames a body without Content-Length
        try:
            response = await session.request(
                request.method,
                str(request.url),
                data=data,
                headers=headers.multi_items(),
                allow_redirects=False,
                timeout=self.timeout(request.extensions.get("timeout", {})),
                server_hostname=request.extensions.get("sni_hostname"),
            )
            try:
                body = await response.read()
            finally:
                response.release()
        except self._errors as exc:
            raise _httpx_exception(exc, request) from exc
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("ascii", "replace")
        return httpx.Response(
            response.status,
            headers=list(response.headers.items()),  # not raw_headers: vcrpy's replayed answers may lack them
            stream=httpx.ByteStream(body),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _chunks(stream: Any) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield chunk
