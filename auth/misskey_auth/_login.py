"""Browser login for scripts and command-line tools: MiAuth with a one-shot loopback callback.

A small HTTP server on 127.0.0.1 (a free port) is the MiAuth ``callback``. After the user approves,
Misskey's page redirects the browser to ``http://127.0.0.1:PORT/callback?session=...``; the server checks
that the session is ours and the token is fetched at once. If the browser cannot reach the callback (it
runs on another machine, or the URL was copied to a phone), ``check`` is polled meanwhile, so approving
anywhere works.
"""

from __future__ import annotations

import contextlib
import hmac
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

import httpx

from ._errors import AuthTimeoutError, MiAuthError, MiAuthNotAuthorizedError
from ._http import DEFAULT_TIMEOUT
from ._miauth import MiAuth
from ._models import AuthResult

__all__ = ["CallbackServer", "login"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 4em auto">
<h1>{title}</h1><p>{text}</p></body></html>
"""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    expected_session = ""
    received: threading.Event


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _Server
    # A browser may open spare connections and send nothing on them; do not let one hold a thread forever.
    timeout = 10

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != "/callback":
            self._answer(404, "Not found", "This address only serves the Misskey login callback.")
            return
        sessions = parse_qs(parts.query).get("session", [])
        expected = self.server.expected_session
        if len(sessions) == 1 and expected and hmac.compare_digest(sessions[0], expected):
            self.server.received.set()
            self._answer(
                200,
                "Approved",
                "The application has been approved. You can close this tab and go back to the terminal.",
            )
        else:
            self._answer(
                400,
                "Unknown session",
                "This link does not belong to the login in progress; it was ignored.",
            )

    def _answer(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=title, text=text).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the request log (with its session id) out of the terminal."""


class CallbackServer:
    """The one-shot loopback HTTP server that receives MiAuth's redirect.

    Use it as a context manager: it binds ``127.0.0.1`` on a free port at creation (so :attr:`url` is
    known before the MiAuth request is made), serves from a thread between ``__enter__`` and
    ``__exit__``, and sets :attr:`received` when ``/callback?session=<expected>`` arrives.
    """

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _CallbackHandler)
        self._server.received = threading.Event()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="misskey-auth-callback",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/callback``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/callback"

    @property
    def received(self) -> threading.Event:
        """Set once the browser came back with the expected session."""
        return self._server.received

    def expect(self, session: str) -> None:
        """Accept only callbacks carrying this session id."""
        self._server.expected_session = session

    def __enter__(self) -> CallbackServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


def _say_nothing(message: str) -> None:
    pass


def login(
    host: str,
    *,
    name: str | None = None,
    icon: str | None = None,
    permission: str | Iterable[str] = (),
    browser: Callable[[str], object] | None = webbrowser.open,
    notify: Callable[[str], None] = _say_nothing,
    timeout: float = 300.0,
    interval: float = 2.0,
    allow_insecure: bool = False,
    http_timeout: float = DEFAULT_TIMEOUT,
    client: httpx.Client | None = None,
) -> AuthResult:
    """Get a token by sending the user's browser through MiAuth, and return it.

    ``browser`` opens a URL (``webbrowser.open`` by default; ``None`` only reports the URL through
    ``notify``, for machines without a browser). ``notify`` receives progress messages meant for the
    user; none of them contains the token. Raises :class:`AuthTimeoutError` when nothing is approved
    within ``timeout`` seconds; a denial looks the same, because Misskey does not tell the app.
    """
    if timeout < 0 or interval <= 0:
        raise ValueError("timeout must not be negative and interval must be positive")
    with CallbackServer() as callback, _http_client(client, http_timeout) as http:
        miauth = MiAuth(
            host,
            name=name,
            icon=icon,
            callback=callback.url,
            permission=permission,
            allow_insecure=allow_insecure,
            timeout=http_timeout,
            client=http,
        )
        callback.expect(miauth.session)
        try:  # one check first: a wrong host or a server that is not Misskey fails here, before a browser opens
            return miauth.check()
        except MiAuthNotAuthorizedError:
            pass
        _show(miauth.url, browser, notify)
        notify(f"Waiting up to {timeout:g} seconds for the approval (Ctrl-C cancels)...")
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if callback.received.wait(max(0.0, min(interval, remaining))):
                return _collect(miauth)
            try:
                return miauth.check()  # the approval may have happened where the callback cannot reach us
            except MiAuthNotAuthorizedError:
                pass
            if time.monotonic() >= deadline:
                raise AuthTimeoutError(
                    f"the login was not approved within {timeout:g} seconds: "
                    "it was denied in the browser, or not finished"
                )


def _show(url: str, browser: Callable[[str], object] | None, notify: Callable[[str], None]) -> None:
    if browser is None:
        notify(f"Open this page in a browser and approve the request:\n\n  {url}\n")
    elif browser(url) is False:
        notify(f"Could not start a browser. Open this page and approve the request:\n\n  {url}\n")
    else:
        notify(f"Your browser should now show the approval page. If it does not, open:\n\n  {url}\n")


def _collect(miauth: MiAuth) -> AuthResult:
    try:
        return miauth.check()
    except MiAuthNotAuthorizedError:
        raise MiAuthError(
            "the browser reported the approval, but the server has no token for this session "
            "(was it fetched by another program?)"
        ) from None


@contextlib.contextmanager
def _http_client(client: httpx.Client | None, timeout: float) -> Iterator[httpx.Client]:
    """The caller's client as is, or a new one closed at the end of the login."""
    if client is not None:
        yield client
        return
    with httpx.Client(timeout=timeout) as own:
        yield own
