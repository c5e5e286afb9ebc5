"""Garbage never crashes: every generated model's ``from_dict`` returns a model or raises ``ResponseParseError``.

Each model is fuzzed with hypothesis three ways, leniently (the default) and strictly:

* any JSON value at all (objects, lists, strings, numbers, null, nested);
* objects with the model's own wire keys and random JSON values, every key present (the parser's
  fast path) or a random subset (its careful path);
* real objects recorded from Misskey 2026.3.2 with one property, at any depth, replaced by garbage
  or removed (for the models the cassettes hold).

A JSON value that is not an object never passes as a model. Valid data round-trips: every
recorded response parses, and ``to_dict`` gives back what the server sent.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import inspect
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import misskey_client.models
from misskey_client import ResponseParseError, strict_parsing
from misskey_client._endpoints import ENDPOINTS
from tools.survey import responses

TESTS = Path(__file__).parent.parent


def _models() -> list[type[Any]]:
    names = misskey_client.models.__all__
    found = (getattr(misskey_client.models, name) for name in names)
    return [obj for obj in found if inspect.isclass(obj) and hasattr(obj, "from_dict")]  # not Literal enums


MODELS = _models()
#: A property the parser reads: ``d["key"]``, ``d.get("key", ...)`` or ``d.pop("key", ...)``.
_READ = re.compile(r'\bd(?:\.pop\(|\.get\(|\[)\s*"((?:[^"\\]|\\.)*)"')


_KEYS: dict[type[Any], tuple[str, ...]] = {}


def wire_keys(model: type[Any]) -> tuple[str, ...]:
    """The JSON property names a model reads, from its generated module."""
    if model not in _KEYS:
        source = Path(sys.modules[model.__module__].__file__ or "").read_text("utf-8")
        _KEYS[model] = tuple(sorted(set(_READ.findall(source))))
    return _KEYS[model]


def _fields(model: type[Any]) -> list[str]:
    return [field.name for field in attrs.fields(model) if field.name != "additional_properties"]


# -- strategies ----------------------------------------------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    # Values that get past the first checks and into the conversions behind them.
    | st.sampled_from(["2026-03-01T12:34:56.789Z", "not-a-date", "24fcbfc6-2e37-42b6-8388-c29b3861a08d", "public"])
)
JSON = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=6,
)


def structured(model: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    keys = wire_keys(model)
    shallow = _SCALARS | st.lists(_SCALARS, max_size=2) | st.dictionaries(st.text(max_size=4), _SCALARS, max_size=2)
    every = st.fixed_dictionaries(dict.fromkeys(keys, shallow))
    some = st.fixed_dictionaries({}, optional=dict.fromkeys(keys, JSON))
    extra = st.dictionaries(st.text(max_size=10), JSON, max_size=2)
    return st.builds(lambda d, more: more | d, every | some, extra)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside a JSON document."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data[:3]):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _mutated(data: Any, path: tuple[Any, ...], value: Any, remove: bool) -> Any:
    if not path:
        return value
    copy: Any = dict(data) if isinstance(data, dict) else list(data)
    head, rest = path[0], path[1:]
    if remove and not rest:
        del copy[head]
    else:
        copy[head] = _mutated(copy[head], rest, value, remove)
    return copy


@st.composite
def mutations(draw: st.DrawFn, examples: list[dict[str, Any]]) -> Any:
    original = draw(st.sampled_from(examples))
    paths = list(_paths(original))
    if not paths:
        return draw(JSON)
    path = draw(st.sampled_from(paths))
    return _mutated(original, path, draw(JSON), remove=draw(st.booleans()))


# -- recorded responses --------------------------------------------------------------------------


def _walk(value: Any) -> Iterator[Any]:
    """Every model instance inside a parsed response."""
    if attrs.has(type(value)):
        yield value
        for field in attrs.fields(type(value)):
            yield from _walk(getattr(value, field.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)


@functools.cache
def recorded() -> list[tuple[str, Any, Any]]:
    """(endpoint, JSON, parsed) for every 2xx JSON response in the cassettes, parsed strictly."""
    found = []
    with strict_parsing():
        for name, data in responses(TESTS):
            module = importlib.import_module(ENDPOINTS[name].module)
            found.append((name, data, module._parse(data)))
    return found


@functools.cache
def recorded_examples() -> dict[Any, list[dict[str, Any]]]:
    """Up to 20 recorded objects per model, as the server sent them (``to_dict`` of the parse)."""
    examples: dict[Any, list[dict[str, Any]]] = {}
    with strict_parsing():
        for _, _, parsed in recorded():
            for instance in _walk(parsed):
                bucket = examples.setdefault(type(instance), [])
                if len(bucket) < 20:
                    bucket.append(instance.to_dict())
    return examples


_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def comparable(data: Any) -> Any:
    """JSON with the spellings that do not matter made equal: timestamps as instants, UUIDs lower-case."""
    if isinstance(data, dict):
        return {key: comparable(value) for key, value in data.items()}
    if isinstance(data, list):
        return [comparable(value) for value in data]
    if isinstance(data, str) and _ISO.match(data):
        return datetime.datetime.fromisoformat(data.replace("Z", "+00:00"))
    if isinstance(data, str) and _UUID.match(data):
        return data.lower()
    return data


# -- the tests -----------------------------------------------------------------------------------

#: Examples per model (and per parse mode); CI can raise it: ``MISSKEY_FUZZ_EXAMPLES=200 pytest ...``.
EXAMPLES = int(os.environ.get("MISSKEY_FUZZ_EXAMPLES", "10"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def _parse_or_refuse(model: type[Any], data: Any) -> None:
    for strict in (False, True):
        with strict_parsing(strict):
            try:
                result = model.from_dict(data)
            except ResponseParseError:
                continue
            assert isinstance(result, model)


def test_every_model_is_fuzzed() -> None:
    assert len(MODELS) > 600  # 674 classes for 2026.3.2 since identical inline schemas share one
    assert len(misskey_client.models.__all__) > len(MODELS)  # the Literal enums are not classes
    for model in MODELS:  # the structured fuzz knows every property of every model
        assert len(wire_keys(model)) == len(_fields(model)), model.__name__


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_from_dict_returns_a_model_or_raises_the_parse_error(model: type[Any]) -> None:
    examples = recorded_examples().get(model)
    strategy = JSON | structured(model)
    if examples:
        strategy = strategy | mutations(examples)

    @FUZZ
    @given(strategy)
    def fuzz(data: Any) -> None:
        _parse_or_refuse(model, data)

    fuzz()


NOT_OBJECTS: list[Any] = [None, 0, 1.5, True, "", "a note", "ab", [], ["ab"], [["id", "x"]], [{}], [None]]


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_a_value_that_is_not_an_object_is_never_a_model(strict: bool) -> None:
    """``dict(["ab"])`` is ``{"a": "b"}``: a list must not slip through a model's parse as an object."""
    passed = []
    with strict_parsing(strict):
        for model in MODELS:
            for value in NOT_OBJECTS:
                try:
                    model.from_dict(value)
                except ResponseParseError:
                    continue
                passed.append(f"{model.__name__}.from_dict({value!r})")
    assert passed == [], f"{len(passed)} non-objects parsed as models, e.g. {passed[:5]}"


def test_the_parse_error_names_the_model_and_chains_the_cause() -> None:
    from misskey_client.models import Note

    with pytest.raises(ResponseParseError) as excinfo:
        Note.from_dict(recorded_examples()[Note][0] | {"createdAt": "yesterday"})
    assert "Note" in str(excinfo.value)
    assert isinstance(excinfo.value.__cause__, ValueError)


def test_the_cassettes_cover_the_common_models() -> None:
    from misskey_client.models import DriveFile, MeDetailed, Note, UserDetailedNotMe, UserLite

    examples = recorded_examples()
    assert len(recorded()) > 300
    assert {Note, UserLite, MeDetailed, DriveFile, UserDetailedNotMe} <= examples.keys()


def test_recorded_responses_round_trip_through_to_dict() -> None:
    """Every recorded 2xx response parses strictly, and ``to_dict`` gives back what the server sent."""
    differing = []
    checked = 0
    with strict_parsing():
        for endpoint, data, parsed in recorded():
            items = (
                zip(data, parsed, strict=True)
                if isinstance(data, list) and isinstance(parsed, list)
                else [(data, parsed)]
            )
            for raw, model in items:
                if not attrs.has(type(model)):
                    continue
                checked += 1
                if comparable(model.to_dict()) != comparable(raw):
                    differing.append(endpoint)
                assert type(model).from_dict(model.to_dict()) == model, endpoint
    assert checked > 300
    assert differing == []
