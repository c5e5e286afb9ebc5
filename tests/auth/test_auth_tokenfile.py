"""Token files: created 0600, replaced atomically, one per server by default."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from misskey_auth import default_token_path, save_token


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_is_0600_in_a_0700_directory(tmp_path: Path) -> None:
    target = tmp_path / "new" / "token"
    assert save_token(target, "tok") == target
    assert target.read_text() == "tok\n"
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700


def test_an_existing_readable_file_is_replaced_by_a_private_one(tmp_path: Path) -> None:
    target = tmp_path / "token"
    target.write_text("old\n")
    target.chmod(0o644)
    save_token(target, "new")
    assert target.read_text() == "new\n"
    assert mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token"]  # no temporary file left behind


def test_the_mode_does_not_depend_on_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        save_token(tmp_path / "token", "tok")
    finally:
        os.umask(old)
    assert mode(tmp_path / "token") == 0o600


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "is-a-directory"
    target.mkdir()
    (target / "keep").write_text("")
    with pytest.raises(OSError):
        save_token(target, "tok")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["is-a-directory"]


def test_default_path_is_per_server_under_the_config_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "/cfg")
    assert default_token_path("https://misskey.example") == Path("/cfg/misskey-client/misskey.example.token")
    assert default_token_path("http://127.0.0.1:3000") == Path("/cfg/misskey-client/127.0.0.1_3000.token")
    monkeypatch.delenv("XDG_CONFIG_HOME")
    expected = Path.home() / ".config" / "misskey-client" / "misskey.example.token"
    assert default_token_path("https://misskey.example") == expected
