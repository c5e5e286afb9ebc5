"""Chat: direct messages, rooms, invitations, reactions, search, read state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from misskey_client import Misskey
from tests.scenarios.conftest import png

pytestmark = pytest.mark.vcr


@pytest.fixture
def chatty(alice: Misskey, bob: Misskey) -> Iterator[None]:
    """Alice and Bob accept chat messages from anyone (the default is mutual followers only)."""
    scopes = {client: client.i().chat_scope for client in (alice, bob)}
    for client in scopes:
        client.i.update(chat_scope="everyone")
    yield
    for client, scope in scopes.items():
        client.i.update(chat_scope=scope)


@pytest.mark.usefixtures("chatty")
def test_direct_messages(alice: Misskey, bob: Misskey) -> None:
    bob_id = bob.i().id
    file = alice.drive.files.create(file=png("chat.png"), name="chat.png")
    message = alice.chat.messages.create_to_user(to_user_id=bob_id, text="hi bob, chatprobe")
    with_file = alice.chat.messages.create_to_user(to_user_id=bob_id, file_id=file.id)
    assert message.to_user_id == bob_id
    assert [m.id for m in alice.drive.files.attached_chat_messages(file_id=file.id)] == [with_file.id]

    assert bob.chat.messages.react(message_id=message.id, reaction="👍") is None
    assert [r.reaction for r in bob.chat.messages.show(message_id=message.id).reactions] == ["👍"]
    assert bob.chat.messages.unreact(message_id=message.id, reaction="👍") is None
    timeline = bob.chat.messages.user_timeline(user_id=alice.i().id, limit=10)
    assert [m.id for m in timeline][:2] == [with_file.id, message.id]
    assert message.id in [m.id for m in bob.chat.messages.search(query="chatprobe", limit=5)]
    assert bob.chat.read_all() is None
    assert bob.chat.history(limit=5) is not None

    assert alice.chat.messages.delete(message_id=message.id) is None
    assert alice.chat.messages.delete(message_id=with_file.id) is None
    alice.drive.files.delete(file_id=file.id)


@pytest.mark.usefixtures("chatty")
def test_rooms_and_invitations(alice: Misskey, bob: Misskey) -> None:
    bob_id = bob.i().id
    room = alice.chat.rooms.create(name="scenario room", description="for tests")
    invitation = alice.chat.rooms.invitations.create(room_id=room.id, user_id=bob_id)
    assert invitation.user_id == bob_id
    assert [i.id for i in alice.chat.rooms.invitations.outbox(room_id=room.id)] == [invitation.id]
    assert room.id in [i.room_id for i in bob.chat.rooms.invitations.inbox()]
    assert bob.chat.rooms.join(room_id=room.id) is None
    assert room.id in [m.room_id for m in bob.chat.rooms.joining()]
    assert bob_id in [m.user_id for m in alice.chat.rooms.members(room_id=room.id)]

    message = bob.chat.messages.create_to_room(to_room_id=room.id, text="hello room")
    assert [m.id for m in alice.chat.messages.room_timeline(room_id=room.id)] == [message.id]
    assert bob.chat.rooms.mute(room_id=room.id, mute=True) is None
    assert bob.chat.rooms.show(room_id=room.id).is_muted is True
    assert bob.chat.rooms.leave(room_id=room.id) is None

    updated = alice.chat.rooms.update(room_id=room.id, name="renamed room")
    assert updated.name == "renamed room"
    # An invitation the invitee ignores.
    alice.chat.rooms.invitations.create(room_id=room.id, user_id=bob_id)
    assert bob.chat.rooms.invitations.ignore(room_id=room.id) is None
    assert room.id in [r.id for r in alice.chat.rooms.owned()]
    assert alice.chat.rooms.delete(room_id=room.id) is None
