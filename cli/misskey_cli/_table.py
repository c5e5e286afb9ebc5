"""What the command line knows of each endpoint, and ``key=value`` arguments turned into a typed body.

The knowledge comes from ``misskey_client/_endpoint_table.json``, which the generator writes from the
same spec as the typed methods (``generator/table.py``): reading it costs a few milliseconds, where
importing the endpoint modules would cost far more. A client regenerated for another server carries
its own table, so the command line follows.

Arguments, checked before anything is sent:

* ``key=value``: converted by the parameter's type (``limit=10`` an integer, ``local_only=true`` a
  boolean, ``[...]`` / ``{...}`` JSON for lists and objects); repeating the key of a list parameter
  adds items (``user_ids=a user_ids=b``). A parameter that takes a string gets the text as it is.
* ``key:=JSON``: the value as JSON, as written (``cw:=null``).
* ``field@PATH``: a file to upload, for endpoints that take one (``drive/files/create file@cat.png``).

Keys are the keyword names of the typed methods (``local_only``) or the API's own (``localOnly``).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "BadArgument",
    "Endpoint",
    "Param",
    "Request",
    "build_request",
    "check_value",
    "convert",
    "describe_type",
    "endpoint",
    "endpoints",
]


class BadArgument(ValueError):
    """An argument the endpoint does not take, or a value that does not fit: a usage error."""


@dataclass(frozen=True)
class Param:
    name: str  # the API's name: "localOnly"
    python: str  # the typed methods' keyword: "local_only"
    required: bool
    type: Mapping[str, Any]  # {"type": [...], "enum": [...], "items": {...}, "min": ..., "max": ...}
    default: Any = None
    has_default: bool = False
    description: str = ""


@dataclass(frozen=True)
class Endpoint:
    name: str
    summary: str
    details: str
    credential: bool
    permission: tuple[str, ...]
    params: tuple[Param, ...]
    files: tuple[tuple[str, bool], ...]  # (multipart field, required)
    alternatives: tuple[tuple[str, ...], ...]  # sets of API names of which one is needed (users/show)

    def param(self, key: str) -> Param | None:
        for param in self.params:
            if key in (param.python, param.name):
                return param
        return None

    @property
    def keys(self) -> list[str]:
        return [p.python for p in self.params]


@dataclass
class Request:
    """A checked call: the JSON body (API names) and the files to upload (field -> path)."""

    body: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


@functools.cache
def _table() -> Mapping[str, Any]:
    text = resources.files("misskey_client").joinpath("_endpoint_table.json").read_text(encoding="utf-8")
    table: Mapping[str, Any] = json.loads(text)
    return table


def spec_version() -> str | None:
    version = _table().get("version")
    return version if isinstance(version, str) else None


def endpoints() -> list[str]:
    """Every endpoint name the client was generated with, sorted."""
    return sorted(_table()["endpoints"])


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    matches = close_matches(word, choices)
    return f"; did you mean {' or '.join(repr(m) for m in matches)}?" if matches else ""


@functools.cache
def endpoint(name: str) -> Endpoint:
    """The endpoint called ``name`` (``notes/create``; a leading ``/`` or ``api/`` is allowed)."""
    name = name.strip().strip("/")
    name = name.removeprefix("api/")
    entry = _table()["endpoints"].get(name)
    if entry is None:
        raise BadArgument(
            f"unknown endpoint {name!r}{_did_you_mean(name, endpoints())} (`misskey endpoints` lists them all)"
        )
    params = tuple(
        Param(
            name=p["name"],
            python=p["python"],
            required=p["required"],
            type=p["type"],
            default=p.get("default"),
            has_default="default" in p,
            description=p.get("description", ""),
        )
        for p in entry["params"]
    )
    return Endpoint(
        name=name,
        summary=entry["summary"],
        details=entry["details"],
        credential=entry["credential"],
        permission=tuple(entry["permission"]),
        params=params,
        files=tuple((f["name"], f["required"]) for f in entry["files"]),
        alternatives=tuple(tuple(a) for a in entry["alternatives"]),
    )


_ARGUMENT = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:=|=|@)(?P<value>.*)$", re.DOTALL)
_INTEGER = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a JSON object",
    "null": "null",
}


def describe_type(kind: Mapping[str, Any]) -> str:
    """``string``, ``integer (1..100)``, ``list of string``, ``public|home|followers``, ``any JSON``."""
    types = list(kind.get("type") or [])
    if not types:
        return "any JSON"
    words = []
    for t in types:
        if t == "array":
            items = kind.get("items")
            words.append(f"list of {describe_type(items)}" if items else "list")
        elif t == "string" and kind.get("enum"):
            words.append("|".join(str(v) for v in kind["enum"] if isinstance(v, str)))
        elif t in ("integer", "number") and ("min" in kind or "max" in kind):
            words.append(f"{t} ({kind.get('min', '')}..{kind.get('max', '')})")
        else:
            words.append(t)
    return " or ".join(words)


def _expected(kind: Mapping[str, Any]) -> str:
    types = list(kind.get("type") or [])
    if kind.get("enum"):
        return "one of " + ", ".join(json.dumps(v) if not isinstance(v, str) else v for v in kind["enum"])
    return " or ".join(_NAMES[t] for t in types) if types else "any JSON"


def check_value(where: str, value: Any, kind: Mapping[str, Any]) -> Any:
    """``value`` (JSON) if it fits ``kind``; else :class:`BadArgument` saying what was expected."""
    types = list(kind.get("type") or [])
    if not types:
        return value
    actual = _json_type(value)
    if actual not in types and not (actual == "integer" and "number" in types):
        raise BadArgument(f"{where}: expected {_expected(kind)}, got {json.dumps(value)[:60]}")
    enum = kind.get("enum")
    if enum and value is not None and value not in enum:
        hint = _did_you_mean(value, [str(v) for v in enum]) if isinstance(value, str) else ""
        raise BadArgument(f"{where}: expected {_expected(kind)}; got {json.dumps(value)[:60]}{hint}")
    if actual in ("integer", "number"):
        if "min" in kind and value < kind["min"]:
            raise BadArgument(f"{where}: must be at least {kind['min']}, got {value}")
        if "max" in kind and value > kind["max"]:
            raise BadArgument(f"{where}: must be at most {kind['max']}, got {value}")
    if actual == "array" and kind.get("items"):
        for i, item in enumerate(value):
            check_value(f"{where}[{i}]", item, kind["items"])
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _loads(where: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadArgument(f"{where}: not valid JSON ({exc.msg} at character {exc.pos}): {text[:60]}") from None


def convert(where: str, text: str, kind: Mapping[str, Any]) -> Any:
    """The value of ``key=text`` for a parameter of type ``kind``, or :class:`BadArgument`."""
    types = list(kind.get("type") or [])
    stripped = text.strip()
    if not types:  # any JSON: JSON if it is, else the text
        try:
            return json.loads(text)
        except ValueError:
            return text
    if stripped[:1] in ("[", "{") and {"array", "object"} & set(types):
        return check_value(where, _loads(where, stripped), kind)
    if "string" in types:
        return check_value(where, text, kind)
    if "boolean" in types and stripped.lower() in _TRUE | _FALSE:
        return stripped.lower() in _TRUE
    if "integer" in types and _INTEGER.match(stripped):
        return check_value(where, int(stripped), kind)
    if "number" in types:
        try:
            return check_value(where, float(stripped), kind)
        except ValueError:
            pass
    if "null" in types and stripped == "null":
        return None
    if "array" in types and kind.get("items"):
        return [convert(where, text, kind["items"])]
    raise BadArgument(f"{where}: expected {_expected(kind)}, got {text!r}")


def _unknown(ep: Endpoint, key: str) -> BadArgument:
    if not ep.params:
        return BadArgument(f"{ep.name} takes no parameters, got {key!r}")
    spelled = {p.python: p.python for p in ep.params} | {p.name: p.python for p in ep.params}
    matches = list(dict.fromkeys(spelled[m] for m in close_matches(key, spelled, n=6)))[:3]
    hint = f"; did you mean {' or '.join(repr(m) for m in matches)}?" if matches else ""
    return BadArgument(f"{ep.name} has no parameter {key!r}{hint}\n  its parameters: {', '.join(ep.keys)}")


def build_request(
    ep: Endpoint,
    arguments: Sequence[str],
    base: Mapping[str, Any] | None = None,
    files: Mapping[str, Path] | None = None,
) -> Request:
    """Check and convert ``key=value`` / ``key:=JSON`` / ``field@PATH`` arguments over ``base``.

    ``base`` is a JSON object (``--input``); its keys may be API or keyword names. Anything the
    endpoint does not take, or that does not fit its type, raises :class:`BadArgument`. ``files``
    are uploads the caller adds itself (``misskey upload``).
    """
    request = Request(files=dict(files or {}))
    for key, value in (base or {}).items():
        param = ep.param(key)
        if param is None:
            raise _unknown(ep, key)
        request.body[param.name] = check_value(param.python, value, param.type)
    given: set[str] = set()
    for argument in arguments:
        match = _ARGUMENT.match(argument)
        if match is None:
            raise BadArgument(
                f"{argument!r} is not key=value (nor key:=JSON, nor field@PATH for a file)"
                + (f"; {ep.name} takes: {', '.join(ep.keys)}" if ep.params else "")
            )
        key, op, value = match["key"], match["op"], match["value"]
        if op == "@":
            _add_file(ep, request, key, value)
            continue
        param = ep.param(key)
        if param is None:
            raise _unknown(ep, key)
        converted = check_value(param.python, _loads(param.python, value), param.type) if op == ":=" else None
        if op == "=":
            converted = convert(param.python, value, param.type)
        repeated = param.name in given
        given.add(param.name)
        if repeated and "array" in (param.type.get("type") or []):
            previous = request.body[param.name]
            extra = converted if isinstance(converted, list) else [converted]
            request.body[param.name] = [*(previous if isinstance(previous, list) else [previous]), *extra]
        elif repeated:
            raise BadArgument(f"{param.python} is given twice (it takes one value)")
        else:
            request.body[param.name] = converted
    _check_complete(ep, request)
    return request


def _add_file(ep: Endpoint, request: Request, key: str, value: str) -> None:
    fields = [name for name, _ in ep.files]
    if key not in fields:
        if not fields:
            raise BadArgument(f"{ep.name} takes no file (field@PATH is for uploads such as drive/files/create)")
        raise BadArgument(f"{ep.name} has no file field {key!r}{_did_you_mean(key, fields)}; it takes {fields[0]}@PATH")
    path = Path(value).expanduser()
    if not path.is_file():
        raise BadArgument(f"{key}@{value}: no such file")
    request.files[key] = path


def _check_complete(ep: Endpoint, request: Request) -> None:
    missing = [p.python for p in ep.params if p.required and p.name not in request.body]
    missing += [f"{name}@PATH" for name, required in ep.files if required and name not in request.files]
    if missing:
        raise BadArgument(f"{ep.name} needs {', '.join(missing)} (see `misskey api {ep.name} --help`)")
    if ep.alternatives and not any(all(n in request.body for n in alt) for alt in ep.alternatives):
        choices = " or ".join("+".join(_python(ep, n) for n in alt) for alt in ep.alternatives)
        raise BadArgument(f"{ep.name} needs {choices}")


def _python(ep: Endpoint, name: str) -> str:
    param = ep.param(name)
    return param.python if param else name
