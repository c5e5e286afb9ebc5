"""Fixtures of the command line tests: ``misskey`` run in-process, with its own config directory.

``cli`` runs ``misskey_cli.main`` as the console script would, with standard input, output and error
captured (not a terminal) and ``XDG_CONFIG_HOME`` in a temporary directory, so no test sees or
writes a real login. Tests marked ``vcr`` replay cassettes of the real server as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from misskey_cli import main

#: What the command line reads from the environment; each test starts without any of it.
_VARIABLES = ("MISSKEY_HOST", "MISSKEY_TOKEN", "NO_COLOR", "FORCE_COLOR", "MISSKEY_CLI_TRACEBACK")


@dataclass(frozen=True)
class Ran:
    status: int
    out: str
    err: str


Run = Callable[..., Ran]


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def cli(config_home: Path) -> Run:
    """``cli("api", "meta", input=..., env={...})`` -> Ran(status, out, err)."""

    def run(*args: str, input: str | None = None, env: dict[str, str | None] | None = None) -> Ran:
        runner = CliRunner()
        with runner.isolation(input=input, env=env) as (out, err, _):
            status = main(list(args))
        return Ran(status, out.getvalue().decode(), err.getvalue().decode())

    return run


@pytest.fixture
def as_alice(misskey: dict[str, str]) -> dict[str, str | None]:
    """The environment that points ``misskey`` at the test server as alice."""
    return {"MISSKEY_HOST": misskey["url"], "MISSKEY_TOKEN": misskey["MISSKEY_USER_TOKEN"]}
