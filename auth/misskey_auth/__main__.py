"""``python -m misskey_auth login``: get a token through the browser and save it.

Only the token (and only with ``--print-token``) goes to standard output, so that
``TOKEN=$(python -m misskey_auth login ... --print-token)`` works; every message goes to standard error.
"""

from __future__ import annotations

import argparse
import sys
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path

from ._errors import MisskeyAuthError
from ._http import server_url
from ._login import login
from ._tokenfile import default_token_path, save_token
from ._validation import validate_permissions

__all__ = ["build_parser", "main"]

EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m misskey_auth",
        description="Get a Misskey access token for your own account through the browser (MiAuth).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cmd = commands.add_parser(
        "login",
        help="approve an access token in the browser and save it",
        description=(
            "Open the server's MiAuth page in the browser, wait for the approval (a one-shot server on "
            "127.0.0.1 receives the redirect; the server is polled as well) and save the token to a file "
            "only you can read. Denying in the browser looks like a timeout: Misskey does not tell."
        ),
    )
    cmd.add_argument("server", help="the Misskey server, e.g. misskey.example or https://misskey.example")
    cmd.add_argument("--name", help="the application name shown on the approval page")
    cmd.add_argument("--icon", metavar="URL", help="an icon URL shown on the approval page")
    cmd.add_argument(
        "--permission",
        action="append",
        default=[],
        metavar="PERMS",
        help="permissions to request, comma-separated; may be repeated (e.g. read:account,write:notes)",
    )
    cmd.add_argument(
        "--no-browser",
        dest="browser",
        action="store_false",
        help="do not start a browser; print the URL to open instead",
    )
    cmd.add_argument(
        "--print-token",
        action="store_true",
        help="print the token on standard output (it is then saved only if --token-file is given)",
    )
    cmd.add_argument(
        "--token-file",
        type=Path,
        metavar="PATH",
        help="where to save the token, mode 0600 (default: ~/.config/misskey-client/HOST.token)",
    )
    cmd.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=300.0,
        metavar="SECONDS",
        help="give up after this long without approval (default: 300)",
    )
    cmd.add_argument(
        "--allow-insecure",
        action="store_true",
        help="allow plain http:// to a host that is not this machine (the token travels unencrypted)",
    )
    return parser


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text}")
    return value


def main(
    argv: Sequence[str] | None = None,
    *,
    browser: Callable[[str], object] = webbrowser.open,
) -> int:
    """Run the command line; ``browser`` opens a URL (tests pass their own)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        server = server_url(args.server, allow_insecure=args.allow_insecure)
        permission = validate_permissions(",".join(args.permission))
    except ValueError as exc:
        parser.error(str(exc))

    def notify(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if not permission:
        notify("warning: no --permission given; the token will not be allowed to call any endpoint.")
    try:
        result = login(
            server,
            name=args.name,
            icon=args.icon,
            permission=permission,
            browser=browser if args.browser else None,
            notify=notify,
            timeout=args.timeout,
            allow_insecure=args.allow_insecure,
        )
    except KeyboardInterrupt:
        notify("Cancelled.")
        return EXIT_INTERRUPTED
    except TimeoutError as exc:
        notify(f"error: {exc}.\nRun the command again to retry (--timeout SECONDS waits longer).")
        return EXIT_FAILURE
    except MisskeyAuthError as exc:
        notify(f"error: {exc}")
        return EXIT_FAILURE

    who = f"@{result.username}" if result.username else "your account"
    if args.print_token:
        print(result.token, flush=True)
    if args.token_file is not None or not args.print_token:
        try:
            path = save_token(args.token_file or default_token_path(server), result.token)
        except OSError as exc:
            notify(f"error: approved as {who}, but the token could not be saved: {exc}")
            return EXIT_FAILURE
        notify(f"Logged in as {who} on {server}; token saved to {path} (readable only by you).")
    else:
        notify(f"Logged in as {who} on {server}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
