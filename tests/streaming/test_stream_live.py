"""The cut-connection test against a real Misskey at MISSKEY_URL (skipped without one).

Alice joins her home timeline while a second client posts notes as her; meanwhile the socket is
cut (aborted, no close handshake) several times. Every posted note must be delivered exactly once,
in order, whether it came over a socket or through the REST backfill.
"""

from __future__ import annotations

import asyncio

import pytest

from misskey_client import AsyncMisskey
from misskey_core._streaming import AsyncStream, Event

pytestmark = [pytest.mark.live, pytest.mark.anyio]

NOTES = 40
CUTS_AFTER = (6, 15, 16, 27)  # cut after this many notes were posted (twice in a row once)


async def test_live_cuts_while_posting_lose_and_duplicate_nothing(live_server: tuple[str, str]) -> None:
    url, token = live_server
    delivered: list[Event] = []
    posted: list[str] = []
    async with (
        AsyncMisskey(url, token=token) as poster,
        AsyncMisskey(url, token=token) as reader,
        AsyncStream(reader, backoff_initial=0.1, backoff_max=1.0) as stream,
    ):
        home = await stream.connect("homeTimeline")

        async def collect() -> None:
            async for event in home:
                delivered.append(event)

        collector = asyncio.create_task(collect())
        for n in range(1, NOTES + 1):
            created = await poster.request("notes/create", {"text": f"live stream test {n}/{NOTES}"})
            posted.append(created["createdNote"]["id"])
            for _ in range(CUTS_AFTER.count(n)):
                ws = stream._ws
                if ws is not None:
                    ws.transport.abort()
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.03)
        mine = set(posted)
        for _ in range(300):
            if mine <= {event.body.id for event in delivered}:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # late socket copies would show up as duplicates now
        collector.cancel()
        stats = stream.stats

    ids = [event.body.id for event in delivered if event.body.id in mine]
    duplicated = len(ids) - len(set(ids))
    lost = len(mine - set(ids))
    backfilled = sum(event.backfilled for event in delivered if event.body.id in mine)
    print(
        f"\nlive: posted={len(posted)} delivered={len(set(ids))} duplicated={duplicated} lost={lost} "
        f"(backfilled={backfilled}, reconnects={stats.reconnects}, "
        f"socket duplicates dropped={stats.duplicates_dropped})"
    )
    assert stats.reconnects >= 3
    assert (duplicated, lost) == (0, 0)
    assert ids == posted
