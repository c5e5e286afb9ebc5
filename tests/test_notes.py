"""Notes: create (text, poll, reply, renote), show, timelines, reactions, votes, favorites, delete."""

from __future__ import annotations

import pytest

from misskey_client import Misskey, MisskeyAPIError
from misskey_client.models import Note, NotePoll, NotesCreateBodyPoll

pytestmark = pytest.mark.vcr


def test_create_show_and_delete(alice: Misskey) -> None:
    created = alice.notes.create(text="Hello from misskey-client", visibility="home", cw="greeting")
    note = created.created_note
    assert isinstance(note, Note)
    assert (note.text, note.visibility, note.cw) == ("Hello from misskey-client", "home", "greeting")

    shown = alice.notes.show(note_id=note.id)
    assert shown.id == note.id
    assert shown.user.username == note.user.username

    assert alice.notes.delete(note_id=note.id) is None  # 204 No Content
    with pytest.raises(MisskeyAPIError) as excinfo:
        alice.notes.show(note_id=note.id)
    assert (excinfo.value.status_code, excinfo.value.code) == (400, "NO_SUCH_NOTE")


def test_poll_vote_and_reaction(alice: Misskey, bob: Misskey) -> None:
    poll = NotesCreateBodyPoll(choices=["tea", "coffee", "water"], multiple=False)
    note = alice.notes.create(text="What do you drink?", poll=poll).created_note
    assert isinstance(note.poll, NotePoll) and [c.text for c in note.poll.choices] == ["tea", "coffee", "water"]

    assert bob.notes.polls.vote(note_id=note.id, choice=1) is None
    assert bob.notes.reactions.create(note_id=note.id, reaction="👍") is None

    after = alice.notes.show(note_id=note.id)
    assert isinstance(after.poll, NotePoll) and [c.votes for c in after.poll.choices] == [0, 1, 0]
    assert after.reactions.additional_properties == {"👍": 1}

    reactions = alice.notes.reactions(note_id=note.id)
    assert [(r.type, r.user.id) for r in reactions] == [("👍", bob.i().id)]

    assert bob.notes.reactions.delete(note_id=note.id) is None
    assert alice.notes.show(note_id=note.id).reactions.additional_properties == {}


def test_reply_renote_children_and_state(alice: Misskey, bob: Misskey) -> None:
    parent = alice.notes.create(text="parent note").created_note
    reply = bob.notes.create(text="a reply", reply_id=parent.id).created_note
    renote = bob.notes.create(renote_id=parent.id).created_note
    assert reply.reply_id == parent.id
    assert renote.renote_id == parent.id and renote.text is None

    children = alice.notes.children(note_id=parent.id)
    assert reply.id in [n.id for n in children]
    renotes = alice.notes.renotes(note_id=parent.id)
    assert [n.id for n in renotes] == [renote.id]
    replies = alice.notes.replies(note_id=parent.id)
    assert [n.id for n in replies] == [reply.id]

    assert bob.notes.favorites.create(note_id=parent.id) is None
    state = bob.notes.state(note_id=parent.id)
    assert state.is_favorited is True
    favorites = bob.i.favorites()
    assert parent.id in [f.note.id for f in favorites]
    assert bob.notes.favorites.delete(note_id=parent.id) is None


def test_timelines(alice: Misskey, bob: Misskey) -> None:
    note = alice.notes.create(text="timeline probe #misskeyclient").created_note

    assert note.id in [n.id for n in alice.notes.timeline(limit=20)]
    assert note.id in [n.id for n in bob.notes.local_timeline(limit=20)]
    assert note.id in [n.id for n in bob.notes.hybrid_timeline(limit=20)]
    assert note.id in [n.id for n in bob.notes.global_timeline(limit=20)]
    assert note.id in [n.id for n in bob.notes(local=True, limit=20)]
    assert note.id in [n.id for n in bob.users.notes(user_id=note.user_id, limit=5)]
    assert note.id in [n.id for n in bob.notes.search_by_tag(tag="misskeyclient", limit=5)]
    older = bob.notes.local_timeline(limit=5, until_id=note.id)
    assert all(n.id < note.id for n in older)
