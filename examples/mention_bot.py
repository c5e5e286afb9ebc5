"""A bot that replies to every mention, using the streaming API's main channel.

    pip install 'misskey-client[streaming]'
    MISSKEY_URL=https://misskey.example MISSKEY_TOKEN=... python examples/mention_bot.py

The token needs ``read:account`` (to stream), ``read:notifications`` (to refill what was missed)
and ``write:notes`` (to reply). The stream reconnects by itself, and the mentions sent while it was
down arrive afterwards, each once (``event.backfilled``); a revoked token ends it with
``AuthenticationError``. Stop the bot with Ctrl+C.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from misskey_client import UNSET, AsyncMisskey
from misskey_client.models import Note
from misskey_client.streaming import Main, MentionEvent

log = logging.getLogger("mention_bot")


async def reply(client: AsyncMisskey, note: Note) -> None:
    # Answer with the mention's own visibility: never turn a followers-only or direct note public.
    await client.notes.create(
        reply_id=note.id,
        text=f"@{note.user.username} hello! You said: {note.text or '...'}",
        visibility=note.visibility,
        visible_user_ids=[note.user_id] if note.visibility == "specified" else UNSET,
    )


async def main() -> None:
    async with AsyncMisskey(os.environ["MISSKEY_URL"], token=os.environ["MISSKEY_TOKEN"]) as client:
        me = await client.i()
        async with client.stream() as stream:
            main_channel = await stream.connect(Main())
            log.info("listening for mentions of @%s", me.username)
            async for event in main_channel:
                if not isinstance(event, MentionEvent):
                    continue
                note = event.note  # a Note, to mypy and at run time
                if note.user_id == me.id:
                    continue  # our own replies mention people too
                missed = " (sent while we were away)" if event.backfilled else ""
                log.info("mention from @%s%s: %s", note.user.username, missed, note.text)
                try:
                    await reply(client, note)
                except Exception:
                    log.exception("could not reply to %s", note.id)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how a bot is stopped
        asyncio.run(main())
