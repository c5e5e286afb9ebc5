"""SyncStream: the same recorded session, consumed with plain ``for`` loops."""

from __future__ import annotations

import pytest

from misskey_client import Misskey
from misskey_client.streaming import HomeTimeline, Main, MainEvent, MentionEvent, NoteEvent, NoteUpdate
from misskey_core._streaming import SyncStream
from tests.streaming.conftest import TOKEN
from tests.streaming.replay import Recording, threaded_replay


def test_sync_stream_survives_the_cut_without_loss_or_duplicates(recorded: Recording) -> None:
    posted: list[str] = recorded.meta["posted"]
    with threaded_replay(recorded) as server, Misskey(server.url, token=TOKEN) as client:
        with SyncStream(client, backoff_initial=0.01, backfill_page_size=recorded.meta["page_size"]) as stream:
            home = stream.connect(HomeTimeline())
            main = stream.connect(Main())
            delivered: list[str] = []
            captured: list[NoteUpdate] = []
            for event in home:
                assert isinstance(event, NoteEvent)
                delivered.append(event.note.id)
                if len(delivered) == 1:
                    capture = stream.capture(event.note.id)
                if event.note.id == posted[-1]:
                    break
            captured = [next(capture), next(capture)]
            mentions: list[MainEvent] = []
            while len(mentions) < 3:  # the events on main were queued meanwhile
                main_event = main.next(timeout=5)
                if isinstance(main_event, MentionEvent) or main_event.type == "followed":
                    mentions.append(main_event)
            stats = stream.stats
        assert server.errors == []
    assert [note_id for note_id in delivered if note_id in posted] == posted
    assert len(delivered) == len(set(delivered))
    assert (stats.reconnects, stats.duplicates_dropped) == (1, 1)
    assert [update.type for update in captured] == ["reacted", "unreacted"]
    # The mention over the first socket, then the one refilled after the reconnect.
    assert [(event.type, event.backfilled) for event in mentions[:3]] == [
        ("mention", False),
        ("mention", True),
        ("followed", True),
    ]
    assert isinstance(mentions[1], MentionEvent) and mentions[1].note.id == recorded.meta["missed_by_bob"][0]


def test_sync_next_waits_at_most_its_timeout_and_stops_at_the_end(recorded: Recording) -> None:
    recorded.sessions = {1: recorded.sessions[1][:4]}  # join both channels, nothing more
    with threaded_replay(recorded) as server, Misskey(server.url, token=TOKEN) as client:
        with SyncStream(client, backfill=False) as stream:
            home = stream.connect(HomeTimeline())
            with pytest.raises(TimeoutError, match=r"no event on homeTimeline within 0\.2 s"):
                home.next(timeout=0.2)
            home.disconnect()
            with pytest.raises(StopIteration):
                home.next(timeout=1)
            assert list(home) == []
        assert server.connections[0].messages[-1]["type"] == "disconnect"
