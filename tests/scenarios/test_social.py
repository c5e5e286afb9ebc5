"""Follow requests to a locked account, follow settings, mutes, blocks, renote mutes, memos."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from misskey_client import Misskey
from misskey_client.models import UserDetailedNotMe

pytestmark = pytest.mark.vcr


def test_follow_requests_to_a_locked_account(
    alice: Misskey, bob: Misskey, new_user: Callable[[str], tuple[str, Misskey]], eventually: Any
) -> None:
    carol_id, carol = new_user("carol")
    assert carol.i.update(is_locked=True).is_locked is True
    alice_id, bob_id = alice.i().id, bob.i().id

    alice.following.create(user_id=carol_id)
    bob.following.create(user_id=carol_id)
    assert [r.follower.id for r in carol.following.requests.list()] == [bob_id, alice_id]
    assert [r.followee.id for r in alice.following.requests.sent()] == [carol_id]
    notifications = eventually(
        lambda: carol.i.notifications(include_types=["receiveFollowRequest"]), lambda found: len(found) == 2
    )
    assert {n.user_id for n in notifications} == {alice_id, bob_id}

    assert carol.following.requests.accept(user_id=alice_id) is None
    assert carol.following.requests.reject(user_id=bob_id) is None
    bob.following.create(user_id=carol_id)
    assert bob.following.requests.cancel(user_id=carol_id).id == carol_id
    accepted = eventually(
        lambda: alice.i.notifications(include_types=["followRequestAccepted"], limit=1),
        lambda found: bool(found) and found[0].user_id == carol_id,
    )
    assert accepted[0].type == "followRequestAccepted"

    updated = alice.following.update(user_id=carol_id, notify="normal", with_replies=True)
    assert updated.id == alice_id  # the follower, as the server packs it
    assert alice.following.update_all(notify="none", with_replies=False) is None
    assert carol.following.invalidate(user_id=alice_id).id == alice_id
    assert alice.users.relation(user_id=carol_id)[0].is_following is False


def test_mutes_blocks_and_renote_mutes(alice: Misskey, new_user: Callable[[str], tuple[str, Misskey]]) -> None:
    dave_id, _ = new_user("dave")

    assert alice.mute.create(user_id=dave_id) is None
    assert [m.mutee_id for m in alice.mute.list()] == [dave_id]
    assert alice.mute.delete(user_id=dave_id) is None

    assert alice.renote_mute.create(user_id=dave_id) is None
    assert [m.mutee_id for m in alice.renote_mute.list()] == [dave_id]
    assert alice.renote_mute.delete(user_id=dave_id) is None

    blocked = alice.blocking.create(user_id=dave_id)
    assert blocked.id == dave_id
    assert [b.blockee_id for b in alice.blocking.list()] == [dave_id]
    assert alice.blocking.delete(user_id=dave_id).id == dave_id

    assert alice.users.update_memo(user_id=dave_id, memo="met at the scenario") is None
    dave = alice.users.show(user_id=dave_id)
    assert isinstance(dave, UserDetailedNotMe) and dave.memo == "met at the scenario"


def test_notifications(alice: Misskey, bob: Misskey, eventually: Any) -> None:
    assert alice.notifications.flush() is None  # start from none
    note = alice.notes.create(text="notify me").created_note
    bob.notes.reactions.create(note_id=note.id, reaction="👀")
    bob.notes.create(text=f"@{alice.i().username} hello", reply_id=note.id)
    bob.notes.create(renote_id=note.id)
    assert alice.notifications.create(body="made by the app", header="scenario") is None
    assert alice.notifications.test_notification() is None

    expected = {"reaction", "reply", "renote", "app", "test"}
    eventually(lambda: alice.i.notifications(limit=20), lambda found: expected <= {n.type for n in found})
    assert alice.i.notifications_grouped(limit=20)
    assert alice.notifications.mark_all_as_read() is None
    assert alice.notifications.flush() is None
    assert alice.i.notifications(limit=5) == []
    alice.notes.delete(note_id=note.id)
