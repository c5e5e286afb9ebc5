"""Stage 3: render the package with openapi-python-client and our templates.

openapi-python-client parses the cleaned spec and renders models and endpoint modules through the
templates in ``templates/`` (which override its own by file name). We then render what it has no
notion of: the facade namespaces (``mk.notes.reactions.create``), the endpoint registry, the
endpoint table read by the command line (``generator/table.py``) and the permission list used by
``misskey_auth``.
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
from openapi_python_client.parser.properties.list_property import ListProperty
from openapi_python_client.parser.properties.union import UnionProperty

from . import fallback, reference, table
from .clean import API_CALL_ERRORS, CleanResult, endpoint_name
from .names import response_names
from .report import Source

__all__ = ["EndpointInfo", "Node", "RenderResult", "attribute_name", "public_name", "render", "spec_description"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PACKAGE = "misskey_client"
_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_PERMISSION = re.compile(r"\*\*Permission\*\*: \*([a-z0-9:, _-]+)\*")
_CREDENTIAL = re.compile(r"\*\*Credential required\*\*: \*(Yes|No)")
_ACCESS_LINE = re.compile(r"\*\*Credential required\*\*: \*(Yes|No)\*(\s*/\s*\*\*Permission\*\*: \*[^*]*\*)?")
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
    "server",
    "server_version",
    "with_options",
    "retry",
}


# Property names that keep openapi-python-client's trailing "_" (it gives one to every builtin):
# Python's keywords, and the few names the generated code needs unshadowed itself (``self`` in
# methods, ``datetime`` and the builtin types in class-body annotations, the ``client`` and
# ``progress`` arguments, the helpers ``_body`` calls). Misskey uses ``self`` only.
_KEEP_UNDERSCORE = frozenset(
    {"self", "datetime", "str", "int", "float", "bool", "list", "dict", "set", "client", "progress"}
    | {"isinstance", "hasattr", "cast", "Any", "UNSET", "Unset", "File", "Mapping"}
)


def public_name(prop: Any) -> str:
    """A property's attribute and keyword-argument name: the API's name in snake_case.

    openapi-python-client renames every builtin (``type`` becomes ``type_``, ``license`` ``license_``);
    only keywords need it, so ``reaction.type`` reads as Misskey's docs and every other client spell it.
    Generated code keeps ``python_name`` (``type_``) for its local variables, where a builtin must
    not be shadowed.
    """
    name = str(prop.python_name)
    base = name[:-1]
    if name.endswith("_") and strings.fix_reserved_words(base) == name and not keyword.iskeyword(base):
        return name if base in _KEEP_UNDERSCORE else base
    return name


def _declaration(prop: Any) -> str:
    """``type: str`` (a property declared in a model class), as ``Property.to_string`` but named publicly."""
    code = str(prop.to_string().as_unembedded_code())
    return public_name(prop) + code[len(str(prop.python_name)) :]


def _docline(prop: Any) -> str:
    """A property's line in a docstring, as ``Property.to_docstring`` but named publicly."""
    return public_name(prop) + str(prop.to_docstring())[len(str(prop.python_name)) :]


#: Namespaces that also have hand-written methods (misskey_core): path -> (module, sync class, async class).
NAMESPACE_MIXINS = {"drive": ("misskey_core._drive", "SyncDriveHelpers", "AsyncDriveHelpers")}


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
    description: str  # the spec's description without its credential line (markdown)
    files: list[dict[str, Any]]  # upload arguments: {"name", "python", "required"}
    idempotent: bool
    pagination: str | None  # "id" (untilId/sinceId), "offset", or None
    default_limit: int | None
    overloads: list[Overload]  # typed signatures per body alternative, where their answers differ
    answer: Any  # the openapi-python-client Response parsed from a JSON answer, or None
    no_body: list[str]  # success statuses without a body ("204"): the function returns None for them
    returns: str  # the return type: "Note", "Note | None", "None"


@dataclass
class Overload:
    """One signature of an endpoint whose body alternatives give different answers (``users/show``)."""

    required: list[str]  # the alternative's properties (keyword names): required here
    excluded: list[str]  # the other alternatives' own properties: not accepted here
    returns: str


def _overloads(endpoint: Endpoint, alternatives: list[list[str]], answer: Any) -> list[Overload]:
    """``users/show(user_ids=[...])`` returns a list, ``users/show(user_id=...)`` one user.

    Made where the answer is a union of one list and other types and exactly one alternative
    passes a list; each alternative then has its own signature, so type checkers see its answer.
    """
    prop = getattr(answer, "prop", None)
    if len(alternatives) < 2 or not isinstance(prop, UnionProperty):
        return []
    lists = [p for p in prop.inner_properties if isinstance(p, ListProperty)]
    others = [p for p in prop.inner_properties if not isinstance(p, ListProperty)]
    body = {_raw(p.name): p for p in _body_model_properties(endpoint)}
    passes_list = [alt for alt in alternatives if any(isinstance(body.get(n), ListProperty) for n in alt)]
    if len(lists) != 1 or not others or len(passes_list) != 1:
        return []
    single = " | ".join(str(p.get_type_string().as_unembedded_code()) for p in others)
    owned = {n for alt in alternatives for n in alt}
    return [
        Overload(
            required=[public_name(body[n]) for n in alt if n in body],
            excluded=sorted(public_name(body[n]) for n in owned - set(alt) if n in body),
            returns=str(lists[0].get_type_string().as_unembedded_code()) if alt in passes_list else single,
        )
        for alt in alternatives
    ]


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


# The core's class for each HTTP status Misskey answers an error with (the rest: MisskeyAPIError).
_STATUS_CLASSES = {401: "AuthenticationError", 403: "PermissionDeniedError", 429: "RateLimitError"}
_CORE_ERRORS = {"AuthenticationError", "PermissionDeniedError", "RateLimitError", "ServerError", "MisskeyAPIError"}


@dataclass
class ErrorClass:
    """One exception class for one error code the spec documents: ``NO_SUCH_NOTE`` -> ``NoSuchNoteError``."""

    name: str
    code: str
    base: str  # the core class it extends, by the code's HTTP status
    status: int  # 0 when the code comes with several statuses
    ids: dict[str, str]  # error id -> message (Misskey reuses a code with other ids on other endpoints)
    endpoints: list[str]
    defined: bool  # False: the code is the core class itself (PERMISSION_DENIED is PermissionDeniedError)


def _error_class_name(code: str) -> str:
    name = "".join(part.capitalize() for part in code.split("_") if part)
    name = name if name[:1].isalpha() else "E" + name
    return name if name.endswith("Error") else name + "Error"


def _error_classes(infos: list[EndpointInfo]) -> list[ErrorClass]:
    """Every documented error code, with where and how it is raised."""
    found: dict[str, ErrorClass] = {}
    for info, errors in [*((i, i.errors) for i in infos), (None, API_CALL_ERRORS)]:
        for error in errors:
            code = error["code"]
            entry = found.get(code)
            if entry is None:
                name = _error_class_name(code)
                status = error["status"]
                base = _STATUS_CLASSES.get(status) or ("ServerError" if status >= 500 else "MisskeyAPIError")
                entry = found[code] = ErrorClass(name, code, base, status, {}, [], name not in _CORE_ERRORS)
            if entry.status != error["status"]:
                entry.status, entry.base = 0, "MisskeyAPIError"
            if "id" in error:
                entry.ids.setdefault(error["id"], error.get("message", ""))
            where = info.name if info else "any endpoint (before it runs)"
            if where not in entry.endpoints:
                entry.endpoints.append(where)
    return sorted(found.values(), key=lambda e: e.code)


@dataclass
class RenderResult:
    files: dict[str, str]  # relative path (under the output root) -> content
    warnings: list[str]
    endpoints: list[EndpointInfo]
    typed: int  # endpoints whose answer is parsed into its declared type
    no_body: int  # endpoints that answer 204 (the function returns None)


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


def _class_names(openapi: GeneratorData, cleaned: CleanResult) -> dict[str, ClassOverride]:
    """Names a person would choose for the classes openapi-python-client names by where they are.

    A nullable inline object (``poll: {type: [object, null]}``) becomes the union of a model and
    None, and openapi-python-client names the model ``NotesCreateBodyPollType0``: where the name
    without the suffix is free, it is used (``NotesCreateBodyPoll``). Then answers lose their
    status (``MetaResponse``, not ``MetaResponse200``) and a wrapper of one model is named after
    what it holds (``CreatedNote`` for ``{createdNote: Note}``): see ``names.response_names``.
    """
    names = {str(m.class_info.name) for m in openapi.models} | {str(e.class_info.name) for e in openapi.enums}
    chosen = {}
    for name in sorted(names):
        base = name[: -len("Type0")]
        if name.endswith("Type0") and base not in names and base + "Type1" not in names:
            chosen[name] = base
    statuses: dict[str, set[str]] = {}
    wrappers: dict[str, str] = {}
    for item in cleaned.spec["paths"].values():
        operation = item.get("post") or {}
        prefix = str(strings.pascal_case(str(operation.get("operationId", ""))))
        answers = fallback.json_answers(operation)
        statuses[prefix] = set(answers)
        only = next(iter(answers.values())) if len(answers) == 1 else {}
        properties = only.get("properties") or {}
        if len(properties) == 1 and "$ref" in next(iter(properties.values())):
            wrappers[prefix] = next(iter(properties))
    renamed = response_names({chosen.get(n, n) for n in names}, statuses, wrappers)
    overrides = {}
    for name in sorted(names):
        final = renamed.get(chosen.get(name, name), chosen.get(name, name))
        if final != name:
            overrides[name] = ClassOverride.model_validate(
                {"class_name": final, "module_name": strings.snake_case(final)}
            )
    return overrides


def spec_description(description: str) -> str:
    """An endpoint's own description: Misskey's ends in a markdown line about credentials and the
    permission (``**Credential required**: *Yes* / **Permission**: *write:notes*``), which the
    docstring and the reference say in plain words instead, and says "No description provided." when
    it has none."""
    text = _ACCESS_LINE.sub("", description)
    # What is left of other spellings (a permission without the credential part, say).
    text = re.sub(r"[*]\s*/\s*", "", _PERMISSION.sub("", _CREDENTIAL.sub("", text)))
    text = re.sub(r"\*\*Internal Endpoint\*\*:", "Internal endpoint:", text)
    return text.replace("No description provided.", "").strip()


def _docstring_parts(description: str, permission: list[str], credential: bool) -> tuple[str, str]:
    summary, _, details = spec_description(description).partition("\n")
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
    return f"{fallback.readable(error.header) or 'problem'}: {fallback.readable(error.detail)}"


def _answers(endpoint: Endpoint, operation: dict[str, Any]) -> tuple[Any, list[str], str]:
    """(the response to parse, the success statuses without a body, the return type) of an endpoint.

    Every success status counts: ``notes/translate`` answers a translation (200) or nothing (204),
    so it returns ``NotesTranslateResponse200 | None``.
    """
    with_json = set(fallback.json_answers(operation))
    answer = None
    no_body = []
    for status in sorted(operation.get("responses") or {}):
        if not str(status).startswith("2"):
            continue
        if str(status) not in with_json:
            no_body.append(str(status))
            continue
        found = [r for r in endpoint.responses.patterns if str(r.status_code.pattern) == str(status)]
        if found and answer is None:
            answer = found[0]
    if answer is None:
        return None, no_body, "None"
    code = str(answer.prop.get_type_string().as_unembedded_code())
    nullable = no_body and code != "Any" and not code.endswith("| None") and code != "None"
    return answer, no_body, f"{code} | None" if nullable else code


def render(cleaned: CleanResult, out_dir: Path, source: Source) -> RenderResult:
    """Render the client package into ``out_dir/misskey_client`` and return extra files and warnings."""
    config = _config()
    config.output_path = out_dir / PACKAGE
    # Changes cleaned.spec where a part cannot be built (each change is a finding).
    openapi = fallback.build(cleaned.spec, config, cleaned.findings)
    overrides = _class_names(openapi, cleaned)
    if overrides:
        config.class_overrides.update(overrides)
        reparsed = GeneratorData.from_dict(cleaned.spec, config=config)
        assert not isinstance(reparsed, OpcError)
        openapi = reparsed

    warnings: list[str] = []
    infos = _endpoint_infos(cleaned, openapi)

    root = Node(path=())
    for info in infos:
        node = root
        for segment in info.name.split("/"):
            node = node.children.setdefault(attribute_name(segment), Node(path=(*node.path, attribute_name(segment))))
        node.endpoint = info

    error_classes = _error_classes(infos)
    project = Project(openapi=openapi, config=config, custom_template_path=TEMPLATES)
    by_path = {info.name: info for info in infos}
    project.env.filters.update(
        union=lambda a, b: set(a) | set(b),
        qualify_builtins=_qualify_builtins,
        tuple_=lambda values: tuple(values),
        public=public_name,
    )
    project.env.globals.update(
        body_imports=_body_imports,
        error_classes=error_classes,
        error_class={e.code: e.name for e in error_classes},
        body_properties=_body_model_properties,
        import_template=lambda prop: project.env.get_template("property_templates/" + prop.template).module,
        discriminators={strings.pascal_case(name): tag for name, tag in cleaned.discriminators.items()},
        endpoint_info=lambda endpoint: by_path[endpoint_name(_raw(endpoint.path))],
        mixins=NAMESPACE_MIXINS,
        spec_version=source.version or str(cleaned.spec["info"]["version"]),
        spec_software=source.software or "misskey",
        root=root,
        as_required=lambda prop: attrs.evolve(prop, required=True),
        as_optional=lambda prop: attrs.evolve(prop, required=False),
        public=public_name,
        declaration=_declaration,
        docline=_docline,
        plain_map=functools.partial(_plain_map, project, {m.class_info.name: m for m in openapi.models}),
        takes_as_is=functools.partial(_takes_as_is, project),
    )
    with contextlib.redirect_stdout(io.StringIO()):  # it prints "Generating <dir>"
        build_errors = project.build()
    for error in build_errors:
        warnings.append(_describe(error))
    as_json = {f.where for f in cleaned.findings if f.kind == "as-json"}
    no_body = {info.name for info in infos if info.returns == "None"}
    imports = [import_string_from_class(m.class_info) for m in [*openapi.models, *openapi.enums]]
    alls: list[str] = [str(m.class_info.name) for m in [*openapi.models, *openapi.enums]]
    # A tagged union (Notification, PageBlock) is a type alias of its members: models/_unions.py.
    unions = {
        strings.pascal_case(owner): [strings.pascal_case(m) for m in members]
        for owner, members in sorted(cleaned.tagged_unions.items())
        if all(strings.pascal_case(m) in alls for m in members) and strings.pascal_case(owner) not in alls
    }
    if unions:
        text = _render(project, "models_unions.py.jinja", unions=unions)
        (config.output_path / "models" / "_unions.py").write_text(text, encoding="utf-8")
        imports += [f"from ._unions import {name}" for name in unions]
        alls += list(unions)
    for template, target in (("models_init.pyi.jinja", "__init__.pyi"), ("models_init.py.jinja", "__init__.py")):
        text = _render(project, template, imports=imports, alls=alls)
        (config.output_path / "models" / target).write_text(text, encoding="utf-8")
    client_module = config.output_path / "client.py"
    client_module.write_text(_prune_imports(client_module.read_text(encoding="utf-8")), encoding="utf-8")

    files = {
        f"{PACKAGE}/_facade/{node.path[0]}.py": _prune_imports(_render(project, "facade_module.py.jinja", top=node))
        for node in root.children.values()
        if node.children
    }
    files[f"{PACKAGE}/_facade/__init__.py"] = _render(project, "facade_init.py.jinja")
    files[f"{PACKAGE}/_endpoints.py"] = _render(project, "endpoints.py.jinja", endpoints=infos)
    files[f"{PACKAGE}/_api_errors.py"] = _render(project, "api_errors.py.jinja")
    files[f"{PACKAGE}/streaming.py"] = _render(project, "streaming.py.jinja")
    files[f"{PACKAGE}/webhooks.py"] = _render(project, "webhooks.py.jinja")  # the core's, by its public name
    python_names = {
        info.name: {_raw(p.name): public_name(p) for p in _body_model_properties(info.endpoint)} for info in infos
    }
    files[f"{PACKAGE}/_endpoint_table.json"] = table.endpoint_table(cleaned.spec, infos, python_names)
    files["misskey_auth/_permissions.py"] = _render(
        project, "permissions.py.jinja", permissions=sorted({p for info in infos for p in info.permission})
    )
    software = source.software or "misskey"
    version = source.version or str(cleaned.spec["info"]["version"])
    files.update(
        reference.pages(root, infos, openapi, {e.code: e.name for e in error_classes}, f"{software} {version}")
    )
    typed = len(infos) - len(no_body) - len(as_json & {info.name for info in infos})
    return RenderResult(files=files, warnings=warnings, endpoints=infos, typed=typed, no_body=len(no_body))


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


def _body_model_properties(endpoint: Endpoint) -> list[Any]:
    """The properties of an endpoint's JSON body model (its keyword arguments), if it has one."""
    body = endpoint.bodies[0].prop if endpoint.bodies else None
    if not isinstance(body, ModelProperty):
        return []
    return [*(body.required_properties or []), *(body.optional_properties or [])]


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
            answer, no_body, returns = _answers(endpoint, operation)
            alternatives = cleaned.body_alternatives.get(name, [])
            infos.append(
                EndpointInfo(
                    name=name,
                    endpoint=endpoint,
                    module=f"{PACKAGE}.api.{tag}.{module_name}",
                    permission=permission,
                    credential=bool(credential and credential.group(1) == "Yes"),
                    errors=operation.get("x-misskey-errors", []),
                    alternatives=alternatives,
                    summary=summary,
                    details=details,
                    description=spec_description(description),
                    files=[dict(f, python=strings.snake_case(f["name"])) for f in operation.get("x-misskey-files", [])],
                    idempotent=_idempotent(name, permission),
                    pagination=_pagination(operation),
                    default_limit=_default_limit(operation),
                    overloads=_overloads(endpoint, alternatives, answer),
                    answer=answer,
                    no_body=no_body,
                    returns=returns,
                )
            )
    return sorted(infos, key=lambda info: info.name)
