"""Fixtures shared by the recording scenarios: secrets chosen by the test, fresh users, media.

The scenarios build their own state on the server and clean it up. Values that must be secret
(passwords, webhook secrets) are random while recording and registered with the scrubber, so a
cassette holds a placeholder and replay sends that same placeholder. Values that must be unique
on the server (usernames) are derived from what the server answers, never from the clock or a
random number, so a replay makes exactly the requests that were recorded.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from misskey_client import Misskey, MisskeyAPIError
from misskey_client.models import (
    AdminRolesCreateBodyCondFormula,
    AdminRolesCreateBodyPolicies,
    AdminRolesUpdateDefaultPoliciesBodyPolicies,
)
from tests.recording import Scrubber

# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


class NamedBytes(io.BytesIO):
    """An in-memory upload with a file name; the client takes the name and guesses the type from it."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def png(name: str = "pixel.png") -> NamedBytes:
    return NamedBytes(PNG, name)


@pytest.fixture(scope="session", autouse=True)
def _no_rate_limits(record_mode: str) -> None:
    """While recording, scale every user's rate limits to zero (a fresh server has factor 1).

    ``ApiCallService`` skips the limiter for authenticated users when ``rateLimitFactor`` is 0.
    This runs outside any cassette, so it is never recorded and never replayed.
    """
    if record_mode == "none" or not os.environ.get("MISSKEY_URL"):
        return
    with Misskey(os.environ["MISSKEY_URL"], token=os.environ["MISSKEY_ADMIN_TOKEN"]) as admin:
        policies = admin.admin.meta().policies.to_dict()
        if policies.get("rateLimitFactor") != 0:
            changed = AdminRolesUpdateDefaultPoliciesBodyPolicies.from_dict(policies | {"rateLimitFactor": 0})
            admin.admin.roles.update_default_policies(policies=changed)


@pytest.fixture
def secret(recording: bool, scrubber: Scrubber) -> Callable[[str], str]:
    """``secret("password")``: random while recording (and scrubbed), its placeholder on replay.

    The same name gives the same value for the whole test.
    """

    made: dict[str, str] = {}

    def make(name: str) -> str:
        placeholder = f"REDACTED-{name}"
        if not recording:
            return placeholder
        if name not in made:
            made[name] = secrets.token_urlsafe(18)
            scrubber.add(made[name], placeholder)
        return made[name]

    return make


def free_username(mk: Misskey, stem: str) -> str:
    """The first of ``stem1``, ``stem2``, ... that the server says is still available.

    Misskey never gives a username out twice (deleted accounts keep theirs), so each recording on
    the same server takes the next one; replay follows the recorded answers to the same name.
    """
    number = 1
    while not mk.username.available(username=f"{stem}{number}").available:
        number += 1
    return f"{stem}{number}"


@pytest.fixture
def new_user(
    admin: Misskey, misskey: dict[str, str], secret: Callable[[str], str]
) -> Iterator[Callable[[str], tuple[str, Misskey]]]:
    """``new_user("carol")`` -> (user id, client): an account made with admin/accounts/create.

    The accounts are deleted (admin/delete-account) when the test ends.
    """
    made: list[tuple[str, Misskey]] = []

    def make(stem: str) -> tuple[str, Misskey]:
        username = free_username(admin, stem)
        created = admin.admin.accounts.create(username=username, password=secret(f"password-{stem}"))
        client = Misskey(misskey["url"], token=created.token)
        made.append((created.id, client))
        return created.id, client

    yield make
    for user_id, client in made:
        client.close()
        with contextlib.suppress(MisskeyAPIError):  # a scenario may have deleted it already
            admin.admin.delete_account(user_id=user_id)


T = TypeVar("T")


@pytest.fixture
def eventually(recording: bool) -> Callable[[Callable[[], T], Callable[[T], bool]], T]:
    """``eventually(fetch, ready)``: call ``fetch`` until ``ready(result)``, for work the server queues.

    Notifications and antenna deliveries happen after the request that caused them answered.
    While recording this waits between attempts; a replay makes the same calls with no waiting,
    because the recorded answers are the same.
    """

    def wait(fetch: Callable[[], T], ready: Callable[[T], bool]) -> T:
        for _ in range(50):
            result = fetch()
            if ready(result):
                return result
            if recording:
                time.sleep(0.1)
        raise AssertionError("the server never got there")

    return wait


def role_policies(**values: Any) -> dict[str, Any]:
    """Role policies that override the defaults with ``values`` (camelCase policy names)."""
    return {name: {"useDefault": False, "priority": 0, "value": value} for name, value in values.items()}


@pytest.fixture
def grant(admin: Misskey) -> Iterator[Callable[..., str]]:
    """``grant(user_id, canSearchNotes=True, ...)``: a manual role with those policies, assigned.

    Returns the role id; the role is deleted when the test ends. Grant to throwaway accounts only:
    the deleted role's roleAssigned notification makes 2026.3.2 answer 500 to i/notifications.
    """
    roles: list[str] = []

    def make(user_id: str, **policies: Any) -> str:
        role = admin.admin.roles.create(
            name="scenario grant",
            description="policies a scenario needs",
            color=None,
            icon_url=None,
            target="manual",
            cond_formula=AdminRolesCreateBodyCondFormula.from_dict({"id": "scenario", "type": "isLocal"}),
            is_public=False,
            is_moderator=False,
            is_administrator=False,
            as_badge=False,
            can_edit_members_by_moderator=False,
            display_order=0,
            policies=AdminRolesCreateBodyPolicies.from_dict(role_policies(**policies)),
        )
        roles.append(role.id)
        admin.admin.roles.assign(role_id=role.id, user_id=user_id)
        return role.id

    yield make
    for role_id in roles:
        admin.admin.roles.delete(role_id=role_id)
