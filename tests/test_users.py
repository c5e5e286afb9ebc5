"""Users, following, the signed-in account and its notifications."""

from __future__ import annotations

import pytest

from misskey_client import Misskey
from misskey_client.models import MeDetailed, UserDetailedNotMe

pytestmark = pytest.mark.vcr


def test_i_and_users_show_alternatives(alice: Misskey, bob: Misskey) -> None:
    me = alice.i()
    assert isinstance(me, MeDetailed)
    bob_me = bob.i()

    by_id = alice.users.show(user_id=bob_me.id)
    assert isinstance(by_id, UserDetailedNotMe) and by_id.username == bob_me.username
    by_name = alice.users.show(username=bob_me.username)
    assert isinstance(by_name, UserDetailedNotMe) and by_name.id == bob_me.id
    many = alice.users.show(user_ids=[me.id, bob_me.id])
    assert isinstance(many, list) and {u.id for u in many} == {me.id, bob_me.id}
    own = alice.users.show(user_id=me.id)
    assert isinstance(own, MeDetailed)


def test_follow_notifications_and_unfollow(alice: Misskey, bob: Misskey) -> None:
    alice_id, bob_id = alice.i().id, bob.i().id
    if bob.users.relation(user_id=alice_id)[0].is_following:  # left over from an interrupted recording
        bob.following.delete(user_id=alice_id)
    followed = bob.following.create(user_id=alice_id)
    assert followed.id == alice_id

    # The server answers a list even for one user (a spec patch says so).
    (relation,) = bob.users.relation(user_id=alice_id)
    assert relation.is_following is True and relation.following is not None
    followers = alice.users.followers(user_id=alice_id, limit=10)
    assert bob_id in [f.follower_id for f in followers]
    following = bob.users.following(user_id=bob_id, limit=10)
    assert alice_id in [f.followee_id for f in following]

    notifications = alice.i.notifications(limit=10, include_types=["follow"])
    assert notifications and notifications[0].type == "follow"
    assert notifications[0].user_id == bob_id

    unfollowed = bob.following.delete(user_id=alice_id)
    assert unfollowed.id == alice_id
    assert [r.is_following for r in bob.users.relation(user_id=[alice_id])] == [False]


def test_update_profile(alice: Misskey) -> None:
    updated = alice.i.update(description="I test misskey-client", is_bot=False)
    assert updated.description == "I test misskey-client"
    assert alice.i().description == "I test misskey-client"


def test_a_follower_list_holds_the_viewer_as_me_detailed(alice: Misskey, bob: Misskey) -> None:
    """The server packs the viewer with MeDetailed's fields wherever it appears; the spec said
    UserDetailedNotMe for every follower (fixed in generator/patches.py). Parsed strictly."""
    alice_id, bob_id = alice.i().id, bob.i().id
    followers = alice.users.followers(user_id=bob_id)  # alice follows bob (the test server's set-up)
    mine = [f.follower for f in followers if f.follower_id == alice_id]
    assert len(mine) == 1 and isinstance(mine[0], MeDetailed)
    seen_by_alice = alice.users.following(user_id=alice_id)
    assert [type(f.followee) for f in seen_by_alice if f.followee_id == bob_id] == [UserDetailedNotMe]
    seen_by_bob = bob.users.following(user_id=alice_id)  # the followee is bob himself
    assert [type(f.followee) for f in seen_by_bob if f.followee_id == bob_id] == [MeDetailed]
