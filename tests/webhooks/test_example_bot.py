"""``examples/webhook_bot.py`` answers the recorded deliveries as it should: a reply to bob's mention,
with the mention's visibility, and nothing for a test delivery or a mention by the bot itself.

The bot's Misskey is a loopback server answering ``i`` and ``notes/create``; the deliveries are the
ones recorded from Misskey 2026.3.2, sent through the bot's receiver in its WSGI app.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from misskey_client import Misskey, strict_parsing
from misskey_client.webhooks import WebhookWSGIApp
from tests.loopback import Answer, Seen, json_answer, loopback
from tests.webhooks.recorded import Recorded, call_wsgi, delivery

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "webhook_bot.py"
MENTION = delivery("mention")
ALICE = MENTION.envelope["userId"]


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("webhook_bot", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _misskey(seen: Seen) -> Answer:
    if seen.path == "/api/i":
        return json_answer({"id": ALICE, "username": "alice"})
    if seen.path == "/api/notes/create":
        return json_answer({"createdNote": MENTION.envelope["body"]["note"]})
    return json_answer({"error": {"code": "NO_SUCH_ENDPOINT"}}, 404)


def _replies(*deliveries: Recorded) -> list[dict[str, Any]]:
    bot = _example()
    # The loopback's answers are the two fields the bot reads, not whole models: parse them leniently.
    with strict_parsing(False), loopback(_misskey) as server, Misskey(server.url, token="bot-token") as client:
        app = WebhookWSGIApp(bot.make_receiver(client, MENTION.secret))
        for d in deliveries:
            assert call_wsgi(app, d).status == 200
        return [json.loads(s.body) for s in server.seen if s.path == "/api/notes/create"]


def test_it_replies_to_a_mention() -> None:
    note = MENTION.envelope["body"]["note"]
    assert _replies(MENTION) == [
        {"replyId": note["id"], "text": f"@bob hello! You said: {note['text']}", "visibility": "public"}
    ]


def test_a_followers_only_mention_gets_a_followers_only_reply() -> None:
    envelope = MENTION.envelope
    envelope["body"]["note"]["visibility"] = "followers"
    envelope["eventId"] = "another-event"
    (reply,) = _replies(MENTION.with_body(json.dumps(envelope).encode()))
    assert reply["visibility"] == "followers"


def test_no_reply_to_a_test_delivery_its_own_note_or_a_redelivery() -> None:
    own = MENTION.envelope
    own["body"]["note"]["userId"] = ALICE
    own["eventId"] = "own-note"
    assert _replies(delivery("test_mention"), MENTION.with_body(json.dumps(own).encode()), MENTION, MENTION) == [
        {
            "replyId": MENTION.envelope["body"]["note"]["id"],
            "text": _replies(MENTION)[0]["text"],
            "visibility": "public",
        }
    ]
