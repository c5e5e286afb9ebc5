"""The generator pipeline: fetching, clear errors, older and fork specs, determinism."""

from __future__ import annotations

import copy
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import clean, fetch
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


def _site(request: Seen) -> Answer:
    """An instance serving a fork's spec, a web server serving HTML, and nothing else."""
    if request.path == "/spec/api.json":
        return json_answer(fork_spec())
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
        "print(m.SPEC_VERSION)\n"
    )
    env = {"PYTHONPATH": str(first.parent)}  # misskey_core comes from the environment
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "13.0.0-fork"
