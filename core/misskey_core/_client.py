"""The hand-written core of the client: configuration, transport and error mapping.

``BaseClient`` does no I/O: it turns an endpoint name and a body into request arguments, and a
response into JSON or a typed error. ``SyncClient`` and ``AsyncClient`` only add the I/O. The
generated ``Misskey`` / ``AsyncMisskey`` classes subclass these and add one typed namespace per
endpoint path.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import threading
import time
import urllib.request
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from ._aiohttp import AiohttpTransport, Reply, aiohttp_installed
from ._config import DEFAULT_TIMEOUT, normalize_base_url
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
)
from ._pagination import Pager, endpoint_of
from ._parsing import PARSE_ERRORS, is_strict, undeclared_body, untyped_answer
from ._retry import DEFAULT_RETRY, RetryPolicy
from ._server import ServerInfo, mismatch, nodeinfo_flow
from ._upload import ProgressCallback, prepare_files

if TYPE_CHECKING:
    from ._streaming import AsyncStream, SyncStream

__all__ = ["AsyncBackend", "AsyncClient", "BaseClient", "SyncClient", "TokenLocation"]

T = TypeVar("T")
TokenLocation = Literal["header", "body"]
#: What an ``AsyncClient`` sends with: aiohttp (when installed and nothing asks for httpx's own
#: transport), or httpx's own transport (httpcore). See docs/guides/async-transports.md.
AsyncBackend = Literal["auto", "aiohttp", "httpx"]
_SNIPPET = 200
#: httpx options that only httpx's own transport honours: with one of them, "auto" is httpx.
_HTTPX_TRANSPORT_ONLY = ("transport", "mounts", "proxy", "http2")
#: httpx options that httpx.AsyncClient applies around any transport: with one of them, calls go
#: through httpx.AsyncClient (over aiohttp still), not straight to the aiohttp session.
_AROUND_THE_TRANSPORT = ("auth", "params", "cookies", "follow_redirects")
#: httpx's JSON encoding of a request body, with one encoder made once (json.dumps with options
#: makes a new one per call).
_json_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)

_STATUS_ERRORS: dict[int, type[MisskeyAPIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    429: RateLimitError,
}


def _snippet(response: httpx.Response | Reply) -> str:
    text = response.content[:_SNIPPET].decode("utf-8", "replace")
    return " ".join(text.split())


def _multipart_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _retry_after(response: httpx.Response | Reply, info: Mapping[str, Any]) -> float | None:
    header = response.headers.get("retry-after")
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    # Misskey's info.resetMs is the epoch time (ms) when the limit resets; it also sends Retry-After.
    reset_ms = info.get("resetMs")
    if isinstance(reset_ms, (int, float)) and not isinstance(reset_ms, bool):
        return max(0.0, (reset_ms - time.time() * 1000.0) / 1000.0)
    return None


class BaseClient:
    """Configuration and request/response handling shared by the sync and async clients."""

    #: The module of the generated endpoint registry (name -> EndpointSpec), loaded on first use;
    #: the generated subclasses set it.
    _registry_module: str | None = None
    #: The module of the generated error classes (``BY_CODE``: error code -> class), loaded on the
    #: first error answer; the generated subclasses set it.
    _errors_module: str | None = None
    #: The software (nodeinfo's name) and version the client was generated from; the generated
    #: subclasses set them.
    spec_software: str | None = None
    spec_version: str | None = None

    def __init__(
        self,
        host: str,
        token: str | None = None,
        *,
        token_in: TokenLocation = "header",
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        allow_insecure: bool = False,
        retry: RetryPolicy | None = DEFAULT_RETRY,
        throttle: float | None = None,
        **httpx_options: Any,
    ) -> None:
        """See the generated ``Misskey`` / ``AsyncMisskey``; ``httpx_options`` go to the pool."""
        if token_in not in ("header", "body"):
            raise ValueError(f"token_in must be 'header' or 'body', not {token_in!r}")
        if throttle is not None and throttle <= 0:
            raise ValueError("throttle is a number of requests per second, greater than 0")
        self.base_url = normalize_base_url(host, allow_insecure=allow_insecure)
        base = httpx.URL(self.base_url)
        self._origin = (base.scheme, base.host, base.port)
        self._token_in: TokenLocation = token_in
        self.retry: RetryPolicy = retry or RetryPolicy.never()
        self._token = token
        self._timeout = timeout
        self._interval = 1.0 / throttle if throttle else 0.0
        self._next_slot = 0.0
        self._slot_lock = threading.Lock()
        self._server: dict[str, Any] = {}  # cached capabilities: "endpoints", "version"
        self._options = self._httpx_options(httpx_options, asynchronous=self._asynchronous)
        self._pool_lock = threading.Lock()

    @property
    def token_in(self) -> TokenLocation:
        """Where the token goes: ``"header"`` (``Authorization: Bearer``) or ``"body"`` (the ``i`` field).
        Fixed when the client is made: the pool is set up for it."""
        return self._token_in

    #: Whether the pool is an ``httpx.AsyncClient`` (set by the subclasses).
    _asynchronous = False

    @property
    def _registry(self) -> Mapping[str, Any]:
        return _load_registry(self._registry_module) if self._registry_module else {}

    def _clone(self: _B, **changes: Any) -> _B:
        clone = copy.copy(self)
        for name, value in changes.items():
            setattr(clone, name, value)
        return clone

    def _idempotent(self, endpoint: str) -> bool:
        spec = self._registry.get(endpoint)
        return bool(spec is not None and spec.idempotent)

    def _retry_delay(self, error: MisskeyError, attempt: int, idempotent: bool) -> float:
        """Seconds to wait before trying again; re-raises ``error`` (with ``attempts``) to give up."""
        sent = not (isinstance(error, TransportError) and error.never_sent)
        delay = self.retry.delay(error, attempt, idempotent=idempotent, sent=sent)
        if delay is None:
            error.attempts = attempt
            raise error
        return delay

    def _reserve_slot(self) -> float:
        """Seconds to wait before sending, to keep under the ``throttle`` rate."""
        if not self._interval:
            return 0.0
        with self._slot_lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._interval
            return slot - now

    def _learn_version(self, meta: Any) -> str | None:
        version = meta.get("version") if isinstance(meta, dict) else None
        if isinstance(version, str):
            self._server["version"] = version
            self._warn_if_other(None, version)
            return version
        return None

    def _warn_if_other(self, software: str | None, version: str | None) -> None:
        """Warn, once per client, when the server is not what the client was generated from."""
        message = mismatch(self.base_url, (self.spec_software, self.spec_version), (software, version))
        if message and not self._server.get("warned"):
            self._server["warned"] = True
            warnings.warn(message, stacklevel=4)

    def _learn_server(self, software: str | None, version: str | None, endpoints: Any) -> ServerInfo:
        listed = frozenset(e for e in endpoints if isinstance(e, str)) if isinstance(endpoints, list) else frozenset()
        self._server["endpoints"] = listed
        self._server.setdefault("version", version)
        info = self._server["info"] = ServerInfo(software, version, listed)
        self._warn_if_other(software, version)
        return info

    @staticmethod
    def _nodeinfo_request(url: str) -> httpx.Request:
        """A GET of a public nodeinfo document, built without the pool's headers (its token)."""
        return httpx.Request("GET", url, headers={"Accept": "application/json"})

    @staticmethod
    def _nodeinfo_json(response: httpx.Response) -> Any:
        if response.status_code != 200:
            return None
        try:
            return json.loads(response.content)
        except (ValueError, RecursionError):
            return None

    def __repr__(self) -> str:
        auth = "set" if self._token else "none"
        return f"{type(self).__name__}({self.base_url!r}, token=<{auth}>, token_in={self.token_in!r})"

    @property
    def has_token(self) -> bool:
        """Whether calls carry an access token."""
        return self._token is not None

    def _httpx_options(self, options: dict[str, Any], *, asynchronous: bool) -> dict[str, Any]:
        options.setdefault("timeout", self._timeout)
        options.setdefault("follow_redirects", False)
        headers = dict(options.pop("headers", None) or {})
        if self._token is not None and self.token_in == "header":
            # Set once on the pool, not merged into every request; httpx drops it on a redirect
            # to another origin.
            headers["Authorization"] = f"Bearer {self._token}"
        options["headers"] = headers
        options["base_url"] = self.base_url + "/api/"
        hooks = dict(options.pop("event_hooks", None) or {})
        if self._token is not None and self.token_in == "body":
            # Only a token in the body needs guarding (a header token is dropped by httpx on a
            # redirect to another origin); other clients pay nothing for the hook.
            guard = self._async_origin_guard if asynchronous else self._origin_guard
            hooks["request"] = [guard, *hooks.get("request", [])]
        options["event_hooks"] = hooks
        return options

    def _origin_guard(self, request: httpx.Request) -> None:
        """Refuse to send a request carrying the token in its body to another origin.

        Redirects are not followed by default; a caller who enables them could otherwise have a
        307/308 replay the body, ``i`` included, to wherever the redirect points.
        """
        url = request.url
        if (url.scheme, url.host, url.port) != self._origin:
            raise InsecureTransportError(
                f"refusing to send the token to {url.scheme}://{url.host}: this client talks to {self.base_url} only"
            )

    async def _async_origin_guard(self, request: httpx.Request) -> None:
        self._origin_guard(request)

    def _payload(self, body: Mapping[str, Any] | None) -> dict[str, Any]:
        """The JSON object to send. Misskey answers 400 INVALID_PARAM to a POST with no JSON body,
        even when the endpoint takes no parameters: always an object, ``{}`` at least."""
        payload: dict[str, Any] = dict(body) if body else {}
        if self._token is not None and self.token_in == "body":
            payload["i"] = self._token
        return payload

    def _form(self, body: Mapping[str, Any] | None) -> dict[str, str]:
        """The form fields of a multipart upload."""
        # Multipart: Misskey reads only the fields that arrive before the file (httpx sends ``data``
        # first), takes strings as they are and JSON-parses booleans and numbers
        # (ApiCallService: "Cast non JSON input"). A null cannot be sent, so it is left out.
        return {key: _multipart_value(value) for key, value in self._payload(body).items() if value is not None}

    def _handle(self, endpoint: str, response: httpx.Response | Reply, version: str | None = None) -> Any:
        """Return the parsed JSON of a successful response, or raise the matching error."""
        status = response.status_code
        if status == 204:
            return None
        if 200 <= status < 300:
            if not response.content:
                # Misskey answers 204 when there is nothing to say; an empty 200 is a broken answer.
                raise InvalidResponseError(
                    f"{endpoint}: empty body (HTTP {status})", status_code=status, endpoint=endpoint
                )
            return self._decode(endpoint, response)
        self._raise_error(endpoint, response, version)

    def _decode(self, endpoint: str, response: httpx.Response | Reply) -> Any:
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
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            raise InvalidResponseError(
                f"{endpoint}: the response body is not valid JSON (HTTP {response.status_code})",
                status_code=response.status_code,
                endpoint=endpoint,
                snippet=_snippet(response),
            ) from None

    def _raise_error(self, endpoint: str, response: httpx.Response | Reply, version: str | None = None) -> None:
        status = response.status_code
        try:
            data = json.loads(response.content)
        except (ValueError, RecursionError):
            data = None
        error = data.get("error") if isinstance(data, dict) else None
        if not isinstance(error, dict):
            if status == 404:
                # An endpoint the server lacks: the router's 404, not a Misskey error body.
                raise EndpointNotSupportedError(endpoint, version or self._server.get("version"))
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
        cls = _STATUS_ERRORS.get(status) or (ServerError if status >= 500 else MisskeyAPIError)
        named = _load_errors(self._errors_module).get(fields["code"]) if self._errors_module else None
        if named is not None and issubclass(named, cls):
            # The class of the code (NoSuchNoteError), where it extends the class of the status answered.
            cls = named
        if issubclass(cls, RateLimitError):
            raise cls(retry_after=_retry_after(response, info), **fields)
        raise cls(**fields)

    @staticmethod
    def _parse(endpoint: str, data: Any, parse: Callable[[Any], T]) -> T:
        """The typed answer; in lenient mode (the default) a valid JSON answer never raises."""
        try:
            result = parse(data)
        except PARSE_ERRORS as exc:
            if is_strict():
                raise _parse_failure(endpoint, data, exc) from exc
            # Not even the outer shape fits (a list for an object): the JSON, with a warning.
            return untyped_answer(endpoint, data, exc)  # type: ignore[no-any-return]
        if result is None and data is not None:
            # The spec declared no body for what the server answered: kept, with a warning.
            return undeclared_body(endpoint, data)  # type: ignore[no-any-return]
        return result


def _parse_failure(endpoint: str, data: Any, exc: BaseException) -> ResponseParseError:
    """The strict-mode error for an answer that does not fit, naming the endpoint."""
    if isinstance(exc, ResponseParseError):
        message = str(exc) if str(exc).startswith(f"{endpoint}:") else f"{endpoint}: {exc}"
        error = ResponseParseError(message, status_code=200, endpoint=endpoint, snippet=exc.snippet)
        error.json_path, error.reason = exc.json_path, exc.reason
        error.snippet = error.snippet or json.dumps(data)[:_SNIPPET]
        return error
    return ResponseParseError(
        f"{endpoint}: response does not fit its model: {type(exc).__name__}: {exc}",
        status_code=200,
        endpoint=endpoint,
        snippet=json.dumps(data)[:_SNIPPET],
    )


@functools.cache
def _load_errors(module: str) -> Mapping[str, type[MisskeyAPIError]]:
    errors: Mapping[str, type[MisskeyAPIError]] = importlib.import_module(module).BY_CODE
    return errors


@functools.cache
def _load_registry(module: str) -> Mapping[str, Any]:
    registry: Mapping[str, Any] = importlib.import_module(module).ENDPOINTS
    return registry


def _httpx_error(endpoint: str, exc: httpx.RequestError) -> MisskeyError:
    """The library's error for an httpx failure to get a usable response."""
    if isinstance(exc, (httpx.DecodingError, httpx.TooManyRedirects)):
        # A body that cannot be decompressed, or a redirect loop (with redirects enabled).
        message = f"{endpoint}: {type(exc).__name__}: {exc}"
        return InvalidResponseError(message, status_code=0, endpoint=endpoint)
    # No connection was made: the request cannot have reached the server.
    never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
    if isinstance(exc, httpx.TimeoutException):
        message = f"{endpoint}: timed out ({type(exc).__name__})"
        return MisskeyTimeoutError(message, endpoint=endpoint, never_sent=never_sent)
    message = f"{endpoint}: {type(exc).__name__}: {exc}"
    return MisskeyConnectionError(message, endpoint=endpoint, never_sent=never_sent)


def _environment_proxy(base_url: str) -> bool:
    """Whether HTTP(S)_PROXY / ALL_PROXY (less NO_PROXY) send ``base_url`` through a proxy, as httpx
    reads them (``trust_env``). aiohttp would look them up again on every request, in a thread."""
    proxies = urllib.request.getproxies()
    scheme, rest = base_url.split("://", 1)
    if not (proxies.get(scheme) or proxies.get("all")):
        return False
    host = rest.split("/", 1)[0]
    return not urllib.request.proxy_bypass_environment(host, proxies)  # type: ignore[attr-defined]


async def _sleep(seconds: float) -> None:
    """Sleep under asyncio or trio (anyio is imported only when a wait is needed)."""
    import anyio

    await anyio.sleep(seconds)


class SyncClient(BaseClient):
    """A blocking Misskey client over one ``httpx.Client`` (connection pool, thread-safe)."""

    _pool: httpx.Client | None = None

    @property
    def _http(self) -> httpx.Client:
        """The connection pool, made on first use: building a client costs no TLS set-up."""
        pool = self._pool
        if pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = httpx.Client(**self._options)
                pool = self._pool
        return pool

    def with_options(self: _S, *, retry: RetryPolicy | None = None) -> _S:
        """The same client (same connection pool and token) with other per-call options.

        ``mk.with_options(retry=RetryPolicy(retry_writes=True)).notes.create(text=...)``
        """
        self._http  # noqa: B018  (make the pool now, so that both clients share it)
        return self._clone(retry=retry or RetryPolicy.never())

    def request(
        self,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        *,
        files: Mapping[str, Any] | None = None,
        progress: ProgressCallback | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Call any endpoint by name (``"notes/create"``) and return the parsed JSON, or None for 204.

        ``files`` maps multipart field names to uploads (a path, bytes or a binary file object).
        ``idempotent`` says whether a failed call may be repeated; it defaults to what the spec
        says of the endpoint (reads: yes, writes and unknown endpoints: no).
        """
        endpoint = endpoint.strip("/")
        safe = self._idempotent(endpoint) if idempotent is None else idempotent
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send(endpoint, params, files, progress)
            except MisskeyError as exc:
                delay = self._retry_delay(exc, attempt, safe)
            time.sleep(delay)

    def _send(
        self,
        endpoint: str,
        params: Mapping[str, Any] | None,
        files: Mapping[str, Any] | None,
        progress: ProgressCallback | None,
    ) -> Any:
        if self._interval:
            wait = self._reserve_slot()
            if wait:
                time.sleep(wait)
        try:
            if files:
                with ExitStack() as stack:
                    uploads = prepare_files(dict(files), stack, progress)
                    response = self._http.post(endpoint, data=self._form(params), files=uploads)
            else:
                response = self._http.post(endpoint, json=self._payload(params))
        except httpx.RequestError as exc:
            raise _httpx_error(endpoint, exc) from exc
        version = self.server_version if response.status_code == 404 and endpoint != "meta" else None
        return self._handle(endpoint, response, version)

    def _call(
        self,
        endpoint: str,
        body: Mapping[str, Any],
        parse: Callable[[Any], T],
        files: Mapping[str, Any] | None = None,
        progress: ProgressCallback | None = None,
    ) -> T:
        return self._parse(endpoint, self.request(endpoint, body, files=files, progress=progress), parse)

    @property
    def server_version(self) -> str | None:
        """The server's Misskey version, from ``meta`` (asked once per client)."""
        if "version" not in self._server:
            try:
                self._learn_version(self.request("meta", {"detail": False}))
            except MisskeyError:
                self._server["version"] = None
        return self._server.get("version")

    def supports(self, endpoint: str) -> bool:
        """Whether the server has ``endpoint``, from its ``/api/endpoints`` list (asked once)."""
        if "endpoints" not in self._server:
            self._server["endpoints"] = frozenset(self.request("endpoints"))
        return endpoint.strip("/") in self._server["endpoints"]

    @property
    def server(self) -> ServerInfo:
        """The server's software and version (nodeinfo) and its endpoints, asked once per client.

        ``str(mk.server)`` is ``"misskey 2026.3.2"`` or ``"sharkey 2025.4.2"``. When it is not what
        the client was generated from, the first look warns once, naming both.
        """
        info: ServerInfo | None = self._server.get("info")
        if info is None:
            flow = nodeinfo_flow(self.base_url)
            try:
                url = next(flow)
                while True:
                    try:
                        response = self._http.send(self._nodeinfo_request(url))
                    except httpx.RequestError as exc:
                        raise _httpx_error("nodeinfo", exc) from exc
                    url = flow.send(self._nodeinfo_json(response))
            except StopIteration as done:
                software, version = done.value
            version = version or self.server_version
            info = self._learn_server(software, version, self.request("endpoints"))
        return info

    def paginate(
        self,
        method: Callable[..., Sequence[T]],
        /,
        *,
        max_items: int | None = None,
        oldest_first: bool = False,
        **params: Any,
    ) -> Iterator[T]:
        """Yield every item of a paginated endpoint, page after page.

        ``mk.paginate(mk.users.notes, user_id=..., limit=100)`` walks newest first (``untilId``);
        ``oldest_first=True`` walks from the oldest (``sinceId``). It stops after ``max_items``
        or at the first page shorter than ``limit``.
        """
        endpoint = endpoint_of(method)
        pager = Pager.create(
            endpoint, self._registry.get(endpoint), params, oldest_first=oldest_first, max_items=max_items
        )
        page_params: dict[str, Any] | None = pager.first(dict(params))
        while page_params is not None:
            page = method(**page_params)
            yield from pager.take(page)
            page_params = pager.next(page_params, page)

    def stream(self, **options: Any) -> SyncStream:
        """The streaming API over one websocket: ``with mk.stream() as stream: ...``.

        Needs the ``streaming`` extra (``pip install 'misskey-client[streaming]'``); the options
        (reconnect, backoff, ping and backfill settings) are described in docs/guides/streaming.md.
        """
        from ._streaming import SyncStream

        return SyncStream(self, **options)

    def close(self) -> None:
        """Close the connection pool."""
        if self._pool is not None:
            self._pool.close()

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True)
class _FastPath:
    """A JSON call straight to the aiohttp session: what httpx.AsyncClient would send, made once."""

    transport: AiohttpTransport
    prefix: str  # https://host/api/
    headers: Mapping[str, str]  # the pool's headers (token included) and the JSON content type
    timeout: Any  # aiohttp.ClientTimeout


class AsyncClient(BaseClient):
    """An asyncio Misskey client over one ``httpx.AsyncClient`` (connection pool), sent with aiohttp
    when it is installed (``misskey-client[aiohttp]``) or with httpx's own transport."""

    _asynchronous = True
    _pool: httpx.AsyncClient | None = None
    _fast: _FastPath | None = None

    def __init__(
        self,
        host: str,
        token: str | None = None,
        *,
        token_in: TokenLocation = "header",
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        allow_insecure: bool = False,
        retry: RetryPolicy | None = DEFAULT_RETRY,
        throttle: float | None = None,
        backend: AsyncBackend = "auto",
        **httpx_options: Any,
    ) -> None:
        """``backend``: ``"aiohttp"``, ``"httpx"``, or ``"auto"`` (the default): aiohttp when it is
        installed and no option needs httpx's own transport (``transport``, ``mounts``, ``proxy``,
        ``http2``), httpx otherwise."""
        super().__init__(
            host,
            token,
            token_in=token_in,
            timeout=timeout,
            allow_insecure=allow_insecure,
            retry=retry,
            throttle=throttle,
            **httpx_options,
        )
        self._backend = self._pick_backend(backend)

    @property
    def backend(self) -> Literal["aiohttp", "httpx"]:
        """What this client sends with: ``"aiohttp"`` or ``"httpx"`` (httpcore)."""
        return self._backend

    def _pick_backend(self, backend: AsyncBackend) -> Literal["aiohttp", "httpx"]:
        if backend not in ("auto", "aiohttp", "httpx"):
            raise ValueError(f"backend must be 'auto', 'aiohttp' or 'httpx', not {backend!r}")
        if backend == "httpx":
            return "httpx"
        needs_httpx = [f"{name}=" for name in _HTTPX_TRANSPORT_ONLY if self._options.get(name)]
        if self._options.get("trust_env", True) and _environment_proxy(self.base_url):
            needs_httpx.append("the proxy from the environment")
        if backend == "auto":
            return "aiohttp" if not needs_httpx and aiohttp_installed() else "httpx"
        if needs_httpx:
            named = ", ".join(needs_httpx)
            raise ValueError(
                f"backend='aiohttp' cannot honour {named}: that needs httpx's own transport (backend='httpx')"
            )
        if not aiohttp_installed():
            raise ImportError("backend='aiohttp' needs aiohttp: pip install 'misskey-client[aiohttp]'")
        return "aiohttp"

    @property
    def _http(self) -> httpx.AsyncClient:
        """The connection pool, made on first use: building a client costs no TLS set-up."""
        if self._pool is None:
            options = self._options
            transport = None
            if self._backend == "aiohttp":
                options = dict(options)
                transport = options["transport"] = AiohttpTransport(
                    limits=options.pop("limits", None),
                    verify=options.pop("verify", True),
                    cert=options.pop("cert", None),
                    trust_env=options.get("trust_env", True),
                    secure=self.base_url.startswith("https:"),
                )
            pool = self._pool = httpx.AsyncClient(**options)
            if transport is not None:
                self._fast = self._fast_path(pool, transport)
        return self._pool

    def _fast_path(self, pool: httpx.AsyncClient, transport: AiohttpTransport) -> _FastPath | None:
        """How a JSON call skips httpx.AsyncClient, when nothing it would do around the transport is asked for."""
        hooks = pool.event_hooks
        ours = int(self._token is not None and self.token_in == "body")  # the origin guard
        if len(hooks["request"]) != ours or hooks["response"]:
            return None
        if any(self._options.get(name) for name in _AROUND_THE_TRANSPORT):
            return None
        # The origin guard has nothing to check on this path: the URL is the client's own and
        # redirects are not followed.
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in pool.headers.raw}
        headers["Content-Type"] = "application/json"
        return _FastPath(transport, self.base_url + "/api/", headers, transport.timeout(pool.timeout.as_dict()))

    def with_options(self: _A, *, retry: RetryPolicy | None = None) -> _A:
        """The same client (same connection pool and token) with other per-call options."""
        self._http  # noqa: B018  (make the pool now, so that both clients share it)
        return self._clone(retry=retry or RetryPolicy.never())

    async def request(
        self,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        *,
        files: Mapping[str, Any] | None = None,
        progress: ProgressCallback | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Call any endpoint by name (``"notes/create"``) and return the parsed JSON, or None for 204."""
        endpoint = endpoint.strip("/")
        safe = self._idempotent(endpoint) if idempotent is None else idempotent
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._send(endpoint, params, files, progress)
            except MisskeyError as exc:
                delay = self._retry_delay(exc, attempt, safe)
            await _sleep(delay)

    async def _send(
        self,
        endpoint: str,
        params: Mapping[str, Any] | None,
        files: Mapping[str, Any] | None,
        progress: ProgressCallback | None,
    ) -> Any:
        if self._interval:
            wait = self._reserve_slot()
            if wait:
                await _sleep(wait)
        http = self._pool or self._http
        fast = self._fast
        response: httpx.Response | Reply
        try:
            if files:
                with ExitStack() as stack:
                    uploads = prepare_files(dict(files), stack, progress)
                    response = await http.post(endpoint, data=self._form(params), files=uploads)
            elif fast is not None:
                body = _json_encoder.encode(self._payload(params)).encode()
                response = await fast.transport.post(fast.prefix + endpoint, body, fast.headers, fast.timeout)
            else:
                response = await http.post(endpoint, json=self._payload(params))
        except httpx.RequestError as exc:
            raise _httpx_error(endpoint, exc) from exc
        version = await self.server_version() if response.status_code == 404 and endpoint != "meta" else None
        return self._handle(endpoint, response, version)

    async def _call(
        self,
        endpoint: str,
        body: Mapping[str, Any],
        parse: Callable[[Any], T],
        files: Mapping[str, Any] | None = None,
        progress: ProgressCallback | None = None,
    ) -> T:
        return self._parse(endpoint, await self.request(endpoint, body, files=files, progress=progress), parse)

    async def server_version(self) -> str | None:
        """The server's Misskey version, from ``meta`` (asked once per client)."""
        if "version" not in self._server:
            try:
                self._learn_version(await self.request("meta", {"detail": False}))
            except MisskeyError:
                self._server["version"] = None
        return self._server.get("version")

    async def supports(self, endpoint: str) -> bool:
        """Whether the server has ``endpoint``, from its ``/api/endpoints`` list (asked once)."""
        if "endpoints" not in self._server:
            self._server["endpoints"] = frozenset(await self.request("endpoints"))
        return endpoint.strip("/") in self._server["endpoints"]

    async def server(self) -> ServerInfo:
        """The server's software and version (nodeinfo) and its endpoints, asked once per client."""
        info: ServerInfo | None = self._server.get("info")
        if info is None:
            flow = nodeinfo_flow(self.base_url)
            try:
                url = next(flow)
                while True:
                    try:
                        response = await self._http.send(self._nodeinfo_request(url))
                    except httpx.RequestError as exc:
                        raise _httpx_error("nodeinfo", exc) from exc
                    url = flow.send(self._nodeinfo_json(response))
            except StopIteration as done:
                software, version = done.value
            version = version or await self.server_version()
            info = self._learn_server(software, version, await self.request("endpoints"))
        return info

    async def paginate(
        self,
        method: Callable[..., Any],
        /,
        *,
        max_items: int | None = None,
        oldest_first: bool = False,
        **params: Any,
    ) -> AsyncIterator[Any]:
        """Yield every item of a paginated endpoint: ``async for note in mk.paginate(mk.notes.timeline)``."""
        endpoint = endpoint_of(method)
        pager = Pager.create(
            endpoint, self._registry.get(endpoint), params, oldest_first=oldest_first, max_items=max_items
        )
        page_params: dict[str, Any] | None = pager.first(dict(params))
        while page_params is not None:
            page = await method(**page_params)
            for item in pager.take(page):
                yield item
            page_params = pager.next(page_params, page)

    def stream(self, **options: Any) -> AsyncStream:
        """The streaming API over one websocket: ``async with mk.stream() as stream: ...``.

        Needs the ``streaming`` extra (``pip install 'misskey-client[streaming]'``); the options
        (reconnect, backoff, ping and backfill settings) are described in docs/guides/streaming.md.
        """
        from ._streaming import AsyncStream

        return AsyncStream(self, **options)

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._pool is not None:
            await self._pool.aclose()

    async def __aenter__(self: _A) -> _A:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


_B = TypeVar("_B", bound=BaseClient)
_S = TypeVar("_S", bound=SyncClient)
_A = TypeVar("_A", bound=AsyncClient)
