"""Stage 2b: one model for identical inline schemas, named as a person would name it.

Misskey writes the same enum or object inline wherever it is used: the four note visibilities in
every body that takes one, the notification receive config under each of its 17 notification
types. openapi-python-client makes a class for every occurrence, named after where it is
(``NotesCreateBodyReactionAcceptanceType2Type1``, ``NotesDraftsCreateBodyReactionAcceptance...``).
Here identical inline schemas become one component, named after the property that holds them
(``ReactionAcceptance``) where that name is unambiguous: every occurrence is that property and no
other shape is. Otherwise the shared model keeps the name openapi-python-client gives its first
occurrence. :func:`response_names` then names the answers: ``MetaResponse``, ``CreatedNote``.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["response_names", "share_inline_schemas"]

JSON = dict[str, Any]
_ANNOTATIONS = frozenset({"description", "example", "examples", "title", "deprecated"})
_SCALARS = frozenset({"string", "integer", "number", "boolean"})


def _pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in _words(text))


def _words(text: str) -> list[str]:
    out, word = [], ""
    for char in text:
        if char.isalnum():
            word += char
        elif word:
            out.append(word)
            word = ""
    return [*out, word] if word else out


def _types(schema: JSON) -> set[str]:
    declared = schema.get("type")
    types = set(declared) if isinstance(declared, list) else {declared} if isinstance(declared, str) else set()
    if schema.get("nullable") is True:
        types.add("null")
    return types


def _core(schema: JSON) -> tuple[JSON, bool] | None:
    """The schema without its ``null`` (and whether it had one), if it is an enum or an object."""
    if "$ref" in schema or any(k in schema for k in ("oneOf", "anyOf", "allOf")):
        return None
    types = _types(schema)
    nullable = "null" in types or None in (schema.get("enum") or [])
    core = {k: v for k, v in schema.items() if k != "nullable"}
    rest = types - {"null"}
    if rest:
        core["type"] = next(iter(rest)) if len(rest) == 1 else sorted(rest)
    if isinstance(schema.get("enum"), list) and rest <= _SCALARS:
        values = [v for v in schema["enum"] if v is not None]
        if not values or len(rest) != 1:
            return None
        core["enum"] = values
    elif not (rest == {"object"} and schema.get("properties")):
        return None
    if core.get("default", "") is None:
        del core["default"]
    return core, nullable


def _key(schema: JSON) -> str:
    """Two schemas with the same key are the same type (descriptions, and the default of where it is
    used, aside)."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in _ANNOTATIONS}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return json.dumps(strip({k: v for k, v in schema.items() if k != "default"}), sort_keys=True)


@dataclass
class _Occurrence:
    container: Any  # the dict or list holding the schema
    key: Any  # its key (a property name, "items") or index there
    path: tuple[str, ...]
    hint: str | None  # the property it is the value of, the name a person would choose
    default_name: str  # what openapi-python-client would call its class
    core: JSON
    nullable: bool


def _walk(node: Any, path: tuple[str, ...], name: str, hint: str | None) -> Iterator[_Occurrence]:
    """The inline enums and objects under ``node`` (itself excluded), each with where and what it is."""
    if not isinstance(node, dict):
        return
    children: list[tuple[Any, Any, str, str, str | None]] = []
    for prop in node.get("properties") or {}:
        children.append((node["properties"], prop, f"properties/{prop}", name + _pascal(prop), prop))
    if isinstance(node.get("items"), dict):
        children.append((node, "items", "items", name + "Item", hint + "Item" if hint else None))
    if isinstance(node.get("additionalProperties"), dict):
        children.append((node, "additionalProperties", "additionalProperties", name + "AdditionalProperty", None))
    for union in ("oneOf", "anyOf"):
        for index, _ in enumerate(node.get(union) or []):
            children.append((node[union], index, f"{union}/{index}", f"{name}Type{index}", None))
    for index, member in enumerate(node.get("allOf") or []):
        yield from _walk(member, (*path, f"allOf/{index}"), name, hint)  # merged into the parent
    for container, key, step, child_name, child_hint in children:
        value = container[key]
        if not isinstance(value, dict):
            continue
        found = _core(value)
        if found is not None:
            yield _Occurrence(container, key, (*path, step), child_hint, child_name, found[0], found[1])
        yield from _walk(value, (*path, step), child_name, child_hint)


def _occurrences(spec: JSON) -> list[_Occurrence]:
    found: list[_Occurrence] = []
    for component, schema in spec["components"]["schemas"].items():
        found.extend(_walk(schema, ("components", component), _pascal(component), None))
    for path, item in spec["paths"].items():
        operation = item.get("post") or {}
        base = _pascal(str(operation.get("operationId", path)))
        for media in ((operation.get("requestBody") or {}).get("content") or {}).values():
            found.extend(_walk(media.get("schema"), ("paths", path, "body"), base + "Body", None))
        for status, response in (operation.get("responses") or {}).items():
            for media in ((response or {}).get("content") or {}).values():
                found.extend(_walk(media.get("schema"), ("paths", path, status), f"{base}Response{status}", None))
    return found


def share_inline_schemas(spec: JSON) -> dict[str, list[str]]:
    """Make each inline schema that occurs more than once a component; returns name -> where it was."""
    schemas: JSON = spec["components"]["schemas"]
    taken = {_pascal(name).lower() for name in schemas}
    shared: dict[str, list[str]] = {}
    for _ in range(50):  # outermost first: what is shared inside a shared schema is then shared too
        occurrences = _occurrences(spec)
        groups: dict[str, list[_Occurrence]] = defaultdict(list)
        shapes: dict[str, set[str]] = defaultdict(set)
        for occurrence in occurrences:
            key = _key(occurrence.core)
            groups[key].append(occurrence)
            if occurrence.hint:
                shapes[occurrence.hint].add(key)
        multiple = {key: found for key, found in groups.items() if len(found) > 1}
        if not multiple:
            break
        inner = {
            o.path
            for found in multiple.values()
            for o in found
            for other in multiple.values()
            for p in other
            if p is not o and len(p.path) < len(o.path) and o.path[: len(p.path)] == p.path
        }
        for key, found in sorted(multiple.items(), key=lambda kv: min(o.default_name for o in kv[1])):
            found = [o for o in found if o.path not in inner]
            if len(found) < 2:
                continue
            name = _name(found, shapes, key, taken)
            taken.add(name.lower())
            first = _first(found)
            schemas[name] = {k: v for k, v in copy.deepcopy(first.core).items() if k != "default"}
            for o in found:
                reference: JSON = {"$ref": f"#/components/schemas/{name}"}
                replacement: JSON = {"oneOf": [reference, {"type": "null"}]} if o.nullable else reference
                if "default" in o.core:  # the default belongs to where it is used (a keyword argument)
                    if not o.nullable:
                        replacement = {"allOf": [reference]}  # openapi-python-client ignores siblings of $ref
                    replacement["default"] = o.core["default"]
                description = o.container[o.key].get("description")
                if description and description != first.core.get("description"):
                    replacement["description"] = description
                o.container[o.key] = replacement
            shared[name] = sorted("/".join(o.path) for o in found)
    # A nullable enum used once, ``{type: [string, null], enum: [..., null]}``, is a union of the enum
    # and null too: as such its class is named after its property, not ``...SortType2Type1``.
    for o in _occurrences(spec):
        if o.nullable and "enum" in o.core:
            o.container[o.key] = {"oneOf": [o.core, {"type": "null"}]}
    return shared


def _first(found: list[_Occurrence]) -> _Occurrence:
    """The occurrence a shared model is named after when its property cannot name it: in a component
    rather than an endpoint (``NoteDraftVisibility``, not ``NotesDraftsCreateBodyVisibility``), then
    the shortest name."""
    return min(found, key=lambda o: (o.path[0] != "components", len(o.default_name), o.default_name))


def _name(found: list[_Occurrence], shapes: dict[str, set[str]], key: str, taken: set[str]) -> str:
    """The property's name where every occurrence is that property and it has no other shape: any
    enum (``Visibility``), an object whose property names it in more than one word
    (``ReactionAcceptance``; ``DriveFileProperties`` stays, not ``Properties``)."""
    hints = {o.hint for o in found}
    hint = next(iter(hints)) if len(hints) == 1 else None
    enum = "enum" in found[0].core
    words = sum(1 for c in _pascal(hint or "") if c.isupper())
    if hint and shapes[hint] == {key} and _pascal(hint).lower() not in taken and (enum or words > 1):
        return _pascal(hint)
    name = _first(found).default_name
    while name.lower() in taken:
        name += "Shared"
    return name


def response_names(names: set[str], statuses: dict[str, set[str]], wrappers: dict[str, str]) -> dict[str, str]:
    """New names for answer classes: ``MetaResponse200`` -> ``MetaResponse`` with its inline parts
    (``MetaResponse200Features`` -> ``MetaResponseFeatures``), for endpoints with one JSON answer; and
    a wrapper of one model named after it (``NotesCreateResponse200`` -> ``CreatedNote``).

    ``statuses``: each endpoint's class prefix (``NotesCreate``) -> its JSON success statuses;
    ``wrappers``: prefix -> the one property of an answer that only wraps a model.
    """
    renames: dict[str, str] = {}
    taken = set(names)
    for prefix, codes in sorted(statuses.items()):
        if len(codes) != 1:
            continue
        # Matched without case: openapi-python-client spells i/2fa's classes I2FaDone..., pascal_case I2faDone.
        old_root = f"{prefix}Response{next(iter(codes))}".lower()  # a list answer has no class, its items do
        found = sorted(n for n in names if n.lower().startswith(old_root))
        if not found:
            continue
        spelled = found[0][: len(prefix)]
        wrapper = prefix in wrappers and any(n.lower() == old_root for n in found)
        root = _pascal(wrappers[prefix]) if wrapper else f"{spelled}Response"
        if root in taken:
            root = f"{spelled}Response"
        if root in taken:
            continue
        for name in found:
            new = root + name[len(old_root) :]
            if new not in taken:
                renames[name] = new
                taken.add(new)
    return renames
