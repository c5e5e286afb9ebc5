"""The ``misskey`` commands against the real server (cassettes): login, api, note, upload, errors.

Each test runs the command line as a person would type it, through ``misskey_cli.main``, and checks
what it printed, where (answers on stdout, messages on stderr) and its exit status. Recorded with
``make record ARGS=tests/cli``; the MiAuth approval a person gives in the browser is given here by
``miauth/gen-token`` with alice's native token, as Misskey's approval page does.
"""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from misskey_auth import PERMISSIONS, _miauth
from misskey_cli import EXIT_API, EXIT_AUTH, EXIT_OK
from misskey_cli._app import APP_NAME
from tests.auth.conftest import fixed_sessions  # noqa: F401  (a fixture)
from tests.cli.conftest import Run

pytestmark = pytest.mark.vcr

# A 1x1 transparent PNG; each test appends its own bytes (Misskey keeps one copy of identical uploads).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def png(path: Path, nonce: str) -> Path:
    path.write_bytes(PNG + nonce.encode())
    return path


@pytest.mark.usefixtures("fixed_sessions")
def test_login_without_a_browser_then_whoami_and_logout(
    cli: Run, misskey: dict[str, str], config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``misskey login HOST --no-browser``: the URL is printed, approved elsewhere, the token kept 0600."""
    approvals: list[threading.Thread] = []
    new_session = _miauth._new_session

    def session_approved_elsewhere() -> str:
        session = new_session()

        def approve() -> None:  # the person opens the printed URL on their phone and presses Allow
            approved = httpx.post(
                f"{misskey['url']}/api/miauth/gen-token",
                json={
                    "i": misskey["MISSKEY_USER_TOKEN"],
                    "session": session,
                    "name": APP_NAME,
                    "iconUrl": None,
                    "permission": list(PERMISSIONS),
                },
            )
            assert approved.status_code == 200

        approvals.append(threading.Thread(target=approve))
        approvals[0].start()
        return session

    monkeypatch.setattr(_miauth, "_new_session", session_approved_elsewhere)

    ran = cli("login", misskey["url"], "--no-browser", "--timeout", "30")
    approvals[0].join()
    assert ran.status == EXIT_OK, ran.err
    assert ran.out == ""
    assert f"{misskey['url']}/miauth/" in ran.err  # the approval URL, to open anywhere
    assert "Logged in to http://127.0.0.1:3000 as @alice; token saved to" in ran.err
    token_file = config_home / "misskey-client" / "127.0.0.1_3000.token"
    token = token_file.read_text().strip()
    assert token and token not in ran.err
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    hosts = config_home / "misskey-client" / "hosts.json"
    assert stat.S_IMODE(hosts.stat().st_mode) == 0o600
    assert json.loads(hosts.read_text())["hosts"][misskey["url"]]["user"] == "alice"
    assert token not in hosts.read_text()

    who = cli("whoami")  # the default host is the one logged in to
    assert (who.status, who.out) == (EXIT_OK, "")
    assert who.err.startswith(f"@alice on {misskey['url']} (token from {token_file})")
    assert token not in who.err
    shown = cli("whoami", "--show-token")
    assert shown.out == token + "\n"  # only when asked, and only on stdout

    me = cli("api", "i")
    assert json.loads(me.out)["username"] == "alice"

    out = cli("logout")
    assert out.status == EXIT_OK
    assert "Logged out of http://127.0.0.1:3000" in out.err
    assert not token_file.exists()
    after = cli("whoami", "--host", misskey["url"])
    assert after.status == EXIT_AUTH
    assert "not logged in to http://127.0.0.1:3000: run `misskey login" in after.err


def test_login_with_a_token_on_stdin(cli: Run, misskey: dict[str, str], config_home: Path) -> None:
    ran = cli("login", misskey["url"], "--with-token", input=misskey["MISSKEY_USER2_TOKEN"] + "\n")
    assert ran.status == EXIT_OK, ran.err
    assert "as @bob" in ran.err
    saved = (config_home / "misskey-client" / "127.0.0.1_3000.token").read_text().strip()
    assert saved == misskey["MISSKEY_USER2_TOKEN"]
    assert saved not in ran.err


def test_api_converts_values_by_the_endpoints_types(cli: Run, as_alice: dict[str, str | None]) -> None:
    """``local_only=true`` is a boolean and ``visible_user_ids`` a list: the server accepts them as typed."""
    me = json.loads(cli("api", "i", env=as_alice).out)
    ran = cli(
        "api",
        "notes/create",
        "text=typed from the shell",
        "local_only=true",
        "visibility=specified",
        f"visible_user_ids={me['id']}",
        "cw:=null",
        env=as_alice,
    )
    assert ran.status == EXIT_OK, ran.err
    assert ran.out.count("\n") == 1  # not a terminal: one compact line
    note = json.loads(ran.out)["createdNote"]
    assert (note["text"], note["localOnly"], note["visibility"], note["cw"]) == (
        "typed from the shell",
        True,
        "specified",
        None,
    )
    assert note["visibleUserIds"] == [me["id"]]

    page = cli("api", "users/notes", f"user_id={me['id']}", "limit=1", "with_replies=false", env=as_alice)
    assert [n["id"] for n in json.loads(page.out)] == [note["id"]]

    deleted = cli("api", "notes/delete", f"note_id={note['id']}", env=as_alice)
    assert (deleted.status, deleted.out, deleted.err) == (EXIT_OK, "", "")  # 204: nothing to print


def test_api_input_from_stdin_under_key_values(cli: Run, as_alice: dict[str, str | None]) -> None:
    body = json.dumps({"limit": 5, "withRenotes": False})
    ran = cli("api", "notes/local-timeline", "--input", "-", "limit=1", input=body, env=as_alice)
    assert ran.status == EXIT_OK, ran.err
    notes = json.loads(ran.out)
    assert len(notes) == 1  # limit=1 wins over the body's 5


def test_misskey_error_prints_code_message_and_id(cli: Run, as_alice: dict[str, str | None]) -> None:
    ran = cli("api", "notes/show", "note_id=0000000000", env=as_alice)
    assert ran.status == EXIT_API
    assert ran.out == ""
    assert ran.err.splitlines() == [
        "error: NO_SUCH_NOTE: No such note.",
        "HTTP 400, id 24fcbfc6-2e37-42b6-8388-c29b3861a08d, endpoint notes/show",
    ]


def test_a_refused_token_is_an_authentication_failure(cli: Run, misskey: dict[str, str]) -> None:
    ran = cli("api", "i", env={"MISSKEY_HOST": misskey["url"], "MISSKEY_TOKEN": "not-a-token-of-this-server"})
    assert ran.status == EXIT_AUTH
    assert ran.err.startswith("error: AUTHENTICATION_FAILED: Authentication failed.")
    assert "not-a-token" not in ran.err
    assert "Traceback" not in ran.err


def _cleanup(cli: Run, env: dict[str, str | None], note_id: str | None, file_ids: list[str]) -> None:
    if note_id:
        assert cli("api", "notes/delete", f"note_id={note_id}", env=env).status == EXIT_OK
    for file_id in file_ids:
        assert cli("api", "drive/files/delete", f"file_id={file_id}", env=env).status == EXIT_OK


def test_note_with_files_cw_and_visibility(
    cli: Run, as_alice: dict[str, str | None], tmp_path: Path, secret: Callable[[str], str]
) -> None:
    first, second = png(tmp_path / "first.png", secret("first")), png(tmp_path / "second.png", secret("second"))
    ran = cli("note", "two pictures", "--file", str(first), "-f", str(second), "--cw", "pixels",
              "--visibility", "home", env=as_alice)  # fmt: skip
    assert ran.status == EXIT_OK, ran.err
    assert ran.err == ""  # no terminal: no progress bar
    url = ran.out.strip()
    assert url.startswith("http://127.0.0.1:3000/notes/")
    note: dict[str, Any] = json.loads(cli("api", "notes/show", f"note_id={url.rsplit('/', 1)[1]}", env=as_alice).out)
    assert (note["text"], note["cw"], note["visibility"]) == ("two pictures", "pixels", "home")
    assert [f["name"] for f in note["files"]] == ["first.png", "second.png"]
    assert [f["type"] for f in note["files"]] == ["image/png", "image/png"]
    _cleanup(cli, as_alice, note["id"], [f["id"] for f in note["files"]])


def test_reply_from_the_shell(cli: Run, as_alice: dict[str, str | None]) -> None:
    parent = json.loads(cli("note", "a question", "--json", env=as_alice).out)
    reply = json.loads(cli("note", "an answer", "--reply-to", parent["id"], "--json", env=as_alice).out)
    assert reply["replyId"] == parent["id"]
    _cleanup(cli, as_alice, reply["id"], [])
    _cleanup(cli, as_alice, parent["id"], [])


def test_upload_prints_each_file(
    cli: Run, as_alice: dict[str, str | None], tmp_path: Path, secret: Callable[[str], str]
) -> None:
    picture = png(tmp_path / "pixel.png", secret("pixel"))
    ran = cli("upload", str(picture), "--comment", "a pixel", "--sensitive", "--json", env=as_alice)
    assert ran.status == EXIT_OK, ran.err
    drive_file = json.loads(ran.out)
    assert (drive_file["name"], drive_file["comment"], drive_file["isSensitive"]) == ("pixel.png", "a pixel", True)
    plain = cli("upload", str(picture), env=as_alice)  # the same bytes again: Misskey answers the same file
    assert plain.out == f"{drive_file['id']}\t{drive_file['url']}\n"
    _cleanup(cli, as_alice, None, [drive_file["id"]])


def test_api_uploads_a_file_field(
    cli: Run, as_alice: dict[str, str | None], tmp_path: Path, secret: Callable[[str], str]
) -> None:
    picture = png(tmp_path / "field.png", secret("field"))
    ran = cli("api", "drive/files/create", f"file@{picture}", "comment=by field", env=as_alice)
    assert ran.status == EXIT_OK, ran.err
    drive_file = json.loads(ran.out)
    assert (drive_file["name"], drive_file["comment"]) == ("field.png", "by field")
    _cleanup(cli, as_alice, None, [drive_file["id"]])


def test_a_403_says_whether_a_new_token_would_help(
    cli: Run, misskey: dict[str, str], as_alice: dict[str, str | None]
) -> None:
    """A role the account lacks is not fixed by logging in again; a permission the token lacks is."""
    role = cli("api", "admin/meta", env=as_alice)
    assert role.status == EXIT_AUTH
    assert role.err.startswith("error: ROLE_PERMISSION_DENIED: You are not assigned to an administrator role.\n")
    assert role.err.rstrip().endswith("a new token will not help")
    assert "misskey login" not in role.err

    made = httpx.post(  # a token for reading the account only, as an app asking for less would get
        f"{misskey['url']}/api/miauth/gen-token",
        json={"i": misskey["MISSKEY_USER_TOKEN"], "session": None, "name": "read only", "permission": ["read:account"]},
    )
    assert made.status_code == 200
    narrow = {"MISSKEY_HOST": misskey["url"], "MISSKEY_TOKEN": made.json()["token"]}
    assert json.loads(cli("api", "i", env=narrow).out)["username"] == "alice"
    post = cli("api", "notes/create", "text=never posted", env=narrow)
    assert post.status == EXIT_AUTH
    assert post.err.startswith("error: PERMISSION_DENIED: ")
    assert "the token lacks this permission: `misskey login HOST` again" in post.err


def test_paginate_walks_every_page_newest_first_or_forward(cli: Run, as_alice: dict[str, str | None]) -> None:
    """``--paginate`` follows ``untilId`` page after page (``sinceId`` forward when given), one item a line."""
    me = json.loads(cli("api", "i", env=as_alice).out)["id"]
    created = [
        json.loads(cli("api", "notes/create", f"text=page {n}", "visibility=home", env=as_alice).out)["createdNote"][
            "id"
        ]
        for n in range(5)
    ]
    try:
        walked = cli("api", "users/notes", f"user_id={me}", "limit=2", "--paginate", "--max", "5", env=as_alice)
        assert walked.status == EXIT_OK, walked.err
        lines = walked.out.splitlines()
        assert [json.loads(line)["id"] for line in lines] == created[::-1]  # three pages of 2, 2, 1 (cut at 5)
        forward = cli(
            "api", "users/notes", f"user_id={me}", "limit=2", f"since_id={created[0]}", "--paginate", env=as_alice
        )
        assert [json.loads(line)["id"] for line in forward.out.splitlines()] == created[1:]  # oldest first, to the end
    finally:
        for note_id in created:
            assert cli("api", "notes/delete", f"note_id={note_id}", env=as_alice).status == EXIT_OK
