"""Tokens stay where they were sent: no plain http:// across the network, no token to another origin.

The redirect tests run two loopback servers: the Misskey stand-in answers every call with a
redirect to the other one (another port, so another origin), which records every byte it receives.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest

from misskey_client import AsyncMisskey, InsecureTransportError, InvalidResponseError, Misskey
from misskey_core import TokenLocation
from tests.loopback import Answer, Loopback, Seen, json_answer, loopback
from tests.security.conftest import TOKEN

REDIRECTS = (301, 302, 303, 307, 308)
TOKEN_MODES: tuple[TokenLocation, ...] = ("header", "body")
#: The sync client and the async one over each backend.
CLIENTS = pytest.mark.parametrize(
    "cls",
    [Misskey, functools.partial(AsyncMisskey, backend="httpx"), functools.partial(AsyncMisskey, backend="aiohttp")],
    ids=["sync", "async-httpx", "async-aiohttp"],
)


# -- plain http:// -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://misskey.example",
        "http://misskey.example:3000/",
        "http://10.0.0.5",
        "http://192.168.1.10:3000",
        "http://[2001:db8::1]",
        "http://127.0.0.1.nip.io",  # a name that only looks like loopback
        "http://localhost.example.com",
        "HTTP://MISSKEY.EXAMPLE",
    ],
)
@pytest.mark.parametrize("cls", [Misskey, AsyncMisskey])
def test_plain_http_to_another_machine_is_refused(url: str, cls: type[Misskey] | type[AsyncMisskey]) -> None:
    with pytest.raises(InsecureTransportError) as excinfo:
        cls(url, token=TOKEN)
    message = str(excinfo.value)
    assert "unencrypted" in message and "allow_insecure=True" in message  # the error says why, and the way out
    assert TOKEN not in message + repr(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:3000", "http://127.8.9.10", "http://localhost:3000", "http://[::1]:3000", "https://x.example"],
)
def test_loopback_and_https_are_allowed(url: str) -> None:
    Misskey(url, token=TOKEN).close()


def test_allow_insecure_is_the_explicit_opt_in() -> None:
    mk = Misskey("http://misskey.example", token=TOKEN, allow_insecure=True)
    assert mk.base_url == "http://misskey.example"
    mk.close()


def test_a_bare_host_means_https() -> None:
    with Misskey("misskey.example", token=TOKEN) as mk:
        assert mk.base_url == "https://misskey.example"


# -- redirects -----------------------------------------------------------------------------------


def _redirecting(to: str, status: int) -> Any:
    def answer(request: Seen) -> Answer:
        return Answer(status, b"", (("Location", to + request.path),))

    return answer


@pytest.fixture
def elsewhere() -> Iterator[Loopback]:
    """The other origin: answers anything with an empty JSON object, and remembers what it got."""
    with loopback(lambda request: json_answer({})) as server:
        yield server


def _call(client: Misskey | AsyncMisskey) -> Any:
    """One ``notes/create`` through either client, closing it afterwards."""
    if isinstance(client, AsyncMisskey):

        async def call() -> Any:
            async with client:
                return await client.request("notes/create", {"text": "secret plans"})

        return anyio.run(call)
    with client:
        return client.request("notes/create", {"text": "secret plans"})


@pytest.mark.parametrize("status", REDIRECTS)
@pytest.mark.parametrize("token_in", TOKEN_MODES)
@CLIENTS
def test_redirects_are_not_followed_by_default(
    elsewhere: Loopback, status: int, token_in: TokenLocation, cls: Callable[..., Misskey | AsyncMisskey]
) -> None:
    with loopback(_redirecting(elsewhere.url, status)) as origin:
        client = cls(origin.url, token=TOKEN, token_in=token_in)
        with pytest.raises(InvalidResponseError) as excinfo:
            _call(client)
        assert len(origin.received(TOKEN)) == 1  # the token went where it was meant to, once
    assert excinfo.value.status_code == status
    assert "not followed" in str(excinfo.value) and elsewhere.url in str(excinfo.value)
    assert TOKEN not in str(excinfo.value) + repr(excinfo.value)
    assert elsewhere.seen == []


@pytest.mark.parametrize("status", REDIRECTS)
@CLIENTS
def test_followed_redirect_drops_the_authorization_header(
    elsewhere: Loopback, status: int, cls: Callable[..., Misskey | AsyncMisskey]
) -> None:
    """httpx strips ``Authorization`` when a redirect leaves the origin; 307/308 still replay the body."""
    with loopback(_redirecting(elsewhere.url, status)) as origin:
        client = cls(origin.url, token=TOKEN, follow_redirects=True)
        assert _call(client) == {}
        assert origin.seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    [arrived] = elsewhere.seen
    assert "authorization" not in arrived.headers
    assert elsewhere.received(TOKEN) == []
    if status in (307, 308):  # the method and body are replayed: the caller's data, not the token
        assert (arrived.method, arrived.json()) == ("POST", {"text": "secret plans"})
    else:
        assert (arrived.method, arrived.body) == ("GET", b"")


@pytest.mark.parametrize("status", REDIRECTS)
@CLIENTS
def test_followed_redirect_never_carries_a_body_token_away(
    elsewhere: Loopback, status: int, cls: Callable[..., Misskey | AsyncMisskey]
) -> None:
    """With ``token_in="body"`` the client refuses the hop itself: a 307/308 would replay ``i``."""
    with loopback(_redirecting(elsewhere.url, status)) as origin:
        client = cls(origin.url, token=TOKEN, token_in="body", follow_redirects=True)
        with pytest.raises(InsecureTransportError) as excinfo:
            _call(client)
        assert origin.seen[0].json() == {"text": "secret plans", "i": TOKEN}
    assert elsewhere.seen == []
    assert "refusing to send the token" in str(excinfo.value)
    assert TOKEN not in str(excinfo.value) + repr(excinfo.value)


@pytest.mark.parametrize("token_in", TOKEN_MODES)
def test_another_host_on_the_same_port_is_another_origin(token_in: TokenLocation) -> None:
    """127.0.0.1:P and 127.0.0.2:P are two origins, though one machine and one port number."""
    target: list[str] = []
    with loopback(lambda request: Answer(308, b"", (("Location", target[0] + request.path),))) as origin:
        try:
            other = loopback(lambda request: json_answer({}), host="127.0.0.2", port=origin.port)
            elsewhere = other.__enter__()
        except OSError:
            pytest.skip("cannot listen on 127.0.0.2 here")
        try:
            target.append(elsewhere.url)
            with Misskey(origin.url, token=TOKEN, token_in=token_in, follow_redirects=True) as mk:
                if token_in == "body":
                    with pytest.raises(InsecureTransportError):
                        mk.request("i")
                else:
                    assert mk.request("i") == {}
            assert elsewhere.received(TOKEN) == []
            assert len(elsewhere.seen) == (1 if token_in == "header" else 0)
        finally:
            other.__exit__(None, None, None)


@pytest.mark.parametrize("token_in", TOKEN_MODES)
def test_a_same_origin_redirect_keeps_the_token(token_in: TokenLocation) -> None:
    """The control experiment: these servers would see a token if one arrived."""

    def answer(request: Seen) -> Answer:
        if request.path == "/api/moved":
            return Answer(308, b"", (("Location", "/api/i"),))
        return json_answer({"ok": True})

    with loopback(answer) as origin:
        with Misskey(origin.url, token=TOKEN, token_in=token_in, follow_redirects=True) as mk:
            assert mk.request("moved") == {"ok": True}
        assert [request.path for request in origin.received(TOKEN)] == ["/api/moved", "/api/i"]


def test_caller_supplied_event_hooks_still_run_after_the_guard(elsewhere: Loopback) -> None:
    calls: list[str] = []
    with loopback(_redirecting(elsewhere.url, 307)) as origin:
        hooks = {"request": [lambda request: calls.append(str(request.url))]}
        with (
            Misskey(origin.url, token=TOKEN, token_in="body", follow_redirects=True, event_hooks=hooks) as mk,
            pytest.raises(InsecureTransportError),
        ):
            mk.request("i")
    assert calls == [f"{origin.url}/api/i"]  # the guard refused the hop before any other hook saw it
    assert elsewhere.seen == []
