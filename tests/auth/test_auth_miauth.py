"""MiAuth: the approval URL, permission checking, and check/wait against a real Misskey 2026.3.2.

The approval itself is what Misskey's web page does when the user presses "Allow": a call to the internal
``miauth/gen-token`` endpoint with the user's native token.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest

from misskey_auth import (
    PERMISSIONS,
    AuthTimeoutError,
    MiAuth,
    MiAuthError,
    MiAuthNotAuthorizedError,
    validate_permissions,
)

# -- offline: the URL, sessions, permissions ----------------------------------------------------------


def test_each_object_gets_a_fresh_uuid4_session() -> None:
    sessions = {MiAuth("misskey.example").session for _ in range(50)}
    assert len(sessions) == 50
    for session in sessions:
        assert uuid.UUID(session).version == 4


def test_url_without_options() -> None:
    auth = MiAuth("misskey.example")
    assert auth.url == f"https://misskey.example/miauth/{auth.session}"


def test_url_encodes_every_query_value() -> None:
    auth = MiAuth(
        "https://misskey.example",
        name="My App & Co/100%+ 試験",
        icon="https://app.example/icon.png?size=64&x=1",
        callback="https://app.example/cb?next=/home#top",
        permission=["write:notes", "read:account"],
    )
    query = urlsplit(auth.url).query
    assert query == (
        "name=My%20App%20%26%20Co%2F100%25%2B%20%E8%A9%A6%E9%A8%93"
        "&icon=https%3A%2F%2Fapp.example%2Ficon.png%3Fsize%3D64%26x%3D1"
        "&callback=https%3A%2F%2Fapp.example%2Fcb%3Fnext%3D%2Fhome%23top"
        "&permission=write:notes,read:account"
    )
    # What the browser (URLSearchParams) reads back is exactly what was given.
    assert {key: values[0] for key, values in parse_qs(query).items()} == {
        "name": "My App & Co/100%+ 試験",
        "icon": "https://app.example/icon.png?size=64&x=1",
        "callback": "https://app.example/cb?next=/home#top",
        "permission": "write:notes,read:account",
    }


def test_permissions_may_be_a_comma_separated_string() -> None:
    auth = MiAuth("misskey.example", permission=" read:account, write:notes,read:account,")
    assert auth.permission == ("read:account", "write:notes")


def test_an_unknown_permission_names_the_closest_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown Misskey permission 'read:acount'; did you mean 'read:account'"):
        MiAuth("misskey.example", permission=["read:acount"])


def test_every_unknown_permission_is_reported() -> None:
    with pytest.raises(ValueError) as caught:
        validate_permissions(["write:note", "read:account", "zzz"])
    message = str(caught.value)
    assert "'write:note'; did you mean 'write:notes'" in message
    assert "'zzz'; see misskey_auth.PERMISSIONS" in message


def test_all_permissions_are_accepted() -> None:
    assert validate_permissions(PERMISSIONS) == PERMISSIONS


def test_a_permission_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        validate_permissions([1])  # type: ignore[list-item]


@pytest.mark.parametrize("callback", ["/relative/path", "javascript:alert(1)", "data:text/html,hi"])
def test_callbacks_misskey_would_not_follow_are_refused(callback: str) -> None:
    with pytest.raises(ValueError, match="callback"):
        MiAuth("misskey.example", callback=callback)


def test_custom_scheme_callbacks_are_allowed_for_native_apps() -> None:
    auth = MiAuth("misskey.example", callback="myapp://auth")
    assert "callback=myapp%3A%2F%2Fauth" in auth.url


def test_resume_checks_an_existing_session() -> None:
    transport, seen = _answers(APPROVED)
    auth = MiAuth.resume(
        "misskey.example", "c1f6d42b-468b-4fd2-8274-e58abdedef6f", client=httpx.Client(transport=transport)
    )
    assert auth.session == "c1f6d42b-468b-4fd2-8274-e58abdedef6f"
    assert auth.check().token == "tok-123"
    assert seen[0].url.path == "/api/miauth/c1f6d42b-468b-4fd2-8274-e58abdedef6f/check"


@pytest.mark.parametrize("session", ["", "   "])
def test_resume_needs_a_session(session: str) -> None:
    with pytest.raises(ValueError, match="session"):
        MiAuth.resume("misskey.example", session)


def test_a_session_cannot_escape_its_path_segment() -> None:
    auth = MiAuth.resume("misskey.example", "../../api/i")
    assert auth.url == "https://misskey.example/miauth/..%2F..%2Fapi%2Fi"


def test_repr_shows_neither_session_nor_token() -> None:
    auth = MiAuth("misskey.example", name="App", permission=["read:account"])
    assert auth.session not in repr(auth)
    assert repr(auth) == "MiAuth(server='https://misskey.example', name='App', permission=('read:account',))"


# -- offline: check/wait logic on a mock transport ------------------------------------------------------


def _answers(*bodies: dict[str, Any]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=bodies[min(len(seen), len(bodies)) - 1])

    return httpx.MockTransport(handler), seen


APPROVED = {"ok": True, "token": "tok-123", "user": {"id": "u1", "username": "alice"}}


def test_check_posts_an_empty_json_object_to_the_check_endpoint() -> None:
    transport, seen = _answers(APPROVED)
    auth = MiAuth("misskey.example", client=httpx.Client(transport=transport))
    result = auth.check()
    assert (result.token, result.username) == ("tok-123", "alice")
    assert "tok-123" not in repr(result)
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == f"https://misskey.example/api/miauth/{auth.session}/check"
    assert request.content == b"{}"
    assert request.headers["content-type"] == "application/json"


def test_check_before_approval_raises_not_authorized() -> None:
    transport, _ = _answers({"ok": False})
    auth = MiAuth("misskey.example", client=httpx.Client(transport=transport))
    with pytest.raises(MiAuthNotAuthorizedError) as caught:
        auth.check()
    assert isinstance(caught.value, MiAuthError)


def test_wait_polls_until_approved() -> None:
    transport, seen = _answers({"ok": False}, {"ok": False}, APPROVED)
    auth = MiAuth("misskey.example", client=httpx.Client(transport=transport))
    assert auth.wait(timeout=5, interval=0.01).token == "tok-123"
    assert len(seen) == 3


def test_wait_times_out_with_a_timeout_error() -> None:
    transport, seen = _answers({"ok": False})
    auth = MiAuth("misskey.example", client=httpx.Client(transport=transport))
    started = time.monotonic()
    with pytest.raises(AuthTimeoutError, match=r"not approved within 0\.2 seconds") as caught:
        auth.wait(timeout=0.2, interval=0.05)
    assert isinstance(caught.value, TimeoutError)
    assert 0.2 <= time.monotonic() - started < 2
    assert len(seen) >= 3


@pytest.mark.parametrize(("timeout", "interval"), [(-1, 1), (1, 0)])
def test_wait_rejects_nonsense_arguments(timeout: float, interval: float) -> None:
    with pytest.raises(ValueError):
        MiAuth("misskey.example").wait(timeout=timeout, interval=interval)


def test_wait_async_polls_and_times_out() -> None:
    async def main() -> None:
        transport, seen = _answers({"ok": False}, APPROVED)
        async with httpx.AsyncClient(transport=transport) as client:
            auth = MiAuth("misskey.example", async_client=client)
            assert (await auth.wait_async(timeout=5, interval=0.01)).token == "tok-123"
            assert len(seen) == 2
        transport, _ = _answers({"ok": False})
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(AuthTimeoutError):
                await MiAuth("misskey.example", async_client=client).wait_async(timeout=0.1, interval=0.02)

    anyio.run(main)


# -- against the real server (cassettes) --------------------------------------------------------------


def approve(misskey: dict[str, str], auth: MiAuth, *, as_user: str = "MISSKEY_USER_TOKEN") -> None:
    """Press "Allow" on the MiAuth page, as Misskey's web UI does."""
    response = httpx.post(
        f"{misskey['url']}/api/miauth/gen-token",
        json={
            "i": misskey[as_user],
            "session": auth.session,
            "name": auth.name,
            "iconUrl": auth.icon,
            "permission": list(auth.permission),
        },
    )
    assert response.status_code == 200, response.text


def call(misskey: dict[str, str], endpoint: str, token: str, **body: Any) -> httpx.Response:
    return httpx.post(f"{misskey['url']}/api/{endpoint}", json={"i": token, **body})


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_sessions")
def test_miauth_token_works_within_its_permissions_only(misskey: dict[str, str]) -> None:
    auth = MiAuth(misskey["url"], name="misskey-auth tests", permission=["read:account"])

    with pytest.raises(MiAuthNotAuthorizedError):
        auth.check()
    approve(misskey, auth)
    # The callback handler of a web application, perhaps in another process, knows only the session.
    result = MiAuth.resume(misskey["url"], auth.session).check()
    assert result.username == "alice"
    assert result.user["host"] is None

    me = call(misskey, "i", result.token)
    assert me.status_code == 200
    assert me.json()["username"] == "alice"

    refused = call(misskey, "notes/create", result.token, text="must not be posted")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PERMISSION_DENIED"

    # Misskey hands the token out once.
    with pytest.raises(MiAuthNotAuthorizedError):
        auth.check()


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_sessions")
def test_wait_returns_once_approved(misskey: dict[str, str]) -> None:
    auth = MiAuth(misskey["url"], name="misskey-auth wait", permission=["read:account", "write:notes"])
    approve(misskey, auth, as_user="MISSKEY_USER2_TOKEN")
    result = auth.wait(timeout=10, interval=0.1)
    assert result.username == "bob"
    posted = call(misskey, "notes/create", result.token, text="hello from misskey-auth tests", visibility="specified")
    assert posted.status_code == 200
    refused = call(misskey, "i/favorites", result.token)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PERMISSION_DENIED"


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_sessions")
def test_check_async_and_wait_async(misskey: dict[str, str]) -> None:
    async def main() -> str:
        auth = MiAuth(misskey["url"], name="misskey-auth async", permission=["read:account"])
        with pytest.raises(MiAuthNotAuthorizedError):
            await auth.check_async()
        approve(misskey, auth)
        return (await auth.wait_async(timeout=10, interval=0.1)).token

    token = anyio.run(main)
    assert call(misskey, "i", token).json()["username"] == "alice"
