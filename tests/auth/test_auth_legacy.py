"""The legacy app flow against a real Misskey 2026.3.2 (cassettes), and its offline details.

The user's acceptance is what Misskey's ``/auth/{token}`` page does: ``auth/accept`` with the user's
native token. In the cassettes the app secret, the session token, the access token and the derived token
are placeholders; the derived token in the recorded ``i`` requests is the SHA-256 of the placeholders, so
a replay still checks that ``userkey`` derived the token the later requests use.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import anyio
import httpx
import pytest

from misskey_auth import AuthAPIError, LegacyAuth


def test_the_usable_token_is_the_hex_sha256_of_access_token_and_secret() -> None:
    expected = hashlib.sha256(b"access" + b"secret").hexdigest()
    assert LegacyAuth.derive_token("access", "secret") == expected


def test_steps_need_the_app_secret_first() -> None:
    with pytest.raises(RuntimeError, match="create_app"):
        LegacyAuth("misskey.example").generate_session()


def test_repr_hides_the_secret() -> None:
    auth = LegacyAuth("misskey.example", app_secret="very-secret")
    assert "very-secret" not in repr(auth)


def test_create_app_validates_permissions_before_sending() -> None:
    with pytest.raises(ValueError, match="did you mean 'write:notes'"):
        LegacyAuth("misskey.example").create_app("App", "d", ["write:note"])


def test_bodies_sent_by_each_step() -> None:
    seen: list[dict[str, Any]] = []
    answers = {
        "/api/app/create": {
            "id": "app1",
            "name": "App",
            "secret": "s",
            "permission": ["read:account"],
            "callbackUrl": "https://app.example/cb",
        },
        "/api/auth/session/generate": {"token": "sess", "url": "https://misskey.example/auth/sess"},
        "/api/auth/session/userkey": {"accessToken": "acc", "user": {"username": "alice"}},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append({"path": request.url.path, "body": json.loads(request.content)})
        return httpx.Response(200, json=answers[request.url.path])

    auth = LegacyAuth("misskey.example", client=httpx.Client(transport=httpx.MockTransport(handler)))
    app = auth.create_app("App", "An app", "read:account", callback_url="https://app.example/cb")
    assert (app.id, app.secret, app.permission, app.callback_url) == (
        "app1",
        "s",
        ("read:account",),
        "https://app.example/cb",
    )
    assert "secret='s'" not in repr(app)
    session = auth.generate_session()
    result = auth.userkey(session.token)
    assert result.token == LegacyAuth.derive_token("acc", "s")
    assert seen == [
        {
            "path": "/api/app/create",
            "body": {
                "name": "App",
                "description": "An app",
                "permission": ["read:account"],
                "callbackUrl": "https://app.example/cb",
            },
        },
        {"path": "/api/auth/session/generate", "body": {"appSecret": "s"}},
        {"path": "/api/auth/session/userkey", "body": {"appSecret": "s", "token": "sess"}},
    ]


# -- against the real server (cassettes) --------------------------------------------------------------


def accept(misskey: dict[str, str], session_token: str) -> None:
    """Press "Accept" on the legacy ``/auth/{token}`` page, as Misskey's web UI does."""
    response = httpx.post(
        f"{misskey['url']}/api/auth/accept", json={"i": misskey["MISSKEY_USER_TOKEN"], "token": session_token}
    )
    assert response.status_code == 204, response.text


def call(misskey: dict[str, str], endpoint: str, token: str, **body: Any) -> httpx.Response:
    # The derived token is a hex digest that no placeholder can stand for, so it travels in the
    # Authorization header, which cassettes never keep; the server's answer shows it was accepted.
    return httpx.post(f"{misskey['url']}/api/{endpoint}", json=body, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.vcr
def test_legacy_token_works_within_its_permissions_only(misskey: dict[str, str]) -> None:
    auth = LegacyAuth(misskey["url"])
    app = auth.create_app("misskey-auth legacy", "test app", ["read:account"])
    assert app.permission == ("read:account",)
    assert auth.app_secret == app.secret

    session = auth.generate_session()
    assert session.url.endswith(f"/auth/{session.token}")

    with pytest.raises(AuthAPIError) as pending:
        auth.userkey(session.token)
    assert pending.value.code == "PENDING_SESSION"

    accept(misskey, session.token)
    result = auth.userkey(session.token)
    assert result.username == "alice"

    me = call(misskey, "i", result.token)
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    refused = call(misskey, "notes/create", result.token, text="must not be posted")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "PERMISSION_DENIED"


@pytest.mark.vcr
def test_legacy_flow_async_with_a_stored_secret(misskey: dict[str, str]) -> None:
    async def main() -> str:
        registration = LegacyAuth(misskey["url"])
        app = await registration.create_app_async("misskey-auth legacy async", "test app", ["read:account"])
        # Later, for another user: a new object built from the stored secret.
        auth = LegacyAuth(misskey["url"], app_secret=app.secret)
        session = await auth.generate_session_async()
        accept(misskey, session.token)
        return (await auth.userkey_async(session.token)).token

    token = anyio.run(main)
    assert call(misskey, "i", token).json()["username"] == "alice"
    assert call(misskey, "notes/create", token, text="no").status_code == 403
