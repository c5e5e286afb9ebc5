"""Administration a single instance can exercise: emoji, roles, announcements, ads, moderation, queues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from misskey_client import Misskey, MisskeyAPIError
from misskey_client.models import (
    AdminRolesCreateBodyCondFormula,
    AdminRolesCreateBodyPolicies,
    AdminRolesUpdateDefaultPoliciesBodyPolicies,
)
from tests.conftest import free_username, role_policies
from tests.scenarios.conftest import png

pytestmark = pytest.mark.vcr

#: Fixed instants (epoch milliseconds), so no request depends on the clock.
STARTS_AT = 1767225600000  # 2026-01-01
EXPIRES_AT = 4102444800000  # 2100-01-01


def _remove_emoji(admin: Misskey, *names: str) -> None:
    """Delete emoji left by an interrupted recording (names are unique on the server)."""
    for emoji in admin.admin.emoji.list(query="scenario_", limit=100):
        if emoji.name in names:
            admin.admin.emoji.delete(id=emoji.id)


def test_custom_emoji_and_reaction(admin: Misskey, alice: Misskey, bob: Misskey) -> None:
    _remove_emoji(admin, "scenario_blob", "scenario_extra")
    file = admin.drive.files.create(file=png("blob.png"), name="blob.png")
    emoji = admin.admin.emoji.add(name="scenario_blob", file_id=file.id, category="scenario", aliases=["blob"])
    extra = admin.admin.emoji.add(name="scenario_extra", file_id=file.id)
    assert (emoji.name, emoji.category, emoji.aliases) == ("scenario_blob", "scenario", ["blob"])
    assert alice.emoji(name="scenario_blob").name == "scenario_blob"

    note = alice.notes.create(text="react with a custom emoji").created_note
    assert bob.notes.reactions.create(note_id=note.id, reaction=":scenario_blob:") is None
    shown = alice.notes.show(note_id=note.id)
    assert shown.reactions.additional_properties == {":scenario_blob@.:": 1}
    assert [r.type for r in alice.notes.reactions(note_id=note.id)] == [":scenario_blob@.:"]

    ids = [emoji.id, extra.id]
    assert admin.admin.emoji.update(id=emoji.id, name="scenario_blob", license="CC0", is_sensitive=False) is None
    assert admin.admin.emoji.add_aliases_bulk(ids=ids, aliases=["scenario"]) is None
    assert admin.admin.emoji.remove_aliases_bulk(ids=ids, aliases=["scenario"]) is None
    assert admin.admin.emoji.set_aliases_bulk(ids=ids, aliases=["pixel"]) is None
    assert admin.admin.emoji.set_category_bulk(ids=ids, category="scenario pixels") is None
    assert admin.admin.emoji.set_license_bulk(ids=ids, license="CC0") is None
    listed = {e.name: e for e in admin.admin.emoji.list(query="scenario_", limit=10)}
    assert listed["scenario_extra"].aliases == ["pixel"] and listed["scenario_extra"].category == "scenario pixels"
    assert admin.export_custom_emojis() is None  # queued; the zip lands in the admin's drive

    alice.notes.delete(note_id=note.id)
    assert admin.admin.emoji.delete(id=extra.id) is None
    assert admin.admin.emoji.delete_bulk(ids=[emoji.id]) is None
    admin.drive.files.delete(file_id=file.id)


def test_roles(admin: Misskey, bob: Misskey, new_user: Any) -> None:
    # A throwaway member: a role's deletion leaves its roleAssigned notification dangling, and
    # 2026.3.2 then answers 500 to the member's i/notifications.
    searcher_id, searcher = new_user("searcher")
    role = admin.admin.roles.create(
        name="scenario searchers",
        description="may search notes",
        color="#ff8800",
        icon_url=None,
        target="manual",
        cond_formula=AdminRolesCreateBodyCondFormula.from_dict({"id": "scenario", "type": "isLocal"}),
        is_public=True,
        is_moderator=False,
        is_administrator=False,
        is_explorable=True,
        as_badge=True,
        can_edit_members_by_moderator=False,
        display_order=0,
        policies=AdminRolesCreateBodyPolicies.from_dict(role_policies(canSearchNotes=True)),
    )
    assert admin.admin.roles.show(role_id=role.id).name == "scenario searchers"
    assert admin.admin.roles.update(role_id=role.id, description="may search notes, really") is None
    assert admin.admin.roles.assign(role_id=role.id, user_id=searcher_id, expires_at=EXPIRES_AT) is None
    assert [u.user.id for u in admin.admin.roles.users(role_id=role.id)] == [searcher_id]
    assert [u.user.id for u in bob.roles.users(role_id=role.id)] == [searcher_id]
    assert bob.roles.show(role_id=role.id).description == "may search notes, really"

    note = searcher.notes.create(text="searchable scenarioneedle").created_note
    assert [n.id for n in searcher.notes.search(query="scenarioneedle", limit=5)] == [note.id]
    assert note.id in [n.id for n in bob.roles.notes(role_id=role.id, limit=5)]

    assert admin.admin.roles.unassign(role_id=role.id, user_id=searcher_id) is None
    assert admin.admin.roles.delete(role_id=role.id) is None
    searcher.notes.delete(note_id=note.id)


def test_announcements(admin: Misskey, alice: Misskey) -> None:
    for leftover in admin.admin.announcements.list(limit=100):  # from an interrupted recording
        if leftover.title == "Scenario news":
            admin.admin.announcements.delete(id=leftover.id)
    announcement = admin.admin.announcements.create(
        title="Scenario news", text="Something happened", image_url=None, need_confirmation_to_read=True
    )
    assert alice.announcements.show(announcement_id=announcement.id).title == "Scenario news"
    assert alice.i.read_announcement(announcement_id=announcement.id) is None
    assert alice.announcements.show(announcement_id=announcement.id).is_read is True
    assert admin.admin.announcements.update(id=announcement.id, text="Something else happened") is None
    assert admin.admin.announcements.delete(id=announcement.id) is None


def test_ads_and_avatar_decorations(admin: Misskey) -> None:
    ad = admin.admin.ad.create(
        url="https://misskey.example/ad",
        memo="scenario ad",
        place="square",
        priority="middle",
        ratio=1,
        expires_at=EXPIRES_AT,
        starts_at=STARTS_AT,
        image_url="https://misskey.example/ad.png",
        day_of_week=0,
    )
    assert ad.memo == "scenario ad"
    assert admin.admin.ad.update(id=ad.id, memo="renamed ad") is None
    assert admin.admin.ad.delete(id=ad.id) is None

    decoration = admin.admin.avatar_decorations.create(
        name="scenario ring", description="a ring", url="https://misskey.example/ring.png"
    )
    assert admin.admin.avatar_decorations.update(id=decoration.id, name="renamed ring") is None
    assert admin.admin.avatar_decorations.delete(id=decoration.id) is None


def test_abuse_reports_and_system_webhooks(
    admin: Misskey, bob: Misskey, new_user: Callable[[str], tuple[str, Misskey]], secret: Callable[[str], str]
) -> None:
    spammer_id, _ = new_user("spammer")
    hook = admin.admin.system_webhook.create(
        is_active=True,
        name="scenario reports",
        on=["abuseReport", "abuseReportResolved"],
        url="http://127.0.0.1:9/reports",
        secret=secret("system-webhook"),
    )
    assert admin.admin.system_webhook.show(id=hook.id).name == "scenario reports"
    updated = admin.admin.system_webhook.update(
        id=hook.id, is_active=False, name="renamed reports", on=["abuseReport"], url="http://127.0.0.1:9/reports"
    )
    assert (updated.name, updated.is_active) == ("renamed reports", False)
    assert admin.admin.system_webhook.test(webhook_id=hook.id, type="abuseReport") is None

    recipient = admin.admin.abuse_report.notification_recipient.create(
        is_active=True, name="scenario recipient", method="webhook", system_webhook_id=hook.id
    )
    shown = admin.admin.abuse_report.notification_recipient.show(id=recipient.id)
    assert shown.system_webhook_id == hook.id
    renamed = admin.admin.abuse_report.notification_recipient.update(
        id=recipient.id, is_active=False, name="renamed recipient", method="webhook", system_webhook_id=hook.id
    )
    assert renamed.name == "renamed recipient"

    assert bob.users.report_abuse(user_id=spammer_id, comment="scenario spam") is None
    (report,) = [r for r in admin.admin.abuse_user_reports(limit=10) if r.target_user_id == spammer_id]
    assert admin.admin.update_abuse_user_report(report_id=report.id, moderation_note="looked at it") is None
    assert admin.admin.resolve_abuse_user_report(report_id=report.id, resolved_as="accept") is None

    assert admin.admin.abuse_report.notification_recipient.delete(id=recipient.id) is None
    assert admin.admin.system_webhook.delete(id=hook.id) is None


def test_invites(admin: Misskey, grant: Callable[..., str], new_user: Any) -> None:
    codes = admin.admin.invite.create(count=2, expires_at="2100-01-01T00:00:00.000Z")
    assert len(codes) == 2
    inviter_id, inviter = new_user("inviter")
    grant(inviter_id, canInvite=True, inviteLimit=0)
    invite = inviter.invite.create()
    assert invite.id in [i.id for i in inviter.invite.list()]
    assert inviter.invite.delete(invite_id=invite.id) is None


def test_user_moderation(admin: Misskey, secret: Callable[[str], str], new_user: Any) -> None:
    target_id, target = new_user("target")
    target.notes.create(text="a note to see in the admin views")
    assert admin.admin.show_user(user_id=target_id).is_suspended is False
    assert admin.admin.get_user_ips(user_id=target_id) is not None
    assert admin.admin.update_user_note(user_id=target_id, text="keep an eye on them") is None
    assert admin.admin.show_user(user_id=target_id).moderation_note == "keep an eye on them"
    assert admin.admin.suspend_user(user_id=target_id) is None
    assert admin.admin.show_user(user_id=target_id).is_suspended is True
    assert admin.admin.unsuspend_user(user_id=target_id) is None
    assert admin.admin.unset_user_avatar(user_id=target_id) is None
    assert admin.admin.unset_user_banner(user_id=target_id) is None
    assert admin.admin.delete_all_files_of_a_user(user_id=target_id) is None
    assert admin.admin.reset_password(user_id=target_id).password  # scrubbed in the cassette

    # admin/accounts/delete on an account made here (new_user cleans up with admin/delete-account).
    throwaway = admin.admin.accounts.create(
        username=free_username(admin, "throwaway"), password=secret("password-throwaway")
    )
    assert admin.admin.accounts.delete(user_id=throwaway.id) is None


def test_server_settings(admin: Misskey, alice: Misskey, anonymous: Misskey) -> None:
    before = admin.admin.meta()
    username = alice.i().username
    assert admin.admin.update_meta(pinned_users=[username]) is None
    assert [u.username for u in anonymous.pinned_users()] == [username]
    assert admin.admin.update_meta(pinned_users=before.pinned_users) is None
    assert admin.admin.captcha.save(provider="none") is None
    # The default policies written back as they are (the scenarios' session setup uses this too).
    policies = AdminRolesUpdateDefaultPoliciesBodyPolicies.from_dict(before.policies.to_dict())
    assert admin.admin.roles.update_default_policies(policies=policies) is None
    proxy = admin.admin.update_proxy_account(description="the proxy account of the scenarios")
    assert proxy.description == "the proxy account of the scenarios"

    note = alice.notes.create(text="a promoted note").created_note
    assert admin.admin.promo.create(note_id=note.id, expires_at=EXPIRES_AT) is None
    assert alice.promo.read(note_id=note.id) is None
    alice.notes.delete(note_id=note.id)

    assert admin.admin.drive.cleanup() is None  # removes remote files only: there are none
    assert admin.admin.drive.clean_remote_files() is None


def test_queues(admin: Misskey) -> None:
    stats = admin.admin.queue.queue_stats(queue="db")
    assert stats.name == "db"
    jobs = admin.admin.queue.jobs(queue="db", state=["completed", "failed"])
    assert admin.admin.queue.promote_jobs(queue="deliver") is None
    if jobs:
        job = jobs[0]
        assert admin.admin.queue.show_job(queue="db", job_id=job.id).id == job.id
        assert admin.admin.queue.show_job_logs(queue="db", job_id=job.id) is not None
        assert admin.admin.queue.retry_job(queue="db", job_id=job.id) is None
        assert admin.admin.queue.remove_job(queue="db", job_id=job.id) is None
    assert admin.admin.queue.clear(queue="systemWebhookDeliver", state="completed") is None
    with pytest.raises(MisskeyAPIError):
        admin.admin.queue.show_job(queue="db", job_id="no-such-job")
