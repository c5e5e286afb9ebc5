"""``mk.server``: what software and version a client talks to; and answers the client cannot type, kept.

Against a loopback server that speaks like a fork: nodeinfo refused at ``/.well-known`` (federation
off, as on a new Misskey) but served at ``/nodeinfo/2.1``, and endpoints whose answers do not fit
the spec the client was generated from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from misskey_client import (
    SPEC_SOFTWARE,
    SPEC_VERSION,
    AsyncMisskey,
    Misskey,
    ResponseParseError,
    ServerInfo,
    UntypedResponseWarning,
    strict_parsing,
)
from misskey_client.models import NoteReaction
from misskey_core import AsyncBackend
from tests.loopback import Answer, Seen, json_answer, loopback


def _fork(software: str, version: str, *, links: Any = None) -> Callable[[Seen], Answer]:
    def answer(request: Seen) -> Answer:
        if request.path == "/.well-known/nodeinfo":
            return json_answer(links) if links is not None else Answer(403, b"")
        if request.path == "/nodeinfo/2.1":
            assert "authorization" not in request.headers  # nodeinfo is public: no token goes there
            return json_answer({"version": "2.1", "software": {"name": software, "version": version}})
        if request.path == "/api/endpoints":
            return json_answer(["i", "meta", "notes/edit"])
        if request.path == "/api/ping":  # declared {pong}; a list does not fit
            return json_answer([1, 2])
        if request.path == "/api/notes/polls/vote":  # declared 204
            return json_answer({"voted": True})
        return Answer(404, b"")

    return answer


@pytest.fixture
def sharkey() -> Iterator[str]:
    with loopback(_fork("sharkey", "2025.4.2")) as server:
        yield server.url


@pytest.fixture
def same() -> Iterator[str]:
    with loopback(_fork(SPEC_SOFTWARE, SPEC_VERSION)) as server:
        yield server.url


def test_another_software_is_named_and_warned_of_once(sharkey: str) -> None:
    with Misskey(sharkey, token="t") as mk:
        with pytest.warns(
            UserWarning, match=f"runs sharkey 2025.4.2; this client was generated from the misskey {SPEC_VERSION} spec"
        ):
            info = mk.server
        assert info == ServerInfo("sharkey", "2025.4.2", frozenset({"i", "meta", "notes/edit"}))
        assert str(info) == "sharkey 2025.4.2" and info.supports("notes/edit") and not info.supports("notes/create")
        assert mk.server is info  # asked once; no second warning (warnings are errors here)
        assert mk.server_version == "2025.4.2" and mk.supports("notes/edit")


@pytest.mark.anyio
async def test_the_async_client_asks_the_same(same: str, backend: AsyncBackend) -> None:
    async with AsyncMisskey(same, token="t", backend=backend) as mk:
        info = await mk.server()  # the software and version of the spec: no warning
        assert (info.software, info.version) == (SPEC_SOFTWARE, SPEC_VERSION)
        assert await mk.server() is info


def test_a_nodeinfo_link_to_another_origin_is_not_followed() -> None:
    links = {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "http://evil.example/ni"}]}
    with loopback(_fork(SPEC_SOFTWARE, SPEC_VERSION, links=links)) as server, Misskey(server.url, token="t") as mk:
        assert mk.server.software == SPEC_SOFTWARE  # from /nodeinfo/2.1 on the server itself
        assert all(not seen.path.startswith("http") for seen in server.seen)


def test_an_answer_the_spec_says_is_empty_is_kept_with_a_warning(sharkey: str) -> None:
    with Misskey(sharkey) as mk, strict_parsing(False):  # lenient, as a user's client parses
        with pytest.warns(UntypedResponseWarning, match="notes/polls/vote: the spec declares no answer body"):
            assert mk.notes.polls.vote(note_id="x", choice=0) == {"voted": True}
        with strict_parsing(), pytest.raises(ResponseParseError, match="declares no answer body"):
            mk.notes.polls.vote(note_id="x", choice=0)


def test_an_answer_of_the_wrong_shape_is_kept_with_a_warning(sharkey: str) -> None:
    with Misskey(sharkey) as mk, strict_parsing(False):
        with pytest.warns(UntypedResponseWarning, match="ping: the answer does not fit its type"):
            assert mk.ping() == [1, 2]  # type: ignore[comparison-overlap]
        with strict_parsing(), pytest.raises(ResponseParseError, match="ping"):
            mk.ping()


def test_names_are_the_apis() -> None:
    """Only keywords get a trailing underscore: ``reaction.type``, ``license=``, as Misskey spells them."""
    user: dict[str, Any] = {
        "id": "u",
        "username": "bob",
        "host": None,
        "name": None,
        "avatarUrl": None,
        "avatarBlurhash": None,
    }
    user |= {"avatarDecorations": [], "emojis": {}, "onlineStatus": "unknown"}
    reaction = NoteReaction.from_dict({"id": "r", "createdAt": "2026-01-01T00:00:00Z", "user": user, "type": "👍"})
    assert reaction.type == "👍" and reaction.to_dict()["type"] == "👍"
    import inspect

    mk = Misskey("misskey.example")
    assert "license" in inspect.signature(mk.admin.emoji.update).parameters
    assert "type" in inspect.signature(mk.i.webhooks.test).parameters
