"""The receiver: handlers per event type, and the one decision every app makes for a request.

``WebhookReceiver.handle`` (blocking) and ``handle_async`` take a request's method, headers and body
and return the ``WebhookResponse`` to send; the ASGI and WSGI apps only move bytes, and a Flask or
Django view can call ``handle`` itself. The order of checks is fixed: method (405), secret (401),
size (413), JSON and envelope (400), a handler for the type (422 without one: an event type this
library does not know reaches only handlers registered for ``UnknownEvent`` itself), redelivery (200
without running a handler; 503 while the first delivery is still running), the handlers (500 if one
raises, so that Misskey retries; 200 once all of them returned).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from ._dedup import RecentEvents
from ._errors import WebhookError, WebhookTooLargeError
from ._events import UnknownEvent, WebhookEvent
from ._parse import Headers, Secret, _secrets, header_values, parse, verify

__all__ = ["DEFAULT_MAX_BODY_SIZE", "Handler", "WebhookReceiver", "WebhookResponse"]

logger = logging.getLogger("misskey_core.webhooks")

#: 1 MiB. The largest delivery, a mention of a note with a long text, a quoted note and their users'
#: emojis, is some tens of KiB; the limit only stops a client from making the receiver hold megabytes.
DEFAULT_MAX_BODY_SIZE = 1 << 20

_E = TypeVar("_E", bound=WebhookEvent)
_R = TypeVar("_R")
#: A handler: a function or coroutine function of one event; what it returns is ignored.
Handler = Callable[[_E], Awaitable[object] | object]


@dataclass(frozen=True)
class WebhookResponse:
    """What to answer: a status, a small JSON body and its headers."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]

    @property
    def reason(self) -> str:
        return http.HTTPStatus(self.status).phrase

    @property
    def status_line(self) -> str:
        """``"200 OK"``, as WSGI's ``start_response`` takes it."""
        return f"{self.status} {self.reason}"


def _response(status: int, content: dict[str, Any], *extra: tuple[str, str]) -> WebhookResponse:
    body = json.dumps(content, separators=(",", ":")).encode()
    headers = (("Content-Type", "application/json"), ("Content-Length", str(len(body))), *extra)
    return WebhookResponse(status, body, headers)


def _refusal(status: int, code: str, message: str, *extra: tuple[str, str]) -> WebhookResponse:
    return _response(status, {"ok": False, "error": code, "message": message}, *extra)


_HANDLED = _response(200, {"ok": True})
_DUPLICATE = _response(200, {"ok": True, "duplicate": True})
_NOT_POST = _refusal(405, "method_not_allowed", "Misskey delivers webhooks with POST", ("Allow", "POST"))
_BUSY = _refusal(503, "in_progress", "this event is being handled; try again later", ("Retry-After", "60"))
_FAILED = _refusal(500, "handler_failed", "the handler failed; Misskey will deliver the event again")


def _is_async(handler: Callable[..., Any]) -> bool:
    # A coroutine function, a partial of one, or an object whose __call__ is one.
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(type(handler).__call__)


async def _awaited(value: Awaitable[object]) -> object:
    return await value


def _run_to_completion(value: Awaitable[object]) -> None:
    """Run an async handler's awaitable from blocking code: in a loop of its own, on a thread of its
    own if this thread already runs one (``handle`` called from async code), where ``asyncio.run``
    would refuse."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_awaited(value))
        return
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="misskey-webhook") as pool:
        pool.submit(asyncio.run, _awaited(value)).result()


class WebhookReceiver:
    """Verifies, parses and dispatches Misskey webhook deliveries to the handlers registered per type.

    ``secret`` is the hook's secret (or several: one receiver may serve hooks with different ones).
    A body longer than ``max_body_size`` bytes is refused with 413; the last ``dedup_window`` handled
    event ids are remembered, so redeliveries reach no handler twice.

    >>> hooks = WebhookReceiver(secret="...")
    >>> @hooks.on(MentionEvent)
    ... async def on_mention(event: MentionEvent) -> None: ...
    """

    def __init__(
        self,
        secret: Secret | Iterable[Secret],
        *,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        dedup_window: int = 10_000,
    ) -> None:
        if max_body_size < 1:
            raise ValueError("max_body_size must be at least 1 byte")
        self._secrets = _secrets(secret)
        self.max_body_size = max_body_size
        self.recent = RecentEvents(dedup_window)
        self._handlers: list[tuple[type[WebhookEvent], Handler[Any]]] = []

    def __repr__(self) -> str:  # never the secret
        types = sorted({cls.__name__ for cls, _ in self._handlers})
        return f"WebhookReceiver(handlers for {types}, max_body_size={self.max_body_size})"

    # -- handlers ----------------------------------------------------------------------------------

    def on(self, event_type: type[_E]) -> Callable[[Callable[[_E], _R]], Callable[[_E], _R]]:
        """Register the decorated function (sync or async) for ``event_type`` and its subclasses.

        ``on(WebhookEvent)`` receives every event of a type this library knows; ``on(UnknownEvent)``
        the others (a newer server's), which no other handler is given: code written for the known
        types is never handed a body it cannot read. Several handlers of one event run in the order
        they were registered.
        """

        def register(handler: Callable[[_E], _R]) -> Callable[[_E], _R]:
            self.add_handler(event_type, handler)
            return handler

        return register

    def add_handler(self, event_type: type[_E], handler: Callable[[_E], object]) -> None:
        """Register ``handler`` (sync or async) for ``event_type`` and its subclasses."""
        if not (isinstance(event_type, type) and issubclass(event_type, WebhookEvent)):
            raise TypeError(f"handlers are registered for a WebhookEvent class, not {event_type!r}")
        if not callable(handler):
            raise TypeError(f"a handler must be callable, not {type(handler).__name__}")
        self._handlers.append((event_type, handler))

    def handlers_for(self, event: WebhookEvent) -> list[Handler[Any]]:
        """The handlers ``event`` goes to, in the order they were registered."""
        if isinstance(event, UnknownEvent):
            return [handler for cls, handler in self._handlers if issubclass(cls, UnknownEvent)]
        return [handler for cls, handler in self._handlers if isinstance(event, cls)]

    # -- the decision, in steps the apps share -----------------------------------------------------

    def precheck(self, method: str, headers: Headers) -> WebhookResponse | None:
        """The answer a request gets before its body is read (405, 401, 413, 400), or None to read on.

        Lets an app refuse a stranger, or a body announced as too large, without reading it.
        """
        if method.upper() != "POST":
            return _NOT_POST
        try:
            verify(self._secrets, headers)
        except WebhookError as exc:
            return self._refuse(exc)
        lengths = {value.strip() for value in header_values(headers, "Content-Length")}
        if len(lengths) > 1 or not all(length.isdigit() for length in lengths):
            return _refusal(400, "bad_content_length", "the Content-Length header is not one number")
        if lengths and int(lengths.pop()) > self.max_body_size:
            return self.too_large()
        return None

    def too_large(self) -> WebhookResponse:
        """The answer to a body longer than ``max_body_size``."""
        limit = self.max_body_size
        return self._refuse(WebhookTooLargeError(f"the body is longer than {limit} bytes", limit=limit))

    def _refuse(self, exc: WebhookError) -> WebhookResponse:
        # A wrong secret is someone else knocking, or a hook set up with another secret: worth a warning.
        level = logging.WARNING if exc.status_code == 401 else logging.INFO
        logger.log(level, "refused a webhook delivery (%d %s): %s", exc.status_code, exc.code, exc)
        extra = getattr(exc, "json_path", None)
        content: dict[str, Any] = {"ok": False, "error": exc.code, "message": str(exc)}
        if extra is not None:
            content["path"] = extra
        return _response(exc.status_code, content)

    def _accept(
        self, method: str, headers: Headers, body: bytes
    ) -> tuple[WebhookEvent, list[Handler[Any]]] | WebhookResponse:
        early = self.precheck(method, headers)
        if early is not None:
            return early
        try:
            event = parse(body, max_body_size=self.max_body_size)
        except WebhookError as exc:
            return self._refuse(exc)
        handlers = self.handlers_for(event)
        if not handlers:
            logger.warning("no handler for a %r webhook event (%s); answered 422", event.type, type(event).__name__)
            if isinstance(event, UnknownEvent):
                message = f"{event.type!r} is not an event type this receiver knows, and it has no UnknownEvent handler"
                return _refusal(422, "unknown_type", message)
            return _refusal(422, "no_handler", f"this receiver has no handler for {event.type!r} events")
        claim = self.recent.claim(event.event_id)
        if claim == "done":
            logger.info("dropped a redelivery of event %s (%s)", event.event_id, event.type)
            return _DUPLICATE
        if claim == "busy":
            return _BUSY
        return event, handlers

    def _finish(self, event: WebhookEvent, error: Exception | None) -> WebhookResponse:
        self.recent.release(event.event_id, handled=error is None)
        if error is None:
            return _HANDLED
        logger.error("a handler of %s event %s failed", event.type, event.event_id, exc_info=error)
        return _FAILED

    # -- one call per request ----------------------------------------------------------------------

    def handle(self, headers: Headers, body: bytes, *, method: str = "POST") -> WebhookResponse:
        """Decide and run the handlers in this thread: for WSGI and blocking framework views.

        An async handler runs to completion in an event loop of its own (``asyncio.run``), so it
        must not use an asyncio client made in another loop; prefer sync handlers here, and
        ``handle_async`` in async code.
        """
        accepted = self._accept(method, headers, body)
        if isinstance(accepted, WebhookResponse):
            return accepted
        event, handlers = accepted
        try:
            for handler in handlers:
                result = handler(event)
                if inspect.isawaitable(result):
                    _run_to_completion(result)
        except Exception as exc:
            return self._finish(event, exc)
        except BaseException:
            self.recent.release(event.event_id, handled=False)
            raise
        return self._finish(event, None)

    async def handle_async(self, headers: Headers, body: bytes, *, method: str = "POST") -> WebhookResponse:
        """Decide and run the handlers: async ones awaited, sync ones in a worker thread (asyncio or trio)."""
        accepted = self._accept(method, headers, body)
        if isinstance(accepted, WebhookResponse):
            return accepted
        event, handlers = accepted
        try:
            for handler in handlers:
                if _is_async(handler):
                    result = handler(event)
                else:
                    import anyio.to_thread  # httpx's own dependency; loaded only for sync handlers

                    result = await anyio.to_thread.run_sync(handler, event)
                if inspect.isawaitable(result):
                    await result
        except Exception as exc:
            return self._finish(event, exc)
        except BaseException:  # cancelled (the client went away): a redelivery may try again
            self.recent.release(event.event_id, handled=False)
            raise
        return self._finish(event, None)
