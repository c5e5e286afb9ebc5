"""What ``misskey`` refuses before anything is sent, and how each kind of failure reads and exits.

The server here is a loopback stand-in that records every request, so a test can prove that a bad
argument never left the machine; no cassette is needed for what never reaches Misskey.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from misskey_cli import EXIT_API, EXIT_AUTH, EXIT_NETWORK, EXIT_OK, EXIT_USAGE
from misskey_cli import _app as app
from misskey_cli._table import BadArgument, build_request, convert, endpoint
from tests.cli.conftest import Run
from tests.loopback import Loopback, Seen, json_answer, loopback


@pytest.fixture
def server() -> Iterator[Loopback]:
    with loopback(
        lambda seen: json_answer({"error": {"code": "UNEXPECTED", "message": "nothing should arrive"}}, 500)
    ) as s:
        yield s


@pytest.fixture
def env(server: Loopback) -> dict[str, str | None]:
    return {"MISSKEY_HOST": server.url, "MISSKEY_TOKEN": "token-of-the-stand-in"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["notes/timeline", "limt=2"],
            "error: notes/timeline has no parameter 'limt'; did you mean 'limit'?\n"
            "  its parameters: limit, since_id, until_id, since_date, until_date, allow_partial, include_my_renotes, "
            "include_renoted_my_notes, include_local_renotes, with_files, with_renotes\n",
        ),
        (["notes/timeline", "withRenote=false"], "did you mean 'with_renotes'?"),
        (["notes/timeline", "limit=ten"], "error: limit: expected an integer, got 'ten'\n"),
        (["notes/timeline", "limit=1000"], "error: limit: must be at most 100, got 1000\n"),
        (["notes/timeline", "with_files=maybe"], "error: with_files: expected true or false, got 'maybe'\n"),
        (["notes/timeline", "limit:=[1]"], "error: limit: expected an integer, got [1]\n"),
        (["notes/timeline", "limit:=1.5"], "error: limit: expected an integer, got 1.5\n"),
        (
            ["notes/create", "visibility=folowers"],
            "expected one of public, home, followers, specified; got \"folowers\"; did you mean 'followers'?",
        ),
        (["notes/create", "poll=abc"], "error: poll: expected a JSON object or null, got 'abc'\n"),
        (["notes/create", "poll={nope"], "error: poll: not valid JSON (Expecting property name"),
        (["notes/create", "file_ids=a", "file_ids:=[1]"], "error: file_ids[0]: expected a string, got 1\n"),
        (["notes/show"], "error: notes/show needs note_id (see `misskey api notes/show --help`)\n"),
        (["users/show"], "error: users/show needs user_id or user_ids or username\n"),
        (["notes/show", "note_id=a", "note_id=b"], "error: note_id is given twice (it takes one value)\n"),
        (["notes/show", "note_id"], "'note_id' is not key=value (nor key:=JSON, nor field@PATH for a file)"),
        (["meta", "detail=false", "x=1"], "error: meta has no parameter 'x'\n  its parameters: detail\n"),
        (["i", "x=1"], "error: i takes no parameters, got 'x'\n"),
        (["note/show"], "error: unknown endpoint 'note/show'; did you mean 'notes/show' or"),
        (["notes/create", "text=hi", "file@/nonexistent.png"], "error: notes/create takes no file"),
        (["drive/files/create", "file@/nonexistent.png"], "error: file@/nonexistent.png: no such file\n"),
        (["drive/files/create", "fiel@x"], "has no file field 'fiel'; did you mean 'file'?"),
        (["drive/files/create"], "error: drive/files/create needs file@PATH"),
        (
            ["notes/show", "note_id=a", "--paginate"],
            "error: notes/show is not paginated (it takes no untilId or offset); drop --paginate\n",
        ),
        (["notes/timeline", "--max", "5"], "error: --max counts the items of --paginate; add --paginate\n"),
        (["notes/timeline", "--max", "0", "--paginate"], "Invalid value for '--max'"),
        (["fork/timeline", "--no-check", "--paginate"], "error: --paginate needs to know the endpoint's parameters"),
    ],
)
def test_refused_before_anything_is_sent(
    cli: Run, server: Loopback, env: dict[str, str | None], arguments: list[str], message: str
) -> None:
    ran = cli("api", *arguments, env=env)
    assert (ran.status, ran.out) == (EXIT_USAGE, "")
    assert message in ran.err
    assert server.seen == []


def test_input_must_be_a_json_object_of_known_parameters(
    cli: Run, server: Loopback, env: dict[str, str | None]
) -> None:
    assert "error: --input: expected a JSON object" in cli("api", "meta", "--input", "-", input="[1]", env=env).err
    assert "--input: not valid JSON" in cli("api", "meta", "--input", "-", input="{", env=env).err
    wrong = cli("api", "notes/timeline", "--input", "-", input='{"limit": "5"}', env=env)
    assert wrong.err == 'error: limit: expected an integer, got "5"\n'
    unknown = cli("api", "notes/timeline", "--input", "-", input='{"limitt": 5}', env=env)
    assert "has no parameter 'limitt'; did you mean 'limit'?" in unknown.err
    assert server.seen == []


def test_values_as_sent(env: dict[str, str | None], cli: Run) -> None:
    """What the typed conversion makes of each kind of value, and that both spellings of a key work."""
    request = build_request(
        endpoint("notes/create"),
        ["text=42", "localOnly=yes", "visible_user_ids=a", "visible_user_ids=b", 'poll={"choices": ["x", "y"]}'],
    )
    assert request.body == {
        "text": "42",  # text takes a string: kept as typed
        "localOnly": True,
        "visibleUserIds": ["a", "b"],
        "poll": {"choices": ["x", "y"]},
    }
    relation = endpoint("users/relation").param("user_id")
    assert relation is not None
    assert convert("user_id", "abc", relation.type) == "abc"  # a string or a list of them
    assert convert("user_id", '["a","b"]', relation.type) == ["a", "b"]
    since = endpoint("notes/drafts/update").param("scheduled_at")
    assert since is not None
    assert convert("scheduled_at", "null", since.type) is None  # integer or null
    assert convert("scheduled_at", "17", since.type) == 17
    with pytest.raises(BadArgument, match="expected an integer or null, got 'soon'"):
        convert("scheduled_at", "soon", since.type)


def test_endpoint_help_shows_parameters_and_description(cli: Run) -> None:
    ran = cli("api", "users/show", "--help")
    assert ran.status == EXIT_OK
    assert ran.out.startswith("misskey api users/show [key=value ...]\n\n  Show the properties of a user\n")
    assert "\n  Works without a token.\n" in ran.out
    assert "\n  user_ids   list of string\n" in ran.out
    assert "  host       string or null\n             The local host is represented with `null`.\n" in ran.out
    assert "Give user_id or user_ids or username." in ran.out
    create = cli("api", "notes/create", "-h").out
    assert '  visibility            public|home|followers|specified, default "public"\n' in create
    assert "Needs a token with the permission write:notes." in create
    upload = cli("api", "drive/files/create", "--help").out
    assert "Files (field@PATH):\n  file (required)" in upload
    general = cli("api", "--help")
    assert general.status == EXIT_OK and "Call ENDPOINT with key=value arguments" in general.out
    assert cli("api").status == EXIT_USAGE


def test_endpoints_lists_permission_and_credential(cli: Run) -> None:
    ran = cli("endpoints", "notes/c")
    lines = ran.out.splitlines()
    assert "notes/create        write:notes  token" in lines
    assert "notes/children      -            no token" in lines
    assert all("notes/c" in line for line in lines)
    glob = cli("endpoints", "drive/files/*").out.splitlines()
    assert glob[0].split() == ["drive/files/attached-chat-messages", "read:drive", "token"]
    assert len(cli("endpoints").out.splitlines()) == 433
    as_json = [json.loads(line) for line in cli("endpoints", "i/registry/get-all", "--json").out.splitlines()]
    assert as_json == [
        {
            "name": "i/registry/get-all",
            "credential": True,
            "permission": ["read:account"],
            "summary": as_json[0]["summary"],
        }
    ]
    none = cli("endpoints", "notes/creat*x")
    assert none.status == EXIT_USAGE and "no endpoint matches 'notes/creat*x'" in none.err


def test_not_logged_in_is_an_auth_failure(cli: Run, server: Loopback) -> None:
    nowhere = cli("whoami")
    assert nowhere.status == EXIT_AUTH
    assert nowhere.err == "error: no server: run `misskey login HOST`, or pass --host HOST (or set MISSKEY_HOST)\n"
    no_token = cli("api", "i", "--host", server.url)
    assert no_token.status == EXIT_AUTH
    assert f"error: not logged in to {server.url}: run `misskey login" in no_token.err
    assert server.seen == []


def test_an_endpoint_without_credential_needs_no_login(cli: Run) -> None:
    answered: list[Seen] = []

    def meta(seen: Seen) -> object:
        answered.append(seen)
        return json_answer({"version": "2026.3.2"})

    with loopback(meta) as stand_in:  # type: ignore[arg-type]
        ran = cli("api", "meta", "detail=false", "--host", stand_in.url)
    assert (ran.status, ran.out) == (EXIT_OK, '{"version":"2026.3.2"}\n')
    assert "authorization" not in answered[0].headers
    assert answered[0].json() == {"detail": False}


def test_unreachable_server_is_a_network_failure(cli: Run) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ran = cli("api", "meta", "--host", f"http://127.0.0.1:{port}")
    assert ran.status == EXIT_NETWORK
    assert ran.err.startswith("error: meta: ConnectError:")
    assert "Traceback" not in ran.err


def test_not_misskey_is_a_network_failure(cli: Run) -> None:
    from tests.loopback import Answer

    page = Answer(200, b"<html>hello</html>", (("Content-Type", "text/html"),))
    with loopback(lambda seen: page) as stand_in:
        ran = cli("api", "meta", "--host", stand_in.url)
    assert ran.status == EXIT_NETWORK
    assert "meta: expected JSON, got text/html (HTTP 200); is this a Misskey server?" in ran.err


def test_plain_http_to_another_machine_is_refused(cli: Run) -> None:
    ran = cli("api", "meta", "--host", "http://misskey.example")
    assert ran.status == EXIT_USAGE
    assert "refusing plain http:// to misskey.example" in ran.err


def test_a_bug_is_one_line_not_a_traceback(
    cli: Run, env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something of ours")

    monkeypatch.setattr(app, "_client", broken)
    ran = cli("api", "i", env=env)
    assert ran.status == EXIT_API
    assert ran.err == (
        "error: unexpected failure: RuntimeError: something of ours\nset MISSKEY_CLI_TRACEBACK=1 to see where\n"
    )


def test_usage_errors_of_click_exit_2(cli: Run) -> None:
    assert cli("nope").status == EXIT_USAGE
    bad = cli("note", "hi", "--visibility", "everyone")
    assert bad.status == EXIT_USAGE and "'everyone' is not one of" in bad.err
    assert cli("note").err == "error: nothing to post: give TEXT, or --file PATH\n"
    assert cli("upload", "/nonexistent").status == EXIT_USAGE


def _complete(words: str, cword: int) -> list[str]:
    env = {"COMP_WORDS": words, "COMP_CWORD": str(cword), "_MISSKEY_COMPLETE": "bash_complete"}
    done = subprocess.run(
        [sys.executable, "-m", "misskey_cli"], capture_output=True, text=True, env={**_base_env(), **env}, check=True
    )
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("MISSKEY_")}


def test_shell_completion_of_commands_endpoints_and_parameters(tmp_path: Path) -> None:
    assert _complete("misskey wh", 1) == ["whoami"]
    assert _complete("misskey api notes/reactions", 2) == [
        "notes/reactions",
        "notes/reactions/create",
        "notes/reactions/delete",
    ]
    assert _complete("misskey api notes/cre", 2) == ["notes/create"]
    assert _complete("misskey api notes/create vis", 3) == ["visibility=", "visible_user_ids="]
    assert _complete("misskey api notes/create visibility=f", 3) == ["visibility=followers"]  # zsh, fish
    assert _complete("misskey api notes/create visibility = f", 5) == ["followers"]  # bash splits at "="
    assert _complete("misskey api notes/create local_only = ", 5) == ["true", "false"]
    assert _complete("misskey stream home", 2) == ["homeTimeline"]
    script = subprocess.run(
        [sys.executable, "-m", "misskey_cli", "completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    assert "_MISSKEY_COMPLETE=bash_complete" in script
    assert "complete -o nosort -F _misskey_completion misskey" in script
