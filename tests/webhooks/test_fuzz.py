"""Garbage never crashes the parser or the receiver: ``parse`` returns an event or raises a
``WebhookPayloadError``, leniently and strictly, and the receiver answers it without running a handler.

Fuzzed four ways: any bytes; any JSON value; the real recorded deliveries with one value, at any
depth, replaced by garbage or removed; and any headers against the secret check.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from misskey_client import strict_parsing
from misskey_client.webhooks import (
    EVENT_TYPES,
    UnknownEvent,
    WebhookBodyError,
    WebhookEvent,
    WebhookPayloadError,
    WebhookReceiver,
    WebhookSecretError,
    parse,
    parse_obj,
    verify,
)
from tests.webhooks.recorded import DELIVERIES, SECRETS

#: Examples per test; CI can raise it: ``MISSKEY_FUZZ_EXAMPLES=500 pytest tests/webhooks/test_fuzz.py``.
EXAMPLES = int(os.environ.get("MISSKEY_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
ENVELOPES = [d.envelope for d in DELIVERIES]


def _parse_or_refuse(data: Any) -> list[WebhookEvent]:
    """Parse leniently and strictly; each either gives an event or raises a WebhookPayloadError."""
    events = []
    for strict in (False, True):
        try:
            if strict:
                with strict_parsing():
                    events.append(parse_obj(data) if not isinstance(data, bytes) else parse(data))
            else:
                events.append(parse_obj(data) if not isinstance(data, bytes) else parse(data))
        except WebhookPayloadError as exc:
            assert exc.status_code == 400
            assert exc.json_path.startswith("$")
    return events


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes(body: bytes) -> None:
    for event in _parse_or_refuse(body):
        assert isinstance(event, WebhookEvent)


@FUZZ
@given(JSON)
def test_any_json_value(data: Any) -> None:
    for event in _parse_or_refuse(data):
        assert isinstance(data, dict)
        assert event.raw is data


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _paths(inner, (*path, i))
    return found


def _change(envelope: Any, path: tuple[Any, ...], new: Any, remove: bool) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(envelope))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if remove and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = new
    return copy


@st.composite
def damaged(draw: st.DrawFn) -> tuple[dict[str, Any], Any]:
    envelope = draw(st.sampled_from(ENVELOPES))
    path = draw(st.sampled_from(_paths(envelope)))
    return envelope, _change(envelope, path, draw(JSON), draw(st.booleans()))


@FUZZ
@given(damaged())
def test_a_real_delivery_with_one_value_damaged(pair: tuple[dict[str, Any], Any]) -> None:
    _original, data = pair
    for event in _parse_or_refuse(data):
        assert event.type == data["type"]
        assert event.event_id == data["eventId"]
        assert isinstance(event, EVENT_TYPES.get(event.type, UnknownEvent))


@FUZZ
@given(st.sampled_from(ENVELOPES), st.text(max_size=30), JSON)
def test_any_type_with_any_body(envelope: dict[str, Any], event_type: str, body: Any) -> None:
    data = {**envelope, "type": event_type, "body": body}
    try:
        event = parse_obj(data)
    except WebhookBodyError as exc:
        assert event_type in EVENT_TYPES
        assert exc.event_type == event_type
        return
    if event_type not in EVENT_TYPES:
        assert isinstance(event, UnknownEvent)
        assert event.body is body


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["x-misskey-hook-secret", "X-MISSKEY-HOOK-SECRET", "host"]), st.text())))
def test_any_headers_against_the_secret(headers: list[tuple[str, str]]) -> None:
    secrets = [v for k, v in headers if k.lower() == "x-misskey-hook-secret"]
    try:
        verify(SECRETS["user"], headers)
    except WebhookSecretError:
        assert secrets != [SECRETS["user"]]
    else:
        assert secrets == [SECRETS["user"]]


@FUZZ
@given(st.binary(max_size=300) | damaged().map(lambda pair: json.dumps(pair[1]).encode()))
def test_the_receiver_answers_garbage_without_running_a_handler(body: bytes) -> None:
    receiver, seen = WebhookReceiver(secret=SECRETS["user"], max_body_size=2048), list[WebhookEvent]()
    receiver.add_handler(WebhookEvent, seen.append)
    headers = [("x-misskey-hook-secret", SECRETS["user"])]
    answer = receiver.handle(headers, body)
    assert answer.status in (200, 400, 413, 422)
    assert json.loads(answer.body)["ok"] is (answer.status == 200)
    assert len(seen) == (answer.status == 200)
