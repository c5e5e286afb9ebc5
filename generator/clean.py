"""Stage 2: fix Misskey's spec quirks before anything is rendered.

Each fix is one function, applied in order by :func:`clean`, and each says which server behaviour or
spec habit it works around. Fixes that hold for one release only (a property the server really sends
but the spec forgot) live in :mod:`generator.patches` instead.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import SpecError
from .names import share_inline_schemas
from .report import Finding

__all__ = ["API_CALL_ERRORS", "CleanResult", "clean", "endpoint_name", "pascal", "where"]

JSON = dict[str, Any]


@dataclass
class CleanResult:
    spec: JSON
    warnings: list[str] = field(default_factory=list)
    #: what the clean-up changed that the user should know of (repairs, untyped values, skipped endpoints)
    findings: list[Finding] = field(default_factory=list)
    #: endpoint name -> the alternatives of a oneOf/anyOf body, as lists of property names
    body_alternatives: dict[str, list[list[str]]] = field(default_factory=dict)
    #: model class name -> (property, value) that tells it apart inside a union
    discriminators: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: component name -> its members, for each union told apart by a tag (Notification, PageBlock)
    tagged_unions: dict[str, list[str]] = field(default_factory=dict)
    #: component name -> where the identical inline schemas it replaces were (generator/names.py)
    shared: dict[str, list[str]] = field(default_factory=dict)


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
    _dangling_refs(result)
    _drop_body_security(result)
    _name_operations(result)
    _errors_are_raised(result)
    _drop_empty_bodies(result)
    _arrays_have_items(result)
    _formats_that_change_types(result)
    _ref_siblings(result)
    _nullable_all_of(result)
    _merge_conflicting_all_of(result)
    _merge_alternative_bodies(result)
    _uploads_are_arguments(result)
    _hoist_tagged_unions(result)
    _hoist_colliding_inline_objects(result)
    result.shared = share_inline_schemas(result.spec)
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
    if "/meta" not in spec["paths"]:
        # Every Misskey release and fork serves ``meta``; another API's spec would give a useless client.
        title = spec.get("info", {}).get("title") if isinstance(spec.get("info"), dict) else None
        raise SpecError(f"this OpenAPI document ({title or 'untitled'}) is not a Misskey API: it has no /meta endpoint")
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
            result.findings.append(
                Finding("skipped", name, "its path cannot be a method name; call it with mk.request()")
            )


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


def _error(status: int, code: str, id: str, message: str) -> JSON:
    return {"status": status, "code": code, "id": id, "message": message}


#: Errors Misskey's ApiCallService answers for any endpoint, before the endpoint runs; the spec lists
#: some under the wrong status and others not at all (ApiCallService.ts, #sendAuthenticationError).
API_CALL_ERRORS = [
    _error(
        401,
        "AUTHENTICATION_FAILED",
        "b0a7f5f8-dc2f-4171-b91f-de88ad238e14",
        "Authentication failed. Please ensure your token is correct.",
    ),  # the spec says 403
    _error(401, "CREDENTIAL_REQUIRED", "1384574d-a912-4b81-8601-c7b1c4085df1", "Credential required."),
    _error(
        403,
        "PERMISSION_DENIED",
        "1370e5b7-d4eb-4566-bb1d-7748ee6a1838",
        "Your app does not have the necessary permissions to use this endpoint.",
    ),
    _error(
        403,
        "ROLE_PERMISSION_DENIED",
        "7f86f06f-7e15-4057-8561-f4b6d4ac755a",
        "You are not assigned to a required role.",
    ),
    _error(
        403,
        "ROLE_PERMISSION_DENIED",
        "c3d38592-54c0-429d-be96-5636b0431a61",
        "You are not assigned to an administrator role.",
    ),
    _error(
        403,
        "ROLE_PERMISSION_DENIED",
        "d33d5333-db36-423d-a8f9-1a2b9549da41",
        "You are not assigned to a moderator role.",
    ),
    _error(403, "YOUR_ACCOUNT_MOVED", "56f20ec9-fd06-4fa5-841b-edd6d7d4fa31", "You have moved your account."),
    _error(403, "YOUR_ACCOUNT_SUSPENDED", "a8c724b3-6e9c-4b46-b1a8-bc3ed6258370", "Your account has been suspended."),
]


def _errors_are_raised(result: CleanResult) -> None:
    """Every operation lists 400/401/403/418/429/500 responses with the ``Error`` schema, which would
    make each function return ``Note | Error``. The client raises those as ``MisskeyAPIError``
    instead, so error responses are dropped; what their examples say of each error (status, code,
    id, message) is kept (``x-misskey-errors``): one exception class per code, and the docstrings.
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
                for code, example in sorted((media.get("examples") or {}).items()):
                    if not re.fullmatch(r"[A-Z0-9_]+", code):
                        continue
                    value = example.get("value") if isinstance(example, dict) else None
                    error = value.get("error") if isinstance(value, dict) else None
                    error = error if isinstance(error, dict) else {}
                    found = {"status": int(status) if str(status).isdigit() else 0, "code": code}
                    for key in ("id", "message"):
                        if isinstance(error.get(key), str):
                            found[key] = error[key]
                    if code in {e["code"] for e in API_CALL_ERRORS}:
                        continue  # answered by ApiCallService for every endpoint: see API_CALL_ERRORS
                    errors.append(found)
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


def _ref_siblings(result: CleanResult) -> None:
    """Misskey 13.x writes what it means beside a ``$ref``: ``{"$ref": "DriveFolder", "nullable": true}``
    for a reference that may be null, and ``{"$ref": "MeDetailed", "properties": {"token": ...}}`` for
    "a MeDetailed and a token" (``admin/accounts/create``). OpenAPI 3.0 ignores every sibling of a
    ``$ref``, and so does openapi-python-client: a null ``DriveFile.folder`` did not fit, and the token
    was not in the model. Say it in OpenAPI: ``oneOf: [ref, null]`` and ``allOf: [ref, {properties}]``.
    """
    for parts, node in list(_walk_pointers(result.spec)):
        if "$ref" not in node or not _is_schema(parts):
            continue
        nullable = node.get("nullable") is True or "null" in _types(node)
        properties = node.get("properties")
        if not nullable and not properties:
            continue
        meant: JSON = {"$ref": node["$ref"]}
        if properties:
            extra: JSON = {"type": "object", "properties": properties}
            if node.get("required"):
                extra["required"] = node["required"]
            meant = _with_properties(result.spec, meant, extra)
        if nullable:
            meant = {"oneOf": [meant, {"type": "null"}]}
        if "description" in node:
            meant["description"] = node["description"]
        said = " and ".join(w for w, present in (("nullable", nullable), ("properties", properties)) if present)
        name = str(node["$ref"]).rsplit("/", 1)[-1]
        why = f"{said} beside a $ref, which OpenAPI ignores; read as {'a nullable ' if nullable else ''}{name}"
        result.findings.append(
            Finding("repaired", where(parts), why + (" with those properties" if properties else ""))
        )
        node.clear()
        node.update(meant)


def _with_properties(spec: JSON, schema: JSON, extra: JSON, depth: int = 0) -> JSON:
    """``schema`` with the properties of ``extra`` too. 13.x's ``User`` is a union (``UserLite |
    UserDetailed``, itself a union): "a User and a token" is each member with a token, since
    openapi-python-client cannot take ``allOf`` of a union."""
    target = _resolve(spec, schema["$ref"]) if "$ref" in schema else schema
    union = next((key for key in ("oneOf", "anyOf") if isinstance(target.get(key), list)), None)
    if union is None or depth > 5:
        return {"allOf": [{"$ref": schema["$ref"]} if "$ref" in schema else schema, copy.deepcopy(extra)]}
    return {union: [_with_properties(spec, member, extra, depth + 1) for member in target[union]]}


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
        result.tagged_unions[owner] = [ref["$ref"].rsplit("/", 1)[1] for ref in hoisted]


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


def _walk_pointers(node: Any, parts: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], JSON]]:
    """Every object in ``node`` with the path of keys that leads to it."""
    if isinstance(node, dict):
        yield parts, node
        for key, value in list(node.items()):
            yield from _walk_pointers(value, (*parts, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_pointers(value, (*parts, str(index)))


_SCHEMA_KEYWORDS = {"properties", "items", "allOf", "oneOf", "anyOf", "additionalProperties", "schema", "content"}


def where(parts: tuple[str, ...]) -> str:
    """A place in the spec as a person names it: ``MetaLite.langs``, ``meta (answer).ads[]``, ``i (body).name``."""
    if parts[:2] == ("components", "schemas") and len(parts) > 2:
        name, rest = parts[2], parts[3:]
    elif parts[:1] == ("paths",) and len(parts) > 1:
        side = "answer" if "responses" in parts else "body" if "requestBody" in parts else "operation"
        name, rest = f"{endpoint_name(parts[1])} ({side})", parts[3:]
        rest = rest[rest.index("schema") + 1 :] if "schema" in rest else ()
    else:
        return "/" + "/".join(parts)
    out = name
    keys = iter(rest)
    for key in keys:
        if key == "properties":
            out += "." + next(keys, "?")
        elif key == "items":
            out += "[]"
        elif key in ("allOf", "oneOf", "anyOf"):
            out += f"<{key}[{next(keys, '?')}]>"
        elif key == "additionalProperties":
            out += "{}"
    return out


def _resolves(spec: JSON, ref: str) -> bool:
    if not ref.startswith("#/"):
        return False
    node: Any = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return isinstance(node, dict)


def _dangling_refs(result: CleanResult) -> None:
    """A ``$ref`` to a schema the document does not have (a fork that renamed or dropped one, or a
    reference to another file: ``{"$ref": "#/components/schemas/Gone"}``). openapi-python-client
    drops every model on the way to it, and every endpoint that returns one of those. The value
    becomes plain JSON instead, named in the report.
    """
    for parts, node in list(_walk_pointers(result.spec)):
        ref = node.get("$ref")
        if isinstance(ref, str) and not _resolves(result.spec, ref):
            node.clear()
            node["description"] = f"Not typed: the spec refers to {ref}, which it does not define."
            result.findings.append(Finding("untyped", where(parts), f"refers to {ref}, which the spec lacks"))


def _is_empty_object(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and schema.get("type", "object") in ("object", ["object"])
        and not schema.get("properties")
        and not any(k in schema for k in ("allOf", "oneOf", "anyOf", "$ref"))
        and schema.get("additionalProperties") in (None, False)
    )


def _drop_empty_bodies(result: CleanResult) -> None:
    """Misskey 13.x declares a body for every endpoint, parameterless ones included:
    ``requestBody: {content: {application/json: {schema: {type: object, properties: {}, required: []}}}}``
    where later releases declare none. Such a body has nothing to pass, and rendered as one it
    gives each parameterless method an empty keyword-only marker (``def list(self, *, )``).
    """
    for item in result.spec["paths"].values():
        operation = item.get("post")
        body = operation.get("requestBody") if isinstance(operation, dict) else None
        if not isinstance(body, dict):
            continue
        content = body.get("content") or {}
        if all(_is_empty_object((media or {}).get("schema")) for media in content.values()):
            del operation["requestBody"]


def _types(schema: JSON) -> set[str]:
    declared = schema.get("type")
    types = set(declared) if isinstance(declared, list) else {declared} if isinstance(declared, str) else set()
    if schema.get("nullable") is True:
        types.add("null")
    return types


def _arrays_have_items(result: CleanResult) -> None:
    """``{"type": "array"}`` with no ``items`` (a fork's ``MetaLite``, written from a TypeScript
    type with no element schema): openapi-python-client refuses the whole model, and with it
    every endpoint that returns it (``meta`` and ``admin/meta`` answered ``None``). The list
    stays a list; its items are plain JSON (``items: {}``).
    """
    for parts, node in list(_walk_pointers(result.spec)):
        if "array" in _types(node) and "items" not in node and "prefixItems" not in node and _is_schema(parts):
            node["items"] = {}
            why = "an array without `items`: its items are Any"
            result.findings.append(Finding("untyped", where(parts) + "[]", why))


def _is_schema(parts: tuple[str, ...]) -> bool:
    """Whether the object at ``parts`` is a schema (and not, say, an example value)."""
    if "example" in parts or "examples" in parts or "x-misskey-errors" in parts:
        return False
    return parts[:2] == ("components", "schemas") or "schema" in parts


# Formats openapi-python-client turns into Python types other than str (datetime, date, UUID, File).
_TYPED_FORMATS = {"date-time", "date", "uuid", "binary"}


def _formats_that_change_types(result: CleanResult) -> None:
    """openapi-python-client parses ``date-time`` and ``date`` strings into datetime objects, ``uuid``
    into UUID and ``binary`` into a file; every other format (Misskey's ``id``, ``misskey:id``,
    ``url``) stays a plain ``str``. On a value that is not a string (``{"type": "number",
    "format": "date-time"}``), or a ``binary`` outside a multipart body, the format would give a
    wrong type or an unrenderable model; it is dropped there. So is a ``default`` a date-time
    property cannot hold (``"default": "now"``).
    """
    for parts, node in list(_walk_pointers(result.spec)):
        fmt = node.get("format")
        if fmt not in _TYPED_FORMATS or not _is_schema(parts):
            continue
        not_string = _types(node) - {"null"} != {"string"}
        binary_in_json = fmt == "binary" and "multipart~1form-data" not in parts and "multipart/form-data" not in parts
        if not_string or binary_in_json:
            del node["format"]
            result.findings.append(
                Finding(
                    "repaired",
                    where(parts),
                    f"format {fmt!r} on a {'/'.join(sorted(_types(node))) or 'untyped'} "
                    "value does not apply; it is a plain value",
                )
            )
        elif fmt in ("date-time", "date") and isinstance(node.get("default"), str):
            try:
                datetime.date.fromisoformat(node["default"][:10])
            except ValueError:
                result.findings.append(
                    Finding("repaired", where(parts), f"default {node['default']!r} is not a {fmt}; dropped")
                )
                del node["default"]


# Keys that document a schema without constraining it: they never make two definitions differ.
_ANNOTATIONS = frozenset({"description", "example", "examples", "title", "deprecated", "default", "nullable", "type"})


def _constraints(schema: JSON) -> JSON:
    return {k: v for k, v in schema.items() if k not in _ANNOTATIONS}


def _describe_schema(schema: JSON) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    types = sorted(_types(schema), key=lambda t: (t == "null", t))
    text = " | ".join(types) if types else "any"
    if "enum" in schema:
        text += f" enum {schema['enum']}"
    return text


def _merge_definitions(first: JSON, second: JSON) -> JSON:
    """One schema that accepts what either definition of a property accepts."""
    if _constraints(first) == _constraints(second):
        types = sorted(_types(first) | _types(second), key=lambda t: (t == "null", t))
        merged = {k: v for k, v in {**first, **second}.items() if k not in ("type", "nullable")}
        if types:
            merged["type"] = types[0] if len(types) == 1 else types
        return merged
    if "enum" in first and "enum" in second and _types(first) == _types(second):
        values = list(first["enum"]) + [v for v in second["enum"] if v not in first["enum"]]
        return {**first, **second, "enum": values}
    merged = {"anyOf": [first, second]}
    if "description" in second or "description" in first:
        merged["description"] = second.get("description", first.get("description"))
    return merged


def _members(schema: JSON, spec: JSON, depth: int = 0) -> list[tuple[str, dict[str, JSON], set[str]]] | None:
    """(name, properties, required) of each part of an ``allOf`` object, or None if a part is not a
    plain object (a union, a cycle too deep)."""
    if depth > 20:
        return None
    parts: list[tuple[str, dict[str, JSON], set[str]]] = []
    if schema.get("properties") or schema.get("required"):
        parts.append(("itself", dict(schema.get("properties") or {}), set(schema.get("required") or [])))
    for member in schema.get("allOf") or []:
        if not isinstance(member, dict):
            return None
        name = "inline"
        if "$ref" in member:
            name = str(member["$ref"]).rsplit("/", 1)[-1]
            member = _resolve(spec, member["$ref"])
        if any(k in member for k in ("oneOf", "anyOf", "$ref")):
            return None
        if "allOf" in member:
            inner = _members(member, spec, depth + 1)
            if inner is None:
                return None
            parts.extend((f"{name}>{n}" if name != "inline" else n, p, r) for n, p, r in inner)
        else:
            parts.append((name, dict(member.get("properties") or {}), set(member.get("required") or [])))
    return parts


def _merge_conflicting_all_of(result: CleanResult) -> None:
    """``allOf`` members that define one property differently: a fork's ``MeDetailed`` is
    ``allOf: [UserLite, UserDetailedNotMeOnly, MeDetailedOnly]``, where ``UserLite.isAdmin`` is an
    optional ``boolean`` and ``MeDetailedOnly.isAdmin`` a required ``[boolean, null]``.
    openapi-python-client cannot merge the two ("bool can't be merged with bool | None"), drops
    ``MeDetailed`` and leaves ``mk.i()`` returning None. Such an object is flattened into one:
    each disagreeing property takes a schema accepting both definitions (``boolean`` and
    ``[boolean, null]`` give ``[boolean, null]``; other pairs a union) and is required only
    where every definition requires it. Objects whose members agree are left as they are.
    """
    spec = result.spec
    # Components first, so that an answer built on a repaired component (``allOf: [MeDetailed, ...]``)
    # meets it already flat and needs no repair of its own.
    nodes = [*_walk_pointers(spec["components"], ("components",)), *_walk_pointers(spec["paths"], ("paths",))]
    for parts, node in nodes:
        all_of = node.get("allOf")
        if not isinstance(all_of, list) or len(all_of) < 2 or not _is_schema(parts):
            continue
        members = _members(node, spec)
        if members is None:
            continue
        definitions: dict[str, list[tuple[str, JSON, bool]]] = {}
        for member, member_properties, member_required in members:
            for name, prop in member_properties.items():
                if isinstance(prop, dict):
                    definitions.setdefault(name, []).append((member, prop, name in member_required))
        conflicts = {
            name: found
            for name, found in definitions.items()
            if len({repr(sorted(_constraints(p).items())) + repr(sorted(_types(p))) for _, p, _ in found}) > 1
        }
        if not conflicts:
            continue
        all_required = set().union(*(r for _, _, r in members))
        properties: dict[str, JSON] = {}
        required: set[str] = set()
        for name, found in definitions.items():
            if name in conflicts:
                merged = found[0][1]
                for _, prop, _ in found[1:]:
                    merged = _merge_definitions(merged, prop)
                properties[name] = copy.deepcopy(merged)
                if all(req for _, _, req in found):
                    required.add(name)
                shapes = "; ".join(f"{_describe_schema(p)}{'' if req else ' (optional)'} in {m}" for m, p, req in found)
                state = "required" if name in required else "optional"
                result.findings.append(
                    Finding(
                        "repaired",
                        f"{where(parts)}.{name}",
                        f"allOf members disagree ({shapes}); merged as {_describe_schema(merged)}, {state}",
                    )
                )
            else:
                properties[name] = copy.deepcopy(found[-1][1])
                if name in all_required:
                    required.add(name)
        flat: JSON = {k: v for k, v in node.items() if k not in ("allOf", "properties", "required", "type")}
        flat["type"] = "object"
        flat["properties"] = properties
        if required:
            flat["required"] = sorted(required)
        node.clear()
        node.update(flat)
