"""Stage 3a: where openapi-python-client still cannot build a part of the spec, make just that part plain JSON.

The clean-up stage repairs the defects we know of. Anything else openapi-python-client refuses
would vanish without a word: a model it cannot build is dropped together with every model and
endpoint answer that uses it, and an endpoint whose answer it cannot build returns ``None``.
Here the spec is parsed, and the smallest failing part is replaced by a schema that accepts any
JSON, then parsed again: a property (or union member) first, else the whole model, else an
endpoint's answer; only an endpoint whose body cannot be built at all is skipped. Every step is
a :class:`~generator.report.Finding`, so nothing is lost silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from openapi_python_client.config import Config
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.errors import GeneratorError as OpcError
from openapi_python_client.parser.errors import ParseError
from openapi_python_client.parser.properties import Schemas, build_schemas
from openapi_python_client.schema import OpenAPI
from pydantic import ValidationError

from .clean import endpoint_name, where
from .errors import SpecError
from .report import Finding

__all__ = ["build", "json_answers", "readable"]

JSON = dict[str, Any]
_MAX_ROUNDS = 200
_PREFIX = "/components/schemas/"
_UNTRUSTED = re.compile(r"\s*<openapi_python_client\.[\w.]+ object at 0x[0-9a-f]+>")


def readable(detail: str | None) -> str:
    """The first line of an openapi-python-client message, without the reprs it puts in some."""
    text = _UNTRUSTED.sub("", detail or "").strip()
    return text.splitlines()[0].strip().rstrip(".:") if text else "openapi-python-client could not render it"


def _any(original: Any, why: str) -> JSON:
    """A schema that accepts any JSON, keeping what the original said of itself."""
    described = original.get("description") if isinstance(original, dict) else None
    note = f"Not typed: {why}."
    return {"description": f"{described}\n\n{note}" if described else note}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#" + _PREFIX):
            yield ref[len("#" + _PREFIX) :]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _without_refs_to(node: Any, names: set[str]) -> Any:
    """A copy of ``node`` whose references to ``names`` accept any JSON (for probing a part alone)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#" + _PREFIX) and ref[len("#" + _PREFIX) :] in names:
            return {}
        return {key: _without_refs_to(value, names) for key, value in node.items()}
    if isinstance(node, list):
        return [_without_refs_to(value, names) for value in node]
    return node


def _validate(spec: JSON, findings: list[Finding]) -> OpenAPI:
    """The pydantic model of the document; a schema that is not valid OpenAPI becomes plain JSON."""
    for _ in range(_MAX_ROUNDS):
        try:
            return OpenAPI.model_validate(spec)
        except ValidationError as exc:
            first = exc.errors()[0]
            parts = _schema_at(spec, first["loc"])
            if parts is None:
                place = "/".join(str(p) for p in first["loc"])
                raise SpecError(f"the spec is not valid OpenAPI at {place}: {first['msg']}") from None
            parent = _node(spec, parts[:-1])
            why = f"not a valid schema ({first['msg']})"
            parent[_key(parent, parts[-1])] = _any(_node(spec, parts), why)
            findings.append(Finding("untyped", where(parts), why))
    raise SpecError("the spec has too many invalid schemas to render")


def _key(parent: Any, part: str) -> Any:
    return int(part) if isinstance(parent, list) else part


def _node(spec: JSON, parts: tuple[str, ...]) -> Any:
    node: Any = spec
    for part in parts:
        node = node[_key(node, part)]
    return node


def _schema_at(spec: JSON, loc: tuple[Any, ...]) -> tuple[str, ...] | None:
    """The innermost schema on a pydantic error location (which also names union members)."""
    node: Any = spec
    parts: list[str] = []
    best: tuple[str, ...] | None = None
    for item in loc:
        if isinstance(node, dict) and str(item) in node:
            node = node[str(item)]
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            node = node[item]
        else:
            continue
        parts.append(str(item))
        inside = (parts[:2] == ["components", "schemas"] and len(parts) > 2) or "schema" in parts[:-1]
        if inside and isinstance(node, dict) and parts[-1] not in ("properties", "content"):
            best = tuple(parts)
    return best


def _built(spec: JSON, config: Config, findings: list[Finding]) -> tuple[set[str], Schemas]:
    openapi = _validate(spec, findings)
    components = openapi.components.schemas if openapi.components and openapi.components.schemas else {}
    schemas = build_schemas(components=components, schemas=Schemas(), config=config)
    built = {str(ref.get_untrusted_value()).rsplit("/", 1)[-1] for ref in schemas.classes_by_reference}
    return built, schemas


def _probe(spec: JSON, part: Any, failed: set[str], config: Config) -> str | None:
    """Why ``part`` alone cannot be built (None if it can), references to failed models aside."""
    schemas: JSON = spec["components"]["schemas"]
    probe = {"type": "object", "properties": {"value": _without_refs_to(part, failed)}}
    needed, todo = {}, list(_refs(probe))
    while todo:
        name = todo.pop()
        if name in needed or name in failed or name not in schemas:
            continue
        needed[name] = schemas[name]
        todo.extend(_refs(schemas[name]))
    document = {"openapi": "3.1.0", "info": {"title": "probe", "version": "0"}, "paths": {}}
    document["components"] = {"schemas": {**needed, "MisskeyGeneratorProbe": probe}}
    try:
        openapi = OpenAPI.model_validate(document)
    except ValidationError as exc:
        return f"not a valid schema ({exc.errors()[0]['msg']})"
    assert openapi.components is not None and openapi.components.schemas is not None
    result = build_schemas(components=openapi.components.schemas, schemas=Schemas(), config=config)
    if any(str(r.get_untrusted_value()).endswith("/MisskeyGeneratorProbe") for r in result.classes_by_reference):
        return None
    return readable(result.errors[-1].detail if result.errors else None)


def _parts(schema: JSON, parts: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    """(path, container, key) of each sub-schema a model can lose alone: properties, items, union members."""
    for name in list(schema.get("properties") or {}):
        yield (*parts, "properties", name), schema["properties"], name
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield (*parts, key), schema, key
    for key in ("oneOf", "anyOf"):
        for index in range(len(schema.get(key) or [])):
            yield (*parts, key, str(index)), schema[key], index
    for index, member in enumerate(schema.get("allOf") or []):
        if isinstance(member, dict) and "$ref" not in member:
            yield from _parts(member, (*parts, "allOf", str(index)))


def _drop_model(spec: JSON, name: str, why: str) -> None:
    """Remove a component; what referred to it accepts any JSON (an ``allOf`` just loses that member)."""
    del spec["components"]["schemas"][name]
    ref = f"#{_PREFIX}{name}"

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in list(node.items()):
                if key == "allOf" and isinstance(value, list):
                    value[:] = [m for m in value if not (isinstance(m, dict) and m.get("$ref") == ref)]
                    if not value:
                        del node[key]
                elif isinstance(value, dict) and value.get("$ref") == ref:
                    node[key] = _any(value, f"{name} could not be built ({why})")
                else:
                    visit(value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, dict) and value.get("$ref") == ref:
                    node[index] = _any(value, f"{name} could not be built ({why})")
                else:
                    visit(value)

    visit(spec)


def _repair_models(spec: JSON, config: Config, findings: list[Finding]) -> None:
    """Until every component builds: degrade the failing parts of each model that fails on its own."""
    schemas: JSON = spec["components"]["schemas"]
    for _ in range(_MAX_ROUNDS):
        built, _ = _built(spec, config, findings)
        failed = set(schemas) - built
        if not failed:
            return
        # A model that only fails because a model it uses failed is not at fault.
        roots = {name for name in failed if not (set(_refs(schemas[name])) - {name}) & failed} or failed
        for name in sorted(roots):
            schema = schemas[name]
            fixed = False
            for parts, container, key in list(_parts(schema, ("components", "schemas", name))):
                why = _probe(spec, container[key], failed, config)
                if why is not None:
                    container[key] = _any(container[key], why)
                    findings.append(Finding("untyped", where(parts), why))
                    fixed = True
            if not fixed:
                why = _probe(spec, {"$ref": f"#{_PREFIX}{name}"}, failed - {name}, config) or "it cannot be rendered"
                _drop_model(spec, name, why)
                findings.append(Finding("untyped", name, f"could not be built ({why}); plain JSON wherever it is used"))
    raise SpecError("the spec's models could not be repaired")


def json_answers(operation: JSON) -> dict[str, JSON]:
    """Status -> the JSON schema an operation declares for a 2xx answer."""
    found = {}
    for status, response in (operation.get("responses") or {}).items():
        content = response.get("content") if isinstance(response, dict) else None
        schema = ((content or {}).get("application/json") or {}).get("schema")
        if str(status).startswith("2") and isinstance(schema, dict):
            found[str(status)] = schema
    return found


def _endpoints(data: GeneratorData) -> tuple[dict[str, Any], dict[str, list[ParseError]]]:
    """Rendered endpoints by name, and the parse errors of each endpoint that was not."""
    rendered: dict[str, Any] = {}
    errors: dict[str, list[ParseError]] = {}
    for collection in data.endpoint_collections_by_tag.values():
        for endpoint in collection.endpoints:
            rendered[endpoint_name(str(endpoint.path.get_untrusted_value()))] = endpoint
        for error in collection.parse_errors:
            match = re.search(r"parsing \w+ (\S+) within", error.header or "")
            if match:
                errors.setdefault(endpoint_name(match.group(1)), []).append(error)
    return rendered, errors


def _typed_statuses(endpoint: Any) -> set[str]:
    return {str(r.status_code.pattern) for r in endpoint.responses.patterns}


def _repair_body(spec: JSON, path: str, operation: JSON, config: Config, findings: list[Finding]) -> bool:
    """Make the body properties that cannot be built plain JSON; whether there were any."""
    repaired = False
    for media_type, media in ((operation.get("requestBody") or {}).get("content") or {}).items():
        schema = media.get("schema") if isinstance(media, dict) else None
        if not isinstance(schema, dict):
            continue
        prefix = ("paths", path, "post", "requestBody", "content", media_type, "schema")
        for parts, container, key in list(_parts(schema, prefix)):
            why = _probe(spec, container[key], set(), config)
            if why is not None:
                container[key] = _any(container[key], why)
                findings.append(Finding("untyped", where(parts), why))
                repaired = True
    return repaired


def build(spec: JSON, config: Config, findings: list[Finding]) -> GeneratorData:
    """Parse ``spec`` (changed in place) until every model builds and every endpoint renders."""
    _repair_models(spec, config, findings)
    for _ in range(_MAX_ROUNDS):
        data = GeneratorData.from_dict(spec, config=config)
        if isinstance(data, OpcError):
            raise SpecError(f"openapi-python-client cannot use this spec: {readable(data.detail or data.header)}")
        rendered, errors = _endpoints(data)
        changed = False
        for path, item in list(spec["paths"].items()):
            name = endpoint_name(path)
            operation = item.get("post")
            if not isinstance(operation, dict):
                continue
            endpoint = rendered.get(name)
            why = readable(errors[name][0].detail) if errors.get(name) else "openapi-python-client could not render it"
            answers = json_answers(operation)
            lost = [s for s in answers if endpoint is None or s not in _typed_statuses(endpoint)]
            already_any = [s for s in lost if set(answers[s]) <= {"description"}]
            if lost and len(already_any) < len(lost):
                for status in lost:
                    response = operation["responses"][status]["content"]["application/json"]
                    response["schema"] = _any(response["schema"], why)
                findings.append(Finding("as-json", name, f"its answer could not be typed ({why})"))
                changed = True
            elif endpoint is None and _repair_body(spec, path, operation, config, findings):
                changed = True
            elif endpoint is None:
                del spec["paths"][path]
                findings.append(Finding("skipped", name, why))
                changed = True
        if not changed:
            return data
    raise SpecError("the spec's endpoints could not be repaired")
