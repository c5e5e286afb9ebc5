"""A broken real spec gives a client or one ``error:`` line, never a traceback, and loses nothing silently.

Hypothesis takes a part of the pinned spec (a few endpoints and every schema they use), breaks it
the ways real servers' specs are broken (an array without ``items``, a dangling ``$ref``, ``allOf``
members that disagree, an empty body added or a body removed, an invalid type or format), and
runs the whole generator on it.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import py_compile
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import fetch
from generator.__main__ import main

ENDPOINTS = ["/meta", "/i", "/notes/create", "/notes/show", "/users/show", "/antennas/list", "/notes/polls/vote"]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _part_of_the_pinned_spec() -> dict[str, Any]:
    spec = json.loads(fetch.PINNED_SPEC.read_text(encoding="utf-8"))
    paths = {path: spec["paths"][path] for path in ENDPOINTS}
    schemas: dict[str, Any] = {}
    todo = list(_refs(paths))
    while todo:
        name = todo.pop()
        if name not in schemas:
            schemas[name] = spec["components"]["schemas"][name]
            todo.extend(_refs(schemas[name]))
    return {**spec, "paths": paths, "components": {**spec["components"], "schemas": schemas}}


PART = _part_of_the_pinned_spec()


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _schemas(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in _nodes(spec["components"]["schemas"]) if "type" in n or "$ref" in n]


def _mutate(spec: dict[str, Any], kind: str, data: st.DataObject) -> str:
    """Break ``spec`` in place one way; returns what was done (for Hypothesis' report)."""
    schemas = spec["components"]["schemas"]
    operations = [item["post"] for item in spec["paths"].values()]
    if kind == "drop items":
        arrays = [n for n in _nodes(spec) if n.get("type") == "array" and "items" in n]
        node = data.draw(st.sampled_from(arrays))
        del node["items"]
    elif kind == "break a $ref":
        node = data.draw(st.sampled_from([n for n in _nodes(spec) if "$ref" in n]))
        node["$ref"] = "#/components/schemas/Gone"
    elif kind == "conflict an allOf":
        owner = data.draw(st.sampled_from([n for n in _nodes(schemas) if len(n.get("allOf", [])) >= 2]))
        first, second = data.draw(st.permutations(owner["allOf"]))[:2]
        source, target = (schemas.get(m["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in m else m for m in (first, second))
        name = data.draw(st.sampled_from(sorted(source.get("properties") or {"id": {}})))
        other = data.draw(st.sampled_from([{"type": "integer"}, {"type": ["boolean", "null"]}, {"type": "array"}]))
        target.setdefault("properties", {})[name] = other
        if data.draw(st.booleans()):
            target.setdefault("required", []).append(name)
    elif kind == "add an empty body":
        operation = data.draw(st.sampled_from(operations))
        schema = {"type": "object", "properties": {}, "required": []}
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    elif kind == "remove a body":
        operation = data.draw(st.sampled_from([o for o in operations if "requestBody" in o]))
        del operation["requestBody"]
    elif kind == "invalid type":
        node = data.draw(st.sampled_from(_schemas(spec)))
        node["type"] = data.draw(st.sampled_from(["banana", 7, ["string", "banana"]]))
    else:  # a format that changes the type, on something else
        node = data.draw(st.sampled_from(_schemas(spec)))
        node["format"] = data.draw(st.sampled_from(["date-time", "uuid", "binary", "date"]))
    return kind


KINDS = [
    "drop items",
    "break a $ref",
    "conflict an allOf",
    "add an empty body",
    "remove a body",
    "invalid type",
    "format",
]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=3), data=st.data())
def test_a_broken_spec_renders_or_says_why_in_one_line(kinds: list[str], data: st.DataObject) -> None:
    spec = copy.deepcopy(PART)
    for kind in kinds:
        _mutate(spec, kind, data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "api.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main(["--spec", str(path), "--output", str(Path(tmp) / "out" / "misskey_client")])
        text = err.getvalue()
        assert "Traceback" not in text
        errors = [line for line in text.splitlines() if line.startswith("error:")]
        if status != 0:
            assert len(errors) == 1 and "unexpectedly" not in errors[0], text
            return
        assert not errors, text
        rendered = int(re.search(r"endpoints rendered: (\d+)", text).group(1))  # type: ignore[union-attr]
        skipped = int(re.search(r"endpoints skipped: (\d+)", text).group(1))  # type: ignore[union-attr]
        assert rendered + skipped == len(spec["paths"])  # every endpoint is a method or named as skipped
        for module in (Path(tmp) / "out").rglob("*.py"):
            py_compile.compile(str(module), doraise=True)
