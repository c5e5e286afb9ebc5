"""Stage 1: get the OpenAPI document, from an instance, a file, or the pinned copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from .errors import SpecFetchError

__all__ = ["PINNED_SPEC", "load_spec", "spec_url"]

PINNED_SPEC = Path(__file__).parent / "specs" / "misskey-2026.3.2.json"
_SNIPPET = 120


def spec_url(url: str) -> str:
    """``misskey.example`` or ``https://misskey.example/`` -> ``https://misskey.example/api.json``."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    if text.endswith("/api.json"):
        return text
    return text.rstrip("/") + "/api.json"


def _parse(data: bytes, source: str) -> dict[str, Any]:
    head = data.lstrip()[:_SNIPPET].decode("utf-8", "replace")
    if head[:1] == "<":
        raise SpecFetchError(f"{source} is an HTML page, not an OpenAPI document (is this a Misskey server?)")
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise SpecFetchError(f"{source} is not valid JSON ({exc}); it starts with {head!r}") from None
    if not isinstance(document, dict):
        raise SpecFetchError(f"{source} is JSON but not an object; Misskey's /api.json is an OpenAPI object")
    return document


def _download(url: str, timeout: float) -> bytes:
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.TimeoutException:
        raise SpecFetchError(f"timed out fetching {url} after {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise SpecFetchError(f"cannot reach {url}: {exc}") from None
    if response.status_code != 200:
        raise SpecFetchError(
            f"{url} answered HTTP {response.status_code}; a Misskey server serves its spec there "
            "(is the host right, and is it Misskey?)"
        )
    return response.content


def load_spec(*, url: str | None = None, path: Path | None = None, timeout: float = 30.0) -> tuple[dict[str, Any], str]:
    """Return the spec document and a short description of where it came from."""
    if url is not None:
        source = spec_url(url)
        return _parse(_download(source, timeout), source), source
    path = path or PINNED_SPEC
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecFetchError(f"cannot read {path}: {exc.strerror}") from None
    return _parse(data, str(path)), path.name
