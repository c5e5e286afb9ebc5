"""Saving a token to a file only its owner can read."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["default_token_path", "save_token"]


def default_token_path(server: str) -> Path:
    """``$XDG_CONFIG_HOME/misskey-client/<host>.token`` (``~/.config/...`` without XDG_CONFIG_HOME).

    One file per server, so logging in to a second server does not overwrite the first token. A port
    becomes part of the name with ``_`` (``127.0.0.1_3000.token``).
    """
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    netloc = urlsplit(server).netloc or server
    name = netloc.replace(":", "_").replace("/", "_")
    return Path(config_home) / "misskey-client" / f"{name}.token"


def save_token(path: str | os.PathLike[str], token: str) -> Path:
    """Write ``token`` and a newline to ``path``, readable and writable by the owner only (0600).

    The token is written to a new file created with mode 0600 next to ``path`` and then renamed over it,
    so the token is never readable by others, even for an instant, and even if ``path`` existed with a
    wider mode. A missing parent directory is created with mode 0700.
    """
    target = Path(path).expanduser()
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(token + "\n")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target
