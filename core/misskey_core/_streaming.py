"""The streaming API: one websocket for all channels and note captures, and no note lost on a reconnect.

``AsyncStream`` owns everything: the socket, the reconnect loop, the channel and capture registry,
and the REST backfill. ``SyncStream`` runs an ``AsyncStream`` on an event loop in a background
thread and hands its events to plain ``for`` loops, so both share one implementation.

How a lost connection is repaired (see docs/streaming.md):

1. reconnect with exponential backoff and jitter (never on 401/403: the token will not get better);
2. re-join every channel, asking the server to confirm (``pong: true`` -> ``connected``), and
   re-capture every note;
3. for each timeline-like channel, once the server confirmed the join, page through its REST twin
   from the id of the last note delivered (``sinceId``) and deliver what was missed, oldest first,
   while notes the socket sends meanwhile wait in a buffer;
4. then release the buffer, dropping notes already delivered (a bounded set of recent ids).

Because a channel's cursor only moves when a note is handed to the user, anything buffered when
the connection drops again can be thrown away: the next backfill starts from the same cursor.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import random
import threading
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Coroutine, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, overload

from ._errors import (
    AuthenticationError,
    MisskeyAPIError,
    MisskeyConnectionError,
    MisskeyError,
    PermissionDeniedError,
    ResponseParseError,
)
from ._stream_catalog import ChannelSpec, parse_event_body, parse_note, validate_params

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from ._client import SyncClient

__all__ = [
    "AsyncChannel",
    "AsyncNoteCapture",
    "AsyncStream",
    "ChannelRejectedError",
    "Event",
    "NoteUpdate",
    "StreamStats",
    "SyncChannel",
    "SyncNoteCapture",
    "SyncStream",
]

logger = logging.getLogger("misskey_core.streaming")

_INSTALL_HINT = "the streaming API needs the websockets package: pip install 'misskey-client[streaming]'"
_PARSE_ERRORS = (ResponseParseError, KeyError, TypeError, ValueError, AttributeError)
#: A connection that stayed up this long counts as healthy: the next failure starts the backoff over.
_STABLE_AFTER = 10.0
_BACKFILL_ATTEMPTS = 3


class ChannelRejectedError(MisskeyError):
    """The server never confirmed joining a channel.

    Misskey silently refuses a join when a parameter points at nothing (an antenna that is not
    yours, say), when the token lacks the channel's permission, or past 32 channels per socket.
    """


@dataclass(frozen=True)
class Event:
    """One event of a channel: ``type`` (``"note"``, ``"notification"``, ...) and its ``body``.

    ``body`` is a generated model where the server's type is known (``Note``, a ``Notification*``
    variant, ``UserLite``, ``DriveFile``, ...) and the JSON as it came otherwise. ``backfilled`` is
    true for notes fetched through the REST API after a reconnect rather than pushed by the socket.
    """

    type: str
    body: Any
    channel: str
    backfilled: bool = False


@dataclass(frozen=True)
class NoteUpdate:
    """A ``noteUpdated`` event of a captured note: ``reacted``, ``unreacted``, ``pollVoted``,
    ``deleted`` or ``updated``, with its body (``{"reaction", "userId", "emoji"}``, ...) as sent."""

    note_id: str
    type: str
    body: Any

    @property
    def user_id(self) -> str | None:
        """Who reacted or voted, for the events that say."""
        value = self.body.get("userId") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) else None

    @property
    def reaction(self) -> str | None:
        value = self.body.get("reaction") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) else None


@dataclass
class StreamStats:
    """Counters of what the resilience machinery did, for logs, metrics and tests."""

    connections: int = 0
    reconnects: int = 0
    backfilled: int = 0
    duplicates_dropped: int = 0
    malformed_frames: int = 0


class _Requester(Protocol):
    """What the stream needs of a client: where the server is, the token, and one REST call."""

    base_url: str

    def request(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Awaitable[Any]: ...


class _End:
    """Queued after the last item: the iterator stops (or raises ``error``)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


_T = TypeVar("_T")


class _Inbox:
    """The queue behind one iterator; once ended, it stays ended for every later read."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._end: _End | None = None

    def put(self, item: Any) -> None:
        if self._end is None:
            self._queue.put_nowait(item)

    def end(self, error: BaseException | None = None) -> None:
        if self._end is None:
            self._end = _End(error)
            self._queue.put_nowait(self._end)

    async def get(self) -> Any:
        if self._end is not None and self._queue.empty():
            item: Any = self._end
        else:
            item = await self._queue.get()
        if isinstance(item, _End):
            if item.error is not None:
                raise item.error
            raise StopAsyncIteration
        return item


class _Subscription:
    """One channel as the server knows it (one ``id``), and the local channels reading it."""

    def __init__(self, spec: ChannelSpec, params: dict[str, Any], window: int) -> None:
        self.id = uuid.uuid4().hex
        self.spec = spec
        self.params = params
        self.readers: list[AsyncChannel] = []
        self.joined = asyncio.Event()
        #: Id of the newest note delivered (or, before the first, of the newest at join time).
        self.cursor: str | None = None
        #: While a backfill runs, notes from the socket wait here (raw JSON).
        self.buffer: list[Any] | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._window = window

    @property
    def timeline(self) -> bool:
        return self.spec.backfill is not None

    def seen(self, note_id: str) -> bool:
        return note_id in self._seen

    def remember(self, note_id: str) -> None:
        self._seen[note_id] = None
        self.cursor = note_id
        while len(self._seen) > self._window:
            self._seen.popitem(last=False)


class AsyncChannel:
    """A joined channel; ``async for event in channel`` yields its events until it is disconnected."""

    def __init__(self, stream: AsyncStream, subscription: _Subscription) -> None:
        self._stream = stream
        self._subscription = subscription
        self._inbox = _Inbox()

    @property
    def name(self) -> str:
        return self._subscription.spec.name

    @property
    def params(self) -> Mapping[str, Any]:
        return self._subscription.params

    def __repr__(self) -> str:
        return f"AsyncChannel({self.name!r}, params={self.params!r})"

    def __aiter__(self) -> AsyncChannel:
        return self

    async def __anext__(self) -> Event:
        item: Event = await self._inbox.get()
        return item

    async def send(self, type: str, body: Any = None) -> None:
        """Send a message to the channel (``reversiGame``'s ``putStone``, ``chatUser``'s ``read``...)."""
        await self._stream._send({"type": "ch", "body": {"id": self._subscription.id, "type": type, "body": body}})

    async def disconnect(self) -> None:
        """Leave the channel; iteration ends after the events already received."""
        await self._stream._leave(self)


class AsyncNoteCapture:
    """A captured note; ``async for update in capture`` yields its ``noteUpdated`` events."""

    def __init__(self, stream: AsyncStream, note_id: str) -> None:
        self._stream = stream
        self.note_id = note_id
        self._inbox = _Inbox()

    def __repr__(self) -> str:
        return f"AsyncNoteCapture({self.note_id!r})"

    def __aiter__(self) -> AsyncNoteCapture:
        return self

    async def __anext__(self) -> NoteUpdate:
        item: NoteUpdate = await self._inbox.get()
        return item

    async def close(self) -> None:
        """Stop capturing the note (the server is told once the last capture of it closes)."""
        await self._stream._release(self)


class _RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Hands websockets a logger that cannot leak the token: at DEBUG it logs every request header."""

    def __init__(self, target: logging.Logger, secret: str | None) -> None:
        super().__init__(target, {})
        self._secret = secret

    def _redact(self, value: Any) -> Any:
        if self._secret and isinstance(value, str) and self._secret in value:
            return value.replace(self._secret, "<token>")
        return value

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            self.logger.log(level, self._redact(msg), *(self._redact(arg) for arg in args), **kwargs)


def _websocket_url(base_url: str) -> str:
    scheme, rest = base_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/streaming"


class AsyncStream:
    """A connection to Misskey's streaming API shared by every channel and note capture.

    Use it as ``async with client.stream() as stream:``; entering opens the websocket (and raises
    ``AuthenticationError`` for a bad token), leaving closes it and ends every iterator.
    """

    def __init__(
        self,
        client: _Requester,
        *,
        reconnect: bool = True,
        max_reconnects: int | None = None,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        open_timeout: float = 10.0,
        close_timeout: float = 5.0,
        ack_timeout: float = 10.0,
        backfill: bool = True,
        backfill_page_size: int = 100,
        backfill_max_pages: int = 50,
        dedup_window: int = 10_000,
    ) -> None:
        if not 1 <= backfill_page_size <= 100:
            raise ValueError("backfill_page_size must be between 1 and 100 (Misskey's limit)")
        self._client = client
        self._token: str | None = getattr(client, "_token", None)
        self.url = _websocket_url(client.base_url)
        self.reconnect = reconnect
        self.max_reconnects = max_reconnects
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.open_timeout = open_timeout
        self.close_timeout = close_timeout
        self.ack_timeout = ack_timeout
        self.backfill = backfill
        self.backfill_page_size = backfill_page_size
        self.backfill_max_pages = backfill_max_pages
        self.dedup_window = dedup_window
        self.stats = StreamStats()
        self._subscriptions: dict[str, _Subscription] = {}
        self._captures: dict[str, list[AsyncNoteCapture]] = {}
        self._ws: ClientConnection | None = None
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._repairs: set[asyncio.Task[Any]] = set()
        self._up = asyncio.Event()
        self._done = asyncio.Event()
        self._error: BaseException | None = None
        self._closing = False

    def __repr__(self) -> str:
        state = "closed" if self._done.is_set() else "open" if self._ws is not None else "connecting"
        return f"AsyncStream({self.url!r}, {state}, channels={len(self._subscriptions)})"

    # -- lifecycle ---------------------------------------------------------------------------------

    async def __aenter__(self) -> AsyncStream:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def open(self) -> None:
        """Open the websocket; raises if the first attempt fails (later losses are repaired)."""
        if self._runner is not None:
            raise RuntimeError("this stream was already opened")
        try:
            import websockets.asyncio.client  # noqa: F401
        except ImportError as exc:
            raise ImportError(_INSTALL_HINT) from exc
        self._runner = asyncio.create_task(self._run(), name="misskey-stream")
        await self._wait_for(self._up)

    async def aclose(self) -> None:
        """Close the websocket and end every channel and capture iterator."""
        self._closing = True
        for task in (*self._tasks, *self._repairs):
            task.cancel()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._runner is not None and not self._runner.done():
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        self._finish(None)

    def _finish(self, error: BaseException | None) -> None:
        if self._done.is_set():
            return
        self._error = error
        self._done.set()
        for subscription in self._subscriptions.values():
            for reader in subscription.readers:
                reader._inbox.end(error)
        for captures in self._captures.values():
            for capture in captures:
                capture._inbox.end(error)

    async def _wait_for(self, event: asyncio.Event, timeout: float | None = None) -> bool:
        """Wait until ``event`` is set (True) or ``timeout`` passes (False); raise if the stream died."""
        waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(self._done.wait())]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if event.is_set():
            return True
        if self._done.is_set():
            if self._error is not None:
                raise self._error
            raise MisskeyConnectionError("the stream is closed", endpoint="streaming")
        return False

    # -- public operations -------------------------------------------------------------------------

    # Typed parameters for every channel of Misskey 2026.3.2 (see _stream_catalog.CHANNELS): a
    # misspelt channel or parameter is a type error, and a ValueError/TypeError at run time.
    @overload
    async def connect(self, channel: Literal["main"]) -> AsyncChannel: ...

    @overload
    async def connect(
        self, channel: Literal["homeTimeline"], *, withRenotes: bool = ..., withFiles: bool = ...
    ) -> AsyncChannel: ...

    @overload
    async def connect(
        self,
        channel: Literal["localTimeline"],
        *,
        withRenotes: bool = ...,
        withFiles: bool = ...,
        withReplies: bool = ...,
    ) -> AsyncChannel: ...

    @overload
    async def connect(
        self,
        channel: Literal["hybridTimeline"],
        *,
        withRenotes: bool = ...,
        withFiles: bool = ...,
        withReplies: bool = ...,
    ) -> AsyncChannel: ...

    @overload
    async def connect(
        self, channel: Literal["globalTimeline"], *, withRenotes: bool = ..., withFiles: bool = ...
    ) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["antenna"], *, antennaId: str) -> AsyncChannel: ...

    @overload
    async def connect(
        self, channel: Literal["userList"], *, listId: str, withRenotes: bool = ..., withFiles: bool = ...
    ) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["hashtag"], *, q: list[list[str]]) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["roleTimeline"], *, roleId: str) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["channel"], *, channelId: str) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["chatUser"], *, otherId: str) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["chatRoom"], *, roomId: str) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["drive"]) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["admin"]) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["serverStats"]) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["queueStats"]) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["reversi"]) -> AsyncChannel: ...

    @overload
    async def connect(self, channel: Literal["reversiGame"], *, gameId: str) -> AsyncChannel: ...

    async def connect(self, channel: str, **params: Any) -> AsyncChannel:
        """Join ``channel`` (``"homeTimeline"``, ``"antenna"`` with ``antennaId=...``, ...).

        Returns once the server confirmed the join, so no event sent after that is missed.
        ``ValueError`` for an unknown channel and ``TypeError`` for a wrong parameter are raised
        before anything is sent; ``ChannelRejectedError`` if the server does not confirm.
        """
        spec = validate_params(channel, params)
        self._check_usable()
        if spec.shared:
            for existing in self._subscriptions.values():
                if existing.spec.name == channel:
                    reader = AsyncChannel(self, existing)
                    existing.readers.append(reader)
                    return reader
        subscription = _Subscription(spec, dict(params), self.dedup_window)
        reader = AsyncChannel(self, subscription)
        subscription.readers.append(reader)
        self._subscriptions[subscription.id] = subscription
        if self._ws is not None:
            await self._send(self._join_message(subscription))
        try:
            await self._await_join(subscription)
        except BaseException:
            self._subscriptions.pop(subscription.id, None)
            raise
        if subscription.timeline and self.backfill and subscription.cursor is None:
            self._spawn(self._take_baseline(subscription), self._tasks)
        return reader

    async def capture(self, note_id: str) -> AsyncNoteCapture:
        """Subscribe to a note's ``noteUpdated`` events (reactions, votes, deletion, edits)."""
        if not isinstance(note_id, str) or not note_id:
            raise ValueError(f"capture needs a note id, not {note_id!r}")
        self._check_usable()
        capture = AsyncNoteCapture(self, note_id)
        captures = self._captures.setdefault(note_id, [])
        captures.append(capture)
        if len(captures) == 1 and self._ws is not None:
            await self._send({"type": "s", "body": {"id": note_id}})
        return capture

    def _check_usable(self) -> None:
        if self._runner is None:
            raise RuntimeError("open the stream first: async with client.stream() as stream: ...")
        if self._done.is_set():
            if self._error is not None:
                raise self._error
            raise RuntimeError("this stream is closed")

    async def _await_join(self, subscription: _Subscription) -> None:
        while True:
            was_up = self._up.is_set()
            if await self._wait_for(subscription.joined, self.ack_timeout):
                return
            if was_up and self._up.is_set():
                raise ChannelRejectedError(
                    f"Misskey did not confirm joining {subscription.spec.name!r} within "
                    f"{self.ack_timeout:g}s: a parameter that points at nothing or is not yours, a token "
                    "without the channel's permission, or more than 32 channels on one stream"
                )
            # The connection dropped meanwhile: the reconnect re-sends the join; keep waiting.

    async def _leave(self, reader: AsyncChannel) -> None:
        subscription = reader._subscription
        reader._inbox.end()
        if reader in subscription.readers:
            subscription.readers.remove(reader)
        if subscription.readers or self._subscriptions.pop(subscription.id, None) is None:
            return
        await self._send({"type": "disconnect", "body": {"id": subscription.id}})

    async def _release(self, capture: AsyncNoteCapture) -> None:
        capture._inbox.end()
        captures = self._captures.get(capture.note_id, [])
        if capture in captures:
            captures.remove(capture)
            if not captures:
                del self._captures[capture.note_id]
                await self._send({"type": "un", "body": {"id": capture.note_id}})

    async def _send(self, message: Mapping[str, Any]) -> None:
        ws = self._ws
        if ws is None:
            return  # sent again by the resubscription after the reconnect
        try:
            await ws.send(json.dumps(message))
        except Exception as exc:  # a dead socket: the reader notices and reconnects
            logger.debug("send failed, left to the reconnect: %s", type(exc).__name__)

    @staticmethod
    def _join_message(subscription: _Subscription) -> dict[str, Any]:
        body = {"channel": subscription.spec.name, "id": subscription.id, "params": subscription.params}
        return {"type": "connect", "body": body | {"pong": True}}

    def _spawn(self, coroutine: Coroutine[Any, Any, Any], tasks: set[asyncio.Task[Any]]) -> None:
        task = asyncio.create_task(coroutine)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    # -- the connection loop ------------------------------------------------------------------------

    async def _open_socket(self) -> ClientConnection:
        from websockets.asyncio.client import connect

        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        return await connect(
            self.url,
            additional_headers=headers,
            open_timeout=self.open_timeout,
            close_timeout=self.close_timeout,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            max_size=2**24,
            logger=_RedactingLogger(logging.getLogger("websockets.client"), self._token),
        )

    def _fatal(self, exc: Exception) -> MisskeyError | None:
        """The error to stop on, for a failed handshake that retrying cannot fix."""
        from websockets.exceptions import InvalidStatus

        if not isinstance(exc, InvalidStatus):
            return None
        status = exc.response.status_code
        if status == 401:
            return AuthenticationError(
                status_code=401,
                endpoint="streaming",
                code="AUTHENTICATION_FAILED",
                message="the streaming server refused the token (invalid, revoked, or without read:account)",
            )
        if status == 403:
            return PermissionDeniedError(
                status_code=403, endpoint="streaming", code="FORBIDDEN", message="the account is suspended"
            )
        if 400 <= status < 500 and status not in (408, 429):
            return MisskeyAPIError(
                status_code=status, endpoint="streaming", message="the streaming handshake was refused"
            )
        return None

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_max, self.backoff_initial * 2.0 ** max(0, attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # "equal jitter"

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        while not self._closing:
            try:
                ws = await self._open_socket()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                fatal = self._fatal(exc)
                if fatal is not None:
                    logger.error("stream refused by the server: %s", fatal)
                    self._finish(fatal)
                    return
                where = f"{type(exc).__name__}: {exc}"
                if self.stats.connections == 0 or not self.reconnect:
                    self._finish(MisskeyConnectionError(f"streaming: {where}", endpoint="streaming"))
                    return
                attempt += 1
                if self.max_reconnects is not None and attempt > self.max_reconnects:
                    message = f"streaming: gave up after {self.max_reconnects} reconnects ({where})"
                    self._finish(MisskeyConnectionError(message, endpoint="streaming"))
                    return
                delay = self._backoff(attempt)
                logger.warning("stream reconnect failed (%s); next try in %.2fs", where, delay)
                await asyncio.sleep(delay)
                continue
            if self.stats.connections:
                self.stats.reconnects += 1
                logger.info("stream reconnected (reconnect #%d)", self.stats.reconnects)
            self.stats.connections += 1
            opened = loop.time()
            self._ws = ws
            try:
                await self._resubscribe(ws)
                self._up.set()
                async for frame in ws:
                    self._on_frame(frame)
                reason = f"closed by the server ({ws.close_code})"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # ConnectionClosedError, OSError...: all mean "gone"
                reason = f"{type(exc).__name__}: {exc}"
            finally:
                self._up.clear()
                self._ws = None
                for task in self._repairs:
                    task.cancel()
                for subscription in self._subscriptions.values():
                    subscription.joined.clear()
                    subscription.buffer = None  # undelivered: the next backfill fetches them again
            if self._closing:
                return
            if not self.reconnect:
                self._finish(MisskeyConnectionError(f"streaming: connection lost, {reason}", endpoint="streaming"))
                return
            if loop.time() - opened >= _STABLE_AFTER:
                attempt = 0
            attempt += 1
            delay = self._backoff(attempt)
            logger.warning("stream connection lost (%s); reconnecting in %.2fs", reason, delay)
            await asyncio.sleep(delay)

    async def _resubscribe(self, ws: ClientConnection) -> None:
        again = self.stats.connections > 1
        for subscription in list(self._subscriptions.values()):
            refill = again and self.backfill and subscription.timeline and subscription.cursor is not None
            if refill:
                subscription.buffer = []
                self._spawn(self._refill(subscription), self._repairs)
            await ws.send(json.dumps(self._join_message(subscription)))
        for note_id in list(self._captures):
            await ws.send(json.dumps({"type": "sr" if again else "s", "body": {"id": note_id}}))

    # -- incoming frames ----------------------------------------------------------------------------

    def _malformed(self, why: str, frame: Any) -> None:
        self.stats.malformed_frames += 1
        text = frame if isinstance(frame, str) else repr(frame)
        logger.warning("skipped a malformed frame (%s): %.120s", why, text)

    def _on_frame(self, frame: str | bytes) -> None:
        try:
            message = json.loads(frame)
        except ValueError:
            self._malformed("not JSON", frame)
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            self._malformed("not a {type, body} object", frame)
            return
        kind, body = message["type"], message.get("body")
        if kind == "channel":
            if not (isinstance(body, dict) and isinstance(body.get("id"), str) and isinstance(body.get("type"), str)):
                self._malformed("channel message without id and type", frame)
                return
            subscription = self._subscriptions.get(body["id"])
            if subscription is None:
                logger.debug("event for a channel no longer joined: %s", body["type"])
                return
            self._on_channel_event(subscription, body["type"], body.get("body"), frame)
        elif kind == "connected":
            joined = self._subscriptions.get(str(body.get("id"))) if isinstance(body, dict) else None
            if joined is not None:
                joined.joined.set()
        elif kind == "noteUpdated":
            if not (isinstance(body, dict) and isinstance(body.get("id"), str) and isinstance(body.get("type"), str)):
                self._malformed("noteUpdated without id and type", frame)
                return
            update = NoteUpdate(body["id"], body["type"], body.get("body"))
            for capture in self._captures.get(update.note_id, []):
                capture._inbox.put(update)
        else:
            logger.debug("ignored a %r broadcast", kind)

    def _on_channel_event(self, subscription: _Subscription, kind: str, body: Any, frame: Any) -> None:
        if subscription.timeline and kind == "note":
            if not (isinstance(body, dict) and isinstance(body.get("id"), str)):
                self._malformed("note without an id", frame)
                return
            if subscription.buffer is not None:
                subscription.buffer.append(body)
                return
            self._deliver_note(subscription, body, backfilled=False)
            return
        try:
            parsed = parse_event_body(subscription.spec, kind, body)
        except _PARSE_ERRORS as exc:
            self._malformed(f"{subscription.spec.name}/{kind} does not fit its model: {exc}", frame)
            return
        event = Event(kind, parsed, subscription.spec.name)
        for reader in subscription.readers:
            reader._inbox.put(event)

    def _deliver_note(self, subscription: _Subscription, raw: dict[str, Any], *, backfilled: bool) -> bool:
        note_id = raw["id"]
        if subscription.seen(note_id):
            self.stats.duplicates_dropped += 1
            return False
        try:
            note = parse_note(raw)
        except _PARSE_ERRORS as exc:
            self._malformed(f"note {note_id} does not fit the Note model: {exc}", json.dumps(raw))
            return False
        subscription.remember(note_id)
        if backfilled:
            self.stats.backfilled += 1
        event = Event("note", note, subscription.spec.name, backfilled=backfilled)
        for reader in subscription.readers:
            reader._inbox.put(event)
        return True

    # -- backfill -----------------------------------------------------------------------------------

    def _rest_params(self, subscription: _Subscription) -> dict[str, Any]:
        assert subscription.spec.backfill is not None
        return subscription.spec.backfill.request(subscription.params)

    async def _take_baseline(self, subscription: _Subscription) -> None:
        """Remember the newest note at join time, so a loss before the first note is repaired too."""
        assert subscription.spec.backfill is not None
        endpoint = subscription.spec.backfill.endpoint
        try:
            notes = await self._client.request(endpoint, self._rest_params(subscription) | {"limit": 1})
        except MisskeyError as exc:
            logger.warning("%s: no backfill baseline (%s)", subscription.spec.name, exc)
            return
        if subscription.cursor is None and isinstance(notes, list) and notes and isinstance(notes[0], dict):
            subscription.cursor = notes[0].get("id")

    async def _refill(self, subscription: _Subscription) -> None:
        """After a reconnect: wait for the join, fetch what was missed, then release the buffer."""
        name = subscription.spec.name
        if not await self._wait_for(subscription.joined, self.ack_timeout):
            logger.warning("%s: the server did not confirm the re-join; backfilling anyway", name)
        missed: list[dict[str, Any]] = []
        for attempt in range(1, _BACKFILL_ATTEMPTS + 1):
            try:
                missed = await self._fetch_since(subscription)
                break
            except (AuthenticationError, PermissionDeniedError) as exc:
                logger.error("%s: backfill refused: %s", name, exc)
                break
            except MisskeyError as exc:
                if attempt == _BACKFILL_ATTEMPTS:
                    logger.error("%s: backfill failed, notes may be missing: %s", name, exc)
                else:
                    await asyncio.sleep(self._backoff(attempt))
        # From here to the end nothing awaits: no frame can slip between the backfill and the buffer.
        delivered = sum(self._deliver_note(subscription, raw, backfilled=True) for raw in missed)
        buffered, subscription.buffer = subscription.buffer or [], None
        for raw in buffered:
            self._deliver_note(subscription, raw, backfilled=False)
        logger.info("%s: backfilled %d missed note(s) after the reconnect", name, delivered)

    async def _fetch_since(self, subscription: _Subscription) -> list[dict[str, Any]]:
        """Every note after the cursor, oldest first, paging as far as needed.

        Misskey 2026.3.2 answers ``sinceId`` alone with the oldest notes after it, ascending; an
        answer in newest-first order (other versions, forks) is paged backwards with ``untilId``.
        """
        assert subscription.spec.backfill is not None and subscription.cursor is not None
        endpoint = subscription.spec.backfill.endpoint
        base = self._rest_params(subscription) | {"limit": self.backfill_page_size}
        since, until = subscription.cursor, None
        found: dict[str, dict[str, Any]] = {}
        for _ in range(self.backfill_max_pages):
            page_params = base | {"sinceId": since} | ({"untilId": until} if until else {})
            page = await self._client.request(endpoint, page_params)
            notes = [note for note in page if isinstance(note, dict) and isinstance(note.get("id"), str)]
            for note in notes:
                found.setdefault(note["id"], note)
            if len(page) < self.backfill_page_size or not notes:
                break
            ids = [note["id"] for note in notes]
            if ids == sorted(ids):
                since = ids[-1]
            else:
                until = min(ids)
        else:
            logger.warning(
                "%s: gap larger than %d pages; older missed notes were skipped",
                subscription.spec.name,
                self.backfill_max_pages,
            )
        return [found[key] for key in sorted(found)]


class _ThreadedRequester:
    """A ``SyncClient`` as the ``AsyncStream`` sees it: its blocking calls run in a worker thread."""

    def __init__(self, client: SyncClient) -> None:
        self.base_url = client.base_url
        self._token = client._token
        self._client = client

    async def request(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Any:
        return await asyncio.to_thread(self._client.request, endpoint, params)


async def _next(iterator: AsyncChannel | AsyncNoteCapture) -> tuple[bool, Any]:
    try:
        return True, await iterator.__anext__()
    except StopAsyncIteration:
        return False, None


class SyncStream:
    """The blocking twin of ``AsyncStream``: ``with client.stream() as stream:``, ``for event in channel``.

    The websocket lives on an event loop in a daemon thread; each call here waits for its result.
    """

    def __init__(self, client: SyncClient, **options: Any) -> None:
        self._client = client
        self._options = options
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stream: AsyncStream | None = None

    def __repr__(self) -> str:
        return f"SyncStream({self._stream!r})"

    @property
    def stats(self) -> StreamStats:
        return self._require()[1].stats

    def _require(self) -> tuple[asyncio.AbstractEventLoop, AsyncStream]:
        if self._loop is None or self._stream is None:
            raise RuntimeError("open the stream first: with client.stream() as stream: ...")
        return self._loop, self._stream

    def _call(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        loop, _ = self._require()
        return _wait(asyncio.run_coroutine_threadsafe(coroutine, loop))

    def __enter__(self) -> SyncStream:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def open(self) -> None:
        if self._loop is not None:
            raise RuntimeError("this stream was already opened")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="misskey-stream", daemon=True)
        self._thread.start()

        async def build() -> AsyncStream:
            return AsyncStream(_ThreadedRequester(self._client), **self._options)

        self._stream = _wait(asyncio.run_coroutine_threadsafe(build(), loop))
        try:
            self._call(self._stream.open())
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        loop, stream = self._loop, self._stream
        if loop is None:
            return
        try:
            if stream is not None:
                _wait(asyncio.run_coroutine_threadsafe(stream.aclose(), loop))
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join()
            loop.close()
            self._loop = None

    @overload
    def connect(self, channel: Literal["main"]) -> SyncChannel: ...

    @overload
    def connect(
        self, channel: Literal["homeTimeline"], *, withRenotes: bool = ..., withFiles: bool = ...
    ) -> SyncChannel: ...

    @overload
    def connect(
        self,
        channel: Literal["localTimeline"],
        *,
        withRenotes: bool = ...,
        withFiles: bool = ...,
        withReplies: bool = ...,
    ) -> SyncChannel: ...

    @overload
    def connect(
        self,
        channel: Literal["hybridTimeline"],
        *,
        withRenotes: bool = ...,
        withFiles: bool = ...,
        withReplies: bool = ...,
    ) -> SyncChannel: ...

    @overload
    def connect(
        self, channel: Literal["globalTimeline"], *, withRenotes: bool = ..., withFiles: bool = ...
    ) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["antenna"], *, antennaId: str) -> SyncChannel: ...

    @overload
    def connect(
        self, channel: Literal["userList"], *, listId: str, withRenotes: bool = ..., withFiles: bool = ...
    ) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["hashtag"], *, q: list[list[str]]) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["roleTimeline"], *, roleId: str) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["channel"], *, channelId: str) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["chatUser"], *, otherId: str) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["chatRoom"], *, roomId: str) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["drive"]) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["admin"]) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["serverStats"]) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["queueStats"]) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["reversi"]) -> SyncChannel: ...

    @overload
    def connect(self, channel: Literal["reversiGame"], *, gameId: str) -> SyncChannel: ...

    def connect(self, channel: str, **params: Any) -> SyncChannel:
        """Join a channel; see ``AsyncStream.connect``."""
        loop, stream = self._require()
        join: Any = stream.connect  # the typed overloads are for callers; params were checked there
        return SyncChannel(self._call(join(channel, **params)), loop)

    def capture(self, note_id: str) -> SyncNoteCapture:
        """Capture a note; see ``AsyncStream.capture``."""
        loop, stream = self._require()
        return SyncNoteCapture(self._call(stream.capture(note_id)), loop)


def _wait(future: concurrent.futures.Future[_T]) -> _T:
    try:
        return future.result()
    except BaseException:
        future.cancel()  # e.g. KeyboardInterrupt: do not leave a read pending that would eat an event
        raise


class _SyncIterator:
    def __init__(self, inner: AsyncChannel | AsyncNoteCapture, loop: asyncio.AbstractEventLoop) -> None:
        self._inner = inner
        self._loop = loop

    def _next_item(self) -> Any:
        more, item = _wait(asyncio.run_coroutine_threadsafe(_next(self._inner), self._loop))
        if not more:
            raise StopIteration
        return item

    def _run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return _wait(asyncio.run_coroutine_threadsafe(coroutine, self._loop))


class SyncChannel(_SyncIterator):
    """A joined channel; ``for event in channel`` blocks for each event."""

    _inner: AsyncChannel

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def params(self) -> Mapping[str, Any]:
        return self._inner.params

    def __repr__(self) -> str:
        return f"SyncChannel({self.name!r}, params={self.params!r})"

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        item: Event = self._next_item()
        return item

    def send(self, type: str, body: Any = None) -> None:
        self._run(self._inner.send(type, body))

    def disconnect(self) -> None:
        self._run(self._inner.disconnect())


class SyncNoteCapture(_SyncIterator):
    """A captured note; ``for update in capture`` blocks for each ``noteUpdated`` event."""

    _inner: AsyncNoteCapture

    @property
    def note_id(self) -> str:
        return self._inner.note_id

    def __iter__(self) -> Iterator[NoteUpdate]:
        return self

    def __next__(self) -> NoteUpdate:
        item: NoteUpdate = self._next_item()
        return item

    def close(self) -> None:
        self._run(self._inner.close())
