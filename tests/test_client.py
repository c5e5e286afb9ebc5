"""The client object: configuration, token placement, the facade, laziness, lenient parsing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import misskey_client
from misskey_client import AsyncMisskey, Misskey, ResponseParseError, strict_parsing
from misskey_client._endpoints import ENDPOINTS
from misskey_client.models import Note, UserLite

SPEC = Path(__file__).parent.parent / "generator" / "specs" / "misskey-2026.3.2.json"


def _attribute(segment: str) -> str:
    name = segment.replace("-", "_")
    return {"2fa": "two_fa"}.get(segment, name)


def test_bare_host_means_https_and_repr_hides_the_token() -> None:
    with Misskey("misskey.example", token="very-secret-token") as mk:
        assert mk.base_url == "https://misskey.example"
        assert "very-secret-token" not in repr(mk) + str(mk)
        assert repr(mk) == "Misskey('https://misskey.example', token=<set>, token_in='header')"
    assert Misskey("https://misskey.example/api/").base_url == "https://misskey.example"
    assert Misskey("http://localhost:3000").base_url == "http://localhost:3000"
    with pytest.raises(ValueError, match="token_in"):
        Misskey("misskey.example", token_in="query")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="http or https"):
        Misskey("ftp://misskey.example")


def test_every_post_operation_of_the_pinned_spec_is_on_the_facade() -> None:
    spec = json.loads(SPEC.read_text())
    names = sorted(path.strip("/") for path, item in spec["paths"].items() if "post" in item)
    assert len(names) == 433
    assert sorted(ENDPOINTS) == names
    for client in (Misskey("misskey.example"), AsyncMisskey("misskey.example")):
        missing = []
        for name in names:
            target: object = client
            for segment in name.split("/"):
                target = getattr(target, _attribute(segment), None)
            if not callable(target):
                missing.append(name)
        assert missing == []


def test_importing_and_calling_one_endpoint_stays_lazy() -> None:
    code = (
        "import sys, misskey_client\n"
        "mk = misskey_client.Misskey('misskey.example')\n"
        "mk.notes.show\n"
        "from misskey_client.api.notes import notes_show\n"
        "print(len([m for m in sys.modules if m.startswith('misskey_client.models.')]))\n"
    )
    loaded = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert 0 < loaded < 60  # the Note model and what it references, not ~1100 modules


def test_models_resolve_lazily_by_name() -> None:
    assert misskey_client.models.Note is Note
    with pytest.raises(AttributeError):
        misskey_client.models.NoSuchModel  # type: ignore[attr-defined]  # noqa: B018


USER: dict[str, object] = {
    "id": "9xyz",
    "name": None,
    "username": "alice",
    "host": None,
    "avatarUrl": None,
    "avatarBlurhash": None,
    "avatarDecorations": [],
    "isBot": False,
    "isCat": False,
    "emojis": {},
    "onlineStatus": "online",
    "badgeRoles": [],
}


def test_lenient_parsing_keeps_what_a_newer_server_sends() -> None:
    data = dict(USER, onlineStatus="dreaming", brandNewField={"x": 1})
    del data["isCat"]
    with strict_parsing(False):
        user = UserLite.from_dict(data)
    assert str(user.online_status) == "dreaming"  # an enum value the spec does not know
    assert user.additional_properties == {"brandNewField": {"x": 1}}
    assert user.is_cat is misskey_client.UNSET  # "required" but left out by the server
    assert user.to_dict()["brandNewField"] == {"x": 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"onlineStatus": "dreaming"}, "unexpected value 'dreaming'"),
        ({"brandNewField": 1}, "unknown properties ['brandNewField']"),
        ({"username": None}, "required property 'username' is missing"),
    ],
)
def test_strict_parsing_rejects_drift(change: dict[str, object], message: str) -> None:
    data = dict(USER, **change)
    if change.get("username", "") is None:
        del data["username"]
    with strict_parsing(), pytest.raises(ResponseParseError, match=message.replace("[", r"\[")):
        UserLite.from_dict(data)


def test_valid_data_round_trips() -> None:
    with strict_parsing():
        assert UserLite.from_dict(USER).to_dict() == USER


@pytest.mark.vcr
def test_token_in_body_mode(misskey: dict[str, str]) -> None:
    with Misskey(misskey["url"], token=misskey["MISSKEY_USER_TOKEN"], token_in="body") as mk:
        me = mk.i()
        note = mk.notes.create(text="token sent as the i field").created_note
    assert note.user_id == me.id


@pytest.mark.vcr
def test_token_in_body_is_what_the_cassette_shows(misskey: dict[str, str], recording: bool) -> None:
    """The recorded request carries the (scrubbed) token in its JSON body and no Authorization header."""
    with Misskey(misskey["url"], token=misskey["MISSKEY_USER_TOKEN"], token_in="body") as mk:
        mk.i()
    if recording:
        return
    cassette = (
        Path(__file__).parent / "cassettes" / "test_client" / "test_token_in_body_is_what_the_cassette_shows.yaml"
    )
    text = cassette.read_text()
    assert '"i": "REDACTED-MISSKEY_USER_TOKEN"' in text or '"i":"REDACTED-MISSKEY_USER_TOKEN"' in text
    assert "authorization" not in text.lower()


def test_public_api_is_complete() -> None:
    promised = {"Misskey", "AsyncMisskey", "MisskeyAPIError", "AuthenticationError", "PermissionDeniedError"}
    promised |= {"RateLimitError", "ServerError", "InvalidResponseError", "MiAuth", "LegacyAuth", "PERMISSIONS"}
    assert promised <= set(misskey_client.__all__)
    assert misskey_client.__all__ == sorted(misskey_client.__all__, key=lambda n: (not n.isupper(), n))
    for name in misskey_client.__all__:
        assert getattr(misskey_client, name) is not None
