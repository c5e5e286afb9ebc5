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
   while notes the socket sends meanwhile wait in a buffer; ``main`` likewise from
   ``i/notifications``, telling the mentions, replies, renotes and follows among them again
   (``_MainLedger`` pairs each with its notification, so each is delivered once);
4. then release the buffer, dropping what was already delivered (a bounded set of recent ids); on
   a timeline the backfilled and buffered notes go out together in id order, since the REST view
   can lag the socket by a moment (a note only the socket brought still keeps its place).

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
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from ._channels import Channel, channel_from_name
from ._errors import (
    AuthenticationError,
    MisskeyAPIError,
    MisskeyConnectionError,
    MisskeyError,
    PermissionDeniedError,
    ResponseParseError,
)
from ._events import Event, NoteUpdate, make_event, make_note_update

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from ._client import SyncClient

__all__ = [
    "AsyncChannel",
    "AsyncNoteCapture",
    "AsyncStream",
    "ChannelRejectedError",
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
_E = TypeVar("_E", bound=Event)

#: Notification type -> the main event Misskey also sends for it, and where its body is.
_TOLD_AGAIN = {
    "mention": ("mention", "note"),
    "reply": ("reply", "note"),
    "renote": ("renote", "note"),
    "follow": ("followed", "user"),
    "receiveFollowRequest": ("receiveFollowRequest", "user"),
}
_TOLD_AGAIN_KINDS = frozenset(kind for kind, _ in _TOLD_AGAIN.values())


def _told_again(notification: Any) -> tuple[tuple[str, str], str, Any] | None:
    """(key, kind, body) of the main event a notification comes with: ("mention", note id)..."""
    tag = notification.get("type") if isinstance(notification, dict) else None
    found = _TOLD_AGAIN.get(tag) if isinstance(tag, str) else None
    if found is None:
        return None
    kind, where = found
    body = notification.get(where)
    if not (isinstance(body, dict) and isinstance(body.get("id"), str)):
        return None
    return (kind, body["id"]), kind, body


def _key_of(kind: str, body: Any) -> tuple[str, str] | None:
    if kind in _TOLD_AGAIN_KINDS and isinstance(body, dict) and isinstance(body.get("id"), str):
        return kind, body["id"]
    return None


class _Window:
    """An insertion-ordered set that forgets its oldest entries past ``size``."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._size = size

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def add(self, key: Any, value: Any = None) -> None:
        self._items[key] = value
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def discard(self, key: Any) -> bool:
        return self._items.pop(key, _MISSING) is not _MISSING

    def drain(self) -> list[tuple[Any, Any]]:
        items = list(self._items.items())
        self._items.clear()
        return items


_MISSING = object()


class _MainLedger:
    """What ``main`` delivered, so that a refill from ``i/notifications`` tells each event once.

    Misskey sends a mention twice: as ``mention`` (the note) and as ``notification`` (of type
    ``mention``), in no fixed order. The ledger pairs the two by ``(kind, note or user id)``: an
    event whose notification has not come yet is *unpaired*; a notification whose event has not
    come yet is *awaiting* it. After a reconnect, awaiting events were lost with the socket and are
    told again; of the notifications missed, each is delivered with its event unless the socket
    already delivered that one (unpaired). Events the refill told again are dropped when their
    late socket copy comes out of the buffer.
    """

    def __init__(self, window: int) -> None:
        self.cursor: str | None = None  # the newest notification delivered
        self._seen = _Window(window)  # notification ids delivered
        self._unpaired = _Window(window)
        self._awaiting = _Window(window)
        self._told = _Window(window)  # events the refill told again

    def socket(self, kind: str, body: Any) -> bool:
        """Record a socket event of ``main``; False for one already delivered."""
        if kind == "notification" and isinstance(body, dict) and isinstance(body.get("id"), str):
            if body["id"] in self._seen:
                return False
            self._remember(body["id"])
            told = _told_again(body)
            if told is not None and not self._unpaired.discard(told[0]):
                self._awaiting.add(told[0], (told[1], told[2]))
            return True
        key = _key_of(kind, body)
        if key is not None:
            if self._told.discard(key):
                return False
            if not self._awaiting.discard(key):
                self._unpaired.add(key)
        return True

    def refill(self, notifications: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        """What to deliver (oldest first) for the notifications missed while the socket was down."""
        out: list[tuple[str, Any]] = []
        for key, (kind, body) in self._awaiting.drain():
            self._told.add(key)
            out.append((kind, body))
        for notification in notifications:
            if notification["id"] in self._seen:
                continue
            self._remember(notification["id"])
            told = _told_again(notification)
            if told is not None and not self._unpaired.discard(told[0]):
                self._told.add(told[0])
                out.append((told[1], told[2]))
            out.append(("notification", notification))
        return out

    def _remember(self, notification_id: str) -> None:
        self._seen.add(notification_id)
        if self.cursor is None or notification_id > self.cursor:
            self.cursor = notification_id


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

    def __init__(self, channel: Channel[Any], window: int) -> None:
        self.id = uuid.uuid4().hex
        self.channel = channel
        self.name = channel.name
        self.params = channel.params()
        self.backfill = channel.backfill
        self.readers: list[AsyncChannel[Any]] = []
        self.joined = asyncio.Event()
        #: Id of the newest note delivered (or, before the first, of the newest at join time).
        self.cursor: str | None = None
        #: While a backfill runs, what the socket sends waits here: (kind, raw JSON).
        self.buffer: list[tuple[str, Any]] | None = None
        self._seen = _Window(window)
        #: ``main`` only: its notifications and the events that come with them.
        self.ledger = _MainLedger(window) if self.backfill and self.backfill.kind == "notification" else None
        #: A timeline (refilled by note ids); read for every frame, so an attribute.
        self.timeline = self.backfill is not None and self.backfill.kind == "note"

    @property
    def refilled(self) -> bool:
        return self.backfill is not None

    @property
    def position(self) -> str | None:
        """Where a refill starts: the newest note (or notification) delivered, or seen at the join."""
        return self.ledger.cursor if self.ledger is not None else self.cursor

    def seen(self, note_id: str) -> bool:
        return note_id in self._seen

    def remember(self, note_id: str) -> None:
        self._seen.add(note_id)
        self.cursor = note_id


class AsyncChannel(Generic[_E]):
    """A joined channel; ``async for event in channel`` yields its events until it is disconnected.

    ``_E`` is the union of the channel's event classes (``NoteEvent | UnknownEvent`` for a
    timeline), so ``isinstance`` and ``match`` narrow each event for a type checker.
    """

    def __init__(self, stream: AsyncStream, subscription: _Subscription) -> None:
        self._stream = stream
        self._subscription = subscription
        self._inbox = _Inbox()

    @property
    def name(self) -> str:
        return self._subscription.name

    @property
    def channel(self) -> Channel[Any]:
        """The channel joined, with its parameters."""
        return self._subscription.channel

    @property
    def params(self) -> Mapping[str, Any]:
        """The parameters as sent to the server."""
        return self._subscription.params

    def __repr__(self) -> str:
        return f"AsyncChannel({self.channel!r})"

    def __aiter__(self) -> AsyncChannel[_E]:
        return self

    async def __anext__(self) -> _E:
        item: _E = await self._inbox.get()
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

    @overload
    async def connect(self, channel: Channel[_E], /) -> AsyncChannel[_E]: ...

    @overload
    async def connect(self, channel: str, /, **params: Any) -> AsyncChannel[Event]: ...

    async def connect(self, channel: Channel[Any] | str, /, **params: Any) -> AsyncChannel[Any]:
        """Join a channel: ``await stream.connect(HomeTimeline(with_renotes=False))``.

        Or by its name, ``await stream.connect("homeTimeline", with_renotes=False)`` (events then
        type as ``Event``, which ``isinstance`` still narrows). Returns once the server confirmed
        the join, so no event sent after that is missed. ``ValueError`` for an unknown channel and
        ``TypeError`` for a wrong parameter are raised before anything is sent;
        ``ChannelRejectedError`` if the server does not confirm.
        """
        if isinstance(channel, str):
            channel = channel_from_name(channel, params)
        elif params:
            raise TypeError("a channel object carries its parameters: connect(HomeTimeline(with_renotes=False))")
        elif not isinstance(channel, Channel):
            raise TypeError(f"connect takes a channel (HomeTimeline(), Main()...) or its name, not {channel!r}")
        self._check_usable()
        if channel.shared:
            for existing in self._subscriptions.values():
                if existing.name == channel.name:
                    reader: AsyncChannel[Any] = AsyncChannel(self, existing)
                    existing.readers.append(reader)
                    return reader
        subscription = _Subscription(channel, self.dedup_window)
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
        if subscription.refilled and self.backfill and subscription.position is None:
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
                    f"Misskey did not confirm joining {subscription.name!r} within "
                    f"{self.ack_timeout:g}s: a parameter that points at nothing or is not yours, a token "
                    "without the channel's permission, or more than 32 channels on one stream"
                )
            # The connection dropped meanwhile: the reconnect re-sends the join; keep waiting.

    async def _leave(self, reader: AsyncChannel[Any]) -> None:
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
        body = {"channel": subscription.name, "id": subscription.id, "params": subscription.params}
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
            refill = again and self.backfill and subscription.refilled and subscription.position is not None
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
            update = make_note_update(body["id"], body["type"], body.get("body"))
            for capture in self._captures.get(update.note_id, []):
                capture._inbox.put(update)
        else:
            logger.debug("ignored a %r broadcast", kind)

    def _on_channel_event(self, subscription: _Subscription, kind: str, body: Any, frame: Any) -> None:
        has_id = isinstance(body, dict) and isinstance(body.get("id"), str)
        if subscription.timeline and kind == "note" and not has_id:
            self._malformed("note without an id", frame)
            return
        if subscription.buffer is not None and (subscription.ledger is not None or kind == "note"):
            subscription.buffer.append((kind, body))
            return
        self._deliver(subscription, kind, body, backfilled=False)

    def _deliver(self, subscription: _Subscription, kind: str, raw: Any, *, backfilled: bool) -> bool:
        """Hand one event to every reader of the channel; False for a duplicate or a body that does not fit."""
        note = kind == "note" and subscription.timeline
        if note:
            if raw["id"] in subscription._seen:
                self.stats.duplicates_dropped += 1
                return False
        elif subscription.ledger is not None and not backfilled and not subscription.ledger.socket(kind, raw):
            self.stats.duplicates_dropped += 1
            return False
        try:
            event = make_event(subscription.channel.events.get(kind), subscription.name, kind, raw, backfilled)
        except _PARSE_ERRORS as exc:
            self._malformed(f"{subscription.name}/{kind} does not fit its model: {exc}", json.dumps(raw))
            return False
        if note:
            subscription.remember(raw["id"])
        if backfilled:
            self.stats.backfilled += 1
        for reader in subscription.readers:
            reader._inbox.put(event)
        return True

    # -- backfill -----------------------------------------------------------------------------------

    def _rest_params(self, subscription: _Subscription) -> dict[str, Any]:
        assert subscription.backfill is not None
        return subscription.backfill.request(subscription.params)

    async def _take_baseline(self, subscription: _Subscription) -> None:
        """Remember the newest item at join time, so a loss before the first one is repaired too."""
        assert subscription.backfill is not None
        endpoint = subscription.backfill.endpoint
        try:
            items = await self._client.request(endpoint, self._rest_params(subscription) | {"limit": 1})
        except MisskeyError as exc:
            logger.warning("%s: no backfill baseline (%s)", subscription.name, exc)
            return
        newest = items[0].get("id") if isinstance(items, list) and items and isinstance(items[0], dict) else None
        if subscription.position is None and isinstance(newest, str):
            if subscription.ledger is not None:
                subscription.ledger.cursor = newest
            else:
                subscription.cursor = newest

    async def _refill(self, subscription: _Subscription) -> None:
        """After a reconnect: wait for the join, fetch what was missed, then release the buffer."""
        name = subscription.name
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
                    logger.error("%s: backfill failed, events may be missing: %s", name, exc)
                else:
                    await asyncio.sleep(self._backoff(attempt))
        # From here to the end nothing awaits: no frame can slip between the backfill and the buffer.
        buffered, subscription.buffer = subscription.buffer or [], None
        if subscription.ledger is not None:
            told = [(kind, raw, True) for kind, raw in subscription.ledger.refill(missed)]
            told += [(kind, raw, False) for kind, raw in buffered]
        else:
            # Misskey answers a post before it has pushed the note onto the timeline the backfill
            # reads, and may publish it on the socket first: a note the page lacks can be in the
            # buffer behind a newer one the page has. Notes go out in id order (time order), each
            # once: for a note in both, the backfilled copy (sorted first), the socket's dropped.
            notes = [(raw["id"], 0, raw) for raw in missed] + [(raw["id"], 1, raw) for _, raw in buffered]
            told = [("note", raw, source == 0) for _, source, raw in sorted(notes, key=lambda n: (n[0], n[1]))]
        delivered = 0
        for kind, raw, backfilled in told:
            if self._deliver(subscription, kind, raw, backfilled=backfilled) and backfilled:
                delivered += 1
        logger.info("%s: backfilled %d missed event(s) after the reconnect", name, delivered)

    async def _fetch_since(self, subscription: _Subscription) -> list[dict[str, Any]]:
        """Every note (or notification) after the refill position, oldest first, paging as far as needed.

        Misskey 2026.3.2 answers ``sinceId`` alone with the oldest items after it, ascending; an
        answer in newest-first order (other versions, forks) is paged backwards with ``untilId``.
        """
        assert subscription.backfill is not None and subscription.position is not None
        endpoint = subscription.backfill.endpoint
        base = self._rest_params(subscription) | {"limit": self.backfill_page_size}
        since, until = subscription.position, None
        found: dict[str, dict[str, Any]] = {}
        for _ in range(self.backfill_max_pages):
            page_params = base | {"sinceId": since} | ({"untilId": until} if until else {})
            page = await self._client.request(endpoint, page_params)
            items = [item for item in page if isinstance(item, dict) and isinstance(item.get("id"), str)]
            for item in items:
                found.setdefault(item["id"], item)
            if len(page) < self.backfill_page_size or not items:
                break
            ids = [item["id"] for item in items]
            if ids == sorted(ids):
                since = ids[-1]
            else:
                until = min(ids)
        else:
            logger.warning(
                "%s: gap larger than %d pages; older missed events were skipped",
                subscription.name,
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


async def _next(iterator: AsyncChannel[Any] | AsyncNoteCapture) -> tuple[bool, Any]:
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
    def connect(self, channel: Channel[_E], /) -> SyncChannel[_E]: ...

    @overload
    def connect(self, channel: str, /, **params: Any) -> SyncChannel[Event]: ...

    def connect(self, channel: Channel[Any] | str, /, **params: Any) -> SyncChannel[Any]:
        """Join a channel; see ``AsyncStream.connect``."""
        loop, stream = self._require()
        join: Any = stream.connect
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
    def __init__(self, inner: AsyncChannel[Any] | AsyncNoteCapture, loop: asyncio.AbstractEventLoop) -> None:
        self._inner = inner
        self._loop = loop

    def _next_item(self) -> Any:
        more, item = _wait(asyncio.run_coroutine_threadsafe(_next(self._inner), self._loop))
        if not more:
            raise StopIteration
        return item

    def _run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return _wait(asyncio.run_coroutine_threadsafe(coroutine, self._loop))


class SyncChannel(_SyncIterator, Generic[_E]):
    """A joined channel; ``for event in channel`` blocks for each event."""

    _inner: AsyncChannel[_E]

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def channel(self) -> Channel[Any]:
        return self._inner.channel

    @property
    def params(self) -> Mapping[str, Any]:
        return self._inner.params

    def __repr__(self) -> str:
        return f"SyncChannel({self.channel!r})"

    def __iter__(self) -> Iterator[_E]:
        return self

    def __next__(self) -> _E:
        item: _E = self._next_item()
        return item

    def next(self, timeout: float | None = None) -> _E:
        """The next event, waiting at most ``timeout`` seconds (``TimeoutError`` after that).

        ``StopIteration`` once the channel is closed, as ``next(channel)`` would.
        """
        try:
            item: _E = self._run(asyncio.wait_for(self._inner.__anext__(), timeout))
        except StopAsyncIteration:
            raise StopIteration from None
        except asyncio.TimeoutError:  # a class of its own before Python 3.11
            raise TimeoutError(f"no event on {self.name} within {timeout} s") from None
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
