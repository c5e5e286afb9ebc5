"""An ASGI application around a ``WebhookReceiver``: for uvicorn, hypercorn, or mounted in Starlette/FastAPI.

Plain ASGI 3, no framework: it answers every path it is given (mount it where the webhook points),
refuses a stranger or an announced oversize body before reading it, reads a body in chunks only up
to the limit, and answers after the handlers ran. It also completes the ``lifespan`` protocol, so a
server that sends lifespan events runs it without complaint.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ._receiver import WebhookReceiver, WebhookResponse, _refusal

__all__ = ["WebhookASGIApp"]

logger = logging.getLogger("misskey_core.webhooks")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_BROKEN = _refusal(500, "internal_error", "the receiver failed")


class _Disconnected(Exception):
    """The client went away before the body was complete."""


class WebhookASGIApp:
    """``app = WebhookASGIApp(receiver)``; then ``uvicorn module:app``, or ``Mount("/misskey", app)``."""

    def __init__(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accepting: a 403
            return
        if scope["type"] != "http":
            raise ValueError(f"WebhookASGIApp serves http, not {scope['type']!r}")
        try:
            response = await self._answer(scope, receive)
        except _Disconnected:
            return  # nobody to answer; Misskey counts it as a failure and delivers again
        except Exception:
            logger.exception("the webhook receiver failed")
            response = _BROKEN
        await _send(send, response)

    async def _answer(self, scope: Scope, receive: Receive) -> WebhookResponse:
        headers = scope.get("headers") or []
        method = scope.get("method", "GET")
        early = self.receiver.precheck(method, headers)
        if early is not None:
            return early
        body = await _read(receive, self.receiver.max_body_size)
        if body is None:
            return self.receiver.too_large()
        return await self.receiver.handle_async(headers, body, method=method)


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is longer than ``limit`` (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        if message["type"] != "http.request":
            continue
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send: Send, response: WebhookResponse) -> None:
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response.headers]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
