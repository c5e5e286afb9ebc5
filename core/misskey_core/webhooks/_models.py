"""The two webhook bodies the OpenAPI spec has no schema for: the abuse report and the moderators' time left.

Misskey 2026.3.2 sends an abuse report to system webhooks as its database row with the three users
packed as ``UserLite`` (``AbuseReportNotificationService.notifySystemWebhook``): unlike the answer of
``admin/abuse-user-reports`` it has ``targetUserHost`` and ``reporterHost``, no ``createdAt``, and
lite users. So these are hand-written, and behave like the generated models: lenient by default (an
unknown property kept in ``additional_properties``, a missing one ``UNSET``, a value of the wrong
type kept as it came), strict under ``strict_parsing()``, ``from_dict`` raising ``ResponseParseError``
and nothing else, ``to_dict`` giving back the JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from attrs import define, field, fields

from misskey_client.models import UserLite
from misskey_client.types import UNSET, Unset

from .._parsing import PARSE_ERRORS, mismatched, missing_required, parse_error, unknown_enum_value, unknown_properties

__all__ = ["AbuseReport", "ModeratorInactivityRemainingTime"]

_M = TypeVar("_M")
#: A property's check: returns the value as the model keeps it, or raises TypeError.
_Check = Callable[[Any], Any]


def _string(value: Any) -> Any:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {type(value).__name__}")
    return value


def _boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, not {type(value).__name__}")
    return value


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, not {type(value).__name__}")
    return value


def _resolution(value: Any) -> Any:
    return value if value in ("accept", "reject") else unknown_enum_value("AbuseReport.resolvedAs", value)


def _nullable(check: _Check) -> _Check:
    return lambda value: None if value is None else check(value)


def _from_json(cls: type[_M], data: Any, properties: Mapping[str, tuple[str, _Check]]) -> _M:
    """``cls`` from a JSON object: ``properties`` maps each JSON name to (attribute, check)."""
    model = cls.__name__
    if not isinstance(data, Mapping):
        raise parse_error(model, TypeError(f"expected a JSON object, not {type(data).__name__}"))
    rest = dict(data)
    values: dict[str, Any] = {}
    for name, (attribute, check) in properties.items():
        if name not in rest:
            missing_required(model, name)
            values[attribute] = UNSET
            continue
        raw = rest.pop(name)
        try:
            values[attribute] = check(raw)
        except PARSE_ERRORS as exc:
            values[attribute] = mismatched(model, name, raw, exc)
    unknown_properties(model, rest)
    instance = cls(**values)
    instance.additional_properties = rest  # type: ignore[attr-defined]
    return instance


def _to_json(model: Any, properties: Mapping[str, tuple[str, _Check]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (attribute, _check) in properties.items():
        value = getattr(model, attribute)
        if isinstance(value, Unset):
            continue
        out[name] = value.to_dict() if hasattr(value, "to_dict") else value
    out.update(model.additional_properties)
    return out


class _Extra:
    """The mapping interface of the generated models, over ``additional_properties``."""

    additional_properties: dict[str, Any]

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties)

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties


def _user(value: Any) -> UserLite:
    return UserLite.from_dict(value)


@define
class AbuseReport(_Extra):
    """An abuse report as system webhooks carry it (``abuseReport``, ``abuseReportResolved``).

    ``target_user``, ``reporter`` and ``assignee`` are ``None`` when the account is gone;
    ``resolved_as`` is ``"accept"``, ``"reject"`` or ``None`` (not resolved, or resolved without saying).
    """

    id: str
    target_user_id: str
    target_user: UserLite | None
    target_user_host: str | None
    reporter_id: str
    reporter: UserLite | None
    reporter_host: str | None
    assignee_id: str | None
    assignee: UserLite | None
    resolved: bool
    forwarded: bool
    comment: str
    moderation_note: str
    resolved_as: str | None
    additional_properties: dict[str, Any] = field(init=False, factory=dict)

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> AbuseReport:
        """Parse a JSON object; raises ``ResponseParseError`` for data that cannot be an abuse report."""
        return _from_json(cls, src_dict, _ABUSE_REPORT)

    def to_dict(self) -> dict[str, Any]:
        return _to_json(self, _ABUSE_REPORT)


@define
class ModeratorInactivityRemainingTime(_Extra):
    """How long until the server acts on its moderators' inactivity (``inactiveModeratorsWarning``).

    ``time`` is in milliseconds; ``as_days`` and ``as_hours`` are the same span, rounded as the server does.
    """

    time: float
    as_days: float
    as_hours: float
    additional_properties: dict[str, Any] = field(init=False, factory=dict)

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> ModeratorInactivityRemainingTime:
        """Parse a JSON object; raises ``ResponseParseError`` for data that cannot be this model."""
        return _from_json(cls, src_dict, _REMAINING_TIME)

    def to_dict(self) -> dict[str, Any]:
        return _to_json(self, _REMAINING_TIME)


def _camel(attribute: str) -> str:
    head, *rest = attribute.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _properties(cls: type, checks: Mapping[str, _Check]) -> dict[str, tuple[str, _Check]]:
    """JSON name -> (attribute, check), in the order the class declares its attributes."""
    names = [a.name for a in fields(cast(Any, cls)) if a.name != "additional_properties"]
    assert sorted(names) == sorted(checks), "every attribute has its check"
    return {_camel(name): (name, checks[name]) for name in names}


_ABUSE_REPORT = _properties(
    AbuseReport,
    {
        "id": _string,
        "target_user_id": _string,
        "target_user": _nullable(_user),
        "target_user_host": _nullable(_string),
        "reporter_id": _string,
        "reporter": _nullable(_user),
        "reporter_host": _nullable(_string),
        "assignee_id": _nullable(_string),
        "assignee": _nullable(_user),
        "resolved": _boolean,
        "forwarded": _boolean,
        "comment": _string,
        "moderation_note": _string,
        "resolved_as": _nullable(_resolution),
    },
)
_REMAINING_TIME = _properties(
    ModeratorInactivityRemainingTime, {"time": _number, "as_days": _number, "as_hours": _number}
)
