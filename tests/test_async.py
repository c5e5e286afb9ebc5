"""The asyncio client: the same typed facade, awaited, over either backend (one cassette for both)."""

from __future__ import annotations

import pytest

from misskey_client import AsyncMisskey, MisskeyAPIError
from misskey_client.models import MeDetailed, NotesCreateBodyPoll
from misskey_core import AsyncBackend

pytestmark = [pytest.mark.vcr, pytest.mark.anyio]


async def test_async_note_lifecycle(async_alice: AsyncMisskey) -> None:
    me = await async_alice.i()
    assert isinstance(me, MeDetailed)
    created = await async_alice.notes.create(text="async hello", poll=NotesCreateBodyPoll(choices=["a", "b"]))
    note = created.created_note
    assert note.user_id == me.id
    assert (await async_alice.notes.show(note_id=note.id)).text == "async hello"
    assert await async_alice.notes.polls.vote(note_id=note.id, choice=0) is None
    timeline = await async_alice.notes.timeline(limit=5)
    assert note.id in [n.id for n in timeline]
    notifications = await async_alice.i.notifications(limit=5)
    assert isinstance(notifications, list)
    assert await async_alice.notes.delete(note_id=note.id) is None
    with pytest.raises(MisskeyAPIError) as excinfo:
        await async_alice.notes.show(note_id=note.id)
    assert excinfo.value.code == "NO_SUCH_NOTE"


async def test_async_token_in_body(misskey: dict[str, str], backend: AsyncBackend) -> None:
    async with AsyncMisskey(
        misskey["url"], token=misskey["MISSKEY_USER_TOKEN"], token_in="body", backend=backend
    ) as mk:
        assert (await mk.request("i"))["id"] == (await mk.i()).id


async def test_async_upload_streams_with_progress(async_alice: AsyncMisskey) -> None:
    """A multipart upload through either backend, recorded from the real server: fields, file, progress."""
    payload = b"".join(b"async upload line %06d of misskey-client\n" % n for n in range(5000))  # ~170 KB
    seen: list[tuple[int, int | None]] = []
    uploaded = await async_alice.drive.files.create(
        file=payload, name="async-upload.txt", progress=lambda sent, total: seen.append((sent, total))
    )
    assert (uploaded.name, uploaded.size, uploaded.type) == ("async-upload.txt", len(payload), "text/plain")
    assert seen[-1] == (len(payload), len(payload))
    assert len(seen) >= 3  # httpx hands the file over in 64 KiB chunks
    assert await async_alice.drive.files.delete(file_id=uploaded.id) is None
