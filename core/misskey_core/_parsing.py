"""Lenient and strict parsing of responses into models.

Servers and forks drift from the spec, so by default a model parse keeps unknown properties in
``additional_properties``, keeps unknown enum values as plain strings and tolerates a "required"
property the server left out (it stays ``UNSET``). Strict mode turns each of those into a
:class:`~misskey_core.ResponseParseError`; the test-suite replays every recorded response in it.
"""

from __future__ import annotations

import contextlib
import datetime
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import ResponseParseError

__all__ = [
    "collect_drift",
    "is_strict",
    "missing_required",
    "new_instance",
    "parse_datetime",
    "parse_error",
    "parse_union",
    "strict_parsing",
    "unknown_enum_value",
    "unknown_properties",
]

_T = TypeVar("_T")

if TYPE_CHECKING:

    def new_instance(cls: type[_T], /) -> _T:
        """An instance with no attribute set yet: the caller assigns every one of them."""

else:
    # A model's fast path fills the slots of ``object.__new__(cls)`` itself: the same stores attrs'
    # ``__init__`` makes, without the call and its 35 arguments. Only for the exact generated class
    # (a subclass takes the careful path, which calls ``__init__``).
    new_instance = object.__new__

_STRICT: ContextVar[bool] = ContextVar("misskey_strict_parsing", default=False)
_DRIFT: ContextVar[list[str] | None] = ContextVar("misskey_parse_drift", default=None)


def is_strict() -> bool:
    """Whether the current context parses strictly."""
    return _STRICT.get()


@contextlib.contextmanager
def strict_parsing(enabled: bool = True) -> Iterator[None]:
    """Parse strictly (or leniently, with ``enabled=False``) inside the ``with`` block."""
    token = _STRICT.set(enabled)
    try:
        yield
    finally:
        _STRICT.reset(token)


@contextlib.contextmanager
def collect_drift() -> Iterator[list[str]]:
    """Parse leniently and list every mismatch with the spec instead of raising at the first.

    Used to survey a recording for the spec patch layer; each entry reads like a strict error.
    """
    found: list[str] = []
    strict, drift = _STRICT.set(False), _DRIFT.set(found)
    try:
        yield found
    finally:
        _STRICT.reset(strict)
        _DRIFT.reset(drift)


def _fail(message: str) -> ResponseParseError:
    return ResponseParseError(message, status_code=200, endpoint=None)


def _drift(message: str) -> None:
    if _STRICT.get():
        raise _fail(message)
    found = _DRIFT.get()
    if found is not None:
        found.append(message)


def missing_required(model: str, name: str) -> None:
    """Called when a required property is absent; raises in strict mode."""
    _drift(f"{model}: required property {name!r} is missing")


def unknown_properties(model: str, names: Collection[str]) -> None:
    """Called with the properties a model does not declare; raises in strict mode."""
    if names:
        _drift(f"{model}: unknown properties {sorted(names)!r}")


def unknown_enum_value(enum: str, value: Any) -> Any:
    """Called with a value outside an enum; returns it unchanged in lenient mode."""
    if not isinstance(value, (str, int)):
        raise _fail(f"{enum}: unexpected value {value!r}")
    _drift(f"{enum}: unexpected value {value!r}")
    return value


_TRIAL_ERRORS = (ResponseParseError, TypeError, ValueError, KeyError, AttributeError)


def parse_union(data: Any, parsers: Sequence[Callable[[Any], Any]]) -> Any:
    """Parse ``data`` as the first alternative of a union that fits it.

    Lenient parsing accepts almost anything, so alternatives are first tried strictly (an object
    with another model's properties does not fit); only when none fits strictly are they tried
    again in the current mode.
    """
    strict = _STRICT.get()
    token, drift = _STRICT.set(True), _DRIFT.set(None)
    try:
        for parser in parsers:
            try:
                return parser(data)
            except _TRIAL_ERRORS:
                continue
    finally:
        _STRICT.reset(token)
        _DRIFT.reset(drift)
    if not strict:
        for parser in parsers:
            try:
                return parser(data)
            except _TRIAL_ERRORS:
                continue
    raise _fail(f"no alternative of the union fits {type(data).__name__} value {str(data)[:80]!r}")


def parse_error(model: str, exc: BaseException) -> ResponseParseError:
    """The one error a model's ``from_dict`` raises for data that cannot be that model."""
    return _fail(f"{model}: {type(exc).__name__}: {exc}")


if sys.version_info >= (3, 11):
    parse_datetime = datetime.datetime.fromisoformat
else:

    def parse_datetime(value: str) -> datetime.datetime:
        """Misskey's timestamps end in ``Z``, which ``fromisoformat`` accepts only from Python 3.11."""
        if value.endswith(("Z", "z")):
            value = value[:-1] + "+00:00"
        return datetime.datetime.fromisoformat(value)
