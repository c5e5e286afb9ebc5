"""The generator pipeline: fetching, clear errors, older and fork specs, determinism."""

from __future__ import annotations

import ast
import copy
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import generator
from generator import clean, fallback, fetch, render
from generator.__main__ import main
from generator.errors import SpecError, SpecFetchError
from tests.loopback import Answer, Seen, json_answer, loopback

PINNED = json.loads(fetch.PINNED_SPEC.read_text())


def _operation(path: str) -> dict[str, Any]:
    return copy.deepcopy(PINNED["paths"][path]["post"])


def fork_spec() -> dict[str, Any]:
    """A small spec in the shape older Misskey releases and forks serve."""
    meta = _operation("/meta")
    show = _operation("/notes/show")
    show["operationId"] = "notes"  # a duplicate operationId, as some forks have
    create = _operation("/notes/create")
    create["operationId"] = "notes"
    return {
        "openapi": "3.0.0",
        "info": {"title": "Misskey API", "version": "13.0.0-fork"},
        "paths": {
            "/meta": {"post": meta, "get": copy.deepcopy(meta)},  # a GET duplicate
            "/notes/show": {"post": show},
            "/notes/create": {"post": create},
            "/miauth/{session}/check": {"post": {"operationId": "check", "responses": {"200": {"description": "ok"}}}},
        },
        "components": {
            "schemas": copy.deepcopy(PINNED["components"]["schemas"]),
            # Older releases put the token in the body, which OpenAPI cannot say.
            "securitySchemes": {"ApiKeyAuth": {"type": "apiKey", "in": "body", "name": "i"}},
        },
    }


def test_clean_fixes_older_and_fork_specs() -> None:
    spec = fork_spec()
    spec["components"]["schemas"]["Note"]["properties"]["reply"] = {
        "allOf": [{"$ref": "#/components/schemas/Note"}],
        "nullable": True,
    }
    result = clean.clean(spec)
    warnings = "\n".join(result.warnings)
    assert "OpenAPI 3.0.0" in warnings
    assert "ApiKeyAuth" in warnings
    assert "duplicate operationId 'notes'" in warnings
    assert [(f.kind, f.where) for f in result.findings] == [("skipped", "miauth/{session}/check")]
    paths = result.spec["paths"]
    assert set(paths) == {"/meta", "/notes/show", "/notes/create"}
    assert all(set(item) == {"post"} for item in paths.values())  # GET duplicates dropped
    assert paths["/notes/show"]["post"]["operationId"] == "notes_show"
    reply = result.spec["components"]["schemas"]["Note"]["properties"]["reply"]
    assert reply == {"oneOf": [{"$ref": "#/components/schemas/Note"}, {"type": "null"}]}
    assert spec["paths"]["/meta"].get("get") is not None  # the input is left alone


def test_clean_merges_alternative_bodies_and_raises_errors() -> None:
    result = clean.clean(copy.deepcopy(PINNED))
    body = result.spec["paths"]["/users/show"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"userId", "userIds", "username", "host"} <= set(body["properties"])
    assert "required" not in body  # no keyword is required by every alternative
    assert result.body_alternatives["users/show"] == [["userId"], ["userIds"], ["username"]]
    responses = result.spec["paths"]["/notes/show"]["post"]["responses"]
    assert set(responses) == {"200"}  # errors are raised, not returned
    codes = {e["code"] for e in result.spec["paths"]["/notes/show"]["post"]["x-misskey-errors"]}
    assert "NO_SUCH_NOTE" in codes
    assert result.discriminators["NotificationReactionGrouped"] == ("type", "reaction:grouped")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([1, 2], "JSON but not an object"),
        ({"swagger": "2.0", "paths": {}}, "Swagger 2.0"),
        ({"info": {}, "paths": {}}, "not an OpenAPI 3 document"),
        ({"openapi": "3.1.0", "paths": {}}, "no paths"),
    ],
)
def test_documents_that_are_not_usable_specs(tmp_path: Path, document: object, message: str) -> None:
    path = tmp_path / "api.json"
    path.write_text(json.dumps(document))
    with pytest.raises((SpecFetchError, SpecError), match=message):
        clean.clean(fetch.load_spec(path=path)[0])


def test_invalid_json_and_missing_files(tmp_path: Path) -> None:
    broken = tmp_path / "api.json"
    broken.write_text('{"openapi": "3.1.0", "paths": ')
    with pytest.raises(SpecFetchError, match="not valid JSON"):
        fetch.load_spec(path=broken)
    with pytest.raises(SpecFetchError, match="cannot read"):
        fetch.load_spec(path=tmp_path / "missing.json")


NODEINFO = {"version": "2.1", "software": {"name": "sharkey", "version": "2025.4.2"}}


def _site(request: Seen) -> Answer:
    """An instance serving a fork's spec (nodeinfo as with federation off), an HTML server, nothing else."""
    if request.path == "/spec/api.json":
        return json_answer(fork_spec())
    if request.path == "/spec/.well-known/nodeinfo":
        return Answer(403, b"")
    if request.path == "/spec/nodeinfo/2.1":
        return json_answer(NODEINFO)
    if request.path == "/html/api.json":
        return Answer(200, b"<!doctype html><title>Welcome to nginx</title>", (("Content-Type", "text/html"),))
    return Answer(404, b"not found")


@pytest.fixture
def site() -> Iterator[str]:
    with loopback(_site) as server:
        yield server.url


def test_fetching_from_a_url(site: str) -> None:
    document, source = fetch.load_spec(url=f"{site}/spec")
    assert source.location == f"{site}/spec/api.json"
    assert document["info"]["version"] == "13.0.0-fork"
    with pytest.raises(SpecFetchError, match="HTML page"):
        fetch.load_spec(url=f"{site}/html")
    with pytest.raises(SpecFetchError, match="answered HTTP 404"):
        fetch.load_spec(url=f"{site}/nowhere")


def test_unreachable_host() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        with pytest.raises(SpecFetchError, match="cannot reach"):
            fetch.load_spec(url=f"http://127.0.0.1:{port}")
    assert fetch.spec_url("misskey.example") == "https://misskey.example/api.json"


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def test_a_fork_spec_gives_a_working_package(
    tmp_path: Path, site: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generated from a URL, twice, byte for byte the same; the package imports and has the facade."""
    first, second = tmp_path / "one" / "misskey_client", tmp_path / "two" / "misskey_client"
    assert main(["--url", f"{site}/spec", "--output", str(first)]) == 0
    assert main(["--url", f"{site}/spec", "--output", str(second)]) == 0
    err = capsys.readouterr().err
    assert "endpoints rendered: 3" in err
    assert "miauth/{session}/check: its path cannot be a method name" in err
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert files == sorted(
        p.relative_to(second) for p in second.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)

    # The package is named misskey_client; load it from the temporary tree in a fresh process.
    code = (
        "import misskey_client as m\n"
        "mk = m.Misskey('misskey.example')\n"
        "assert callable(mk.meta) and callable(mk.notes.show) and callable(mk.notes.create)\n"
        "assert not hasattr(mk, 'miauth')\n"
        "print(m.SPEC_SOFTWARE, m.SPEC_VERSION)\n"
    )
    env = {"PYTHONPATH": str(first.parent)}  # misskey_core comes from the environment
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "sharkey 2025.4.2"  # what the instance's nodeinfo says


@pytest.mark.parametrize(
    "pasted",
    [
        "misskey.example",
        "https://misskey.example",
        "https://misskey.example/",
        "https://misskey.example/api-doc",
        "https://misskey.example/api-doc#tag/notes/POST/notes/create",
        "https://misskey.example/api.json",
        "  misskey.example/api-doc/  ",
    ],
)
def test_an_instance_as_users_paste_it(pasted: str) -> None:
    assert fetch.spec_url(pasted) == "https://misskey.example/api.json"
    assert fetch.instance_url(pasted) == "https://misskey.example"


def test_url_may_be_a_file_and_a_bad_address_is_named(tmp_path: Path) -> None:
    path = tmp_path / "api.json"
    path.write_text(json.dumps(fork_spec()))
    document, source = fetch.load_spec(url=str(path))
    assert document["info"]["version"] == "13.0.0-fork" and source.location == str(path)
    assert (source.software, source.version) == ("misskey", "13.0.0-fork")  # from the spec's title
    with pytest.raises(SpecFetchError, match="not a server address"):
        fetch.spec_url("ftp://misskey.example")
    assert fetch.instance_url("http://127.0.0.1:3000/api-doc") == "http://127.0.0.1:3000"


def test_the_software_comes_from_nodeinfo_even_when_federation_is_off(site: str) -> None:
    """Misskey answers /.well-known/nodeinfo with 403 while federation is off, /nodeinfo/2.1 anyway."""
    _, source = fetch.load_spec(url=f"{site}/spec")
    assert (source.software, source.version) == ("sharkey", "2025.4.2")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(argv)
    return status, capsys.readouterr().err


def test_a_spec_of_another_api_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "petstore.json"
    path.write_text(json.dumps({"openapi": "3.0.0", "info": {"title": "Petstore"}, "paths": {"/pets": {}}}))
    status, err = _run(["--spec", str(path), "--output", str(tmp_path / "out")], capsys)
    assert status == 1
    assert err.strip() == "error: this OpenAPI document (Petstore) is not a Misskey API: it has no /meta endpoint"


def test_an_unexpected_failure_is_one_line_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(render, "render", broken)
    status, err = _run(["--output", str(tmp_path / "out")], capsys)
    assert status == 1
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "error: the generator failed unexpectedly (RuntimeError: a bug of ours); "
        "please report this with the spec you used"
    ]


def _broken_spec() -> dict[str, Any]:
    """A fork's spec with defects the clean-up stage has no repair for, one at each level."""
    spec = fork_spec()
    schemas = spec["components"]["schemas"]
    # A property openapi-python-client refuses: an enum of mixed types.
    schemas["Note"]["properties"]["mood"] = {"type": "string", "enum": [1, "calm"]}
    # A model no single part of which fails: allOf of a string.
    schemas["Odd"] = {"allOf": [{"$ref": "#/components/schemas/Name"}, {"type": "object", "properties": {}}]}
    schemas["Name"] = {"type": "string"}
    schemas["MetaLite"]["properties"]["odd"] = {"$ref": "#/components/schemas/Odd"}
    # An answer written inline, which only the endpoint's parse meets.
    show = spec["paths"]["/notes/show"]["post"]["responses"]["200"]["content"]["application/json"]
    show["schema"] = {"type": "object", "properties": {"level": {"type": "integer", "default": "high"}}}
    return spec


def test_what_cannot_be_built_is_degraded_alone_and_named() -> None:
    result = clean.clean(_broken_spec())
    config = render._config()
    config.output_path = Path("unused")
    data = fallback.build(result.spec, config, result.findings)
    found = {(f.kind, f.where): f.why for f in result.findings}
    assert found[("untyped", "Note.mood")].startswith("Got {")  # the property alone, not Note
    assert found[("untyped", "Odd")].startswith("could not be built (")  # the model, not MetaLite
    assert found[("as-json", "notes/show")].startswith("its answer could not be typed (")
    models = {m.class_info.name for m in data.models}
    assert {"Note", "MetaLite", "UserLite"} <= models and "Odd" not in models
    for why in found.values():
        assert "object at 0x" not in why  # openapi-python-client's reprs are not passed on


def test_strict_refuses_what_would_be_degraded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "api.json"
    path.write_text(json.dumps(_broken_spec()))
    out = tmp_path / "out" / "misskey_client"
    status, err = _run(["--spec", str(path), "--output", str(out), "--strict"], capsys)
    assert status == 1 and not out.exists()
    assert "error: --strict: 4 parts of the spec could not be typed" in err
    assert "  answers returned as JSON: 1\n    notes/show: its answer could not be typed" in err
    status, err = _run(["--spec", str(path), "--output", str(out)], capsys)
    assert status == 0 and (out / "models" / "note.py").exists()


def test_the_generator_does_not_import_the_runtime_it_renders() -> None:
    for module in sorted(Path(generator.__file__).parent.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {n.split(".")[0] for n in names} & {"misskey_client", "misskey_core", "misskey_auth"}, module


def test_identical_inline_schemas_share_one_model_named_as_a_person_would() -> None:
    """One model per shape: the visibility a note has is the visibility notes/create takes."""
    result = clean.clean(copy.deepcopy(PINNED))
    schemas = result.spec["components"]["schemas"]
    assert schemas["ReactionAcceptance"]["enum"] == [
        "likeOnly",
        "likeOnlyForRemote",
        "nonSensitiveOnly",
        "nonSensitiveOnlyForLocalLikeOnlyForRemote",
    ]
    body = result.spec["paths"]["/notes/create"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["reactionAcceptance"]["oneOf"] == [
        {"$ref": "#/components/schemas/ReactionAcceptance"},
        {"type": "null"},
    ]
    assert body["properties"]["visibility"] == {
        "allOf": [{"$ref": "#/components/schemas/NoteVisibility"}],
        "default": "public",
    }
    assert schemas["Note"]["properties"]["visibility"] == {"$ref": "#/components/schemas/NoteVisibility"}
    assert len(result.shared) > 50 and all(len(where) >= 2 for where in result.shared.values())


def test_answer_models_are_named_after_what_they_hold() -> None:
    from misskey_client import models

    assert models.CreatedNote.__module__.endswith(".created_note")  # notes/create: {createdNote: Note}
    assert {"PingResponse", "AdminMetaResponse", "NotesTranslateResponse", "ReactionAcceptance"} <= set(models.__all__)
    assert not [name for name in models.__all__ if "Response200" in name or "Type2Type1" in name]
    assert len(models.__all__) < 800  # 1,115 models before identical inline schemas were shared
