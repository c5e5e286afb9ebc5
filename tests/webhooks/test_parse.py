"""Every delivery recorded from Misskey 2026.3.2 verifies and parses, strictly, into its typed event.

The facts checked are the ones the recorder set up (``record_deliveries.py``): alice owns the user
webhook, bob replies, renotes, quotes, mentions and follows her, the admin creates an account and
resolves bob's report of alice; the ``test_*`` and ``system_test_*`` ones are the servers' dummy
payloads (``i/webhooks/test``, ``admin/system-webhook/test``).
"""

from __future__ import annotations

import datetime
from typing import Any, get_args

import pytest

from misskey_client import strict_parsing
from misskey_client.models import Note, SystemWebhookOnItem, UserDetailedNotMe, UserLite, UserWebhookOnItem
from misskey_client.webhooks import (
    EVENT_TYPES,
    AbuseReport,
    AbuseReportEvent,
    AbuseReportResolvedEvent,
    FollowedEvent,
    FollowEvent,
    InactiveModeratorsInvitationOnlyChangedEvent,
    InactiveModeratorsWarningEvent,
    MentionEvent,
    NoteEvent,
    RenoteEvent,
    ReplyEvent,
    SystemWebhookEvent,
    UnfollowEvent,
    UserCreatedEvent,
    UserWebhookEvent,
    WebhookEvent,
    WebhookSecretError,
    parse,
    parse_obj,
    verify,
    verify_and_parse,
)
from tests.webhooks.recorded import ABSENT, DELIVERIES, SECRETS, Recorded, delivery

REAL = [d for d in DELIVERIES if not d.name.startswith(("test_", "system_test_"))]
DUMMY = [d for d in DELIVERIES if d.name.startswith(("test_", "system_test_"))]


def _strict(d: Recorded) -> WebhookEvent:
    with strict_parsing():
        return verify_and_parse(d.secret, d.headers, d.body)


@pytest.mark.parametrize("d", DELIVERIES, ids=str)
def test_every_recorded_delivery_parses_strictly_into_the_class_of_its_type(d: Recorded) -> None:
    envelope = d.envelope
    event = _strict(d)
    assert type(event) is EVENT_TYPES[envelope["type"]]
    assert event.type == type(event).event_type == envelope["type"]
    assert event.event_id == envelope["eventId"]
    assert event.hook_id == envelope["hookId"] == dict(d.headers)["x-misskey-hook-id"]
    assert event.server == envelope["server"] == "http://127.0.0.1:3000"
    assert event.created_at == datetime.datetime.fromtimestamp(envelope["createdAt"] / 1000, datetime.timezone.utc)
    assert event.raw == envelope
    if d.kind == "user":
        assert isinstance(event, UserWebhookEvent)
        assert event.user_id == envelope["userId"]
    else:
        assert isinstance(event, SystemWebhookEvent)
        assert "userId" not in envelope


@pytest.mark.parametrize("d", DELIVERIES, ids=str)
def test_bytes_text_and_decoded_json_parse_alike(d: Recorded) -> None:
    event = parse(d.body)
    assert parse(d.body.decode("utf-8")) == parse(bytearray(d.body)) == parse_obj(d.envelope) == event


@pytest.mark.parametrize("d", DELIVERIES, ids=str)
def test_what_misskey_sends_with_each_delivery(d: Recorded) -> None:
    headers = dict((k.lower(), v) for k, v in d.headers)
    assert [k for k, _ in d.headers if k.lower() == "x-misskey-hook-secret"] == ["x-misskey-hook-secret"]
    assert headers["x-misskey-hook-secret"] == d.secret
    assert headers["x-misskey-host"] == "127.0.0.1:3000"
    assert headers["user-agent"] == "Misskey-Hooks"
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(d.body)
    assert d.method == "POST"
    verify(d.secret, d.headers)  # as recorded: names in lower case, as node sends them
    with pytest.raises(WebhookSecretError):  # the other webhook's secret
        verify(SECRETS["system" if d.kind == "user" else "user"], d.headers)


def _of(name: str, cls: type[WebhookEvent]) -> Any:
    event = _strict(delivery(name))
    assert isinstance(event, cls)
    return event


def test_note_is_the_owners_new_note() -> None:
    event = _of("note", NoteEvent)
    assert isinstance(event.note, Note)
    assert event.note.user_id == event.user_id
    assert event.note.text == "webhook recorder: a note by alice"
    assert event.note.user.username == "alice"


def test_reply_is_the_reply_to_the_owners_note() -> None:
    event, note = _of("reply", ReplyEvent), _of("note", NoteEvent).note
    assert event.note.reply_id == note.id
    assert event.note.reply.user_id == event.user_id
    assert event.note.user.username == "bob"


def test_renote_and_quote_are_renotes_of_the_owners_note() -> None:
    note = _of("note", NoteEvent).note
    renote, quote = _of("renote", RenoteEvent), _of("renote_quote", RenoteEvent)
    assert renote.note.renote_id == quote.note.renote_id == note.id
    assert renote.note.text is None
    assert quote.note.text == "webhook recorder: bob quotes"
    assert renote.note.user.username == quote.note.user.username == "bob"


def test_mention_is_the_note_that_mentions_the_owner() -> None:
    event = _of("mention", MentionEvent)
    assert event.user_id in event.note.mentions
    assert event.note.text.startswith("@alice ")
    assert event.note.user.username == "bob"


def test_follow_unfollow_and_followed_carry_the_other_user() -> None:
    follow, unfollow, followed = (
        _of("follow", FollowEvent),
        _of("unfollow", UnfollowEvent),
        _of("followed", FollowedEvent),
    )
    assert isinstance(follow.user, UserDetailedNotMe) and isinstance(unfollow.user, UserDetailedNotMe)
    assert type(followed.user) is UserLite  # the follower, as a lite user
    assert follow.user.username == unfollow.user.username == followed.user.username == "bob"
    assert follow.user.id == unfollow.user.id == followed.user.id
    assert follow.user_id == unfollow.user_id == followed.user_id  # alice's hook


def test_user_created_is_the_new_account() -> None:
    event = _of("user_created", UserCreatedEvent)
    assert type(event.user) is UserLite
    assert event.user.username.startswith("whrec")
    assert event.user.host is None


def test_abuse_report_and_its_resolution() -> None:
    report = _of("abuse_report", AbuseReportEvent).report
    resolved = _of("abuse_report_resolved", AbuseReportResolvedEvent).report
    assert isinstance(report, AbuseReport)
    assert report.id == resolved.id
    assert report.comment.startswith("webhook recorder: bob reports alice")
    assert report.reporter is not None and report.reporter.username == "bob"
    assert report.target_user is not None and report.target_user.username == "alice"
    assert (report.resolved, report.resolved_as, report.assignee) == (False, None, None)
    assert (resolved.resolved, resolved.resolved_as) == (True, "accept")
    assert resolved.assignee is not None and resolved.assignee_id == resolved.assignee.id
    assert report.to_dict() == delivery("abuse_report").envelope["body"]


def test_the_moderator_events_from_the_test_endpoint() -> None:
    warning = _of("system_test_inactive_moderators_warning", InactiveModeratorsWarningEvent)
    assert (warning.remaining_time.time, warning.remaining_time.as_days, warning.remaining_time.as_hours) == (
        100000,
        1,
        24,
    )
    changed = _of(
        "system_test_inactive_moderators_invitation_only_changed", InactiveModeratorsInvitationOnlyChangedEvent
    )
    assert changed.raw["body"] == {}


@pytest.mark.parametrize("d", [d for d in DUMMY if "inactive_moderators" not in d.name], ids=str)
def test_the_test_endpoints_send_dummy_data(d: Recorded) -> None:
    event = _strict(d)
    model = next(getattr(event, a) for a in ("note", "user", "report") if hasattr(event, a))
    assert model.id.startswith("dummy-")


def test_a_redelivery_carries_the_same_event_id() -> None:
    first, again = delivery("note_redelivered", 0), delivery("note_redelivered", 1)
    assert (first.answered, again.answered) == (503, 200)
    assert parse(first.body) == parse(again.body)  # event_id, created_at, the note: all the same
    assert first.envelope["eventId"] == again.envelope["eventId"]


def test_each_event_type_is_recorded_from_the_real_server_or_listed_as_not_sent() -> None:
    """Every type a webhook can subscribe to: recorded as the server sent it, or in ``absent.json``."""
    subscribable = set(get_args(UserWebhookOnItem)) | set(get_args(SystemWebhookOnItem))
    real = {d.envelope["type"] for d in REAL}
    tested = {d.envelope["type"] for d in DUMMY}
    assert real == {"note", "reply", "renote", "mention", "follow", "followed", "unfollow"} | {
        "userCreated",
        "abuseReport",
        "abuseReportResolved",
    }
    assert set(ABSENT) == {
        "reaction",
        "test:reaction",
        "inactiveModeratorsWarning",
        "inactiveModeratorsInvitationOnlyChanged",
    }
    assert subscribable == real | {"reaction", "inactiveModeratorsWarning", "inactiveModeratorsInvitationOnlyChanged"}
    assert tested == subscribable - {"reaction"}
    assert set(EVENT_TYPES) == subscribable - {"reaction"}  # a class for each type the server sends
    for why in ABSENT.values():
        assert ".ts:" in why  # each names the server code that shows it


def test_the_public_module_exports_the_whole_api() -> None:
    import misskey_client.webhooks
    import misskey_core.webhooks

    names = misskey_client.webhooks.__all__
    assert names == misskey_core.webhooks.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    for name in names:
        assert getattr(misskey_client.webhooks, name) is getattr(misskey_core.webhooks, name)
