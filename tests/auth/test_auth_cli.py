"""``python -m misskey_auth login``: arguments, where the token goes, exit codes, and one real login."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import misskey_auth
import misskey_auth.__main__ as cli
from misskey_auth import AuthResult, AuthTimeoutError, MiAuthError

TOKEN = "tok-secret-123"


def test_login_arguments() -> None:
    args = cli.build_parser().parse_args(
        [
            "login",
            "https://misskey.example",
            "--name",
            "MyApp",
            "--permission",
            "read:account,write:notes",
            "--permission",
            "read:drive",
            "--no-browser",
            "--print-token",
            "--token-file",
            "~/t",
            "--timeout",
            "60",
            "--allow-insecure",
        ]
    )
    assert args.command == "login"
    assert args.server == "https://misskey.example"
    assert args.name == "MyApp"
    assert args.permission == ["read:account,write:notes", "read:drive"]
    assert args.browser is False
    assert args.print_token is True
    assert args.token_file == Path("~/t")
    assert args.timeout == 60.0
    assert args.allow_insecure is True


def test_login_defaults() -> None:
    args = cli.build_parser().parse_args(["login", "misskey.example"])
    assert (args.name, args.permission, args.browser, args.print_token) == (None, [], True, False)
    assert (args.token_file, args.timeout, args.allow_insecure) == (None, 300.0, False)


@pytest.mark.parametrize("timeout", ["0", "-5", "soon"])
def test_a_bad_timeout_is_a_usage_error(timeout: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["login", "misskey.example", "--timeout", timeout])
    assert caught.value.code == 2
    assert "--timeout" in capsys.readouterr().err


def test_an_unknown_permission_is_a_usage_error_with_suggestions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["login", "misskey.example", "--permission", "read:account,write:note"])
    assert caught.value.code == 2
    assert "did you mean 'write:notes'" in capsys.readouterr().err


def test_plain_http_to_a_remote_host_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["login", "http://misskey.example"])
    assert caught.value.code == 2
    assert "--allow-insecure" in capsys.readouterr().err


@pytest.fixture
def fake_login(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the browser login by one that succeeds at once; records the arguments it got."""
    calls: list[dict[str, Any]] = []

    def fake(host: str, **kwargs: Any) -> AuthResult:
        calls.append({"host": host, **kwargs})
        kwargs["notify"]("a progress message")
        return AuthResult(token=TOKEN, user={"username": "alice"})

    monkeypatch.setattr(cli, "login", fake)
    return calls


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


def test_the_token_is_saved_0600_by_default_and_never_printed(
    fake_login: list[dict[str, Any]], config_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["login", "misskey.example:8443", "--name", "App", "--permission", "read:account"]) == 0
    saved = config_home / "misskey-client" / "misskey.example_8443.token"
    assert saved.read_text() == TOKEN + "\n"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    out, err = capsys.readouterr()
    assert out == ""
    assert TOKEN not in err
    assert "a progress message" in err
    assert f"Logged in as @alice on https://misskey.example:8443; token saved to {saved}" in err
    (call,) = fake_login
    assert call["host"] == "https://misskey.example:8443"
    assert call["name"] == "App"
    assert call["permission"] == ("read:account",)
    assert call["browser"] is not None


def test_no_permission_is_warned_about(
    fake_login: list[dict[str, Any]], config_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["login", "misskey.example"]) == 0
    assert "warning: no --permission given" in capsys.readouterr().err
    assert fake_login[0]["permission"] == ()


def test_print_token_prints_only_the_token_on_stdout(
    fake_login: list[dict[str, Any]], config_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["login", "misskey.example", "--print-token", "--no-browser"]) == 0
    out, err = capsys.readouterr()
    assert out == TOKEN + "\n"
    assert TOKEN not in err
    assert not config_home.exists()
    assert fake_login[0]["browser"] is None


def test_print_token_with_a_token_file_does_both(
    fake_login: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "deep" / "dir" / "token"
    assert cli.main(["login", "misskey.example", "--print-token", "--token-file", str(target)]) == 0
    assert capsys.readouterr().out == TOKEN + "\n"
    assert target.read_text() == TOKEN + "\n"
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (AuthTimeoutError("the login was not approved within 5 seconds"), "--timeout SECONDS"),
        (MiAuthError("something went wrong"), "error: something went wrong"),
    ],
)
def test_failures_exit_1_with_a_message(
    error: Exception, expected: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(host: str, **kwargs: Any) -> AuthResult:
        raise error

    monkeypatch.setattr(cli, "login", failing)
    assert cli.main(["login", "misskey.example"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert expected in err


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(host: str, **kwargs: Any) -> AuthResult:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "login", interrupted)
    assert cli.main(["login", "misskey.example"]) == 130
    assert "Cancelled." in capsys.readouterr().err


def test_python_dash_m_runs_the_command() -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(misskey_auth.__file__).parent.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "misskey_auth", "login", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--print-token" in done.stdout
    assert "--no-browser" in done.stdout


# -- end to end against the real server (cassette) ----------------------------------------------------


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_sessions")
def test_cli_login_end_to_end(
    misskey: dict[str, str],
    browser_visit: Callable[[str], tuple[int, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user: list[threading.Thread] = []

    def approve(url: str) -> None:
        parts = urlsplit(url)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        session = parts.path.rsplit("/", 1)[1]
        approved = httpx.post(
            f"{misskey['url']}/api/miauth/gen-token",
            json={
                "i": misskey["MISSKEY_USER_TOKEN"],
                "session": session,
                "name": query["name"],
                "iconUrl": None,
                "permission": query["permission"].split(","),
            },
        )
        assert approved.status_code == 200
        assert browser_visit(f"{query['callback']}?session={session}")[0] == 200

    def browser(url: str) -> bool:
        user.append(threading.Thread(target=approve, args=(url,)))
        user[0].start()
        return True

    target = tmp_path / "token"
    argv = ["login", misskey["url"], "--name", "misskey-auth cli", "--permission", "read:account"]
    assert cli.main([*argv, "--token-file", str(target), "--timeout", "20"], browser=browser) == 0
    user[0].join()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    token = target.read_text().strip()
    out, err = capsys.readouterr()
    assert out == ""
    assert token not in err
    assert "Logged in as @alice" in err

    assert httpx.post(f"{misskey['url']}/api/i", json={"i": token}).json()["username"] == "alice"
    refused = httpx.post(f"{misskey['url']}/api/notes/create", json={"i": token, "text": "no"})
    assert refused.status_code == 403
