"""The rest a single instance answers: charts, search, apps, push registrations, games, ActivityPub lookups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from misskey_client import Misskey
from misskey_client.models import PagesCreateBodyContentItem
from misskey_client.models import UsersGetFollowingUsersByBirthdayBodyBirthdayType0 as Birthday

pytestmark = pytest.mark.vcr

#: The instance's own host, as charts and federation endpoints name hosts.
HOST = "127.0.0.1:3000"


def test_charts(alice: Misskey, anonymous: Misskey) -> None:
    alice_id = alice.i().id
    for chart in (
        anonymous.charts.active_users,
        anonymous.charts.ap_request,
        anonymous.charts.drive,
        anonymous.charts.federation,
        anonymous.charts.notes,
        anonymous.charts.users,
    ):
        assert chart(span="day", limit=2) is not None
    assert anonymous.charts.instance(span="hour", limit=2, host="misskey.example") is not None
    for user_chart in (
        anonymous.charts.user.drive,
        anonymous.charts.user.following,
        anonymous.charts.user.notes,
        anonymous.charts.user.pv,
        anonymous.charts.user.reactions,
    ):
        assert user_chart(span="day", limit=2, user_id=alice_id) is not None


def test_user_search(alice: Misskey, bob: Misskey) -> None:
    username = bob.i().username
    assert username in [u.username for u in alice.users.search(query=username, limit=5)]
    found = alice.users.search_by_username_and_host(username=username, limit=5)
    assert username in [u.username for u in found]
    assert alice.users.get_following_users_by_birthday(birthday=Birthday(month=1, day=1), limit=5) is not None
    # The server looks the domain's MX record up: an offline instance answers reason "mx".
    assert alice.email_address.available(email_address="nobody@misskey.example").reason in (None, "mx")


def test_apps_and_sessions(alice: Misskey, anonymous: Misskey) -> None:
    app = alice.app.create(name="Scenario app", description="for tests", permission=["read:account"])
    assert anonymous.app.show(app_id=app.id).name == "Scenario app"
    assert isinstance(app.secret, str)  # only the app's creator sees it
    session = anonymous.auth.session.generate(app_secret=app.secret)
    assert anonymous.auth.session.show(token=session.token).app.id == app.id
    assert alice.auth.accept(token=session.token) is None
    assert anonymous.auth.session.userkey(app_secret=app.secret, token=session.token).access_token
    (granted,) = [t for t in alice.i.apps() if t.name == "Scenario app"]
    assert alice.i.revoke_token(token_id=granted.id) is None
    assert "Scenario app" not in [t.name for t in alice.i.apps()]


def test_push_registration(new_user: Callable[[str], tuple[str, Misskey]]) -> None:
    _, pusher = new_user("pusher")
    endpoint = "https://push.misskey.example/scenario"
    registered = pusher.sw.register(endpoint=endpoint, auth="c2NlbmFyaW8", publickey="c2NlbmFyaW8tcHVibGlj")
    assert registered.state == "subscribed"
    shown = pusher.sw.show_registration(endpoint=endpoint)
    assert shown is not None and shown.send_read_message is False
    updated = pusher.sw.update_registration(endpoint=endpoint, send_read_message=True)
    assert updated.send_read_message is True
    assert pusher.sw.unregister(endpoint=endpoint) is None


def test_games(alice: Misskey, bob: Misskey) -> None:
    bob_id, alice_id = bob.i().id, alice.i().id
    game = alice.reversi.match(user_id=bob_id)  # 204 (an invitation) unless a game is waiting already
    if game is None:
        game = bob.reversi.match(user_id=alice_id)  # bob accepts: the game is made
    assert game is not None and {game.user_1_id, game.user_2_id} == {alice_id, bob_id}
    assert bob.reversi.cancel_match(user_id=alice_id) is None
    assert alice.reversi.show_game(game_id=game.id).id == game.id
    assert alice.reversi.verify(game_id=game.id, crc32="0") is not None

    # The seed is the game's start time, which must be in the last five hours: the server's clock
    # (ping) gives one that replays as recorded.
    seed = str(int(alice.ping().pong))
    assert alice.bubble_game.register(score=10, seed=seed, logs=[[0, 0, 0]], game_mode="normal", game_version=3) is None
    assert alice.bubble_game.ranking(game_mode="normal") is not None


def test_activitypub_lookups(alice: Misskey, admin: Misskey) -> None:
    note = alice.notes.create(text="look me up").created_note
    shown = alice.ap.show(uri=f"http://{HOST}/notes/{note.id}")
    assert shown.type == "Note"
    assert admin.ap.get(uri=f"http://{HOST}/notes/{note.id}") is not None  # administrators only
    assert alice.federation.show_instance(host="misskey.example") is None
    assert alice.federation.followers(host="misskey.example") == []
    assert alice.federation.following(host="misskey.example") == []
    assert alice.federation.users(host="misskey.example") == []
    alice.notes.delete(note_id=note.id)


def test_page_push(alice: Misskey, bob: Misskey) -> None:
    page = alice.pages.create(
        title="Push page",
        name="scenario-push",
        content=[PagesCreateBodyContentItem.from_dict({"id": "b1", "type": "text", "text": "push"})],
        variables=[],
        script="",
    )
    assert bob.page_push(page_id=page.id, event="scenario") is None
    alice.pages.delete(page_id=page.id)


def test_own_account_security(new_user: Callable[[str], tuple[str, Misskey]], secret: Callable[[str], str]) -> None:
    _, grace = new_user("grace")
    password = secret("password-grace")
    registration = grace.i.two_fa.register(password=password)
    assert registration.secret  # scrubbed in the cassette
    assert grace.i.two_fa.unregister(password=password) is None
    # i/2fa/register-key and i/2fa/done need 2fa switched on with a time-based code: not replayable.
    new_password = secret("password-grace-new")
    assert grace.i.change_password(current_password=password, new_password=new_password) is None
    # i/update-email (and so admin/accounts/find-by-email) needs an address whose domain has an MX record.
    assert grace.i.regenerate_token(password=new_password) is None  # the token in use stops working


def test_delete_own_account(secret: Callable[[str], str], new_user: Any) -> None:
    _, heidi = new_user("heidi")
    assert heidi.i.delete_account(password=secret("password-heidi")) is None
