"""Browser login: the loopback callback server, the polling fallback, and an end-to-end login.

A real HTTP request to the callback stands in for the browser following Misskey's redirect; the
approval itself is ``miauth/gen-token`` with the user's native token, as Misskey's web page does.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from misskey_auth import AuthNetworkError, AuthResult, AuthTimeoutError, CallbackServer, MiAuthError, login

Visit = Callable[[str], tuple[int, str]]


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def session_of(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[1]


# -- the callback server ----------------------------------------------------------------------------


def test_callback_server_accepts_only_its_session(browser_visit: Visit) -> None:
    with CallbackServer() as server:
        server.expect("the-session")
        assert server.url.startswith("http://127.0.0.1:")
        assert server.url.endswith("/callback")

        status, page = browser_visit(f"{server.url}?session=another-session")
        assert status == 400
        assert "does not belong" in page
        assert not server.received.is_set()

        status, _ = browser_visit(server.url)
        assert status == 400
        status, _ = browser_visit(server.url.replace("/callback", "/favicon.ico"))
        assert status == 404
        assert not server.received.is_set()

        status, page = browser_visit(f"{server.url}?session=the-session")
        assert status == 200
        assert "close this tab" in page
        assert server.received.is_set()
        port = urlsplit(server.url).port
    assert port is not None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_callback_server_listens_on_loopback_only() -> None:
    server = CallbackServer()
    try:
        assert server._server.server_address[0] == "127.0.0.1"
    finally:
        server.close()


def test_an_idle_connection_does_not_block_the_callback(browser_visit: Visit) -> None:
    with CallbackServer() as server:
        server.expect("s")
        port = urlsplit(server.url).port
        assert port is not None
        with socket.create_connection(("127.0.0.1", port)):  # a browser's speculative connection
            status, _ = browser_visit(f"{server.url}?session=s")
        assert status == 200


# -- login() with a mock Misskey ----------------------------------------------------------------------

APPROVED = {"ok": True, "token": "tok-secret-123", "user": {"id": "u1", "username": "alice"}}


class FakeMisskey:
    """A mock transport answering ``check`` from a list of answers (the last one repeats)."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = answers
        self.checks = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/check")
        self.checks += 1
        return httpx.Response(200, json=self.answers[min(self.checks, len(self.answers)) - 1])

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))


NOT_YET = {"ok": False}


def test_login_through_the_callback(browser_visit: Visit) -> None:
    misskey = FakeMisskey(NOT_YET, APPROVED)  # the first check, before the browser opens, finds nothing
    opened: list[str] = []
    messages: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        query = query_of(url)
        assert query["name"] == "My CLI"
        assert query["permission"] == "read:account,write:notes"
        status, _ = browser_visit(f"{query['callback']}?session={session_of(url)}")
        assert status == 200
        return True

    with misskey.client() as client:
        result = login(
            "misskey.example",
            name="My CLI",
            permission="read:account,write:notes",
            browser=browser,
            notify=messages.append,
            interval=5,  # the callback must not wait for a poll
            client=client,
        )
    assert result.token == "tok-secret-123"
    assert misskey.checks == 2  # the one before the browser, and the one the callback set off
    (url,) = opened
    assert url.startswith("https://misskey.example/miauth/")
    assert query_of(url)["callback"].startswith("http://127.0.0.1:")
    assert any(url in message for message in messages)
    assert not any("tok-secret-123" in message for message in messages)


def test_login_polls_when_the_browser_cannot_reach_the_callback() -> None:
    misskey = FakeMisskey({"ok": False}, {"ok": False}, APPROVED)
    with misskey.client() as client:
        result = login("misskey.example", browser=lambda url: True, interval=0.02, client=client)
    assert result.token == "tok-secret-123"
    assert misskey.checks == 3


def test_login_ignores_a_callback_for_another_session(browser_visit: Visit) -> None:
    misskey = FakeMisskey({"ok": False}, APPROVED)

    def browser(url: str) -> bool:
        status, _ = browser_visit(f"{query_of(url)['callback']}?session=forged")
        assert status == 400
        return True

    with misskey.client() as client:
        assert login("misskey.example", browser=browser, interval=0.02, client=client).username == "alice"
    assert misskey.checks == 2


def test_login_times_out_with_a_clear_message() -> None:
    misskey = FakeMisskey({"ok": False})
    with misskey.client() as client, pytest.raises(AuthTimeoutError) as caught:
        login("misskey.example", browser=lambda url: True, timeout=0.2, interval=0.05, client=client)
    assert isinstance(caught.value, TimeoutError)
    assert str(caught.value) == (
        "the login was not approved within 0.2 seconds: it was denied in the browser, or not finished"
    )


def test_login_when_the_token_was_taken_by_someone_else(browser_visit: Visit) -> None:
    misskey = FakeMisskey({"ok": False})

    def browser(url: str) -> bool:
        browser_visit(f"{query_of(url)['callback']}?session={session_of(url)}")
        return True

    with misskey.client() as client, pytest.raises(MiAuthError, match="fetched by another program"):
        login("misskey.example", browser=browser, interval=5, client=client)


@pytest.mark.parametrize(
    ("browser", "expected"),
    [(None, "Open this page in a browser"), (lambda url: False, "Could not start a browser")],
)
def test_login_shows_the_url_without_a_browser(browser: Callable[[str], bool] | None, expected: str) -> None:
    messages: list[str] = []
    with FakeMisskey(NOT_YET, APPROVED).client() as client:
        login("misskey.example", browser=browser, notify=messages.append, interval=0.01, client=client)
    assert expected in messages[0]
    assert "/miauth/" in messages[0]


def test_a_host_that_does_not_answer_fails_before_a_browser_opens() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    def browser(url: str) -> bool:
        raise AssertionError("no browser for a server that is not there")

    messages: list[str] = []
    with httpx.Client(transport=httpx.MockTransport(refused)) as client, pytest.raises(AuthNetworkError) as caught:
        login("misskey.exmaple", browser=browser, notify=messages.append, client=client)
    assert "misskey.exmaple" in str(caught.value)
    assert messages == []  # no URL to open, no "waiting"


def test_login_validates_before_opening_anything() -> None:
    def browser(url: str) -> bool:
        raise AssertionError("no browser for invalid input")

    with pytest.raises(ValueError, match="did you mean"):
        login("misskey.example", permission=["read:acount"], browser=browser)


# -- end to end against the real server (cassettes) --------------------------------------------------


def approve_in_browser(misskey: dict[str, str], url: str, *, follow_redirect: Visit | None) -> None:
    """What the user's browser does: show the page, press "Allow", follow the redirect to the callback."""
    query = query_of(url)
    response = httpx.post(
        f"{misskey['url']}/api/miauth/gen-token",
        json={
            "i": misskey["MISSKEY_USER_TOKEN"],
            "session": session_of(url),
            "name": query.get("name"),
            "iconUrl": query.get("icon"),
            "permission": query["permission"].split(","),
        },
    )
    assert response.status_code == 200, response.text
    if follow_redirect is not None:
        status, _ = follow_redirect(f"{query['callback']}?session={session_of(url)}")
        assert status == 200


def assert_read_account_only(misskey: dict[str, str], result: AuthResult) -> None:
    me = httpx.post(f"{misskey['url']}/api/i", json={"i": result.token})
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    refused = httpx.post(f"{misskey['url']}/api/notes/create", json={"i": result.token, "text": "no"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PERMISSION_DENIED"


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_sessions")
def test_login_end_to_end(misskey: dict[str, str], browser_visit: Visit) -> None:
    opened: list[str] = []
    user: list[threading.Thread] = []

    def browser(url: str) -> bool:
        opened.append(url)
        # The user approves a moment later, in another thread, as with a real browser.
        user.append(
            threading.Thread(target=approve_in_browser, args=(misskey, url), kwargs={"follow_redirect": browser_visit})
        )
        user[0].start()
        return True

    result = login(
        misskey["url"],
        name="misskey-auth login",
        permission=["read:account"],
        browser=browser,
        interval=30,  # only the callback can end the wait in time for the test
        timeout=20,
    )
    user[0].join()
    assert result.username == "alice"
    assert len(opened) == 1
    assert_read_account_only(misskey, result)


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_sessions")
def test_login_end_to_end_by_polling(misskey: dict[str, str]) -> None:
    def browser(url: str) -> bool:
        approve_in_browser(misskey, url, follow_redirect=None)  # the redirect never reaches us
        return True

    result = login(
        misskey["url"], name="misskey-auth login", permission=["read:account"], browser=browser, interval=0.05
    )
    assert_read_account_only(misskey, result)
