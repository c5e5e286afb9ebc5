"""Recording and replaying a real Misskey server: secret scrubbing and request matching.

Every secret seen while recording (the tokens from the environment, and each ``token``,
``accessToken`` and ``secret`` the server returns) is replaced, everywhere in URLs, request bodies
and response bodies, by a stable numbered placeholder. A request made later with a token the
server returned still matches on replay, and no cassette ever holds a real token.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from typing import Any

#: The server address that cassettes contain; a recording against another address is rewritten to it.
REPLAY_URL = "http://127.0.0.1:3000"
ACCOUNT_VARIABLES = ("MISSKEY_ADMIN_TOKEN", "MISSKEY_USER_TOKEN", "MISSKEY_USER2_TOKEN")
_LEARNED_FIELDS = ("token", "accessToken", "secret")
_BOUNDARY = re.compile(rb"boundary=([0-9a-fA-F]+)")


class Scrubber:
    """Replaces secrets by stable placeholders in recorded requests and responses (see module doc)."""

    def __init__(self) -> None:
        self.placeholders: dict[str, str] = {}
        self._app_secrets: dict[str, str] = {}
        self._counter = 0

    def add(self, real: str, placeholder: str | None = None) -> str:
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

    def before_record_request(self, request: Any) -> Any:
        request.uri = self.text(request.uri)
        if request.body:
            body = request.body if isinstance(request.body, bytes) else request.body.encode("utf-8")
            request.body = self.data(body)
        for name in list(request.headers):
            if isinstance(request.headers[name], str):
                request.headers[name] = self.text(request.headers[name])
        return request

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        body = response["body"]["string"]
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        with contextlib.suppress(ValueError):
            self._learn(json.loads(text))
        scrubbed = self.text(text).encode("utf-8")
        response["body"]["string"] = scrubbed
        for name in list(response["headers"]):
            if name.lower() == "content-length":
                response["headers"][name] = [str(len(scrubbed))]
        return response


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _normalized_body(request: Any) -> Any:
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    content_type = request.headers.get("Content-Type") or request.headers.get("content-type") or ""
    if "multipart/form-data" in content_type:
        match = _BOUNDARY.search(content_type.encode())
        return body.replace(match.group(1), b"BOUNDARY") if match else body
    with contextlib.suppress(ValueError):
        return json.loads(body)
    return body


def body_matcher(r1: Any, r2: Any) -> None:
    """Match JSON bodies by value and multipart bodies with their random boundary blanked out."""
    if _normalized_body(r1) != _normalized_body(r2):
        raise AssertionError("request bodies differ")
