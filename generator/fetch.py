"""Stage 1: get the OpenAPI document, from an instance, a file, or the pinned copy.

An instance is named however a user pastes it: ``misskey.example``, ``https://misskey.example/``,
the API documentation page they have open (``https://misskey.example/api-doc``) or the spec itself
(``https://misskey.example/api.json``). What software serves it is asked of the instance's nodeinfo
(``/.well-known/nodeinfo``), for the report and for the client's version check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from .errors import SpecFetchError
from .report import Source

__all__ = ["PINNED_SPEC", "instance_url", "load_spec", "software_of", "spec_url"]

PINNED_SPEC = Path(__file__).parent / "specs" / "misskey-2026.3.2.json"
_SNIPPET = 120
# Pages of an instance a user may paste instead of its address.
_PAGES = ("/api.json", "/api-doc", "/api-doc/")


def instance_url(url: str) -> str:
    """``misskey.example``, ``https://misskey.example/api-doc#tag/notes`` ... -> ``https://misskey.example``."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parsed = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise SpecFetchError(f"{url!r} is not a server address ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise SpecFetchError(f"{url!r} is not a server address: expected a host such as misskey.example")
    path = parsed.path
    for page in _PAGES:
        if path.endswith(page):
            path = path[: -len(page)]
            break
    return str(parsed.copy_with(path=path.rstrip("/") or "/", query=None, fragment=None)).rstrip("/")


def spec_url(url: str) -> str:
    """Where an instance serves its spec: ``misskey.example`` -> ``https://misskey.example/api.json``."""
    return instance_url(url) + "/api.json"


def _parse(data: bytes, source: str) -> dict[str, Any]:
    head = data.lstrip()[:_SNIPPET].decode("utf-8", "replace")
    if head[:1] == "<":
        raise SpecFetchError(f"{source} is an HTML page, not an OpenAPI document (is this a Misskey server?)")
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise SpecFetchError(f"{source} is not valid JSON ({exc}); it starts with {head!r}") from None
    except RecursionError:
        raise SpecFetchError(f"{source} is nested too deeply to be an OpenAPI document") from None
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


def _get_json(client: httpx.Client, url: str) -> Any:
    try:
        response = client.get(url)
        return response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def software_of(base: str, timeout: float) -> tuple[str | None, str | None]:
    """(name, version) of the software at ``base`` from its nodeinfo, or (None, None).

    Misskey answers ``/.well-known/nodeinfo`` with 403 while federation is off (the default of a
    new instance), but serves the documents themselves at ``/nodeinfo/2.1`` and ``/2.0`` anyway.
    """
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        links = _get_json(client, base + "/.well-known/nodeinfo")
        hrefs = [
            link["href"]
            for link in (links.get("links") if isinstance(links, dict) else None) or []
            if isinstance(link, dict) and isinstance(link.get("href"), str)
        ]
        for href in [*sorted(hrefs, reverse=True), base + "/nodeinfo/2.1", base + "/nodeinfo/2.0"]:
            document = _get_json(client, href)
            software = document.get("software") if isinstance(document, dict) else None
            if isinstance(software, dict) and isinstance(software.get("name"), str):
                version = software.get("version")
                return software["name"].lower(), version if isinstance(version, str) else None
    return None, None


def _source(document: dict[str, Any], location: str, software: str | None, version: str | None) -> Source:
    """What the spec says of itself where nodeinfo did not: title ``CherryPick API``, version ``4.17.0 (2025.10.2)``."""
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    assert isinstance(info, dict)
    title, stated = info.get("title"), info.get("version")
    if software is None and isinstance(title, str) and title.strip():
        software = title.strip().removesuffix(" API").strip().lower() or None
    if version is None and isinstance(stated, str) and stated.strip():
        version = stated.split()[0]
    openapi = document.get("openapi")
    return Source(location, openapi if isinstance(openapi, str) else "?", software, version)


def load_spec(
    *, url: str | None = None, path: Path | None = None, timeout: float = 30.0
) -> tuple[dict[str, Any], Source]:
    """Return the spec document and where it came from; ``url`` may also be a file's path."""
    if url is not None and not Path(url).is_file():
        source = spec_url(url)
        document = _parse(_download(source, timeout), source)
        software, version = software_of(instance_url(url), timeout)
        return document, _source(document, source, software, version)
    path = Path(url) if url is not None else path or PINNED_SPEC
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecFetchError(f"cannot read {path}: {exc.strerror}") from None
    document = _parse(data, str(path))
    return document, _source(document, str(path), None, None)
