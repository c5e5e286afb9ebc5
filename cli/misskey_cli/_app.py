"""The ``misskey`` commands (click): log in once, then call any endpoint, post, upload, stream.

click parses the command line, reports usage errors and completes words in the shell; what an
endpoint takes comes from the generated endpoint table (``_table``); what is printed, from ``_output``.
Failures are raised as they are and turned into one message and an exit status by :func:`main`.
"""

from __future__ import annotations

import fnmatch
import json
import sys
import webbrowser
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import click
from click.shell_completion import CompletionItem, get_completion_class

from misskey_auth import PERMISSIONS, validate_permissions
from misskey_auth import login as miauth_login
from misskey_client import Misskey

from . import _hosts, _output, _pages, _table
from ._errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, describe
from ._table import BadArgument

__all__ = ["cli", "main"]

PROG = "misskey"
COMPLETE_VAR = "_MISSKEY_COMPLETE"
#: The application name the approval page shows for `misskey login`.
APP_NAME = "misskey-client command line"


def _version() -> str:
    try:
        return metadata.version("misskey-client")
    except metadata.PackageNotFoundError:
        return "unknown"


def _complete_endpoints(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    names = _table.endpoints()
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


def _complete_arguments(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """``misskey api notes/create vis<TAB>`` -> ``visibility=``; after ``visibility=``, its values."""
    try:
        ep = _table.endpoint(str(ctx.params.get("endpoint") or ""))
    except BadArgument:
        return []
    key, sep, value = incomplete.partition("=")
    previous = tuple(ctx.params.get("arguments") or ())
    if not sep and previous[-1:] == ("=",) and len(previous) > 1:
        # bash splits words at "=" (COMP_WORDBREAKS): "visibility=f" arrives as "visibility", "=", "f",
        # and the completion replaces only the "f".
        param_ = ep.param(previous[-2])
        return [CompletionItem(v) for v in _values(param_) if v.startswith(incomplete)] if param_ else []
    if sep:
        param_ = ep.param(key)
        values = _values(param_) if param_ else []
        return [CompletionItem(f"{key}={v}") for v in values if v.startswith(value)]
    return [
        CompletionItem(f"{k}=", help=_table.describe_type(p.type))
        for p, k in ((p, p.python) for p in ep.params)
        if k.startswith(key)
    ]


def _values(param: _table.Param) -> list[str]:
    """The values a parameter can take, where there are few: its enum, or true and false."""
    if "boolean" in (param.type.get("type") or []):
        return ["true", "false"]
    return [v for v in param.type.get("enum") or [] if isinstance(v, str)]


def _complete_hosts(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    try:
        hosts = _hosts.known_hosts()
    except _hosts.HostError:
        return []
    return [CompletionItem(url) for url in hosts if url.startswith(incomplete)]


def host_option(function: Any) -> Any:
    return click.option(
        "--host",
        envvar="MISSKEY_HOST",
        metavar="HOST",
        shell_complete=_complete_hosts,
        help="The server (default: $MISSKEY_HOST, else the one you logged in to last).",
    )(function)


def _client(target: _hosts.Target) -> Misskey:
    return Misskey(target.url, token=target.token, allow_insecure=target.allow_insecure)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), prog_name=PROG, message="%(prog)s (misskey-client) %(version)s")
def cli() -> None:
    """Misskey from the shell: log in once, then call any endpoint, post, upload and stream.

    \b
      misskey login misskey.example
      misskey api notes/timeline limit=5 | jq '.[].text'
      misskey note "Hello" --file cat.png
      misskey stream homeTimeline

    Answers are JSON on stdout: indented and coloured on a terminal, compact in a pipe.
    Exit status: 1 Misskey error, 2 bad usage, 3 authentication, 4 network, 130 Ctrl-C.
    """


# -- login, logout, whoami ------------------------------------------------------------------------


@cli.command()
@click.argument("host")
@click.option("--no-browser", is_flag=True, help="Print the approval URL instead of opening a browser.")
@click.option(
    "--with-token",
    is_flag=True,
    help="Read a token from standard input (one made in Settings > API) instead of MiAuth.",
)
@click.option(
    "--permission",
    "permissions",
    multiple=True,
    metavar="PERMS",
    help="Permissions to ask for, comma-separated, repeatable (default: all of them).",
)
@click.option("--timeout", type=click.FloatRange(min=1), default=300.0, show_default=True, help="Seconds to wait.")
@click.option("--allow-insecure", is_flag=True, help="Allow plain http:// to another machine.")
def login(
    host: str, no_browser: bool, with_token: bool, permissions: tuple[str, ...], timeout: float, allow_insecure: bool
) -> None:
    """Log in to HOST and keep its token (mode 0600) for the other commands.

    MiAuth: your browser opens the server's approval page (with --no-browser the URL is printed,
    for SSH sessions; approve it anywhere). The token is never printed.
    """
    url = _hosts.server_url(host, allow_insecure=allow_insecure)
    if with_token:
        token = sys.stdin.readline().strip()
        if not token:
            raise BadArgument("--with-token: no token on standard input")
        with Misskey(url, token=token, allow_insecure=allow_insecure) as mk:
            user = mk.request("i")
    else:
        wanted = validate_permissions(",".join(permissions)) if permissions else list(PERMISSIONS)
        result = miauth_login(
            url,
            name=APP_NAME,
            permission=wanted,
            browser=None if no_browser else webbrowser.open,
            notify=_output.info,
            timeout=timeout,
            allow_insecure=allow_insecure,
        )
        token, user = result.token, dict(result.user)
    path = _hosts.remember(url, token, user, allow_insecure=allow_insecure)
    _output.info(f"Logged in to {url} as @{user.get('username')}; token saved to {path} (readable only by you).")


@cli.command()
@host_option
def logout(host: str | None) -> None:
    """Forget the token of a server (the default one unless --host)."""
    target = _hosts.resolve(host, need_token=False)
    if not _hosts.forget(target.url):
        _output.info(f"Not logged in to {target.url}; nothing to remove.")
        return
    _output.info(
        f"Logged out of {target.url}: its token file is removed. The token itself stays valid until "
        "you revoke it in the web client (Settings > Connected services)."
    )


@cli.command()
@host_option
@click.option("--show-token", is_flag=True, help="Also print the token on standard output.")
def whoami(host: str | None, show_token: bool) -> None:
    """Show the account and server the commands use, asking the server."""
    target = _hosts.resolve(host)
    with _client(target) as mk:
        me = mk.request("i")
    _output.info(f"@{me.get('username')} on {target.url} (token from {target.token_source})")
    if show_token:
        click.echo(target.token)


# -- api, endpoints ---------------------------------------------------------------------------------


def _endpoint_help(ep: _table.Endpoint) -> str:
    lines = [f"misskey api {ep.name} [key=value ...]"]
    if ep.summary != "No description in the spec":  # the generator's words for a spec without one
        lines += ["", f"  {ep.summary}"]
    details = "\n".join(f"  {line}".rstrip() for line in ep.details.splitlines())
    lines += ["", details] if details.strip() else []
    if ep.params:
        lines += ["", "Parameters (key=value, key:=JSON):"]
        width = min(28, max(len(p.python) for p in ep.params) + 2)
        for p in ep.params:
            facts = [_table.describe_type(p.type)]
            if p.required:
                facts.append("required")
            elif p.has_default:
                facts.append(f"default {json.dumps(p.default)}")
            lines.append(f"  {p.python:<{width}} {', '.join(facts)}")
            if p.description:
                lines.append(f"  {'':<{width}} {p.description}")
    else:
        lines += ["", "No parameters."]
    if ep.alternatives:
        choices = " or ".join(
            "+".join((ep.param(n) or _table.Param(n, n, False, {})).python for n in a) for a in ep.alternatives
        )
        lines += ["", f"Give {choices}."]
    if ep.files:
        lines += ["", "Files (field@PATH):"] + [f"  {name}{' (required)' if req else ''}" for name, req in ep.files]
    return "\n".join(lines)


def _read_input(source: IO[str]) -> dict[str, Any]:
    try:
        data = json.load(source)
    except ValueError as exc:
        raise BadArgument(f"--input: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadArgument("--input: expected a JSON object (the request body)")
    return data


@cli.command(add_help_option=False)
@click.argument("endpoint", required=False, shell_complete=_complete_endpoints)
@click.argument("arguments", nargs=-1, shell_complete=_complete_arguments)
@click.option("--input", "input_file", type=click.File("r"), metavar="FILE|-", help="The body as JSON ('-': stdin).")
@click.option("--no-check", is_flag=True, help="Send the arguments unchecked (an endpoint the client does not know).")
@click.option("--paginate", is_flag=True, help="Walk every page (untilId or offset); prints one item per line.")
@click.option(
    "--max", "max_items", type=click.IntRange(min=1), metavar="N", help="With --paginate: stop after N items."
)
@host_option
@click.option("-h", "--help", "show_help", is_flag=True, help="Show this help, or the endpoint's with ENDPOINT.")
@click.pass_context
def api(
    ctx: click.Context,
    endpoint: str | None,
    arguments: tuple[str, ...],
    input_file: IO[str] | None,
    no_check: bool,
    paginate: bool,
    max_items: int | None,
    host: str | None,
    show_help: bool,
) -> None:
    """Call ENDPOINT with key=value arguments and print its JSON answer.

    \b
      misskey api notes/timeline limit=5 with_renotes=false
      misskey api users/show username=alice
      misskey api notes/create text=hi visible_user_ids='["9abc"]'
      misskey api drive/files/create file@cat.png
      echo '{"limit": 3}' | misskey api notes/local-timeline --input -
      misskey api users/notes user_id=9abc limit=100 --paginate --max 500 | jq -r .text

    Values are converted by the endpoint's types (key:=JSON sends JSON as written); an
    unknown parameter or a value of the wrong type is refused before anything is sent.
    `misskey api ENDPOINT --help` lists an endpoint's parameters.
    """
    if endpoint is None:
        click.echo(ctx.get_help())
        ctx.exit(EXIT_OK if show_help else EXIT_USAGE)
        return
    if max_items is not None and not paginate:
        raise BadArgument("--max counts the items of --paginate; add --paginate")
    base = _read_input(input_file) if input_file is not None else None
    if no_check:
        if paginate:
            raise BadArgument("--paginate needs to know the endpoint's parameters; drop --no-check")
        request = _unchecked(arguments, base)
        name, credential = endpoint.strip("/"), True
    else:
        ep = _table.endpoint(endpoint)
        if show_help:
            click.echo(_endpoint_help(ep))
            return
        request = _table.build_request(ep, arguments, base)
        name, credential = ep.name, ep.credential
        if paginate:
            _pages.check(ep)
    target = _hosts.resolve(host, need_token=credential)
    with _client(target) as mk:
        if paginate:
            for item in _pages.walk(mk, ep, request.body, max_items):
                _output.emit_json(item, lines=True)
            return
        if request.files:
            with _output.upload_progress() as bar:
                ((field, path),) = request.files.items()
                answer = mk.request(name, request.body, files={field: path}, progress=bar(path))
        else:
            answer = mk.request(name, request.body)
    if answer is not None:
        _output.emit_json(answer)


def _unchecked(arguments: Sequence[str], base: dict[str, Any] | None) -> _table.Request:
    request = _table.Request(body=dict(base or {}))
    for argument in arguments:
        key, sep, value = argument.partition("=")
        if not sep or not key:
            raise BadArgument(f"{argument!r} is not key=value")
        raw = key.endswith(":")
        key = key.rstrip(":")
        try:
            request.body[key] = json.loads(value)
        except ValueError:
            if raw:
                raise BadArgument(f"{key}: not valid JSON: {value[:60]}") from None
            request.body[key] = value
    return request


@cli.command()
@click.argument("pattern", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per endpoint.")
def endpoints(pattern: str | None, as_json: bool) -> None:
    """List the endpoints (matching PATTERN: a substring or a glob such as 'notes/*').

    Each with the permission its token needs and whether it needs a token at all.
    """
    names = _table.endpoints()
    if pattern:
        glob = any(c in pattern for c in "*?[")
        names = [n for n in names if (fnmatch.fnmatchcase(n, pattern) if glob else pattern in n)]
        if not names:
            hint = _table.close_matches(pattern, _table.endpoints())
            raise BadArgument(
                f"no endpoint matches {pattern!r}" + (f"; did you mean {', '.join(hint)}?" if hint else "")
            )
    rows = [_table.endpoint(n) for n in names]
    if as_json:
        for ep in rows:
            _output.emit_json(
                {"name": ep.name, "credential": ep.credential, "permission": list(ep.permission), "summary": ep.summary}
            )
        return
    width = max(len(ep.name) for ep in rows)
    perm_width = max(len(", ".join(ep.permission) or "-") for ep in rows)
    for ep in rows:
        needs = "token" if ep.credential else "no token"
        click.echo(f"{ep.name:<{width}}  {', '.join(ep.permission) or '-':<{perm_width}}  {needs}".rstrip())


# -- note, upload -----------------------------------------------------------------------------------


def _upload(mk: Misskey, paths: Sequence[Path], extra: dict[str, Any]) -> list[dict[str, Any]]:
    files = []
    with _output.upload_progress() as bar:
        for path in paths:
            files.append(mk.request("drive/files/create", extra, files={"file": path}, progress=bar(path)))
    return files


_PATH = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def _visibilities() -> list[str]:
    param = _table.endpoint("notes/create").param("visibility")
    return [v for v in (param.type.get("enum") or []) if isinstance(v, str)] if param else []


@cli.command()
@click.argument("text", required=False)
@click.option("--cw", metavar="TEXT", help="A content warning: TEXT is hidden behind it.")
@click.option("--visibility", type=click.Choice(_visibilities()), help="Who sees it (default: public).")
@click.option("--reply-to", metavar="NOTE_ID", help="Post as a reply to this note.")
@click.option("--local-only", is_flag=True, help="Do not federate the note.")
@click.option("-f", "--file", "files", multiple=True, type=_PATH, metavar="PATH", help="Attach a file (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the created note as JSON instead of its URL.")
@host_option
def note(
    text: str | None,
    cw: str | None,
    visibility: str | None,
    reply_to: str | None,
    local_only: bool,
    files: tuple[Path, ...],
    as_json: bool,
    host: str | None,
) -> None:
    """Post a note with TEXT ('-' reads it from stdin), uploading --file attachments first.

    Prints the note's URL (--json: the created note).
    """
    if text == "-":
        text = sys.stdin.read().rstrip("\n")
    if not text and not files:
        raise BadArgument("nothing to post: give TEXT, or --file PATH")
    arguments: dict[str, Any] = {"text": text or None, "cw": cw, "replyId": reply_to}
    arguments |= {"visibility": visibility} if visibility else {}
    arguments |= {"localOnly": True} if local_only else {}
    body = {k: v for k, v in arguments.items() if v is not None}
    ep = _table.endpoint("notes/create")
    request = _table.build_request(ep, [], body)  # the same checks as `misskey api notes/create`
    target = _hosts.resolve(host)
    with _client(target) as mk:
        if files:
            request.body["fileIds"] = [f["id"] for f in _upload(mk, files, {})]
        created = mk.request("notes/create", request.body)["createdNote"]
    if as_json:
        _output.emit_json(created)
    else:
        click.echo(f"{target.url}/notes/{created['id']}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=_PATH, metavar="PATH...")
@click.option("--folder", "folder_id", metavar="FOLDER_ID", help="Put the files in this drive folder.")
@click.option("--sensitive", is_flag=True, help="Mark the files as sensitive.")
@click.option("--comment", metavar="TEXT", help="A caption (alt text) for the files.")
@click.option("--json", "as_json", is_flag=True, help="Print each drive file as JSON.")
@host_option
def upload(
    paths: tuple[Path, ...],
    folder_id: str | None,
    sensitive: bool,
    comment: str | None,
    as_json: bool,
    host: str | None,
) -> None:
    """Upload files to your drive; prints each file's id and URL (--json: the drive file)."""
    extra: dict[str, Any] = {"folderId": folder_id, "comment": comment}
    extra = {k: v for k, v in extra.items() if v is not None} | ({"isSensitive": True} if sensitive else {})
    _table.build_request(_table.endpoint("drive/files/create"), [], extra, files={"file": paths[0]})
    target = _hosts.resolve(host)
    with _client(target) as mk:
        for drive_file in _upload(mk, paths, extra):
            if as_json:
                _output.emit_json(drive_file)
            else:
                click.echo(f"{drive_file['id']}\t{drive_file['url']}")


# -- stream -----------------------------------------------------------------------------------------


@cli.command()
@click.argument("channel", shell_complete=lambda ctx, param, incomplete: _complete_channels(incomplete))
@click.argument("params", nargs=-1, metavar="[key=value ...]")
@host_option
def stream(channel: str, params: tuple[str, ...], host: str | None) -> None:
    """Print the events of CHANNEL, one JSON object per line, until Ctrl-C.

    \b
      misskey stream homeTimeline
      misskey stream localTimeline with_renotes=false
      misskey stream main | jq -c 'select(.type == "mention")'

    A dropped connection is repaired as the library does: reconnect, rejoin, and backfill
    the notes missed meanwhile (marked "backfilled": true).
    """
    from . import _stream

    target = _hosts.resolve(host)
    joined = _stream.channel(channel, params)
    with _client(target) as mk:
        for event in _stream.events(mk, joined):
            _output.emit_json(event, lines=True)


def _complete_channels(incomplete: str) -> list[CompletionItem]:
    from . import _stream

    return [CompletionItem(name) for name in _stream.channel_names() if name.startswith(incomplete)]


# -- completion --------------------------------------------------------------------------------------


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL.

    \b
      eval "$(misskey completion bash)"     # in ~/.bashrc
      eval "$(misskey completion zsh)"      # in ~/.zshrc
      misskey completion fish > ~/.config/fish/completions/misskey.fish
    """
    completer = get_completion_class(shell)
    assert completer is not None  # click knows the three shells the choice allows
    click.echo(completer(cli, {}, PROG, COMPLETE_VAR).source())


# -- entry point ---------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``misskey``; returns the exit status (the console script exits with it)."""
    try:
        args = list(argv) if argv is not None else None
        status = cli.main(args=args, prog_name=PROG, complete_var=COMPLETE_VAR, standalone_mode=False)
    except click.exceptions.Abort:  # click's word for Ctrl-C (and EOF at a prompt)
        return EXIT_INTERRUPTED
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        if _traceback_wanted():
            raise
        failure = describe(exc)
        _output.error(failure.message, details=failure.details)
        return failure.status
    return status if isinstance(status, int) else EXIT_OK


def _traceback_wanted() -> bool:
    import os

    return bool(os.environ.get("MISSKEY_CLI_TRACEBACK"))
