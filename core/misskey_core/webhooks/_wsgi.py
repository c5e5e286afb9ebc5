"""A WSGI application around a ``WebhookReceiver``: for gunicorn, waitress, wsgiref, or mounted beside Flask.

Plain WSGI (PEP 3333), no framework. It reads exactly ``CONTENT_LENGTH`` bytes (never past the
limit), or, where the server says the input ends by itself (``wsgi.input_terminated``), up to the
limit; handlers run in the server's worker thread (see ``WebhookReceiver.handle``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._receiver import WebhookReceiver, WebhookResponse, _refusal

__all__ = ["WebhookWSGIApp"]

logger = logging.getLogger("misskey_core.webhooks")

StartResponse = Callable[..., Any]

_BROKEN = _refusal(500, "internal_error", "the receiver failed")
_CUT = _refusal(400, "truncated", "the body ended before its Content-Length")
_CHUNK = 64 * 1024


def environ_headers(environ: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The request headers of a WSGI environ, named as HTTP names them (``X-Misskey-Hook-Secret``)."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key
        else:
            continue
        if isinstance(value, str) and value != "":
            headers.append(("-".join(part.capitalize() for part in name.split("_")), value))
    return headers


class WebhookWSGIApp:
    """``app = WebhookWSGIApp(receiver)``; then ``gunicorn module:app``, or a path of your WSGI server."""

    def __init__(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            response = self._answer(environ)
        except Exception:
            logger.exception("the webhook receiver failed")
            response = _BROKEN
        start_response(response.status_line, list(response.headers))
        return [response.body]

    def _answer(self, environ: dict[str, Any]) -> WebhookResponse:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        headers = environ_headers(environ)
        early = self.receiver.precheck(method, headers)
        if early is not None:
            return early
        body = _read(environ, self.receiver.max_body_size)
        if body is None:
            return self.receiver.too_large()
        if isinstance(body, WebhookResponse):
            return body
        return self.receiver.handle(headers, body, method=method)


def _read(environ: dict[str, Any], limit: int) -> bytes | WebhookResponse | None:
    """The body; None if longer than ``limit``, a 400 if it ends before its Content-Length."""
    stream = environ["wsgi.input"]
    length_text = str(environ.get("CONTENT_LENGTH") or "").strip()
    if length_text:  # precheck made sure it is a number within the limit
        length, chunks, got = int(length_text), [], 0
        while got < length:
            chunk = stream.read(min(_CHUNK, length - got))
            if not chunk:
                return _CUT
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and no end marker: reading could block forever
    chunks, got = [], 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        got += len(chunk)
        if got > limit:
            return None
        chunks.append(chunk)
