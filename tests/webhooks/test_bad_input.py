"""Bad input, each case through the parser, the WSGI app and the ASGI app, called directly and over real
servers (wsgiref, uvicorn): its own status and error, no handler runs, and the app keeps working.

Every case starts from the real ``mention`` delivery recorded from Misskey 2026.3.2 and changes one
thing. A header name in another case is not bad input (HTTP names are case-insensitive): it is in
the table to show it is accepted, while the secret itself in another case is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from misskey_client.webhooks import (
    MentionEvent,
    UnknownEvent,
    WebhookASGIApp,
    WebhookBodyError,
    WebhookEnvelopeError,
    WebhookEvent,
    WebhookJSONError,
    WebhookReceiver,
    WebhookSecretError,
    WebhookTooLargeError,
    WebhookWSGIApp,
    verify_and_parse,
)
from tests.webhooks.recorded import Answer, Recorded, call_asgi, call_wsgi, delivery
from tests.webhooks.servers import serve_asgi, serve_wsgi

GOOD = delivery("mention")
#: The receivers' configured limit; the oversize case is the real delivery padded to one byte more.
LIMIT = 4096
SECRET = "x-misskey-hook-secret"


def _headers(change: Callable[[str, str], list[tuple[str, str]]]) -> Callable[[Recorded], Recorded]:
    def make(d: Recorded) -> Recorded:
        return d.with_headers(lambda hs: [pair for k, v in hs for pair in change(k, v)])

    return make


def _secret(new: Callable[[str, str], list[tuple[str, str]]]) -> Callable[[Recorded], Recorded]:
    return _headers(lambda k, v: new(k, v) if k.lower() == SECRET else [(k, v)])


def _body(new: Callable[[bytes], bytes]) -> Callable[[Recorded], Recorded]:
    return lambda d: d.with_body(new(d.body))


def _envelope(**change: object) -> Callable[[Recorded], Recorded]:
    def make(d: Recorded) -> Recorded:
        envelope = {**d.envelope, **change}
        return d.with_body(json.dumps({k: v for k, v in envelope.items() if v is not None}).encode())

    return make


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Recorded], Recorded]
    status: int
    error: str | None
    #: What ``verify_and_parse`` does: raises this error, or returns an event of this class.
    parser: type[Exception] | type[WebhookEvent] | None
    method: str = "POST"

    def __str__(self) -> str:
        return self.name


CASES = [
    Case("wrong secret", _secret(lambda k, v: [(k, "not-the-secret")]), 401, "bad_secret", WebhookSecretError),
    Case("no secret header", _secret(lambda k, v: []), 401, "bad_secret", WebhookSecretError),
    Case("secret in another case", _secret(lambda k, v: [(k, v.upper())]), 401, "bad_secret", WebhookSecretError),
    Case("secret header twice", _secret(lambda k, v: [(k, v), (k, v)]), 401, "bad_secret", WebhookSecretError),
    Case(
        "secret in the Authorization header",
        _secret(lambda k, v: [("authorization", v)]),
        401,
        "bad_secret",
        WebhookSecretError,
    ),
    Case("header name upper case", _secret(lambda k, v: [(k.upper(), v)]), 200, None, MentionEvent),
    Case(
        "header name as Misskey writes it",
        _secret(lambda k, v: [("X-Misskey-Hook-Secret", v)]),
        200,
        None,
        MentionEvent,
    ),
    Case("empty body", _body(lambda b: b""), 400, "bad_json", WebhookJSONError),
    Case("truncated JSON", _body(lambda b: b[: len(b) // 2]), 400, "bad_json", WebhookJSONError),
    Case("not UTF-8", _body(lambda b: b.replace(b"bob", b"b\xffb", 1)), 400, "bad_json", WebhookJSONError),
    Case(
        "NaN, which JSON lacks",
        _body(lambda b: b.replace(b'"createdAt":', b'"createdAt":NaN,"x":', 1)),
        400,
        "bad_json",
        WebhookJSONError,
    ),
    Case("a JSON array", _body(lambda b: b"[" + b + b"]"), 400, "bad_envelope", WebhookEnvelopeError),
    Case("a JSON string", _body(lambda b: json.dumps(b.decode()).encode()), 400, "bad_envelope", WebhookEnvelopeError),
    Case("envelope without eventId", _envelope(eventId=None), 400, "bad_envelope", WebhookEnvelopeError),
    Case("createdAt a string", _envelope(createdAt="yesterday"), 400, "bad_envelope", WebhookEnvelopeError),
    Case("a mention without its note", _envelope(body={"user": {}}), 400, "bad_body", WebhookBodyError),
    Case("a mention whose note is a list", _envelope(body={"note": []}), 400, "bad_body", WebhookBodyError),
    Case("unknown type", _envelope(type="noteDeleted"), 422, "unknown_type", UnknownEvent),
    Case(
        "oversize",
        _body(lambda b: b[:-1] + b" " * (LIMIT + 1 - len(b)) + b[-1:]),
        413,
        "too_large",
        WebhookTooLargeError,
    ),
    Case("GET instead of POST", lambda d: d, 405, "method_not_allowed", None, method="GET"),
]


@dataclass
class Counted:
    """A receiver of ``MentionEvent`` for both secrets, counting what reached its handler."""

    receiver: WebhookReceiver
    seen: list[WebhookEvent]


@pytest.fixture
def counted() -> Counted:
    receiver = WebhookReceiver(secret=GOOD.secret, max_body_size=LIMIT)
    seen: list[WebhookEvent] = []
    receiver.add_handler(MentionEvent, seen.append)
    return Counted(receiver, seen)


def _check(case: Case, answer: Answer, counted: Counted) -> None:
    assert answer.status == case.status, answer.json
    if case.error is None:
        assert answer.json == {"ok": True}
        assert [e.event_id for e in counted.seen] == [GOOD.envelope["eventId"]]
    else:
        assert answer.json["ok"] is False
        assert answer.error == case.error
        assert answer.json["message"]
        assert counted.seen == []
    assert GOOD.secret not in json.dumps(answer.json)


def test_the_oversize_case_is_only_too_large() -> None:
    big = CASES[-2].make(GOOD)
    assert len(big.body) == LIMIT + 1
    assert isinstance(verify_and_parse(GOOD.secret, big.headers, big.body), MentionEvent)


@pytest.mark.parametrize("case", [c for c in CASES if c.parser is not None], ids=str)  # the method is the apps'
def test_the_parser(case: Case) -> None:
    assert case.parser is not None
    d = case.make(GOOD)
    if issubclass(case.parser, WebhookEvent):
        assert type(verify_and_parse(d.secret, d.headers, d.body, max_body_size=LIMIT)) is case.parser
        return
    with pytest.raises(case.parser) as caught:
        verify_and_parse(d.secret, d.headers, d.body, max_body_size=LIMIT)
    assert caught.value.status_code == case.status  # type: ignore[attr-defined]
    assert caught.value.code == case.error  # type: ignore[attr-defined]
    assert GOOD.secret not in str(caught.value)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_wsgi_app(case: Case, counted: Counted) -> None:
    app = WebhookWSGIApp(counted.receiver)
    _check(case, call_wsgi(app, case.make(GOOD), method=case.method), counted)
    counted.seen.clear()
    assert call_wsgi(app, GOOD).status == 200  # still works
    assert len(counted.seen) <= 1  # a redelivery of an accepted case runs nothing


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.anyio
async def test_the_asgi_app(case: Case, counted: Counted) -> None:
    app = WebhookASGIApp(counted.receiver)
    _check(case, await call_asgi(app, case.make(GOOD), method=case.method), counted)
    counted.seen.clear()
    assert (await call_asgi(app, GOOD)).status == 200


@pytest.mark.anyio
async def test_the_asgi_app_stops_reading_an_unannounced_oversize_body(counted: Counted) -> None:
    """No Content-Length (a chunked body): the app reads chunk by chunk and stops past the limit."""
    big = CASES[-2].make(GOOD)
    answer = await call_asgi(
        WebhookASGIApp(counted.receiver), big, content_length=False, chunk=1024, disconnect_after=False
    )
    assert (answer.status, answer.error, counted.seen) == (413, "too_large", [])


def test_the_wsgi_app_with_a_body_that_ends_by_itself(counted: Counted) -> None:
    app = WebhookWSGIApp(counted.receiver)
    big = CASES[-2].make(GOOD)
    assert call_wsgi(app, big, content_length=False, terminated=True).error == "too_large"
    assert call_wsgi(app, GOOD, content_length=False, terminated=True).status == 200
    assert len(counted.seen) == 1


@pytest.fixture(params=["wsgiref", "uvicorn"])
def served(request: pytest.FixtureRequest, counted: Counted) -> Iterator[tuple[str, Counted]]:
    if request.param == "wsgiref":
        with serve_wsgi(WebhookWSGIApp(counted.receiver)) as url:
            yield url, counted
    else:
        with serve_asgi(WebhookASGIApp(counted.receiver)) as url:
            yield url, counted


def _post(client: httpx.Client, url: str, d: Recorded, method: str = "POST") -> Answer:
    response = client.request(method, url + d.path, headers=d.sent_headers(), content=d.body)
    return Answer(response.status_code, response.json(), dict(response.headers))


def test_every_case_over_a_real_server(served: tuple[str, Counted]) -> None:
    url, counted = served
    with httpx.Client() as client:
        for case in CASES:
            counted.seen.clear()
            counted.receiver.recent = type(counted.receiver.recent)()  # each case's own first delivery
            _check(case, _post(client, url, case.make(GOOD), case.method), counted)
        assert _post(client, url, GOOD).status == 200
