"""A bot day against recordings of real servers, each through a client generated from that server's own spec.

The cassettes (``cassettes/<server>.yaml``) were recorded by ``python -m tests.generator.replay
SERVER --record URL`` against servers built from their sources beside the pinned 2026.3.2 one.
Replay parses leniently, as a user's client does, and lists the drift between each server and
its own spec: asserted here as found, so a change in either shows.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.generator.conftest import Generated

#: What every server's bot day gives, whatever the software.
COMMON = {
    "i": ["alice", "MeDetailed"],
    "poll": ["tea", "coffee"],
    "show": "bot day: tea or coffee?",
    "in_timeline": True,
    "reactions": [["👍", "bob"]],
    "users_show": "bob",
    "error": [400, "NO_SUCH_NOTE", "NoSuchNoteError"],
}

EXPECTED: dict[str, dict[str, Any]] = {
    "sharkey-2025.4.2": {
        "server": ["sharkey", "2025.4.2"],
        "upload": ["bot-day.txt", 44, "application/octet-stream"],  # Sharkey does not sniff text
        "fork": {"endpoint": "notes/edit", "text": "bot day, edited", "versions": 1},
        # Sharkey's spec lags behind what its server sends (user approval, note import).
        "drift": [
            "MeDetailed: unknown properties ['approved', 'signupReason']",
            "RolePolicies: unknown properties ['canImportNotes']",
            "UserDetailedNotMe: unknown properties ['approved']",
            "UserLite: unknown properties ['approved', 'createdAt', 'description', 'followersCount', "
            "'followingCount', 'notesCount']",
        ],
        "warnings": [],
    },
    "cherrypick-4.17.0": {
        "server": ["cherrypick", "4.17.0"],
        "upload": ["bot-day.txt", 44, "text/plain"],
        # notes/update declares 204 and answers {"updatedNote": ...}: returned untyped, with a warning.
        "fork": {"endpoint": "notes/update", "answer": ["updatedNote"], "text": "bot day, edited", "history": 1},
        "drift": [
            "MeDetailed: required property 'autoDeleteKeepFavorites' is missing",
            "MeDetailed: required property 'autoDeleteNotesAfterDays' is missing",
            "notes/update: the spec declares no answer body, but the server sent dict JSON",
        ],
        "warnings": [
            "notes/update: the spec declares no answer body, but the server sent dict JSON; it is returned untyped"
        ],
    },
    "misskey-2025.6.3": {
        "server": ["misskey", "2025.6.3"],
        "upload": ["bot-day.txt", 44, "text/plain"],
        # An endpoint of a newer release, refused by name with the server's version.
        "fork": {
            "endpoint": "notes/drafts/create",
            "supported": False,
            "error": "EndpointNotSupportedError",
            "version": "2025.6.3",
        },
        "drift": [],
        "warnings": [],
    },
    "misskey-13.14.2": {
        "server": ["misskey", "13.14.2"],
        "upload": ["bot-day.txt.unknown", 44, "application/octet-stream"],  # 13.x names it by its type
        "fork": {
            "endpoint": "notes/drafts/create",
            "supported": False,
            "error": "EndpointNotSupportedError",
            "version": "13.14.2",
        },
        # 13.14.2's spec lags behind its own server (roles, badges, achievements, moved accounts).
        "drift": [
            "MeDetailed: required property 'movedToUri' is missing",
            "MeDetailed: unknown properties ['achievements', 'badgeRoles', 'emojis', 'ffVisibility', "
            "'hasUnreadChannel', 'loggedInDays', 'movedTo', 'policies', 'roles']",
            "Note: unknown properties ['reactionEmojis']",
            "UserDetailedNotMe: required property 'movedToUri' is missing",
            "UserDetailedNotMe: unknown properties ['badgeRoles', 'emojis', 'ffVisibility', 'movedTo', 'roles']",
            "UserLite: unknown properties ['badgeRoles', 'emojis']",
        ],
        "warnings": [],
    },
}


@pytest.mark.parametrize("server", sorted(EXPECTED))
def test_bot_day_on_a_recorded_server(generated: dict[str, Generated], server: str) -> None:
    done = generated[server].run("tests.generator.replay", server)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == COMMON | EXPECTED[server]
