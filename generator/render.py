"""Stage 3: render the package with openapi-python-client and our templates.

openapi-python-client parses the cleaned spec and renders models and endpoint modules through the
templates in ``templates/`` (which override its own by file name). We then render what it has no
notion of: the facade namespaces (``mk.notes.reactions.create``), the endpoint registry and the
permission list used by ``misskey_auth``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attrs
from openapi_python_client import Project, strings
from openapi_python_client.config import ClassOverride, Config, ConfigFile, MetaType
from openapi_python_client.parser import GeneratorData, import_string_from_class
from openapi_python_client.parser.errors import GeneratorError as OpcError
from openapi_python_client.parser.openapi import Endpoint
from openapi_python_client.parser.properties import ModelProperty

from .clean import CleanResult, endpoint_name
from .errors import SpecError

__all__ = ["EndpointInfo", "Node", "RenderResult", "attribute_name", "render"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PACKAGE = "misskey_client"
_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_PERMISSION = re.compile(r"\*\*Permission\*\*: \*([a-z0-9:, _-]+)\*")
_CREDENTIAL = re.compile(r"\*\*Credential required\*\*: \*(Yes|No)")
_RESERVED = {
    "request",
    "close",
    "aclose",
    "base_url",
    "token_in",
    "has_token",
    "stream",
    "paginate",
    "supports",
}


def attribute_name(segment: str, *, top: bool = False) -> str:
    """A path segment as a Python attribute: ``get-all`` -> ``get_all``, ``2fa`` -> ``two_fa``.

    At the top level, names the client itself uses (``request``, ``close``...) get a trailing ``_``.
    """
    name = segment.replace("-", "_").replace(".", "_")
    if name[:1].isdigit():
        name = _DIGITS[int(name[0])] + "_" + name[1:]
    if keyword.iskeyword(name) or (top and name in _RESERVED):
        name += "_"
    return name


@dataclass
class EndpointInfo:
    name: str  # "notes/create"
    endpoint: Endpoint
    module: str  # "misskey_client.api.notes.notes_create"
    permission: list[str]
    credential: bool
    errors: list[dict[str, Any]]
    alternatives: list[list[str]]
    summary: str
    details: str
    files: list[dict[str, Any]]  # upload arguments: {"name", "python", "required"}
    idempotent: bool
    pagination: str | None  # "id" (untilId/sinceId), "offset", or None
    default_limit: int | None


@dataclass
class Node:
    """One step of the endpoint path tree: a namespace, an endpoint, or both."""

    path: tuple[str, ...]
    endpoint: EndpointInfo | None = None
    children: dict[str, Node] = field(default_factory=dict)

    @property
    def class_name(self) -> str:
        return "".join(attribute_name(p).title().replace("_", "") for p in self.path) + "Namespace"

    def walk(self) -> Iterator[Node]:
        yield self
        for key in sorted(self.children):
            yield from self.children[key].walk()


@dataclass
class RenderResult:
    files: dict[str, str]  # relative path (under the output root) -> content
    warnings: list[str]
    endpoints: list[EndpointInfo]


def _config() -> Config:
    config_file = ConfigFile(
        package_name_override=PACKAGE,
        project_name_override="misskey-client",
        literal_enums=True,
        post_hooks=[],  # stage 4 formats the tree itself
    )
    return Config.from_sources(
        config_file,
        MetaType.NONE,  # type: ignore[arg-type]  # a StrEnum; the Python 3.10 stubs mypy targets lack it
        document_source=Path("spec.json"),
        file_encoding="utf-8",
        overwrite=True,
        output_path=None,
    )


def _drop_type0_suffix(openapi: GeneratorData) -> dict[str, ClassOverride]:
    """A nullable inline object (``poll: {type: [object, null]}``) becomes the union of a model
    and None, and openapi-python-client names the model ``NotesCreateBodyPollType0``. Where the
    name without the suffix is free, use it: ``NotesCreateBodyPoll``.
    """
    names = {str(m.class_info.name) for m in openapi.models} | {str(e.class_info.name) for e in openapi.enums}
    overrides = {}
    for name in sorted(names):
        base = name[: -len("Type0")]
        if name.endswith("Type0") and base not in names and base + "Type1" not in names:
            overrides[name] = ClassOverride.model_validate(
                {"class_name": base, "module_name": strings.snake_case(base)}
            )
    return overrides


def _docstring_parts(description: str, permission: list[str], credential: bool) -> tuple[str, str]:
    """Misskey's descriptions end in a markdown line about credentials; say it in plain words."""
    text = _PERMISSION.sub("", _CREDENTIAL.sub("", description))
    text = re.sub(r"\*\*Internal Endpoint\*\*:", "Internal endpoint:", text)
    text = re.sub(r"[*]\s*/\s*", "", text).replace("No description provided.", "").strip()
    summary, _, details = text.partition("\n")
    if permission:
        access = f"Needs a token with the permission{'s' if len(permission) > 1 else ''} {', '.join(permission)}."
    elif credential:
        access = "Needs a token."
    else:
        access = "Works without a token."
    details = (details.strip() + "\n\n" + access).strip()
    return strings.safe_for_docstring(
        summary.strip().rstrip(".") or "No description in the spec"
    ), strings.safe_for_docstring(details)


_CHANGES = re.compile(
    r"(create|delete|update|remove|add|set|reset|clear|suspend|import|export|send|vote|read|regenerate|"
    r"follow|unfollow|mute|unmute|block|unblock|invite|join|leave|favorite|like|unlike|accept|reject|cancel|"
    r"claim|register|move|push|approve|deny|test|report|change|gen|generate|logout|flush|pin|unpin|switch|"
    r"copy|upload|assign|unassign|mark|forward|migrate|hide|verify|sign|match|renew|resolve|revoke|promote|"
    r"unregister|done|password-less|request-reset-password|summon|surrender|init)"
    r"(-[a-z0-9-]+)?",  # create-from-file, delete-all-files-of-a-user, read-all-unread-notes...
)


_READS = frozenset({"list", "show"})


def _idempotent(name: str, permission: list[str]) -> bool:
    """Whether a call may be repeated after it may have reached the server: reads only.

    Misskey marks what an endpoint does by its permission (``read:`` or ``write:``); endpoints
    without one are reads unless their last path segment names a change (``app/create``).
    """
    last = name.rsplit("/", 1)[-1]
    if last in _READS:
        # Misskey files admin/system-webhook/list and /show under write:admin:system-webhook (the
        # permission a token needs), yet they only read.
        return True
    if any(p.startswith("write:") for p in permission):
        return False
    return not _CHANGES.fullmatch(last)


def _body_properties(operation: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = (operation.get("requestBody") or {}).get("content") or {}
    media: dict[str, Any] = next(iter(content.values()), {})
    schema: dict[str, Any] = media.get("schema") or {}
    return schema.get("properties") or {}


def _returns_list(operation: dict[str, Any]) -> bool:
    response = (operation.get("responses") or {}).get("200") or {}
    schema = ((response.get("content") or {}).get("application/json") or {}).get("schema") or {}
    return schema.get("type") == "array"


def _pagination(operation: dict[str, Any]) -> str | None:
    """How a list endpoint pages: by id cursors, by offset, or not at all."""
    properties = _body_properties(operation)
    if not _returns_list(operation):
        return None
    if "untilId" in properties and "sinceId" in properties:
        return "id"
    if "offset" in properties:
        return "offset"
    return None


def _default_limit(operation: dict[str, Any]) -> int | None:
    default = (_body_properties(operation).get("limit") or {}).get("default")
    return default if isinstance(default, int) and not isinstance(default, bool) else None


def _raw(value: Any) -> str:
    """The plain text of an openapi-python-client ``UntrustedString`` (already validated in clean)."""
    return value.get_untrusted_value() if hasattr(value, "get_untrusted_value") else str(value)


def _describe(error: OpcError) -> str:
    detail = (error.detail or "").strip().splitlines()
    return f"{error.header or 'problem'}: {detail[0] if detail else ''}".strip()


def render(cleaned: CleanResult, out_dir: Path) -> RenderResult:
    """Render the client package into ``out_dir/misskey_client`` and return extra files and warnings."""
    config = _config()
    config.output_path = out_dir / PACKAGE
    openapi = GeneratorData.from_dict(cleaned.spec, config=config)
    if isinstance(openapi, OpcError):
        raise SpecError(f"openapi-python-client cannot use this spec: {_describe(openapi)}")
    overrides = _drop_type0_suffix(openapi)
    if overrides:
        config.class_overrides.update(overrides)
        openapi = GeneratorData.from_dict(cleaned.spec, config=config)
        assert not isinstance(openapi, OpcError)

    warnings: list[str] = []
    infos = _endpoint_infos(cleaned, openapi)
    generated = {info.name for info in infos}
    for path, item in sorted(cleaned.spec["paths"].items()):
        if "post" in item and endpoint_name(path) not in generated:
            warnings.append(f"skipped endpoint {endpoint_name(path)}: openapi-python-client could not render it")

    root = Node(path=())
    for info in infos:
        node = root
        for segment in info.name.split("/"):
            node = node.children.setdefault(attribute_name(segment), Node(path=(*node.path, attribute_name(segment))))
        node.endpoint = info

    project = Project(openapi=openapi, config=config, custom_template_path=TEMPLATES)
    by_path = {info.name: info for info in infos}
    project.env.filters.update(
        union=lambda a, b: set(a) | set(b), qualify_builtins=_qualify_builtins, tuple_=lambda values: tuple(values)
    )
    project.env.globals.update(
        body_imports=_body_imports,
        import_template=lambda prop: project.env.get_template("property_templates/" + prop.template).module,
        discriminators={strings.pascal_case(name): tag for name, tag in cleaned.discriminators.items()},
        endpoint_info=lambda endpoint: by_path[endpoint_name(_raw(endpoint.path))],
        spec_version=str(cleaned.spec["info"]["version"]),
        root=root,
        as_required=lambda prop: attrs.evolve(prop, required=True),
        plain_map=functools.partial(_plain_map, project, {m.class_info.name: m for m in openapi.models}),
        takes_as_is=functools.partial(_takes_as_is, project),
    )
    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Generating <dir>"
        build_errors = project.build()
    for error in build_errors:
        warnings.append(_describe(error))
    imports = [import_string_from_class(m.class_info) for m in [*openapi.models, *openapi.enums]]
    alls = [m.class_info.name for m in [*openapi.models, *openapi.enums]]
    stub = _render(project, "models_init.pyi.jinja", imports=imports, alls=alls)
    (config.output_path / "models" / "__init__.pyi").write_text(stub, encoding="utf-8")
    client_module = config.output_path / "client.py"
    client_module.write_text(_prune_imports(client_module.read_text(encoding="utf-8")), encoding="utf-8")

    files = {
        f"{PACKAGE}/_facade/{node.path[0]}.py": _prune_imports(_render(project, "facade_module.py.jinja", top=node))
        for node in root.children.values()
        if node.children
    }
    files[f"{PACKAGE}/_facade/__init__.py"] = _render(project, "facade_init.py.jinja")
    files[f"{PACKAGE}/_endpoints.py"] = _render(project, "endpoints.py.jinja", endpoints=infos)
    files["misskey_auth/_permissions.py"] = _render(
        project, "permissions.py.jinja", permissions=sorted({p for info in infos for p in info.permission})
    )
    return RenderResult(files=files, warnings=warnings, endpoints=infos)


def _takes_as_is(project: Project, prop: Any) -> bool:
    """Whether a value of ``prop`` is used as it is decoded: no construct, or one that comes down to
    ``x = value`` (a union of one plain type)."""
    template = getattr(prop, "template", None)
    if not template:
        return True
    construct = getattr(project.env.get_template("property_templates/" + template).module, "construct", None)
    return construct is None or str(construct(prop, "value")).strip() == f"{prop.python_name} = value"


def _plain_map(project: Project, models: dict[str, ModelProperty], prop: Any) -> bool:
    """Whether a property (or model) is a model that only maps names to plain values, such as a note's
    reactions or emojis: its parse is the decoded object itself, which a parent's fast path does inline."""
    model = models.get(prop.class_info.name) if isinstance(prop, ModelProperty) else None
    if model is None or model.required_properties or model.optional_properties:
        return False
    return model.additional_properties is not None and _takes_as_is(project, model.additional_properties)


_BUILTIN_GENERIC = re.compile(r"(?<![\w.])(list|set|dict)\[")


def _qualify_builtins(code: str) -> str:
    """Facade namespaces have methods named ``list`` and ``set``, which shadow the builtins inside the
    class body; annotations there say ``builtins.list[...]``."""
    return _BUILTIN_GENERIC.sub(r"builtins.\1[", str(code))


def _body_imports(endpoint: Endpoint, prefix: str) -> set[str]:
    """Imports for the annotations of an endpoint's keyword arguments (its body's properties)."""
    imports: set[str] = set()
    for body in endpoint.bodies:
        if not isinstance(body.prop, ModelProperty):
            continue
        for prop in (body.prop.required_properties or []) + (body.prop.optional_properties or []):
            imports |= prop.get_imports(prefix=prefix) | prop.get_lazy_imports(prefix=prefix)
    return imports


_FROM_IMPORT = re.compile(r"^(\s*)from (\S+) import (.+)$")


def _prune_imports(text: str) -> str:
    """Keep only the imported names a module uses.

    Facade modules import the annotation types of hundreds of endpoints; ruff's unused-import fix
    does not converge on files that large, so the renderer drops unused names itself.
    """
    lines = text.splitlines(keepends=True)
    body = "".join(line for line in lines if not _FROM_IMPORT.match(line))
    used = set(re.findall(r"\w+", body))
    out = []
    for line in lines:
        match = _FROM_IMPORT.match(line)
        if match and ".models." in match.group(2):
            names = [n.strip() for n in match.group(3).split(",") if n.strip() in used]
            if not names:
                continue
            line = f"{match.group(1)}from {match.group(2)} import {', '.join(names)}\n"
        out.append(line)
    return "".join(out)


def _render(project: Project, template: str, **context: Any) -> str:
    return project.env.get_template(template).render(**context)


def _endpoint_infos(cleaned: CleanResult, openapi: GeneratorData) -> list[EndpointInfo]:
    infos = []
    for tag, collection in sorted(openapi.endpoint_collections_by_tag.items()):
        for endpoint in collection.endpoints:
            name = endpoint_name(_raw(endpoint.path))
            operation = cleaned.spec["paths"][_raw(endpoint.path)]["post"]
            description = operation.get("description") or ""
            permission = [p.strip() for m in _PERMISSION.findall(description) for p in m.split(",")]
            credential = _CREDENTIAL.search(description)
            summary, details = _docstring_parts(
                description, permission, credential is not None and credential.group(1) == "Yes"
            )
            module_name = strings.PythonIdentifier(_raw(endpoint.name), "field_")
            infos.append(
                EndpointInfo(
                    name=name,
                    endpoint=endpoint,
                    module=f"{PACKAGE}.api.{tag}.{module_name}",
                    permission=permission,
                    credential=bool(credential and credential.group(1) == "Yes"),
                    errors=operation.get("x-misskey-errors", []),
                    alternatives=cleaned.body_alternatives.get(name, []),
                    summary=summary,
                    details=details,
                    files=[dict(f, python=strings.snake_case(f["name"])) for f in operation.get("x-misskey-files", [])],
                    idempotent=_idempotent(name, permission),
                    pagination=_pagination(operation),
                    default_limit=_default_limit(operation),
                )
            )
    return sorted(infos, key=lambda info: info.name)
