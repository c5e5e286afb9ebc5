"""Channels: create, follow, favorite, mute, post, search, timeline, archive."""

from __future__ import annotations

import pytest

from misskey_client import Misskey

pytestmark = pytest.mark.vcr


def test_channel_lifecycle(alice: Misskey, bob: Misskey) -> None:
    channel = alice.channels.create(name="scenario channel", description="for tests", color="#86b300")
    assert bob.channels.follow(channel_id=channel.id) is None
    assert bob.channels.favorite(channel_id=channel.id) is None
    shown = bob.channels.show(channel_id=channel.id)
    assert (shown.is_following, shown.is_favorited) == (True, True)

    note = bob.notes.create(text="hello channel", channel_id=channel.id).created_note
    assert [n.id for n in alice.channels.timeline(channel_id=channel.id, limit=5)] == [note.id]
    assert channel.id in [c.id for c in bob.channels.search(query="scenario", limit=5)]

    assert bob.channels.mute.create(channel_id=channel.id) is None
    assert channel.id in [c.id for c in bob.channels.mute.list()]
    assert bob.channels.mute.delete(channel_id=channel.id) is None
    assert bob.channels.unfavorite(channel_id=channel.id) is None
    assert bob.channels.unfollow(channel_id=channel.id) is None

    archived = alice.channels.update(channel_id=channel.id, name="old channel", is_archived=True)
    assert (archived.name, archived.is_archived) == ("old channel", True)
    bob.notes.delete(note_id=note.id)
