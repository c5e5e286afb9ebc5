"""The signed-in account: registry, webhooks, achievements, sign-in history, exports and imports."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from misskey_client import Misskey
from tests.scenarios.conftest import NamedBytes

pytestmark = pytest.mark.vcr


def test_registry(alice: Misskey) -> None:
    scope = ["client", "scenario"]
    assert alice.i.registry.set(key="theme", value={"dark": True}, scope=scope) is None
    assert alice.i.registry.get(key="theme", scope=scope).to_dict() == {"dark": True}
    assert alice.i.registry.get_detail(key="theme", scope=scope).value == {"dark": True}
    assert alice.i.registry.get_all(scope=scope).to_dict() == {"theme": {"dark": True}}
    assert alice.i.registry.keys(scope=scope) == ["theme"]
    assert alice.i.registry.keys_with_type(scope=scope).additional_properties == {"theme": "object"}
    assert alice.i.registry.remove(key="theme", scope=scope) is None
    assert alice.i.registry.keys(scope=scope) == []


def test_webhooks(alice: Misskey, secret: Callable[[str], str]) -> None:
    hook = alice.i.webhooks.create(
        name="scenario hook", url="http://127.0.0.1:9/hook", secret=secret("webhook"), on=["note", "follow"]
    )
    assert alice.i.webhooks.show(webhook_id=hook.id).name == "scenario hook"
    assert hook.id in [h.id for h in alice.i.webhooks.list()]
    assert alice.i.webhooks.update(webhook_id=hook.id, name="renamed hook", active=False) is None
    assert alice.i.webhooks.test(webhook_id=hook.id, type="note") is None
    assert alice.i.webhooks.delete(webhook_id=hook.id) is None


def test_achievements_and_history(alice: Misskey, new_user: Callable[[str], tuple[str, Misskey]]) -> None:
    ivan_id, ivan = new_user("ivan")  # a fresh account: an achievement is claimed once
    assert "clickedClickHere" not in [a.name for a in ivan.users.achievements(user_id=ivan_id)]
    assert ivan.i.claim_achievement(name="clickedClickHere") is None
    assert "clickedClickHere" in [a.name for a in ivan.users.achievements(user_id=ivan_id)]
    assert alice.i.signin_history(limit=5) is not None


def test_exports_and_imports(new_user: Callable[[str], tuple[str, Misskey]], grant: Callable[..., str]) -> None:
    # A throwaway account, so the queued jobs touch nobody else's state.
    erin_id, erin = new_user("erin")
    imports = ("Blocking", "Following", "Muting", "UserLists")
    grant(erin_id, **{f"canImport{kind}": True for kind in imports})
    _, frank = new_user("frank")
    for export in (
        erin.i.export_antennas,
        erin.i.export_blocking,
        erin.i.export_clips,
        erin.i.export_favorites,
        erin.i.export_following,
        erin.i.export_mute,
        erin.i.export_notes,
        erin.i.export_user_lists,
    ):
        assert export() is None  # 204: the export runs as a job and lands in the drive

    def upload(name: str, content: str) -> str:
        return erin.drive.files.create(file=NamedBytes(content.encode(), name), name=name).id

    username = frank.i().username
    accounts = upload("accounts.csv", f"{username}\n")
    assert erin.i.import_muting(file_id=accounts) is None
    assert erin.i.import_blocking(file_id=accounts) is None
    assert erin.i.import_following(file_id=accounts) is None
    assert erin.i.import_user_lists(file_id=upload("lists.csv", f"imported,{username}\n")) is None
    # i/import-antennas is left out: the server downloads the file from its own URL, and its download
    # service refuses private addresses, so on a loopback instance it answers 500.
