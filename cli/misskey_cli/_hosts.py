"""Which server the command line talks to, and with which token: stored per host, as ``gh`` does.

``misskey login HOST`` saves the token to ``$XDG_CONFIG_HOME/misskey-client/<host>.token`` (mode 0600,
the file ``python -m misskey_auth login`` writes too, so either command's login serves both) and records
the host, the account and that it is now the default in ``hosts.json`` beside it (0600 as well; it
holds no token). A command picks its server from ``--host``, else ``MISSKEY_HOST``, else the default;
its token from ``MISSKEY_TOKEN``, else that server's token file.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from misskey_auth import default_token_path, save_token
from misskey_core import normalize_base_url

__all__ = ["HostError", "Target", "forget", "hosts_file", "known_hosts", "remember", "resolve", "server_url"]


class HostError(Exception):
    """No server or no token to use: the user has to log in or say which (an auth failure)."""


@dataclass(frozen=True)
class Target:
    """The server a command talks to and how it found its token (``token`` is never printed)."""

    url: str  # "https://misskey.example"
    token: str | None
    token_source: str  # "MISSKEY_TOKEN", the token file's path, or "" without a token
    allow_insecure: bool = False

    def __repr__(self) -> str:
        return f"Target({self.url!r}, token=<{'set' if self.token else 'none'}>, from {self.token_source!r})"


def config_dir() -> Path:
    return default_token_path("x").parent


def hosts_file() -> Path:
    return config_dir() / "hosts.json"


def server_url(host: str, *, allow_insecure: bool = False) -> str:
    """``misskey.example`` -> ``https://misskey.example``; plain http only for this machine (or opted in)."""
    return normalize_base_url(host, allow_insecure=allow_insecure)


def _load() -> dict[str, Any]:
    try:
        data = json.loads(hosts_file().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"default": None, "hosts": {}}
    except (OSError, ValueError) as exc:
        raise HostError(f"cannot read {hosts_file()}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("hosts"), dict):
        raise HostError(f"{hosts_file()} is not what `misskey login` writes; remove it and log in again")
    return data


def _store(data: dict[str, Any]) -> None:
    # save_token writes a new 0600 file and renames it over the old one; the "token" here is the JSON.
    save_token(hosts_file(), json.dumps(data, indent=2, sort_keys=True))


def known_hosts() -> dict[str, dict[str, Any]]:
    """``{url: {"user": ..., "user_id": ...}}`` for every host logged in with ``misskey login``."""
    hosts: dict[str, dict[str, Any]] = _load()["hosts"]
    return hosts


def default_host() -> str | None:
    data = _load()
    default = data.get("default")
    if isinstance(default, str):
        return default
    return next(iter(data["hosts"]), None) if len(data["hosts"]) == 1 else None


def remember(url: str, token: str, user: dict[str, Any], *, allow_insecure: bool = False) -> Path:
    """Save ``token`` for ``url`` (0600) and make ``url`` the default host; returns the token's path."""
    path = save_token(default_token_path(url), token)
    data = _load()
    entry: dict[str, Any] = {"user": user.get("username"), "user_id": user.get("id")}
    if allow_insecure:
        entry["allow_insecure"] = True
    data["hosts"][url] = entry
    data["default"] = url
    _store(data)
    return path


def forget(url: str) -> bool:
    """Remove ``url``'s token file and entry; whether there was anything to remove."""
    removed = False
    with contextlib.suppress(FileNotFoundError):
        default_token_path(url).unlink()
        removed = True
    data = _load()
    if data["hosts"].pop(url, None) is not None:
        removed = True
    if data.get("default") == url:
        data["default"] = next(iter(data["hosts"]), None)
    if removed and hosts_file().exists():
        _store(data)
    return removed


def resolve(host: str | None, *, need_token: bool = True, allow_insecure: bool = False) -> Target:
    """The server and token for a command: ``--host`` > ``MISSKEY_HOST`` > the default host.

    ``host`` is the ``--host`` option (click fills it from ``MISSKEY_HOST`` too). Raises
    :class:`HostError` when there is no server, or no token and ``need_token``.
    """
    chosen = host or default_host()
    if not chosen:
        raise HostError("no server: run `misskey login HOST`, or pass --host HOST (or set MISSKEY_HOST)")
    url = server_url(chosen, allow_insecure=True)
    # A host logged in to with --allow-insecure keeps that choice; any other refuses plain http
    # to another machine here (InsecureTransportError).
    insecure = allow_insecure or bool(known_hosts().get(url, {}).get("allow_insecure"))
    if not insecure:
        server_url(chosen)
    env_token = os.environ.get("MISSKEY_TOKEN")
    if env_token:
        return Target(url, env_token.strip(), "MISSKEY_TOKEN", insecure)
    path = default_token_path(url)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = ""
    except OSError as exc:
        raise HostError(f"cannot read the token for {url} ({path}): {exc.strerror}") from None
    if token:
        return Target(url, token, str(path), insecure)
    if need_token:
        raise HostError(f"not logged in to {url}: run `misskey login {chosen}` (or set MISSKEY_TOKEN)")
    return Target(url, None, "", insecure)
