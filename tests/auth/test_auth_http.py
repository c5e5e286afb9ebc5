"""Server addresses, plain-HTTP refusal, and how non-Misskey answers and network failures are reported."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anyio
import httpx
import pytest

from misskey_auth import (
    AuthAPIError,
    AuthNetworkError,
    AuthNetworkTimeoutError,
    InsecureTransportError,
    LegacyAuth,
    MiAuth,
    MisskeyAuthError,
    NotMisskeyServerError,
)
from misskey_auth._http import is_loopback_host, server_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("misskey.example", "https://misskey.example"),
        ("  Misskey.Example  ", "https://misskey.example"),
        ("misskey.example:8443", "https://misskey.example:8443"),
        ("https://misskey.example/", "https://misskey.example"),
        ("HTTPS://misskey.example", "https://misskey.example"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://127.0.0.1:3000/", "http://127.0.0.1:3000"),
        ("http://127.8.9.10", "http://127.8.9.10"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_server_url_normalises(given: str, expected: str) -> None:
    assert server_url(given) == expected


@pytest.mark.parametrize(
    "host", ["http://misskey.example", "http://192.168.1.10:3000", "http://[2001:db8::1]", "http://10.0.0.1"]
)
def test_plain_http_to_a_remote_host_is_refused(host: str) -> None:
    with pytest.raises(InsecureTransportError, match="allow_insecure") as caught:
        server_url(host)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, MisskeyAuthError)
    assert server_url(host, allow_insecure=True) == host


def test_the_refusal_happens_before_any_request() -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    client = httpx.Client(transport=httpx.MockTransport(explode))
    with pytest.raises(InsecureTransportError):
        MiAuth("http://misskey.example", client=client)


@pytest.mark.parametrize(
    "host",
    [
        "",
        "ftp://misskey.example",
        "https://misskey.example/@alice",
        "https://misskey.example/?a=1",
        "https://",
    ],
)
def test_malformed_addresses_are_value_errors(host: str) -> None:
    with pytest.raises(ValueError):
        server_url(host)


def test_user_information_in_the_address_is_refused() -> None:
    with pytest.raises(ValueError, match="user information"):
        server_url("https://me:pw@misskey.example")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.255.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("128.0.0.1", False),
        ("localhost.example", False),
        ("0.0.0.0", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


# -- a real server on loopback that is not Misskey ------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    answer: tuple[int, str, bytes] = (404, "text/html", b"<h1>Not Found</h1>")
    delay = 0.0

    def do_POST(self) -> None:
        time.sleep(self.delay)
        status, content_type, body = self.answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def other_server() -> Iterator[Callable[..., str]]:
    """Start a real HTTP server on loopback that gives one answer to every POST; returns its URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(status: int, content_type: str, body: bytes, delay: float = 0.0) -> str:
        handler = type("Handler", (_Handler,), {"answer": (status, content_type, body), "delay": delay})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_an_html_page_is_not_a_misskey_server(other_server: Callable[..., str]) -> None:
    page = b"<!doctype html>\n<html>\n  <body>Welcome to nginx!</body></html>"
    url = other_server(200, "text/html; charset=utf-8", page)
    with pytest.raises(NotMisskeyServerError) as caught:
        LegacyAuth(url).create_app("x", "y", ["read:account"])
    error = caught.value
    assert error.status_code == 200
    assert error.snippet == "<!doctype html> <html> <body>Welcome to nginx!</body></html>"
    assert "does not look like a Misskey server" in str(error)
    assert "text/html" in str(error)
    assert error.url == f"{url}/api/app/create"


def test_a_404_is_not_a_misskey_server(other_server: Callable[..., str]) -> None:
    url = other_server(404, "text/html", b"<h1>Not Found</h1>")
    auth = MiAuth(url)
    with pytest.raises(NotMisskeyServerError, match="HTTP 404") as caught:
        auth.check()
    assert caught.value.status_code == 404


def test_a_long_answer_is_cut_in_the_message(other_server: Callable[..., str]) -> None:
    url = other_server(200, "text/plain", b"x" * 5000)
    with pytest.raises(NotMisskeyServerError) as caught:
        MiAuth(url).check()
    assert len(caught.value.snippet) <= 120
    assert caught.value.snippet.endswith("...")


def test_json_that_is_not_misskey_is_not_a_misskey_server(other_server: Callable[..., str]) -> None:
    url = other_server(502, "application/json", b'{"detail": "bad gateway"}')
    with pytest.raises(NotMisskeyServerError, match="HTTP 502"):
        LegacyAuth(url).create_app("x", "y", [])


def test_a_check_answer_of_the_wrong_shape_is_not_quoted(other_server: Callable[..., str]) -> None:
    url = other_server(200, "application/json", b'{"ok": true, "token": "secret-token-value"}')
    with pytest.raises(NotMisskeyServerError) as caught:
        MiAuth(url).check()
    assert "secret-token-value" not in str(caught.value)
    assert caught.value.snippet == ""


def test_a_misskey_error_object_is_an_api_error(other_server: Callable[..., str]) -> None:
    body = b'{"error": {"message": "No such app.", "code": "NO_SUCH_APP", "id": "92f93e63"}}'
    url = other_server(400, "application/json", body)
    with pytest.raises(AuthAPIError) as caught:
        LegacyAuth(url, app_secret="s3cr3t-value").generate_session()
    error = caught.value
    assert (error.status_code, error.code, error.error_id) == (400, "NO_SUCH_APP", "92f93e63")
    assert "No such app." in str(error)
    assert "s3cr3t-value" not in str(error)


def test_a_slow_server_gives_a_typed_timeout(other_server: Callable[..., str]) -> None:
    url = other_server(200, "application/json", b'{"ok": false}', delay=1.0)
    with pytest.raises(AuthNetworkTimeoutError) as caught:
        MiAuth(url, timeout=0.1).check()
    assert isinstance(caught.value, TimeoutError)
    assert isinstance(caught.value, AuthNetworkError)
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


def test_a_refused_connection_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more.
    with pytest.raises(AuthNetworkError) as caught:
        MiAuth(f"http://127.0.0.1:{port}").check()
    assert not isinstance(caught.value, TimeoutError)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_timeouts_are_typed_on_the_async_path_too() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as client:
            with pytest.raises(AuthNetworkTimeoutError):
                await MiAuth("misskey.example", async_client=client).check_async()

    anyio.run(main)
