"""``misskey stream``: the adapter between the command line and the library's streaming API.

All the command needs is here, so a change of the streaming API changes this module only: the
channel names (for completion and errors), a checked channel with its parameters, and the events
as JSON objects: ``{"channel", "type", "backfilled", "body"}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from misskey_client import Misskey

from ._table import BadArgument, close_matches

__all__ = ["Joined", "channel", "channel_names", "events"]


@dataclass(frozen=True)
class Joined:
    name: str
    params: dict[str, Any] = field(default_factory=dict)


def _catalog() -> Any:
    from misskey_core._stream_catalog import CHANNELS

    return CHANNELS


def channel_names() -> list[str]:
    return sorted(_catalog())


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def channel(name: str, arguments: Sequence[str]) -> Joined:
    """The channel ``name`` with ``key=value`` parameters (snake_case or the server's camelCase).

    Values are JSON where they parse (``with_renotes=false``, ``q='[["misskey"]]'``), text otherwise.
    """
    spec = _catalog().get(name)
    if spec is None:
        hint = close_matches(name, channel_names())
        raise BadArgument(
            f"unknown channel {name!r}"
            + (f"; did you mean {' or '.join(repr(h) for h in hint)}?" if hint else "")
            + f"\n  channels: {', '.join(channel_names())}"
        )
    takes = {_snake(p): p for p in spec.params} | {p: p for p in spec.params}
    params: dict[str, Any] = {}
    for argument in arguments:
        key, sep, value = argument.partition("=")
        if not sep or not key:
            raise BadArgument(f"{argument!r} is not key=value")
        key = key.rstrip(":")
        if key not in takes:
            names = ", ".join(_snake(p) for p in spec.params) or "no parameters"
            hint = close_matches(key, takes)
            raise BadArgument(
                f"channel {name!r} has no parameter {key!r}"
                + (f"; did you mean {_snake(takes[hint[0]])!r}?" if hint else "")
                + f"\n  it takes: {names}"
            )
        try:
            params[takes[key]] = json.loads(value)
        except ValueError:
            params[takes[key]] = value
    missing = [_snake(p) for p, required in spec.params.items() if required and p not in params]
    if missing:
        raise BadArgument(f"channel {name!r} needs {', '.join(f'{m}=...' for m in missing)}")
    return Joined(name, params)


def _plain(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


def events(mk: Misskey, joined: Joined) -> Iterator[dict[str, Any]]:
    """Every event of the channel as a JSON object, until interrupted; the stream reconnects and
    backfills by itself (the library's defaults)."""
    with mk.stream() as stream:
        connect: Any = stream.connect  # by name: the typed overloads are for literal channel names
        for event in connect(joined.name, **joined.params):
            yield {
                "channel": event.channel,
                "type": event.type,
                "backfilled": event.backfilled,
                "body": _plain(event.body),
            }
