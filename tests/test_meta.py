"""Server information endpoints and calling endpoints by name."""

from __future__ import annotations

import pytest

from misskey_client import Misskey
from misskey_client.models import MetaDetailed

pytestmark = pytest.mark.vcr


def test_meta_and_server_info(anonymous: Misskey) -> None:
    meta = anonymous.meta(detail=True)
    assert isinstance(meta, MetaDetailed)
    assert meta.version == "2026.3.2"
    assert anonymous.ping().pong > 0
    assert anonymous.stats().reactions_count >= 0  # charts behind the other counts update hourly
    assert "notes/create" in anonymous.endpoints()
    assert anonymous.get_online_users_count().count >= 0


def test_request_by_name_returns_plain_json(alice: Misskey) -> None:
    params = alice.request("endpoint", {"endpoint": "notes/create"})
    assert {p["name"] for p in params["params"]} >= {"text", "visibility", "poll"}
    assert alice.request("i")["username"] == alice.i().username
