"""Stage 2: fix Misskey's spec quirks before anything is rendered.

Each fix is one function, applied in order by :func:`clean`, and each says which server behaviour or
spec habit it works around. Fixes that hold for one release only (a property the server really sends
but the spec forgot) live in :mod:`generator.patches` instead.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import SpecError

__all__ = ["CleanResult", "clean", "endpoint_name", "pascal"]

JSON = dict[str, Any]


@dataclass
class CleanResult:
    spec: JSON
    warnings: list[str] = field(default_factory=list)
    #: endpoint name -> the alternatives of a oneOf/anyOf body, as lists of property names
    body_alternatives: dict[str, list[list[str]]] = field(default_factory=dict)
    #: model class name -> (property, value) that tells it apart inside a union
    discriminators: dict[str, tuple[str, str]] = field(default_factory=dict)


def pascal(text: str) -> str:
    """``reaction:grouped`` -> ``ReactionGrouped``; ``PageBlock`` stays as it is."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def endpoint_name(path: str) -> str:
    """``/notes/create`` -> ``notes/create``: Misskey names endpoints by their path."""
    return path.strip("/")


def clean(raw: JSON) -> CleanResult:
    """Return a cleaned deep copy of ``raw`` ready for openapi-python-client."""
    result = CleanResult(spec=copy.deepcopy(raw))
    _check_openapi(result)
    _keep_only_post(result)
    _skip_unrenderable_paths(result)
    _drop_body_security(result)
    _name_operations(result)
    _errors_are_raised(result)
    _nullable_all_of(result)
    _merge_alternative_bodies(result)
    _uploads_are_arguments(result)
    _hoist_tagged_unions(result)
    _hoist_colliding_inline_objects(result)
    return result


def _check_openapi(result: CleanResult) -> None:
    spec = result.spec
    if not isinstance(spec, dict):
        raise SpecError(f"not an OpenAPI document: the top level is a {type(spec).__name__}, not an object")
    if "swagger" in spec:
        raise SpecError("this is a Swagger 2.0 document; Misskey serves OpenAPI 3 at /api.json")
    version = spec.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        raise SpecError("not an OpenAPI 3 document: no 'openapi: 3.x' field")
    if not isinstance(spec.get("paths"), dict) or not spec["paths"]:
        raise SpecError("the OpenAPI document has no paths")
    if version.startswith("3.0"):
        # Misskey before 13.x and some forks serve 3.0 (nullable: true instead of type lists).
        result.warnings.append(f"OpenAPI {version}: an older Misskey or a fork; generating anyway")
    spec.setdefault("components", {}).setdefault("schemas", {})
    spec.setdefault("info", {}).setdefault("title", "Misskey API")
    spec["info"].setdefault("version", "unknown")


def _keep_only_post(result: CleanResult) -> None:
    """Misskey accepts POST on every endpoint and also lists GET for ~25 cacheable ones.

    We always POST (with a JSON body), so the GET duplicates would only generate a second function
    per endpoint. A path listed with GET only becomes a POST.
    """
    for path, item in result.spec["paths"].items():
        operations = {m: op for m, op in item.items() if m in ("get", "post", "put", "patch", "delete")}
        if "post" not in operations and operations:
            method, operation = next(iter(sorted(operations.items())))
            result.warnings.append(f"{endpoint_name(path)}: only {method.upper()} listed; calling it with POST")
            operations["post"] = operation
        for method in list(item):
            if method in ("get", "put", "patch", "delete", "head", "options", "trace"):
                del item[method]
        if "post" in operations:
            item["post"] = operations["post"]


_ENDPOINT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$", re.IGNORECASE)


def _skip_unrenderable_paths(result: CleanResult) -> None:
    """Forks and newer servers add endpoints with path parameters (``miauth/{session}/check``) or
    odd characters. Those get no typed function: they are named in a warning and stay reachable
    through ``mk.request(name, params)``.
    """
    for path in list(result.spec["paths"]):
        name = endpoint_name(path)
        if not _ENDPOINT_NAME.match(name):
            del result.spec["paths"][path]
            result.warnings.append(f"skipped endpoint {name!r}: its path cannot be a method name; use mk.request()")


def _drop_body_security(result: CleanResult) -> None:
    """Older specs declare ``ApiKeyAuth`` with ``in: body`` (the ``i`` field), which OpenAPI lacks.

    The client injects the token itself (header or body), so security schemes are only kept as a
    marker of which endpoints need a credential.
    """
    schemes = result.spec["components"].get("securitySchemes", {})
    for name, scheme in list(schemes.items()):
        if isinstance(scheme, dict) and scheme.get("in") == "body":
            result.warnings.append(f"security scheme {name!r} puts the token in the body; the client does that itself")
            schemes[name] = {"type": "http", "scheme": "bearer"}


def _name_operations(result: CleanResult) -> None:
    """Misskey's operationIds (``post___notes___create``) are noise and some forks repeat them.

    Every operation is named from its path instead, which is unique by construction.
    """
    seen: dict[str, str] = {}
    for path, item in result.spec["paths"].items():
        operation = item.get("post")
        if not isinstance(operation, dict):
            continue
        original = operation.get("operationId")
        if isinstance(original, str):
            if original in seen:
                result.warnings.append(
                    f"duplicate operationId {original!r} ({seen[original]} and {endpoint_name(path)}); "
                    "names come from paths, so both are kept"
                )
            seen[original] = endpoint_name(path)
        operation["operationId"] = endpoint_name(path).replace("/", "_").replace("-", "_")
        if not operation.get("tags"):
            operation["tags"] = [endpoint_name(path).split("/")[0]]


def _errors_are_raised(result: CleanResult) -> None:
    """Every operation lists 400/401/403/418/429/500 responses with the ``Error`` schema, which would
    make each function return ``Note | Error``. The client raises those as ``MisskeyAPIError``
    instead, so error responses are dropped; their example codes are kept (``x-misskey-errors``) for
    the docstrings.
    """
    for item in result.spec["paths"].values():
        operation = item.get("post")
        if not isinstance(operation, dict):
            continue
        responses = operation.get("responses") or {}
        errors = []
        for status in sorted(responses):
            if str(status).startswith("2"):
                continue
            response = responses.pop(status)
            for media in (response.get("content") or {}).values() if isinstance(response, dict) else []:
                for code in sorted(media.get("examples") or {}):
                    if re.fullmatch(r"[A-Z0-9_]+", code):
                        errors.append({"status": int(status) if str(status).isdigit() else 0, "code": code})
        if not responses:
            responses["204"] = {"description": "OK (without any results)"}
        operation["responses"] = responses
        operation["x-misskey-errors"] = errors


def _walk(node: Any) -> Iterator[JSON]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _nullable_all_of(result: CleanResult) -> None:
    """A nullable reference is written ``allOf: [$ref]`` plus ``nullable: true`` (OpenAPI 3.0) or a
    ``type`` list with ``null``; generators then lose the reference. Make it ``oneOf: [$ref, null]``.
    """
    for node in _walk(result.spec):
        all_of = node.get("allOf")
        if not isinstance(all_of, list) or len(all_of) != 1:
            continue
        types = node.get("type")
        nullable = node.get("nullable") is True or (isinstance(types, list) and "null" in types)
        if not nullable:
            continue
        (only,) = all_of
        del node["allOf"]
        node.pop("nullable", None)
        node.pop("type", None)
        node["oneOf"] = [only, {"type": "null"}]


def _properties_of(schema: JSON, spec: JSON) -> tuple[dict[str, Any], list[list[str]], set[str]]:
    """Flatten an object schema built from allOf/anyOf/oneOf into (properties, alternatives, required)."""
    if "$ref" in schema:
        schema = _resolve(spec, schema["$ref"])
    properties: dict[str, Any] = dict(schema.get("properties", {}))
    required: set[str] = set(schema.get("required", []))
    alternatives: list[list[str]] = []
    for member in schema.get("allOf", []):
        props, alts, req = _properties_of(member, spec)
        properties.update(props)
        required |= req
        alternatives.extend(alts)
    for key in ("oneOf", "anyOf"):
        members = schema.get(key)
        if not members:
            continue
        member_required: list[set[str]] = []
        for member in members:
            props, _, req = _properties_of(member, spec)
            properties.update(props)
            member_required.append(req)
            alternatives.append(sorted(req) or sorted(props))
        required |= set.intersection(*member_required) if member_required else set()
    return properties, alternatives, required


def _resolve(spec: JSON, ref: str) -> JSON:
    node: Any = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node  # type: ignore[no-any-return]


def _merge_alternative_bodies(result: CleanResult) -> None:
    """Bodies like ``users/show`` are ``oneOf``/``anyOf`` alternatives (``userId``, or ``userIds``,
    or ``username`` + ``host``), which would become one model class per alternative and a body
    argument the caller must build. Merge them into one object whose properties are every
    alternative's, optional unless all alternatives require them; the server still validates.
    """
    for path, item in result.spec["paths"].items():
        body = item.get("post", {}).get("requestBody")
        if not isinstance(body, dict):
            continue
        for media in body.get("content", {}).values():
            schema = media.get("schema")
            if not isinstance(schema, dict) or not any(k in schema for k in ("allOf", "anyOf", "oneOf")):
                continue
            properties, alternatives, required = _properties_of(schema, result.spec)
            merged: JSON = {"type": "object", "properties": properties}
            if required:
                merged["required"] = sorted(required)
            media["schema"] = merged
            if alternatives:
                result.body_alternatives[endpoint_name(path)] = alternatives


def _uploads_are_arguments(result: CleanResult) -> None:
    """``drive/files/create`` is multipart with a binary ``file`` property. Left in the body model it
    would be a ``File`` attribute serialised with the other fields; instead each binary property
    becomes an upload argument of its own (``x-misskey-files``), sent after the value fields,
    which is the only order Misskey reads.
    """
    for item in result.spec["paths"].values():
        operation = item.get("post", {})
        media = (operation.get("requestBody") or {}).get("content", {}).get("multipart/form-data")
        schema = (media or {}).get("schema")
        if not isinstance(schema, dict):
            continue
        files = []
        for name, prop in list(schema.get("properties", {}).items()):
            if isinstance(prop, dict) and prop.get("format") == "binary" and re.fullmatch(r"[A-Za-z]\w*", name):
                del schema["properties"][name]
                files.append({"name": name, "required": name in schema.get("required", [])})
        if files:
            schema["required"] = [n for n in schema.get("required", []) if n not in {f["name"] for f in files}]
            if not schema["required"]:
                del schema["required"]
            operation["x-misskey-files"] = files


def _tag_of(member: JSON, spec: JSON) -> tuple[str, str] | None:
    if "$ref" in member:
        member = _resolve(spec, member["$ref"])
    for name, prop in member.get("properties", {}).items():
        enum = prop.get("enum") if isinstance(prop, dict) else None
        if name in member.get("required", []) and isinstance(enum, list) and len(enum) == 1:
            return name, str(enum[0])
    return None


def _hoist_tagged_unions(result: CleanResult) -> None:
    """``Notification`` and ``PageBlock`` are ``oneOf`` lists of inline objects told apart by a
    one-value ``type`` enum. openapi-python-client names them ``NotificationType19`` and, meeting the
    same inline schema twice, drops whole models ("duplicate model ... NotificationType19ReactionsItem").
    Give each alternative a component of its own named after its tag (``NotificationReactionGrouped``)
    and remember the tag so unions parse by discriminator instead of by trial.
    """
    schemas: JSON = result.spec["components"]["schemas"]
    for owner in sorted(schemas):
        schema = schemas[owner]
        members = schema.get("oneOf") if isinstance(schema, dict) else None
        if not isinstance(members, list) or len(members) < 2:
            continue
        tags = [_tag_of(m, result.spec) if isinstance(m, dict) else None for m in members]
        if any(t is None for t in tags) or len({t[0] for t in tags if t}) != 1:
            continue
        hoisted = []
        for member, tag in zip(members, tags, strict=True):
            assert tag is not None
            if "$ref" in member:
                name = member["$ref"].rsplit("/", 1)[1]
            else:
                name = owner + pascal(tag[1])
                while name in schemas:
                    name += "Variant"
                schemas[name] = member
            result.discriminators[pascal(name)] = tag
            hoisted.append({"$ref": f"#/components/schemas/{name}"})
        schema["oneOf"] = hoisted


def _inline_object_properties(schema: JSON) -> Iterator[tuple[JSON, str]]:
    for container in [schema, *schema.get("allOf", [])]:
        if not isinstance(container, dict):
            continue
        for name, prop in container.get("properties", {}).items():
            if isinstance(prop, dict) and "$ref" not in prop and prop.get("type") in ("object", ["object"]):
                yield container["properties"], name


def _hoist_colliding_inline_objects(result: CleanResult) -> None:
    """openapi-python-client names an inline object property ``<Model><Property>``; ``Role.policies``
    becomes ``RolePolicies``, which is also a component, and the generator then drops ``Role``
    ("Attempted to generate duplicate models with name RolePolicies"). Move such inline objects to
    components with a distinct name.
    """
    schemas: JSON = result.spec["components"]["schemas"]
    taken = {pascal(name) for name in schemas}
    for owner in sorted(schemas):
        schema = schemas[owner]
        if not isinstance(schema, dict):
            continue
        for properties, name in list(_inline_object_properties(schema)):
            derived = pascal(owner) + pascal(name)
            if derived not in taken:
                continue
            inline = properties[name]
            # A pure map (``additionalProperties`` only) reads best as ``...Map``.
            new_name = derived + ("Map" if "properties" not in inline else "Object")
            while pascal(new_name) in taken:
                new_name += "Inline"
            schemas[new_name] = inline
            properties[name] = {"$ref": f"#/components/schemas/{new_name}"}
            taken.add(pascal(new_name))
