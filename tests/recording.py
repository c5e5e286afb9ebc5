"""Recording and replaying a real Misskey server: secret scrubbing and request matching.

Every secret seen while recording (the tokens from the environment, each ``token``,
``accessToken``, ``secret`` and ``password`` the server returns, and any token a request carries
as ``i``: in a JSON body, a multipart field or the query string) is replaced, everywhere in URLs,
request bodies and response bodies, by a stable numbered placeholder. A request made later with a
token the server returned still matches on replay, and no cassette ever holds a real token.

vcrpy also runs these filters over a cassette as it loads it for replay: a value that already is
a placeholder is never learned again, so a placeholder stays itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import urllib.parse
from typing import Any

#: The server address that cassettes contain; a recording against another address is rewritten to it.
REPLAY_URL = "http://127.0.0.1:3000"
ACCOUNT_VARIABLES = ("MISSKEY_ADMIN_TOKEN", "MISSKEY_USER_TOKEN", "MISSKEY_USER2_TOKEN")
#: How every placeholder starts; ``tests/test_cassette_secrets.py`` accepts only these.
PLACEHOLDER_PREFIX = "REDACTED-"
_LEARNED_FIELDS = ("token", "accessToken", "secret", "password")
_BOUNDARY = re.compile(rb"boundary=([0-9a-fA-F]+)")
_MULTIPART_I = re.compile(rb'name="i"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r\n]*)\r\n')
_QUERY_I = re.compile(r"[?&]i=([^&#]+)")
#: i/2fa/register's QR code is a PNG of the TOTP secret, which text replacement cannot reach.
_QR_CODE = re.compile(r'"qr":"data:[^"]*"')


class Scrubber:
    """Replaces secrets by stable placeholders in recorded requests and responses (see module doc)."""

    def __init__(self) -> None:
        self.placeholders: dict[str, str] = {}
        self._app_secrets: dict[str, str] = {}
        self._counter = 0

    def add(self, real: str, placeholder: str | None = None) -> str:
        if real.startswith(PLACEHOLDER_PREFIX) or real in self.placeholders.values():
            return real
        if real in self.placeholders:
            return self.placeholders[real]
        if placeholder is None:
            self._counter += 1
            placeholder = f"REDACTED-{self._counter}"
        self.placeholders[real] = placeholder
        return placeholder

    def text(self, text: str) -> str:
        for real in sorted(self.placeholders, key=len, reverse=True):
            text = text.replace(real, self.placeholders[real])
        return text

    def _learn(self, data: Any) -> None:
        if isinstance(data, list):
            for item in data:
                self._learn(item)
        if not isinstance(data, dict):
            return
        for key, value in data.items():
            if key in _LEARNED_FIELDS and isinstance(value, str) and value:
                placeholder = self.add(value)
                if key == "secret":
                    self._app_secrets[value] = placeholder
                if key == "accessToken":
                    for secret, secret_placeholder in self._app_secrets.items():
                        self.add(_sha256(value + secret), _sha256(placeholder + secret_placeholder))
            else:
                self._learn(value)

    def data(self, data: bytes) -> bytes:
        """``text`` for bodies that may be binary (multipart uploads)."""
        for real in sorted(self.placeholders, key=len, reverse=True):
            data = data.replace(real.encode("utf-8"), self.placeholders[real].encode("utf-8"))
        return data

    def _learn_request(self, request: Any) -> None:
        """A token sent in the request itself (``i`` in the query, a JSON body or a multipart field)."""
        for value in _QUERY_I.findall(request.uri):
            self.add(urllib.parse.unquote(value))
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        for raw in _MULTIPART_I.findall(body):
            self.add(raw.decode("utf-8", "replace"))
        with contextlib.suppress(ValueError):
            data = json.loads(body) if body[:1] == b"{" else None
            if isinstance(data, dict) and isinstance(data.get("i"), str) and data["i"]:
                self.add(data["i"])

    def before_record_request(self, request: Any) -> Any:
        self._learn_request(request)
        request.uri = self.text(request.uri)
        if request.body:
            body = request.body if isinstance(request.body, bytes) else request.body.encode("utf-8")
            multipart = _multipart(request)
            request.body = self.data(digest_large_body(multipart) if multipart is not None else body)
        for name in list(request.headers):
            if isinstance(request.headers[name], str):
                request.headers[name] = self.text(request.headers[name])
        return request

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        body = response["body"]["string"]
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        with contextlib.suppress(ValueError):
            self._learn(json.loads(text))
        scrubbed = _QR_CODE.sub(f'"qr":"{PLACEHOLDER_PREFIX}qr-code"', self.text(text)).encode("utf-8")
        response["body"]["string"] = scrubbed
        for name in list(response["headers"]):
            if name.lower() == "content-length":
                response["headers"][name] = [str(len(scrubbed))]
        return response


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: Multipart bodies larger than this are kept in cassettes as a digest, not as the bytes.
LARGE_BODY = 64 * 1024
_DIGEST = re.compile(rb"^<multipart body: (\d+) bytes, sha256 [0-9a-f]{64}>$")


def _multipart(request: Any) -> bytes | None:
    """The body with its random boundary blanked out, or None when it is not multipart."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    content_type = request.headers.get("Content-Type") or request.headers.get("content-type") or ""
    if "multipart/form-data" not in content_type:
        return None
    match = _BOUNDARY.search(content_type.encode())
    return body.replace(match.group(1), b"BOUNDARY") if match else body


def digest_large_body(body: bytes) -> bytes:
    """A large upload stands in a cassette as its length and SHA-256 (after boundary blanking)."""
    if len(body) <= LARGE_BODY or _DIGEST.match(body):
        return body
    return b"<multipart body: %d bytes, sha256 %s>" % (len(body), hashlib.sha256(body).hexdigest().encode())


def _normalized_body(request: Any) -> Any:
    multipart = _multipart(request)
    if multipart is not None:
        return digest_large_body(multipart)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    with contextlib.suppress(ValueError):
        return json.loads(body)
    return body


def body_matcher(r1: Any, r2: Any) -> None:
    """Match JSON bodies by value and multipart bodies with their random boundary blanked out."""
    if _normalized_body(r1) != _normalized_body(r2):
        raise AssertionError("request bodies differ")
