"""SyncStream: the same recorded session, consumed with plain ``for`` loops."""

from __future__ import annotations

from misskey_client import Misskey
from misskey_client.models import Note
from misskey_core._streaming import SyncStream
from tests.streaming.conftest import TOKEN
from tests.streaming.replay import Recording, threaded_replay


def test_sync_stream_survives_the_cut_without_loss_or_duplicates(recorded: Recording) -> None:
    posted: list[str] = recorded.meta["posted"]
    with threaded_replay(recorded) as server, Misskey(server.url, token=TOKEN) as client:
        with SyncStream(client, backoff_initial=0.01, backfill_page_size=recorded.meta["page_size"]) as stream:
            home = stream.connect("homeTimeline")
            main = stream.connect("main")
            delivered = []
            for event in home:
                assert isinstance(event.body, Note)
                delivered.append(event.body.id)
                if len(delivered) == 1:
                    capture = stream.capture(event.body.id)
                if len(delivered) == len(posted):
                    break
            updates = [next(capture).type, next(capture).type]
            mention = next(event for event in main if event.type == "mention")
            stats = stream.stats
        assert server.errors == []
    assert delivered == posted
    assert (stats.reconnects, stats.backfilled, stats.duplicates_dropped) == (1, 5, 1)
    assert updates == ["reacted", "unreacted"]
    assert isinstance(mention.body, Note)


def test_sync_iterators_end_when_the_stream_closes(recorded: Recording) -> None:
    recorded.sessions = {1: recorded.sessions[1][:4]}  # join both channels, nothing more
    with threaded_replay(recorded) as server, Misskey(server.url, token=TOKEN) as client:
        with SyncStream(client) as stream:
            home = stream.connect("homeTimeline")
            home.disconnect()
            assert list(home) == []
        assert server.connections[0].messages[-1]["type"] == "disconnect"
