"""Clips, antennas and user lists: create, fill, read, favorite, update, delete."""

from __future__ import annotations

from typing import Any

import pytest

from misskey_client import Misskey

pytestmark = pytest.mark.vcr


def test_clips(alice: Misskey, bob: Misskey) -> None:
    note = alice.notes.create(text="worth keeping").created_note
    clip = alice.clips.create(name="keepers", is_public=True, description="notes worth keeping")
    assert alice.clips.add_note(clip_id=clip.id, note_id=note.id) is None
    assert [n.id for n in bob.clips.notes(clip_id=clip.id)] == [note.id]
    assert [c.id for c in bob.notes.clips(note_id=note.id)] == [clip.id]
    assert clip.id in [c.id for c in bob.users.clips(user_id=alice.i().id)]

    assert bob.clips.favorite(clip_id=clip.id) is None
    assert bob.clips.show(clip_id=clip.id).is_favorited is True
    assert bob.clips.unfavorite(clip_id=clip.id) is None
    updated = alice.clips.update(clip_id=clip.id, name="best notes", is_public=False)
    assert (updated.name, updated.is_public) == ("best notes", False)
    assert alice.clips.remove_note(clip_id=clip.id, note_id=note.id) is None
    assert alice.clips.delete(clip_id=clip.id) is None
    alice.notes.delete(note_id=note.id)


def test_antennas(alice: Misskey, bob: Misskey, eventually: Any) -> None:
    antenna = alice.antennas.create(
        name="scenario antenna",
        src="all",
        keywords=[["antennaprobe"]],
        exclude_keywords=[],
        users=[],
        case_sensitive=False,
        with_replies=False,
        with_file=False,
    )
    assert antenna.keywords == [["antennaprobe"]]
    note = bob.notes.create(text="an antennaprobe note").created_note
    assert alice.antennas.show(antenna_id=antenna.id).name == "scenario antenna"
    delivered = eventually(lambda: alice.antennas.notes(antenna_id=antenna.id, limit=5), bool)
    assert [n.id for n in delivered] == [note.id]
    updated = alice.antennas.update(antenna_id=antenna.id, name="renamed antenna", exclude_bots=True)
    assert (updated.name, updated.exclude_bots) == ("renamed antenna", True)
    assert alice.antennas.delete(antenna_id=antenna.id) is None
    bob.notes.delete(note_id=note.id)


def test_user_lists(alice: Misskey, bob: Misskey) -> None:
    bob_id = bob.i().id
    listed = alice.users.lists.create(name="friends")
    assert alice.users.lists.push(list_id=listed.id, user_id=bob_id) is None
    assert alice.users.lists.update_membership(list_id=listed.id, user_id=bob_id, with_replies=True) is None
    memberships = alice.users.lists.get_memberships(list_id=listed.id)
    assert [(m.user_id, m.with_replies) for m in memberships] == [(bob_id, True)]
    public = alice.users.lists.update(list_id=listed.id, name="good friends", is_public=True)
    assert (public.name, public.is_public) == ("good friends", True)

    note = bob.notes.create(text="a note for my listeners").created_note
    assert note.id in [n.id for n in alice.notes.user_list_timeline(list_id=listed.id, limit=5)]
    assert bob.users.lists.show(list_id=listed.id, for_public=True).name == "good friends"
    assert bob.users.lists.favorite(list_id=listed.id) is None
    assert bob.users.lists.unfavorite(list_id=listed.id) is None
    copy = bob.users.lists.create_from_public(name="copied", list_id=listed.id)
    assert copy.name == "copied"
    bob.users.lists.delete(list_id=copy.id)

    assert alice.users.lists.pull(list_id=listed.id, user_id=bob_id) is None
    assert alice.users.lists.delete(list_id=listed.id) is None
    bob.notes.delete(note_id=note.id)
