"""Notes of every kind: CW, each visibility incl. specified, files, quote, thread, drafts, pins."""

from __future__ import annotations

import pytest

from misskey_client import Misskey
from tests.scenarios.conftest import png

pytestmark = pytest.mark.vcr


def test_visibilities_and_specified(alice: Misskey, bob: Misskey) -> None:
    bob_id = bob.i().id
    made = {
        visibility: alice.notes.create(text=f"{visibility} note", visibility=visibility).created_note
        for visibility in ("public", "home", "followers")
    }
    direct = alice.notes.create(
        text=f"@{bob.i().username} for your eyes only", visibility="specified", visible_user_ids=[bob_id]
    ).created_note
    assert direct.visibility == "specified" and direct.visible_user_ids == [bob_id]
    assert bob.notes.show(note_id=direct.id).text is not None
    assert direct.id in [n.id for n in bob.notes.mentions(limit=10)]
    assert direct.id in [n.id for n in bob.notes.mentions(limit=10, visibility="specified")]
    # A follower-only note shows its text to nobody who does not follow alice.
    assert bob.notes.show(note_id=made["followers"].id).text is None

    ids = [n.id for n in made.values()]
    bulk = bob.notes.show_partial_bulk(note_ids=ids)
    assert {n.id for n in bulk} <= set(ids)
    for note in [*made.values(), direct]:
        alice.notes.delete(note_id=note.id)


def test_cw_files_quote_and_conversation(alice: Misskey, bob: Misskey) -> None:
    file = alice.drive.files.create(file=png("note.png"), name="note.png")
    with_file = alice.notes.create(text="a note with a picture", cw="a pixel", file_ids=[file.id]).created_note
    assert with_file.cw == "a pixel" and [f.id for f in with_file.files or []] == [file.id]
    attached = alice.drive.files.attached_notes(file_id=file.id)
    assert [n.id for n in attached] == [with_file.id]

    quote = bob.notes.create(text="look at this", renote_id=with_file.id).created_note
    assert quote.renote_id == with_file.id and quote.text == "look at this"
    reply = alice.notes.create(text="thanks", reply_id=quote.id).created_note
    reply2 = bob.notes.create(text="you are welcome", reply_id=reply.id).created_note
    conversation = alice.notes.conversation(note_id=reply2.id)
    assert [n.id for n in conversation] == [reply.id, quote.id]

    assert bob.notes.thread_muting.create(note_id=with_file.id) is None
    assert bob.notes.state(note_id=with_file.id).is_muted_thread is True
    assert bob.notes.thread_muting.delete(note_id=with_file.id) is None

    renote = bob.notes.create(renote_id=with_file.id).created_note
    assert renote.renote_id == with_file.id
    assert bob.notes.unrenote(note_id=with_file.id) is None
    assert alice.users.get_frequently_replied_users(user_id=alice.i().id, limit=5) is not None

    alice.notes.delete(note_id=with_file.id)  # its quote, renotes and the replies below go with it
    alice.drive.files.delete(file_id=file.id)


def test_pins_and_featured(alice: Misskey, bob: Misskey) -> None:
    note = alice.notes.create(text="pinned note").created_note
    pinned = alice.i.pin(note_id=note.id)
    assert note.id in (pinned.pinned_note_ids or [])
    assert bob.users.featured_notes(user_id=alice.i().id, limit=5) is not None
    unpinned = alice.i.unpin(note_id=note.id)
    assert note.id not in (unpinned.pinned_note_ids or [])
    alice.notes.delete(note_id=note.id)


def test_drafts(alice: Misskey) -> None:
    before = alice.notes.drafts.count()
    draft = alice.notes.drafts.create(text="a draft", cw="unfinished", visibility="home").created_draft
    assert draft.text == "a draft"
    updated = alice.notes.drafts.update(draft_id=draft.id, text="a better draft").updated_draft
    assert updated.text == "a better draft"
    assert draft.id in [d.id for d in alice.notes.drafts.list(limit=10)]
    assert alice.notes.drafts.count() == before + 1
    assert alice.notes.drafts.delete(draft_id=draft.id) is None


def test_reactions_and_hashtags(alice: Misskey, bob: Misskey) -> None:
    note = alice.notes.create(text="react to this #scenariotag").created_note
    bob.notes.reactions.create(note_id=note.id, reaction="🎉")
    alice.i.update(public_reactions=True)
    bob.i.update(public_reactions=True)
    reactions = alice.users.reactions(user_id=bob.i().id, limit=5)
    assert note.id in [r.note.id for r in reactions]

    assert alice.hashtags.show(tag="scenariotag").tag == "scenariotag"
    assert "scenariotag" in [t.tag for t in alice.hashtags.list(sort="+mentionedUsers", limit=10)]
    assert "scenariotag" in alice.hashtags.search(query="scenario", limit=5)
    assert alice.hashtags.users(tag="scenariotag", sort="+follower", limit=5) is not None
    bob.notes.reactions.delete(note_id=note.id)
    alice.notes.delete(note_id=note.id)
