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
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import ResponseParseError, UntypedResponseWarning

__all__ = [
    "PARSE_ERRORS",
    "collect_drift",
    "index_of",
    "is_strict",
    "mismatched",
    "missing_required",
    "new_instance",
    "parse_datetime",
    "parse_error",
    "parse_union",
    "strict_parsing",
    "undeclared_body",
    "unknown_enum_value",
    "unknown_properties",
    "untyped_answer",
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


def _fail(message: str, *, json_path: str = "$", reason: str | None = None) -> ResponseParseError:
    error = ResponseParseError(message, status_code=200, endpoint=None)
    error.json_path, error.reason = json_path, message if reason is None else reason
    return error


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


#: What parsing a value can raise when it does not fit its type.
PARSE_ERRORS = (ResponseParseError, TypeError, ValueError, KeyError, AttributeError)
_TRIAL_ERRORS = PARSE_ERRORS


def mismatched(model: str, key: str | int, value: Any, exc: BaseException) -> Any:
    """A value that does not fit its declared type: kept as it came, or an error in strict mode.

    ``key`` is the property (or list index) of ``model`` that holds ``value``. Lenient parsing
    returns ``value`` unchanged, so one odd value costs neither its model nor its list, and records
    it for :func:`collect_drift`; strict parsing raises :class:`ResponseParseError` with the JSON
    path of the value.
    """
    inner = exc.json_path if isinstance(exc, ResponseParseError) else "$"
    step = f"[{key}]" if isinstance(key, int) else f".{key}"
    path = "$" + step + inner[1:]
    reason = exc.reason if isinstance(exc, ResponseParseError) and exc.reason else f"{type(exc).__name__}: {exc}"
    message = f"{model} at {path}: {reason}"
    if _STRICT.get():
        raise _fail(message, json_path=path, reason=reason) from exc
    found = _DRIFT.get()
    if found is not None:
        found.append(message)
    return value


def index_of(items: list[Any], item: Any) -> int:
    """The position of ``item`` itself in ``items`` (for the path of a mismatch; not a hot path)."""
    return next((i for i, value in enumerate(items) if value is item), -1)


def parse_union(data: Any, parsers: Sequence[Callable[[Any], Any]]) -> Any:
    """Parse ``data`` as the first alternative of a union that fits it.

    Lenient parsing accepts almost anything, so alternatives are first tried strictly (an object
    with another model's properties does not fit); only when none fits strictly are they tried
    again in the current mode.
    """
    strict = _STRICT.get()
    token, drift = _STRICT.set(True), _DRIFT.set(None)
    why: list[str] = []
    try:
        for parser in parsers:
            try:
                return parser(data)
            except _TRIAL_ERRORS as exc:
                why.append(str(exc))
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
    reasons = "; ".join(dict.fromkeys(why))  # each alternative's own complaint, once
    raise _fail(f"no alternative of the union fits {type(data).__name__} value {str(data)[:80]!r} ({reasons[:400]})")


def untyped_answer(endpoint: str, data: Any, exc: BaseException) -> Any:
    """A whole answer whose shape does not fit its type (lenient mode): returned as JSON, with a warning."""
    reason = exc.reason if isinstance(exc, ResponseParseError) and exc.reason else f"{type(exc).__name__}: {exc}"
    found = _DRIFT.get()
    if found is not None:
        found.append(f"{endpoint}: {reason}")
    warnings.warn(
        f"{endpoint}: the answer does not fit its type ({reason}); it is returned untyped",
        UntypedResponseWarning,
        stacklevel=4,
    )
    return data


def undeclared_body(endpoint: str, data: Any) -> Any:
    """An answer with a body where the spec declares none (a fork's ``admin/queue/queues``).

    Nothing is thrown away: lenient parsing returns the JSON as it came, with a warning naming the
    endpoint; strict parsing raises.
    """
    message = f"{endpoint}: the spec declares no answer body, but the server sent {type(data).__name__} JSON"
    _drift(message)
    warnings.warn(f"{message}; it is returned untyped", UntypedResponseWarning, stacklevel=4)
    return data


def parse_error(model: str, exc: BaseException) -> ResponseParseError:
    """The one error a model's ``from_dict`` raises for data that cannot be that model (not an object)."""
    if isinstance(exc, ResponseParseError):
        return exc
    return _fail(f"{model}: {type(exc).__name__}: {exc}")


if sys.version_info >= (3, 11):
    parse_datetime = datetime.datetime.fromisoformat
else:

    def parse_datetime(value: str) -> datetime.datetime:
        """Misskey's timestamps end in ``Z``, which ``fromisoformat`` accepts only from Python 3.11."""
        if value.endswith(("Z", "z")):
            value = value[:-1] + "+00:00"
        return datetime.datetime.fromisoformat(value)
