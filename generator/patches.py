"""The spec patch layer: small overrides for places where the served spec and the server disagree.

Each patch is an operation on one JSON pointer, with the endpoint it concerns and the server
behaviour that was observed (in a recorded cassette). Patches are applied to the raw document
before clean-up; a patch whose target does not exist (another server version) is skipped, so the
same list is safe on any spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["PATCHES", "Patch", "apply_patches"]


@dataclass(frozen=True)
class Patch:
    op: Literal["add", "replace", "remove", "append"]
    pointer: str
    why: str
    value: Any = None


# Pointers use "~1" for "/" inside a key, as RFC 6901 says.
PATCHES: list[Patch] = []


def _split(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]


def apply_patches(spec: dict[str, Any], patches: list[Patch] = PATCHES) -> list[Patch]:
    """Apply ``patches`` in place; return those that applied."""
    applied = []
    for patch in patches:
        *parents, last = _split(patch.pointer)
        node: Any = spec
        try:
            for part in parents:
                node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError):
            continue
        if patch.op == "remove":
            if isinstance(node, dict) and last in node:
                del node[last]
            elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
                del node[int(last)]
            else:
                continue
        elif patch.op == "append":
            target = node.get(last) if isinstance(node, dict) else None
            if not isinstance(target, list):
                continue
            if patch.value not in target:
                target.append(patch.value)
        elif patch.op == "replace" and not (isinstance(node, dict) and last in node):
            continue
        else:
            node[last] = patch.value
        applied.append(patch)
    return applied
