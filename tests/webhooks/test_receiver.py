"""The receiver's promises, with real recorded deliveries through both apps: a 2xx only once every
handler returned (so Misskey retries a failure), redeliveries of an ``eventId`` dropped, sync and async
handlers, handlers per type, a 422 for a type nobody handles.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest

from misskey_client.webhooks import (
    EVENT_TYPES,
    FollowedEvent,
    MentionEvent,
    NoteEvent,
    RecentEvents,
    UnknownEvent,
    UserWebhookEvent,
    WebhookASGIApp,
    WebhookEvent,
    WebhookReceiver,
    WebhookWSGIApp,
)
from tests.webhooks.recorded import DELIVERIES, SECRETS, Answer, Recorded, call_asgi, call_wsgi, delivery
from tests.webhooks.servers import serve_asgi

#: Either app, called the way its server calls it; each returns the Answer.
Call = Callable[[WebhookReceiver, Recorded], Awaitable[Answer]]


async def _wsgi(receiver: WebhookReceiver, d: Recorded) -> Answer:
    return call_wsgi(WebhookWSGIApp(receiver), d)


async def _asgi(receiver: WebhookReceiver, d: Recorded) -> Answer:
    return await call_asgi(WebhookASGIApp(receiver), d)


APPS = pytest.mark.parametrize("call", [_wsgi, _asgi], ids=["wsgi", "asgi"])
pytestmark = pytest.mark.anyio


def _receiver() -> WebhookReceiver:
    return WebhookReceiver(secret=[SECRETS["user"], SECRETS["system"]])


@APPS
async def test_every_recorded_delivery_reaches_the_handler_of_its_type(call: Call) -> None:
    receiver = _receiver()
    seen: dict[type[WebhookEvent], list[str]] = {cls: [] for cls in EVENT_TYPES.values()}
    for cls in EVENT_TYPES.values():
        receiver.add_handler(cls, lambda event: seen[type(event)].append(event.event_id))
    unique = {d.envelope["eventId"]: d for d in DELIVERIES}.values()
    for d in unique:
        answer = await call(receiver, d)
        assert (answer.status, answer.json) == (200, {"ok": True}), d
    for cls, ids in seen.items():
        assert ids == [d.envelope["eventId"] for d in unique if d.envelope["type"] == cls.event_type], cls


@APPS
async def test_the_recorded_redelivery_runs_the_handler_once(call: Call) -> None:
    receiver, notes = _receiver(), list[NoteEvent]()
    receiver.add_handler(NoteEvent, notes.append)
    first = await call(receiver, delivery("note_redelivered", 0))
    again = await call(receiver, delivery("note_redelivered", 1))
    assert (first.status, first.json) == (200, {"ok": True})
    assert (again.status, again.json) == (200, {"ok": True, "duplicate": True})
    assert len(notes) == 1
    assert delivery("note_redelivered", 0).envelope["eventId"] in receiver.recent


@APPS
async def test_a_failed_handler_gets_500_and_the_redelivery_runs_it_again(call: Call) -> None:
    """As recorded: the first delivery failed (503 then), the server's retry carried the same eventId."""
    receiver, attempts = _receiver(), []

    @receiver.on(NoteEvent)
    def flaky(event: NoteEvent) -> None:
        attempts.append(event.event_id)
        if len(attempts) == 1:
            raise RuntimeError("the database is down")

    failed = await call(receiver, delivery("note_redelivered", 0))
    assert (failed.status, failed.error) == (500, "handler_failed")
    assert "database" not in failed.json["message"]  # a handler's error stays in the log
    assert (await call(receiver, delivery("note_redelivered", 1))).json == {"ok": True}
    assert (await call(receiver, delivery("note_redelivered", 1))).json == {"ok": True, "duplicate": True}
    assert len(attempts) == 2


@APPS
async def test_sync_and_async_handlers_run_in_order(call: Call) -> None:
    receiver, order = _receiver(), []

    @receiver.on(MentionEvent)
    async def first(event: MentionEvent) -> None:
        await asyncio.sleep(0)
        order.append("async mention")

    @receiver.on(UserWebhookEvent)
    def second(event: UserWebhookEvent) -> None:
        order.append("sync user event")

    @receiver.on(WebhookEvent)
    async def third(event: WebhookEvent) -> None:
        order.append("async any event")

    assert (await call(receiver, delivery("mention"))).status == 200
    assert order == ["async mention", "sync user event", "async any event"]


@APPS
async def test_a_type_without_a_handler_gets_422(call: Call) -> None:
    receiver = _receiver()
    receiver.add_handler(MentionEvent, lambda event: None)
    answer = await call(receiver, delivery("followed"))
    assert (answer.status, answer.error) == (422, "no_handler")
    assert delivery("followed").envelope["eventId"] not in receiver.recent  # a later handler may take it


@APPS
async def test_an_unknown_type_reaches_only_an_unknown_event_handler(call: Call) -> None:
    import json

    d = delivery("mention")
    unknown = d.with_body(json.dumps({**d.envelope, "type": "noteDeleted"}).encode())
    receiver, everything, unknowns = _receiver(), list[WebhookEvent](), list[UnknownEvent]()
    receiver.add_handler(WebhookEvent, everything.append)
    assert (await call(receiver, unknown)).error == "unknown_type"
    receiver.add_handler(UnknownEvent, unknowns.append)
    assert (await call(receiver, unknown)).status == 200
    assert everything == []
    assert [(e.type, e.user_id, e.body) for e in unknowns] == [
        ("noteDeleted", d.envelope["userId"], d.envelope["body"])
    ]


async def test_the_asgi_app_answers_only_after_the_handler_returned() -> None:
    """Over uvicorn: while the handler runs, no answer; a retry meanwhile is told to come back (503)."""
    receiver = _receiver()
    started, release = threading.Event(), threading.Event()

    @receiver.on(MentionEvent)
    def slow(event: MentionEvent) -> None:
        started.set()
        assert release.wait(30)

    d = delivery("mention")
    with serve_asgi(WebhookASGIApp(receiver)) as url, httpx.Client() as client, ThreadPoolExecutor(1) as pool:

        def post() -> httpx.Response:
            return client.post(url + d.path, headers=d.sent_headers(), content=d.body)

        pending = pool.submit(post)
        assert started.wait(30)
        assert not pending.done()  # the handler has not returned: nothing was answered yet
        with httpx.Client() as other:
            retry = other.post(url + d.path, headers=d.sent_headers(), content=d.body)
        assert (retry.status_code, retry.json()["error"], retry.headers["retry-after"]) == (503, "in_progress", "60")
        release.set()
        answer = pending.result(30)
        assert (answer.status_code, answer.json()) == (200, {"ok": True})
        assert post().json() == {"ok": True, "duplicate": True}


def test_the_wsgi_app_answers_a_retry_503_while_the_first_is_handled() -> None:
    receiver = _receiver()
    started, release = threading.Event(), threading.Event()
    receiver.add_handler(MentionEvent, lambda event: (started.set(), release.wait(30)))
    app, d = WebhookWSGIApp(receiver), delivery("mention")
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(call_wsgi, app, d)
        assert started.wait(30)
        assert not pending.done()
        assert call_wsgi(app, d).status == 503
        release.set()
        assert pending.result(30).status == 200
    assert call_wsgi(app, d).json == {"ok": True, "duplicate": True}


async def test_a_sync_handler_under_asgi_runs_in_a_worker_thread() -> None:
    receiver, threads = _receiver(), []
    receiver.add_handler(MentionEvent, lambda event: threads.append(threading.current_thread()))
    assert (await call_asgi(WebhookASGIApp(receiver), delivery("mention"))).status == 200
    assert threads and threads[0] is not threading.current_thread()


async def test_a_cancelled_delivery_is_not_remembered() -> None:
    """The client went away mid-handler: the event may be delivered again and handled then."""
    receiver = _receiver()

    @receiver.on(MentionEvent)
    async def forever(event: MentionEvent) -> None:
        await anyio.sleep_forever()

    with anyio.CancelScope() as scope:
        scope.cancel()
        await receiver.handle_async(delivery("mention").headers, delivery("mention").body)
    assert delivery("mention").envelope["eventId"] not in receiver.recent
    assert receiver.recent.claim(delivery("mention").envelope["eventId"]) == "new"


def test_the_dedup_window_forgets_the_oldest() -> None:
    recent = RecentEvents(window=2)
    for event_id in ("a", "b", "c"):
        assert recent.claim(event_id) == "new"
        recent.release(event_id, handled=True)
    assert ("a" in recent, "b" in recent, "c" in recent, len(recent)) == (False, True, True, 2)
    assert recent.claim("b") == "done"
    assert recent.claim("d") == "new"
    assert recent.claim("d") == "busy"
    recent.release("d", handled=False)
    assert recent.claim("d") == "new"
    with pytest.raises(ValueError):
        RecentEvents(window=0)


def test_an_async_handler_under_wsgi_runs_to_completion() -> None:
    receiver, done = _receiver(), []

    @receiver.on(FollowedEvent)
    async def on_followed(event: FollowedEvent) -> None:
        await asyncio.sleep(0)
        done.append(event.user.username)

    assert call_wsgi(WebhookWSGIApp(receiver), delivery("followed")).status == 200
    assert done == ["bob"]


def test_one_receiver_serves_hooks_with_different_secrets() -> None:
    receiver, types = _receiver(), []
    receiver.add_handler(WebhookEvent, lambda event: types.append(event.type))
    app = WebhookWSGIApp(receiver)
    assert call_wsgi(app, delivery("mention")).status == call_wsgi(app, delivery("user_created")).status == 200
    assert types == ["mention", "userCreated"]
    only_user = WebhookWSGIApp(WebhookReceiver(secret=SECRETS["user"]))
    assert call_wsgi(only_user, delivery("user_created")).status == 401


@pytest.mark.parametrize(
    ("secret", "why"),
    [("", "must not be empty"), ([], "no webhook secret"), ("sécret✓", "Latin-1"), (b"", "must not be empty")],
)
def test_a_secret_that_cannot_work_is_refused_at_once(secret: Any, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        WebhookReceiver(secret=secret)


def test_bad_registrations_and_limits_are_refused() -> None:
    receiver = _receiver()
    with pytest.raises(TypeError):
        receiver.add_handler(dict, print)  # type: ignore[type-var]
    with pytest.raises(TypeError):
        receiver.add_handler(NoteEvent, "not callable")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        WebhookReceiver(secret="s", max_body_size=0)


def test_the_secret_is_never_shown() -> None:
    receiver = WebhookReceiver(secret=SECRETS["user"])
    receiver.add_handler(NoteEvent, print)
    assert SECRETS["user"] not in repr(receiver)
    assert "NoteEvent" in repr(receiver)
