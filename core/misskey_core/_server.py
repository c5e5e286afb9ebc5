"""What server a client talks to: its software and version, and the endpoints it has.

The software comes from nodeinfo, which every Misskey release and fork serves: ``misskey``,
``sharkey``, ``cherrypick``... The I/O is a generator (``nodeinfo_flow``) that yields the URLs to
fetch and receives each answer, so the sync and async clients share one logic, as httpx's auth
flows do.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["ServerInfo", "mismatch", "nodeinfo_flow"]


@dataclass(frozen=True)
class ServerInfo:
    """The server behind a client: ``mk.server`` (``await amk.server()`` on AsyncMisskey)."""

    #: nodeinfo's ``software.name``, lower case: ``"misskey"``, ``"sharkey"``; None if it has no nodeinfo.
    software: str | None
    #: nodeinfo's ``software.version`` (else ``meta``'s): ``"2026.3.2"``.
    version: str | None
    #: Every endpoint the server has, from ``/api/endpoints``.
    endpoints: frozenset[str] = field(repr=False)

    def supports(self, endpoint: str) -> bool:
        """Whether the server has ``endpoint`` (``"notes/drafts/create"``)."""
        return endpoint.strip("/") in self.endpoints

    def __str__(self) -> str:
        return " ".join(p for p in (self.software or "unknown software", self.version) if p)


# Answers a flow receives: the JSON of a 200 answer, or None for anything else.
NodeinfoFlow = Generator[str, Any, tuple[str | None, str | None]]


def _same_origin(url: str, base_url: str) -> bool:
    try:
        a, b = httpx.URL(url), httpx.URL(base_url)
    except httpx.InvalidURL:
        return False
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def nodeinfo_flow(base_url: str) -> NodeinfoFlow:
    """Yield the nodeinfo URLs to fetch (each is sent back its JSON or None); return (name, version).

    Misskey answers ``/.well-known/nodeinfo`` with 403 while federation is off (a new instance's
    default) but serves the documents at ``/nodeinfo/2.1`` and ``/2.0`` anyway. Links to another
    origin are not followed: the client's requests carry its token to its own server only.
    """
    links = yield base_url + "/.well-known/nodeinfo"
    listed = links.get("links") if isinstance(links, dict) else None
    hrefs = [
        link["href"]
        for link in listed or []
        if isinstance(link, dict) and isinstance(link.get("href"), str) and _same_origin(link["href"], base_url)
    ]
    tried = set()
    for url in [*sorted(hrefs, reverse=True), base_url + "/nodeinfo/2.1", base_url + "/nodeinfo/2.0"]:
        if url in tried:
            continue
        tried.add(url)
        document = yield url
        software = document.get("software") if isinstance(document, dict) else None
        if isinstance(software, dict) and isinstance(software.get("name"), str):
            version = software.get("version")
            return software["name"].lower(), version if isinstance(version, str) else None
    return None, None


def mismatch(base_url: str, spec: tuple[str | None, str | None], server: tuple[str | None, str | None]) -> str | None:
    """The warning for a client used with another software or version than its spec's, if it is."""
    spec_software, spec_version = spec
    software, version = server
    other_software = bool(software and spec_software and software != spec_software)
    other_version = bool(version and spec_version and version != spec_version)
    if not (other_software or other_version):
        return None
    runs = f"{software} {version or ''}".strip() if software else f"version {version}"
    generated = " ".join(p for p in (spec_software, spec_version) if p)
    return (
        f"{base_url} runs {runs}; this client was generated from the {generated} spec. "
        "Endpoints it lacks raise EndpointNotSupportedError, and answers may differ from their types "
        "(they are parsed leniently)."
    )
