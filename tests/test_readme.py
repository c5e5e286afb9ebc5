"""The examples of the README and of the documentation site's guides cannot rot.

Every ``python`` block compiles; every name it imports from this project exists; every
``mk.<path>(...)`` it calls is a method of the client, and every keyword it passes is one of that
method's arguments. (``docs/guides/testing-your-bot.md`` is also run as a whole, by
``tests/docs/test_bot_guide.py``.) The reference pages under ``docs/reference/`` are generated and
checked by ``make check-generated`` instead.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from misskey_client import AsyncMisskey, Misskey

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").rglob("*.md") if "reference" not in p.parts)]
_BLOCK = re.compile(r"```python[^\n]*\n(.*?)```", re.DOTALL)
BLOCKS = [
    (f"{page.relative_to(ROOT)}:{n}", block)
    for page in PAGES
    for n, block in enumerate(_BLOCK.findall(page.read_text(encoding="utf-8")))
]
_CLIENTS = {"mk", "amk", "client", "admin"}
_PROPERTIES = {"server", "server_version"}  # properties on Misskey (they would ask the server), methods on AsyncMisskey
_OURS = ("misskey_client", "misskey_auth", "misskey_core")


def test_the_readme_and_the_guides_have_examples() -> None:
    pages = {name.split(":")[0] for name, _ in BLOCKS}
    assert "README.md" in pages
    guides = {p for p in pages if p.startswith("docs/guides/")}
    assert len(guides) >= 9, guides
    assert len(BLOCKS) >= 25


@pytest.mark.parametrize("block", [b for _, b in BLOCKS], ids=[name for name, _ in BLOCKS])
def test_every_python_example_compiles(block: str) -> None:
    compile(block, "example", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


@pytest.mark.parametrize("block", [b for _, b in BLOCKS], ids=[name for name, _ in BLOCKS])
def test_every_name_an_example_imports_exists(block: str) -> None:
    for node in ast.walk(ast.parse(block)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in _OURS:
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module}.{alias.name}"


def _calls(block: str) -> list[tuple[str, list[str]]]:
    """(``notes.create``, its keyword names) for each ``mk.notes.create(...)`` in a block."""
    found = []
    for node in ast.walk(ast.parse(block)):
        if not isinstance(node, ast.Call):
            continue
        parts, target = [], node.func
        while isinstance(target, ast.Attribute):
            parts.append(target.attr)
            target = target.value
        if isinstance(target, ast.Name) and target.id in _CLIENTS and parts:
            found.append((".".join(reversed(parts)), [k.arg for k in node.keywords if k.arg]))
    return found


def test_the_examples_call_endpoints() -> None:
    calls = {path for _, block in BLOCKS for path, _ in _calls(block)}
    assert {"notes.create", "notes.reactions.create", "i.notifications", "drive.files.create", "paginate"} <= calls


@pytest.mark.parametrize("block", [b for _, b in BLOCKS], ids=[name for name, _ in BLOCKS])
def test_every_method_an_example_calls_takes_its_arguments(block: str) -> None:
    clients = (Misskey("misskey.example"), AsyncMisskey("misskey.example"))
    for path, keywords in _calls(block):
        if path in _PROPERTIES:
            continue
        methods = [m for m in (_resolve(c, path) for c in clients) if callable(m)]
        assert methods, f"mk.{path} is no method of the client"
        parameters = inspect.signature(methods[0]).parameters
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            continue
        unknown = set(keywords) - set(parameters)
        assert not unknown, f"mk.{path}() takes no {sorted(unknown)}"


def _resolve(target: object, path: str) -> object:
    for name in path.split("."):
        target = getattr(target, name, None)
    return target
