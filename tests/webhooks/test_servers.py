"""The apps under real servers, as a person deploys them: the ASGI app under uvicorn and mounted in a
Starlette application, the WSGI app under the standard library's server. uvicorn and Starlette are
test dependencies only; the apps import neither.
"""

from __future__ import annotations

import subprocess
import sys

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from misskey_client.webhooks import MentionEvent, WebhookASGIApp, WebhookEvent, WebhookReceiver, WebhookWSGIApp
from tests.webhooks.recorded import DELIVERIES, SECRETS, Recorded, delivery
from tests.webhooks.servers import serve_asgi, serve_wsgi


def _receiver(seen: list[WebhookEvent]) -> WebhookReceiver:
    receiver = WebhookReceiver(secret=[SECRETS["user"], SECRETS["system"]])
    receiver.add_handler(WebhookEvent, seen.append)
    return receiver


def _post(client: httpx.Client, url: str, d: Recorded) -> httpx.Response:
    return client.post(url, headers=d.sent_headers(), content=d.body)


def test_every_recorded_delivery_under_uvicorn() -> None:
    seen: list[WebhookEvent] = []
    with serve_asgi(WebhookASGIApp(_receiver(seen))) as url, httpx.Client() as client:
        answers = [_post(client, url + d.path, d) for d in DELIVERIES]
    assert [a.status_code for a in answers] == [200] * len(DELIVERIES)
    assert sum(a.json() == {"ok": True, "duplicate": True} for a in answers) == 1  # note_redelivered[1]
    assert len(seen) == len(DELIVERIES) - 1
    assert {a.headers["content-type"] for a in answers} == {"application/json"}


def test_every_recorded_delivery_under_wsgiref() -> None:
    seen: list[WebhookEvent] = []
    with serve_wsgi(WebhookWSGIApp(_receiver(seen))) as url, httpx.Client() as client:
        answers = [_post(client, url + d.path, d) for d in DELIVERIES]
    assert [a.status_code for a in answers] == [200] * len(DELIVERIES)
    assert len(seen) == len(DELIVERIES) - 1


def test_mounted_in_starlette_beside_its_own_routes() -> None:
    seen: list[WebhookEvent] = []
    hooks = _receiver(seen)

    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("the bot's own page")

    app = Starlette(routes=[Route("/", home), Mount("/hooks/misskey", app=WebhookASGIApp(hooks))])
    d = delivery("mention")
    with serve_asgi(app) as url, httpx.Client() as client:
        assert client.get(url + "/").text == "the bot's own page"
        handled = _post(client, url + "/hooks/misskey/", d)
        assert (handled.status_code, handled.json()) == (200, {"ok": True})
        stranger = client.post(url + "/hooks/misskey/", content=d.body)
        assert (stranger.status_code, stranger.json()["error"]) == (401, "bad_secret")
    assert [type(e) for e in seen] == [MentionEvent]


def test_the_apps_import_no_web_framework() -> None:
    code = (
        "import sys, misskey_client.webhooks;"
        "print(sorted(m for m in ('starlette', 'uvicorn', 'fastapi', 'flask', 'django') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
