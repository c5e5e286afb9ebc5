"""Verify a delivery's secret and parse its body into a typed event, without any I/O.

What Misskey 2026.3.2 sends (``UserWebhookDeliverProcessorService``, ``SystemWebhookDeliverProcessorService``):
a POST of ``application/json`` with the headers ``X-Misskey-Host``, ``X-Misskey-Hook-Id`` and
``X-Misskey-Hook-Secret`` (the hook's secret itself, not a signature, in lower case as node's fetch
sends every name) and the body ``{server, hookId, userId, eventId, createdAt, type, body}``, where
system webhooks leave out ``userId`` and ``createdAt`` is milliseconds since the epoch.

Either a delivery parses whole, or one error says why: the secret check raises ``WebhookSecretError``,
a body that is not JSON ``WebhookJSONError``, JSON that is not an envelope ``WebhookEnvelopeError``, an
envelope whose ``body`` does not fit its type ``WebhookBodyError``. Parsing follows the library's mode:
lenient by default, strict inside ``strict_parsing()`` (an unknown envelope property, say, is an error).
"""

from __future__ import annotations

import datetime
import hmac
import json
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from misskey_client.models import Note, UserDetailedNotMe, UserLite

from .._errors import ResponseParseError
from .._parsing import PARSE_ERRORS, unknown_properties
from ._errors import (
    WebhookBodyError,
    WebhookEnvelopeError,
    WebhookJSONError,
    WebhookSecretError,
    WebhookTooLargeError,
)
from ._events import (
    EVENT_TYPES,
    AbuseReportEvent,
    AbuseReportResolvedEvent,
    FollowedEvent,
    FollowEvent,
    InactiveModeratorsInvitationOnlyChangedEvent,
    InactiveModeratorsWarningEvent,
    MentionEvent,
    NoteEvent,
    RenoteEvent,
    ReplyEvent,
    SystemWebhookEvent,
    UnfollowEvent,
    UnknownEvent,
    UserCreatedEvent,
    UserWebhookEvent,
    WebhookEvent,
)
from ._models import AbuseReport, ModeratorInactivityRemainingTime

__all__ = [
    "SECRET_HEADER",
    "Headers",
    "Secret",
    "decode_json",
    "header_values",
    "parse",
    "parse_obj",
    "secret_bytes",
    "verify",
    "verify_and_parse",
]

#: The header that carries the hook's secret (HTTP header names are case-insensitive).
SECRET_HEADER = "X-Misskey-Hook-Secret"

#: Request headers as frameworks hand them over: a mapping (``dict``, Starlette's ``Headers``, Flask's
#: and Django's ``request.headers``) or ``(name, value)`` pairs (ASGI's ``scope["headers"]``, in bytes).
Headers = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]
#: A webhook secret as configured in Misskey.
Secret = str | bytes

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_ENVELOPE = ("server", "hookId", "eventId", "createdAt", "type", "body")


def header_values(headers: Headers, name: str) -> list[str]:
    """Every value of header ``name`` (any case), in order; bytes are read as Latin-1, as HTTP does."""
    wanted = name.lower()
    # Mappings, and header objects that are not quite one (werkzeug's), have items(); ASGI gives pairs.
    pairs: Iterable[Any] = cast(Any, headers).items() if hasattr(headers, "items") else headers
    found = []
    for key, value in pairs:
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key.lower() == wanted:
            found.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    return found


def secret_bytes(secret: Secret) -> bytes:
    """The bytes a secret travels as: Misskey (node's HTTP client) writes header values in Latin-1.

    An empty secret would accept anyone's request, and a character outside Latin-1 cannot be sent in a
    header at all (node refuses it, so no delivery would ever arrive): both are ``ValueError``.
    """
    if isinstance(secret, bytes):
        raw = secret
    else:
        try:
            raw = secret.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError("a webhook secret must be Latin-1 text: Misskey cannot send other characters") from None
    if not raw:
        raise ValueError("a webhook secret must not be empty: set one on the webhook in Misskey")
    return raw


def _secrets(secret: Secret | Iterable[Secret]) -> tuple[bytes, ...]:
    many = [secret] if isinstance(secret, (str, bytes)) else list(secret)
    if not many:
        raise ValueError("no webhook secret given")
    return tuple(secret_bytes(s) for s in many)


def _received(value: str) -> bytes:
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:  # a framework decoded the header otherwise; it cannot match anyway
        return value.encode("utf-8", "surrogateescape")


def verify(secret: Secret | Iterable[Secret], headers: Headers) -> None:
    """Check ``X-Misskey-Hook-Secret`` against the hook's secret (or any of several), in constant time.

    Raises ``WebhookSecretError`` if the header is missing, sent more than once, or not a secret given.
    Several secrets serve one receiver shared by hooks with different secrets, or a secret being changed.
    """
    expected = _secrets(secret)
    values = header_values(headers, SECRET_HEADER)
    if not values:
        raise WebhookSecretError(f"the delivery has no {SECRET_HEADER} header")
    if len(values) > 1:
        raise WebhookSecretError(f"the delivery has {len(values)} {SECRET_HEADER} headers")
    received = _received(values[0])
    # Compare with every secret, not stopping at a match, so the time taken says nothing about which.
    matches = [hmac.compare_digest(received, candidate) for candidate in expected]
    if not any(matches):
        raise WebhookSecretError(f"the {SECRET_HEADER} header is not this hook's secret")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json(body: bytes | bytearray | memoryview | str) -> Any:
    """The JSON value of a body (UTF-8, as Misskey sends it), or ``WebhookJSONError``."""
    if isinstance(body, str):
        text = body
    else:
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WebhookJSONError(f"the body is not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise WebhookJSONError("the body is empty")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise WebhookJSONError(f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # NaN, Infinity
        raise WebhookJSONError(f"the body is not JSON: {exc}") from None
    except RecursionError:
        raise WebhookJSONError("the body is not JSON this parser can read: nested too deeply") from None


def _field(data: Mapping[str, Any], name: str, kind: type, what: str) -> Any:
    if name not in data:
        raise WebhookEnvelopeError(f"the envelope has no {name!r}", json_path=f"$.{name}")
    value = data[name]
    if not isinstance(value, kind):
        raise WebhookEnvelopeError(
            f"the envelope's {name!r} is {type(value).__name__}, not {what}", json_path=f"$.{name}"
        )
    return value


def _created_at(data: Mapping[str, Any]) -> datetime.datetime:
    millis = data.get("createdAt")
    if isinstance(millis, bool) or not isinstance(millis, (int, float)) or not math.isfinite(millis):
        what = "missing" if millis is None else f"{type(millis).__name__} {str(millis)[:40]}"
        raise WebhookEnvelopeError(
            f"the envelope's 'createdAt' is {what}, not milliseconds since the epoch", json_path="$.createdAt"
        )
    try:
        return _EPOCH + datetime.timedelta(milliseconds=millis)
    except OverflowError:
        raise WebhookEnvelopeError(
            f"the envelope's 'createdAt' ({str(millis)[:40]}) is out of range", json_path="$.createdAt"
        ) from None


def _check_properties(what: str, names: Iterable[str], error: Callable[[str, str], Exception]) -> None:
    """Unknown properties: kept in ``raw`` (lenient) or an error (strict)."""
    try:
        unknown_properties(what, set(names))
    except ResponseParseError as exc:
        raise error(str(exc), "$") from None


def _model(event_type: str, path: str, parse: Callable[[Any], Any], value: Any) -> Any:
    try:
        return parse(value)
    except (*PARSE_ERRORS, RecursionError) as exc:
        inner = exc.json_path if isinstance(exc, ResponseParseError) else "$"
        reason = exc.reason if isinstance(exc, ResponseParseError) and exc.reason else f"{type(exc).__name__}: {exc}"
        raise WebhookBodyError(
            f"the body of a {event_type!r} event does not fit: {reason}",
            event_type=event_type,
            json_path=path + inner[1:],
        ) from None


def _body_object(event_type: str, body: Any, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise WebhookBodyError(
            f"the body of a {event_type!r} event is {type(body).__name__}, not an object", event_type=event_type
        )
    for key in keys:
        if key not in body:
            raise WebhookBodyError(
                f"the body of a {event_type!r} event has no {key!r}", event_type=event_type, json_path=f"$.body.{key}"
            )

    def error(message: str, _path: str) -> Exception:
        return WebhookBodyError(message, event_type=event_type)

    _check_properties(f"{event_type} webhook body", set(body) - set(keys), error)
    return body


def _wrapped(key: str, parse: Callable[[Any], Any]) -> Callable[[str, Any], dict[str, Any]]:
    """A body ``{key: <model>}``: the event's one attribute, named after ``key``."""
    attribute = "".join(f"_{c.lower()}" if c.isupper() else c for c in key)

    def read(event_type: str, body: Any) -> dict[str, Any]:
        inner = _body_object(event_type, body, (key,))[key]
        return {attribute: _model(event_type, f"$.body.{key}", parse, inner)}

    return read


def _whole(attribute: str, parse: Callable[[Any], Any]) -> Callable[[str, Any], dict[str, Any]]:
    """A body that is the model itself."""

    def read(event_type: str, body: Any) -> dict[str, Any]:
        return {attribute: _model(event_type, "$.body", parse, body)}

    return read


def _empty(event_type: str, body: Any) -> dict[str, Any]:
    _body_object(event_type, body, ())
    return {}


#: How each event type's body becomes its event's attributes.
_BODIES: Mapping[type[WebhookEvent], Callable[[str, Any], dict[str, Any]]] = {
    NoteEvent: _wrapped("note", Note.from_dict),
    ReplyEvent: _wrapped("note", Note.from_dict),
    RenoteEvent: _wrapped("note", Note.from_dict),
    MentionEvent: _wrapped("note", Note.from_dict),
    FollowEvent: _wrapped("user", UserDetailedNotMe.from_dict),
    UnfollowEvent: _wrapped("user", UserDetailedNotMe.from_dict),
    FollowedEvent: _wrapped("user", UserLite.from_dict),
    UserCreatedEvent: _whole("user", UserLite.from_dict),
    AbuseReportEvent: _whole("report", AbuseReport.from_dict),
    AbuseReportResolvedEvent: _whole("report", AbuseReport.from_dict),
    InactiveModeratorsWarningEvent: _wrapped("remainingTime", ModeratorInactivityRemainingTime.from_dict),
    InactiveModeratorsInvitationOnlyChangedEvent: _empty,
}
assert set(_BODIES) == set(EVENT_TYPES.values()), "every event type has its body reader"


def parse_obj(data: Any) -> WebhookEvent:
    """The typed event of a delivery already decoded from JSON (a framework's ``request.json()``)."""
    if not isinstance(data, Mapping):
        raise WebhookEnvelopeError(f"the body is a JSON {_json_kind(data)}, not Misskey's envelope (an object)")
    event_type = _field(data, "type", str, "a string")
    common: dict[str, Any] = {
        "type": event_type,
        "server": _field(data, "server", str, "a string"),
        "hook_id": _field(data, "hookId", str, "a string"),
        "event_id": _field(data, "eventId", str, "a string"),
        "created_at": _created_at(data),
        "raw": data,
    }
    if "body" not in data:
        raise WebhookEnvelopeError("the envelope has no 'body'", json_path="$.body")
    cls = EVENT_TYPES.get(event_type, UnknownEvent)
    known = set(_ENVELOPE)
    if issubclass(cls, UserWebhookEvent):
        common["user_id"] = _field(data, "userId", str, "a string")
        known.add("userId")
    elif cls is UnknownEvent:
        user_id = data.get("userId")
        if user_id is not None and not isinstance(user_id, str):
            raise WebhookEnvelopeError(
                f"the envelope's 'userId' is {type(user_id).__name__}, not a string", json_path="$.userId"
            )
        common["user_id"] = user_id
        known.add("userId")

    def error(message: str, path: str) -> Exception:
        return WebhookEnvelopeError(message, json_path=path)

    _check_properties("webhook envelope", set(data) - known, error)
    if cls is UnknownEvent:
        return UnknownEvent(body=data["body"], **common)
    assert issubclass(cls, (UserWebhookEvent, SystemWebhookEvent))
    return cls(**common, **_BODIES[cls](event_type, data["body"]))


def _json_kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "boolean", int: "number", float: "number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def parse(body: bytes | bytearray | memoryview | str, *, max_body_size: int | None = None) -> WebhookEvent:
    """The typed event of a delivery's body (bytes as received, or text).

    Raises ``WebhookJSONError``, ``WebhookEnvelopeError`` or ``WebhookBodyError`` (all
    ``WebhookPayloadError``); an event type this library does not know is an ``UnknownEvent``.
    With ``max_body_size``, a body of more bytes is ``WebhookTooLargeError`` before any decoding.
    """
    if max_body_size is not None:
        size = len(body.encode("utf-8", "surrogatepass")) if isinstance(body, str) else len(memoryview(body).cast("B"))
        if size > max_body_size:
            raise WebhookTooLargeError(f"the body is longer than {max_body_size} bytes", limit=max_body_size)
    return parse_obj(decode_json(body))


def verify_and_parse(
    secret: Secret | Iterable[Secret],
    headers: Headers,
    body: bytes | bytearray | memoryview | str,
    *,
    max_body_size: int | None = None,
) -> WebhookEvent:
    """:func:`verify` the delivery, then :func:`parse` it: what a receiver does with every request.

    The secret is checked first, so a stranger learns nothing about what the body should look like.
    """
    verify(secret, headers)
    return parse(body, max_body_size=max_body_size)
