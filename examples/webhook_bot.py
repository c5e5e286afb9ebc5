"""A bot that replies to every mention, told of them by a Misskey webhook instead of a websocket.

    MISSKEY_URL=https://misskey.example MISSKEY_TOKEN=... MISSKEY_WEBHOOK_SECRET=$(openssl rand -hex 24) \\
    WEBHOOK_URL=https://bot.example/misskey python examples/webhook_bot.py --port 8080

The bot listens on ``--host``/``--port`` (127.0.0.1:8080), and on start makes sure the bot account
has a webhook for ``mention`` that posts to ``WEBHOOK_URL`` (the address Misskey can reach this
server at) with the secret: it creates one (``i/webhooks/create``), or updates the one it made
before. The token needs ``read:account``, ``write:account`` (the webhook) and ``write:notes`` (the
replies). It serves with the standard library's WSGI server, or with ``--server uvicorn`` under
uvicorn (``pip install uvicorn``); the handler is the same. Stop it with Ctrl+C; the webhook stays,
``mk.i.webhooks.delete(webhook_id=...)`` removes it.

Misskey gives up on a delivery after 5 seconds and delivers it again later, so the handler only
posts the reply; a reply that failed is answered 500 and comes back (up to 4 attempts), and one
that went through is not repeated (the receiver drops redeliveries by their ``eventId``).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socketserver
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from misskey_client import UNSET, Misskey
from misskey_client.models import NoteVisibility
from misskey_core.webhooks import MentionEvent, WebhookASGIApp, WebhookReceiver, WebhookWSGIApp

log = logging.getLogger("webhook_bot")
HOOK_NAME = "webhook_bot.py"


def make_receiver(client: Misskey, secret: str) -> WebhookReceiver:
    """The receiver: one handler, for mentions of the bot's account."""
    me = client.i()
    hooks = WebhookReceiver(secret=secret)

    @hooks.on(MentionEvent)
    def reply(event: MentionEvent) -> None:
        note = event.note
        if note.user_id == me.id or note.user.is_bot:
            return  # our own replies mention people too; and two bots would talk forever
        if note.id.startswith("dummy-"):
            log.info("a test delivery (i/webhooks/test): nothing to reply to")
            return
        log.info("mention from @%s: %s", note.user.username, note.text)
        # Answer with the mention's own visibility: never turn a followers-only or direct note public.
        visibility: NoteVisibility = note.visibility
        client.notes.create(
            reply_id=note.id,
            text=f"@{note.user.username} hello! You said: {note.text or '...'}",
            visibility=visibility,
            visible_user_ids=[note.user_id] if visibility == "specified" else UNSET,
        )

    return hooks


def ensure_webhook(client: Misskey, url: str, secret: str) -> str:
    """The id of the bot's mention webhook posting to ``url``, created or brought up to date."""
    for hook in client.i.webhooks.list():
        if hook.name == HOOK_NAME or hook.url == url:
            client.i.webhooks.update(webhook_id=hook.id, url=url, secret=secret, on=["mention"], active=True)
            return hook.id
    return client.i.webhooks.create(name=HOOK_NAME, url=url, secret=secret, on=["mention"]).id


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--server", choices=["wsgiref", "uvicorn"], default="wsgiref")
    args = parser.parse_args()
    secret = os.environ["MISSKEY_WEBHOOK_SECRET"]
    with Misskey(os.environ["MISSKEY_URL"], token=os.environ["MISSKEY_TOKEN"]) as client:
        hooks = make_receiver(client, secret)
        hook_id = ensure_webhook(client, os.environ["WEBHOOK_URL"], secret)
        log.info("webhook %s posts mentions to %s", hook_id, os.environ["WEBHOOK_URL"])
        log.info("listening on http://%s:%d (%s)", args.host, args.port, args.server)
        if args.server == "uvicorn":
            import uvicorn

            uvicorn.run(WebhookASGIApp(hooks), host=args.host, port=args.port, log_level="warning")
            return
        server = make_server(
            args.host, args.port, WebhookWSGIApp(hooks), _ThreadingWSGIServer, handler_class=_QuietHandler
        )
        with server, contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how a bot is stopped
            server.serve_forever()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per API call
    main()
