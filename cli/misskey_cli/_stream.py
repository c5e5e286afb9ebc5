"""``misskey stream``: the adapter between the command line and the library's streaming API.

All the command needs of the streaming API is here: the channel names (for completion and
errors), a channel built from ``key=value`` arguments, and its events as JSON objects,
``{"channel", "type", "backfilled", "body"}`` with the body exactly as the server sent it (or as
the REST backfill answered it). The reconnects, resubscriptions and backfills are the library's.

A channel's parameters are the fields of its class in ``misskey_core._channels`` (snake_case, typed:
``with_renotes: bool | None``); their types convert ``key=value`` as an endpoint's do.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import types
import typing
from collections.abc import Iterator, Sequence
from typing import Any, Literal, Union

from misskey_client import Misskey
from misskey_core._channels import CHANNELS, Channel

from ._table import BadArgument, close_matches, convert

__all__ = ["channel", "channel_names", "events", "kind_of"]


def channel_names() -> list[str]:
    return sorted(CHANNELS)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_PLAIN = {bool: "boolean", str: "string", int: "integer", float: "number", dict: "object", type(None): "null"}


def kind_of(hint: Any) -> dict[str, Any]:
    """A Python type hint as the endpoint table's compact type (``bool | None`` -> boolean or null)."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        kinds = [kind_of(arg) for arg in typing.get_args(hint)]
        merged: dict[str, Any] = {"type": [t for k in kinds for t in k.get("type", [])]}
        for k in kinds:
            merged.update({key: value for key, value in k.items() if key != "type"})
        return merged if all(k.get("type") for k in kinds) else {}
    if origin is Literal:
        values = list(typing.get_args(hint))
        return {"type": sorted({_PLAIN[type(v)] for v in values}), "enum": values}
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        items = kind_of(item)
        return {"type": ["array"], **({"items": items} if items else {})}
    if origin is dict:
        return {"type": ["object"]}
    return {"type": [_PLAIN[hint]]} if hint in _PLAIN else {}


def channel(name: str, arguments: Sequence[str]) -> Channel[Any]:
    """The channel ``name`` (its name on the wire: ``homeTimeline``) with ``key=value`` parameters.

    Keys are snake_case (``with_renotes``) or the server's camelCase; values are converted by the
    parameter's type (``with_renotes=false``; ``q='[["misskey"]]'`` for a hashtag's list of lists).
    """
    cls = CHANNELS.get(name)
    if cls is None:
        hint = close_matches(name, channel_names())
        raise BadArgument(
            f"unknown channel {name!r}"
            + (f"; did you mean {' or '.join(repr(h) for h in hint)}?" if hint else "")
            + f"\n  channels: {', '.join(channel_names())}"
        )
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]  # every channel class is a dataclass
    spelled = {f.name: f.name for f in fields} | {_camel(f.name): f.name for f in fields}
    params: dict[str, Any] = {}
    for argument in arguments:
        key, sep, value = argument.partition("=")
        if not sep or not key:
            raise BadArgument(f"{argument!r} is not key=value")
        field = spelled.get(key)
        if field is None:
            takes = ", ".join(f.name for f in fields) or "no parameters"
            matches = list(dict.fromkeys(spelled[m] for m in close_matches(key, spelled)))
            suggestion = f"; did you mean {matches[0]!r}?" if matches else ""
            raise BadArgument(f"channel {name!r} has no parameter {key!r}{suggestion}\n  it takes: {takes}")
        params[field] = convert(field, value, kind_of(hints[field]))
    missing = [f.name for f in fields if f.default is dataclasses.MISSING and f.name not in params]
    if missing:
        raise BadArgument(f"channel {name!r} needs {', '.join(f'{m}=...' for m in missing)}")
    return cls(**params)


def _say_reconnects() -> None:
    """The stream's own account of a lost connection and its repair, as lines on stderr."""
    logger = logging.getLogger("misskey_core.streaming")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("misskey: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def events(mk: Misskey, joined: Channel[Any]) -> Iterator[dict[str, Any]]:
    """Every event of the channel as a JSON object, until interrupted; the stream reconnects and
    backfills by itself (the library's defaults)."""
    _say_reconnects()
    with mk.stream() as stream:
        for event in stream.connect(joined):
            yield {"channel": event.channel, "type": event.type, "backfilled": event.backfilled, "body": event.raw}
