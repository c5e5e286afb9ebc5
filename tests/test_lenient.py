"""Lenient parsing never raises on a valid JSON answer, keeps what does not fit, and round-trips.

Recorded answers of Misskey 2026.3.2 have one value, at any depth, changed to a value of another
JSON type. Lenient parsing (the default) must still give the answer's models, with every other
field intact and the odd value kept as it came: ``to_dict`` gives back exactly the changed answer.
Strict parsing refuses the change and says where it is. And every model, input models included,
turns what it parsed back into the same JSON, with no ``UNSET`` in it.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from misskey_client import ResponseParseError, strict_parsing
from misskey_client._endpoints import ENDPOINTS
from misskey_core._parsing import collect_drift
from tests.security.test_fuzz_models import MODELS, TESTS, _mutated, _paths, comparable, recorded_examples
from tools.survey import responses


@functools.cache
def _answers() -> list[tuple[str, Any]]:
    """(endpoint, JSON) of recorded answers that hold at least one object (so there is a model to keep)."""
    return [(name, data) for name, data in responses(TESTS) if any(isinstance(v, dict) for v in [data, *_values(data)])]


def _values(data: Any) -> list[Any]:
    return list(data.values()) if isinstance(data, dict) else list(data) if isinstance(data, list) else []


def dump(value: Any) -> Any:
    """What a parsed answer says as JSON: models by ``to_dict``, lists item by item."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [dump(item) for item in value]
    return value


_OTHER_TYPE: dict[type, list[Any]] = {
    dict: [None, 1, "x", [1]],
    list: [None, 1, "x", {"a": 1}],
    str: [None, 1, [], {"a": 1}],
    bool: [None, "x", [], {}],
    int: [None, "x", [], {}],
    float: [None, "x", [], {}],
    type(None): [1, "x", [], {"a": 1}],
}


@st.composite
def changed_answer(draw: st.DrawFn) -> tuple[str, Any, Any, tuple[Any, ...]]:
    """(endpoint, original, the answer with one value changed to another JSON type, the path changed)."""
    name, original = draw(st.sampled_from(_answers()))
    paths = list(_paths(original))
    path = draw(st.sampled_from(paths))
    value: Any = original
    for key in path:
        value = value[key]
    replacement = draw(st.sampled_from(_OTHER_TYPE[type(value)]))
    return name, original, _mutated(original, path, replacement, remove=False), path


@settings(
    max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(changed_answer())
def test_one_odd_value_costs_nothing_else(case: tuple[str, Any, Any, tuple[Any, ...]]) -> None:
    name, original, changed, path = case
    parse = importlib.import_module(ENDPOINTS[name].module)._parse
    with strict_parsing(False), collect_drift():
        parsed = parse(changed)  # never raises
    assert comparable(dump(parsed)) == comparable(changed)  # every other field as sent, the odd one as it came
    if isinstance(parsed, list) and len(path) >= 1 and isinstance(path[0], int):
        # The other items of a list are still models.
        others = [item for index, item in enumerate(parsed) if index != path[0] and isinstance(original[index], dict)]
        assert all(hasattr(item, "to_dict") for item in others)


def test_strict_parsing_says_where_the_odd_value_is() -> None:
    name, original = next((n, d) for n, d in responses(TESTS) if n == "notes/show")
    changed = json.loads(json.dumps(original))
    changed["user"]["avatarDecorations"] = "not a list"
    parse = importlib.import_module(ENDPOINTS[name].module)._parse
    with strict_parsing(), pytest.raises(ResponseParseError) as excinfo:
        parse(changed)
    assert excinfo.value.json_path == "$.user.avatarDecorations"
    assert str(excinfo.value).startswith("Note at $.user.avatarDecorations: ")
    with strict_parsing(False), collect_drift() as drift:
        note = parse(changed)
    assert note.user.avatar_decorations == "not a list" and note.user.username == original["user"]["username"]
    assert drift == ["UserLite at $.avatarDecorations: TypeError: avatarDecorations: expected a list, not str"]


def test_a_list_keeps_its_other_items_typed() -> None:
    name, original = next((n, d) for n, d in responses(TESTS) if n == "notes/timeline" and len(d) >= 3)
    changed = [*original[:1], "not a note", *original[2:]]
    parse = importlib.import_module(ENDPOINTS[name].module)._parse
    with strict_parsing(False):
        notes = parse(changed)
    assert notes[1] == "not a note"
    assert [n.id for i, n in enumerate(notes) if i != 1] == [d["id"] for i, d in enumerate(changed) if i != 1]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_an_empty_object_round_trips_without_unset(model: type[Any]) -> None:
    """Input models too: ``NotesCreateBodyPoll.from_dict({}).to_dict()`` is ``{}``, which JSON can encode."""
    with strict_parsing(False):
        assert model.from_dict({}).to_dict() == {}


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_a_partial_object_round_trips(data: st.DataObject) -> None:
    examples = recorded_examples()
    model = data.draw(st.sampled_from(sorted(examples, key=lambda m: m.__name__)))
    full = data.draw(st.sampled_from(examples[model]))
    keys = data.draw(st.lists(st.sampled_from(sorted(full)), unique=True)) if full else []
    partial = {key: full[key] for key in keys}
    with strict_parsing(False):
        again = model.from_dict(partial).to_dict()
    assert comparable(again) == comparable(partial)
    json.dumps(again)  # no UNSET, no datetime: JSON as it came


def test_every_declared_success_status_is_in_the_return_type() -> None:
    """200 gives the model, 204 gives None, both give ``Model | None``; checked against the pinned spec."""
    spec = json.loads((TESTS.parent / "generator" / "specs" / "misskey-2026.3.2.json").read_text(encoding="utf-8"))
    both = 0
    for path, item in spec["paths"].items():
        name = path.strip("/")
        returns = str(inspect.signature(importlib.import_module(ENDPOINTS[name].module).sync).return_annotation)
        statuses = {s: r for s, r in item["post"]["responses"].items() if s.startswith("2")}
        with_json = {s for s, r in statuses.items() if "application/json" in (r.get("content") or {})}
        if not with_json:
            assert returns == "None", name
        elif len(with_json) < len(statuses):
            both += 1
            assert returns.endswith("| None") or returns in ("Any", "None"), (name, returns)
        else:
            assert returns != "None" and not returns.endswith("| None"), (name, returns)
    assert both >= 1  # notes/translate: 200 or 204


def test_an_odd_value_in_a_map_of_models_is_written_back() -> None:
    """A role's policies map names to models; a value that is not one is kept, and ``to_dict`` keeps it too."""
    from misskey_client.models import RolePoliciesMap

    data = {"canImportBlocking": None, "gtlAvailable": {"value": True, "priority": 0, "useDefault": True}}
    with strict_parsing(False), collect_drift() as drift:
        policies = RolePoliciesMap.from_dict(data)
    assert policies.to_dict() == data
    assert drift == [
        "RolePoliciesMap at $.canImportBlocking: RolePoliciesMapAdditionalProperty: TypeError: "
        "expected a JSON object, not NoneType"
    ]
