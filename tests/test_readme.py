"""The README's examples compile, and every ``mk.<path>`` they call exists on the client."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from misskey_client import AsyncMisskey, Misskey

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.DOTALL)


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{n}" for n in range(len(BLOCKS))])
def test_every_python_example_compiles(block: str) -> None:
    compile(block, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_every_endpoint_the_readme_calls_exists() -> None:
    calls = set(re.findall(r"\b(?:mk|amk|client|admin)\.((?:[a-z_0-9]+\.)*[a-z_0-9]+)\(", README))
    calls -= {"server", "server_version"}  # properties on Misskey (they would ask the server), methods on AsyncMisskey
    assert {"notes.create", "notes.reactions.create", "i.notifications", "drive.files.create"} <= calls
    clients = (Misskey("misskey.example"), AsyncMisskey("misskey.example"))
    for call in sorted(calls):
        assert any(callable(_resolve(client, call)) for client in clients), call


def _resolve(target: object, path: str) -> object:
    for name in path.split("."):
        target = getattr(target, name, None)
    return target
