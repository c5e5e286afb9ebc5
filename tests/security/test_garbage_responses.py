"""Answers that are not Misskey JSON raise ``InvalidResponseError``, never a stray exception.

``tests/test_errors.py`` covers a proxy's HTML 502, a cut-off JSON body, an HTML 200 and a list
for an object through ``request``; this module goes through typed endpoint methods and adds empty
bodies, JSON ``null``, scalars, wrong and missing content types, invalid UTF-8, and the transport
failures around a response (a connection cut mid-body, a body that claims gzip and is not).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from misskey_client import (
    DEFAULT_TIMEOUT,
    AsyncMisskey,
    InvalidResponseError,
    Misskey,
    MisskeyConnectionError,
    ResponseParseError,
)
from misskey_client.api.notes import notes_show
from misskey_client.models import Note
from misskey_core import AsyncBackend
from tests.loopback import Loopback
from tests.security.conftest import TOKEN


@pytest.fixture
def mk(stand_in: Loopback) -> Iterator[Misskey]:
    with Misskey(stand_in.url, token=TOKEN, retry=None, timeout=5) as client:
        yield client


def _show_as(mk: Misskey, route: str) -> Note:
    """``notes/show``'s typed parse applied to whatever ``route`` answers."""
    return mk._call(route, {"noteId": "x"}, notes_show._parse)


@pytest.mark.parametrize(
    ("route", "why"),
    [
        ("html-200", "expected JSON, got text/html"),
        ("json-as-text-plain", "expected JSON, got text/plain"),
        ("json-without-content-type", "expected JSON, got no content type"),
        ("gzip-of-html", "expected JSON, got text/html"),
        ("truncated", "not valid JSON"),
        ("invalid-utf8", "not valid JSON"),
        ("html-502", "HTTP 502 without a Misskey error body"),
        ("redirect", "redirects are not followed"),
    ],
)
def test_a_body_that_is_not_misskey_json_is_an_invalid_response(mk: Misskey, route: str, why: str) -> None:
    with pytest.raises(InvalidResponseError) as excinfo:
        _show_as(mk, route)
    assert type(excinfo.value) is InvalidResponseError
    assert why in str(excinfo.value)
    assert excinfo.value.endpoint == route
    assert TOKEN not in str(excinfo.value) + repr(excinfo.value) + excinfo.value.snippet


def test_an_empty_200_is_an_invalid_response(mk: Misskey) -> None:
    """Misskey answers 204 when it has nothing to say; an empty 200 is a broken answer, typed or not."""
    for call in (lambda: _show_as(mk, "empty-200"), lambda: mk.request("empty-200")):
        with pytest.raises(InvalidResponseError, match="empty body") as excinfo:
            call()
        assert (excinfo.value.endpoint, excinfo.value.status_code) == ("empty-200", 200)


@pytest.mark.parametrize("route", ["null", "string", "number", "list"])
def test_json_that_is_not_an_object_where_one_is_expected_is_an_invalid_response(mk: Misskey, route: str) -> None:
    with pytest.raises(InvalidResponseError) as excinfo:
        _show_as(mk, route)
    assert isinstance(excinfo.value, ResponseParseError)  # the JSON was fine; it does not fit a Note
    assert excinfo.value.endpoint == route
    assert excinfo.value.status_code == 200


def test_an_object_of_the_wrong_model_is_a_parse_error_in_strict_mode(mk: Misskey) -> None:
    with pytest.raises(ResponseParseError, match="Note"):
        _show_as(mk, "object")  # {"id": "x"}: the autouse fixture parses strictly


def test_a_list_endpoint_given_an_object_is_an_invalid_response(mk: Misskey) -> None:
    from misskey_client.api.notes import notes_timeline

    for route in ("object", "null", "string"):
        with pytest.raises(InvalidResponseError):
            mk._call(route, {}, notes_timeline._parse)


@pytest.mark.parametrize("route", ["html-200", "empty-200", "null", "list", "truncated", "json-as-text-plain"])
def test_the_generated_method_raises_invalid_response_too(stand_in: Loopback, route: str) -> None:
    """Through ``mk.notes.show`` itself: the stand-in answers ``noteId="garbage:<route>"`` with that route."""
    with Misskey(stand_in.url, token=TOKEN, retry=None) as mk:
        assert mk.notes.show(note_id="abc").id == "abc"  # the stand-in's real answer parses strictly
        with pytest.raises(InvalidResponseError) as excinfo:
            mk.notes.show(note_id=f"garbage:{route}")
    assert excinfo.value.endpoint == "notes/show"


def test_a_connection_cut_mid_body_is_a_connection_error(mk: Misskey) -> None:
    """A transfer that stops short of its Content-Length is a transport failure (retried for reads)."""
    with pytest.raises(MisskeyConnectionError) as excinfo:
        _show_as(mk, "cut-mid-body")
    assert isinstance(excinfo.value.__cause__, httpx.RemoteProtocolError)


def test_a_body_that_claims_gzip_and_is_not_is_an_invalid_response(mk: Misskey) -> None:
    with pytest.raises(InvalidResponseError):
        _show_as(mk, "bad-gzip")


def test_absurdly_nested_json_is_an_invalid_response(mk: Misskey) -> None:
    with pytest.raises(InvalidResponseError):
        _show_as(mk, "deeply-nested")


def test_a_redirect_loop_is_an_invalid_response(stand_in: Loopback) -> None:
    """With redirects enabled by the caller, a loop ends as InvalidResponseError, not an httpx error."""
    with Misskey(stand_in.url, retry=None, follow_redirects=True) as mk, pytest.raises(InvalidResponseError) as excinfo:
        mk.request("redirect-loop")
    assert isinstance(excinfo.value.__cause__, httpx.TooManyRedirects)


@pytest.mark.anyio
async def test_the_async_client_maps_garbage_the_same_way(stand_in: Loopback, backend: AsyncBackend) -> None:
    async with AsyncMisskey(stand_in.url, token=TOKEN, retry=None, backend=backend) as amk:
        for route in ("html-200", "truncated", "empty-200", "null", "list", "json-as-text-plain"):
            with pytest.raises(InvalidResponseError):
                await amk._call(route, {"noteId": "x"}, notes_show._parse)


def test_default_timeouts_are_set_and_documented() -> None:
    assert httpx.Timeout(30.0, connect=10.0) == DEFAULT_TIMEOUT
    timeouts = (DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read, DEFAULT_TIMEOUT.write, DEFAULT_TIMEOUT.pool)
    assert timeouts == (10.0, 30.0, 30.0, 30.0)
    with Misskey("https://misskey.example") as mk:
        assert mk._http.timeout == DEFAULT_TIMEOUT  # no call needed: nothing is sent
    with Misskey("https://misskey.example", timeout=3) as mk:
        assert mk._http.timeout == httpx.Timeout(3)
