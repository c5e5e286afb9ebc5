"""Checking the permissions an application asks for against the list Misskey knows."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ._permissions import PERMISSIONS

__all__ = ["validate_permissions"]

_KNOWN = frozenset(PERMISSIONS)


def validate_permissions(permission: str | Iterable[str]) -> tuple[str, ...]:
    """The requested permissions, stripped, de-duplicated in order, each checked against ``PERMISSIONS``.

    A string is read as Misskey writes it, comma-separated (``"read:account,write:notes"``). Checking
    here matters because Misskey itself does not complain: its approval page silently drops permissions it
    does not know, and the application then fails later with ``PERMISSION_DENIED``.
    """
    items = permission.split(",") if isinstance(permission, str) else list(permission)
    wanted: dict[str, None] = {}
    unknown: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"a permission must be a string, not {type(item).__name__}")
        name = item.strip()
        if not name:
            continue
        if name in _KNOWN:
            wanted[name] = None
        elif name not in unknown:
            unknown.append(name)
    if unknown:
        raise ValueError("; ".join(_explain(name) for name in unknown))
    return tuple(wanted)


def _explain(name: str) -> str:
    close = difflib.get_close_matches(name, PERMISSIONS, n=3, cutoff=0.6)
    if close:
        return f"unknown Misskey permission {name!r}; did you mean {' or '.join(map(repr, close))}?"
    return f"unknown Misskey permission {name!r}; see misskey_auth.PERMISSIONS for the valid ones"
