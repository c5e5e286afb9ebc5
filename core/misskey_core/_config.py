"""Turning what a user typed into a safe base URL."""

from __future__ import annotations

import ipaddress

import httpx

from ._errors import InsecureTransportError

__all__ = ["DEFAULT_TIMEOUT", "is_loopback", "normalize_base_url"]

#: Default timeouts: 10 s to connect, 30 s for each read, write and pool wait.
#: Pass ``timeout=`` (a number or an ``httpx.Timeout``) to the client to change them.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_base_url(host: str, *, allow_insecure: bool = False) -> str:
    """Return ``scheme://host[:port]`` for a Misskey instance.

    A bare host (``misskey.example``) means https. Plain ``http://`` is refused for any host that
    is not loopback unless ``allow_insecure`` is true, because the token would cross the network in
    clear text.
    """
    text = host.strip()
    if not text:
        raise ValueError("empty Misskey host")
    if "://" not in text:
        text = "https://" + text
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a valid Misskey host: {host!r} ({exc})") from None
    if url.scheme not in ("http", "https"):
        raise ValueError(f"Misskey host must use http or https, not {url.scheme!r}: {host!r}")
    if not url.host:
        raise ValueError(f"no host name in {host!r}")
    if url.scheme == "http" and not allow_insecure and not is_loopback(url.host):
        raise InsecureTransportError(
            f"refusing plain http:// to {url.host}: the access token would cross the network "
            "unencrypted. Use https://, or pass allow_insecure=True if you really mean it."
        )
    path = url.path.rstrip("/")
    if path.endswith("/api"):
        path = path[: -len("/api")]
    port = f":{url.port}" if url.port else ""
    hostname = f"[{url.host}]" if ":" in url.host else url.host
    return f"{url.scheme}://{hostname}{port}{path}"
