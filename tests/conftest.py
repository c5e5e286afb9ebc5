"""Shared fixtures: cassette recording and replay against a real Misskey, and the test accounts.

Tests marked ``vcr`` replay ``cassettes/<module>/<test>.yaml`` with no network (pytest-recording's
default record mode ``none``). ``make record`` re-records them against the server at MISSKEY_URL
with the tokens of three accounts (an admin and two users) from the environment; see
docs/guides/testing-your-bot.md.
Every response is parsed in strict mode, so any drift between the spec and the server fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar, cast

import pytest
from pytest_recording.plugin import get_default_cassette_name

from misskey_client import AsyncMisskey, Misskey, MisskeyAPIError, RetryPolicy, strict_parsing
from misskey_client.models import (
    AdminRolesCreateBodyCondFormula,
    AdminRolesCreateBodyPolicies,
    AdminRolesUpdateDefaultPoliciesBodyPolicies,
)
from misskey_core import AsyncBackend
from tests.recording import ACCOUNT_VARIABLES, REPLAY_URL, Scrubber, body_matcher


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("misskey_body", body_matcher)


@pytest.fixture
def recording(record_mode: str) -> bool:
    """Whether this run talks to a real server (any ``--record-mode`` but ``none``)."""
    return record_mode != "none"


@pytest.fixture
def scrubber() -> Scrubber:
    return Scrubber()


@pytest.fixture
def vcr_config(scrubber: Scrubber) -> dict[str, Any]:
    # No record_mode here: it would override the --record-mode option. The filters are plain
    # functions because pytest-recording deep-copies this dict (a bound method would take a copy
    # of the scrubber with it, missing what fixtures add to the original later).
    def before_record_request(request: Any) -> Any:
        return scrubber.before_record_request(request)

    def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
        return scrubber.before_record_response(response)

    return {
        "filter_headers": ["authorization", "cookie", "set-cookie"],
        "decode_compressed_response": True,
        "before_record_request": before_record_request,
        "before_record_response": before_record_response,
        "match_on": ["method", "scheme", "host", "port", "path", "query", "misskey_body"],
    }


@pytest.fixture
def misskey(recording: bool, scrubber: Scrubber) -> dict[str, str]:
    """``url`` and the tokens of the test accounts: real while recording, placeholders on replay."""
    if not recording:
        return {"url": REPLAY_URL} | {name: f"REDACTED-{name}" for name in ACCOUNT_VARIABLES}
    missing = [name for name in ("MISSKEY_URL", *ACCOUNT_VARIABLES) if not os.environ.get(name)]
    if missing:
        pytest.fail(f"recording needs a real Misskey server: set {', '.join(missing)}")
    url = os.environ["MISSKEY_URL"].rstrip("/")
    scrubber.add(url, REPLAY_URL)
    accounts = {name: os.environ[name] for name in ACCOUNT_VARIABLES}
    for name, token in accounts.items():
        scrubber.add(token, f"REDACTED-{name}")
    return {"url": url} | accounts


@pytest.fixture(autouse=True)
def _strict() -> Iterator[None]:
    """Replays parse strictly: unknown properties, unknown enum values and missing required ones fail."""
    with strict_parsing():
        yield


@pytest.fixture
def live_server() -> tuple[str, str]:
    """(url, user token) of a real Misskey for the ``live`` tests, which are skipped without one."""
    url, token = os.environ.get("MISSKEY_URL"), os.environ.get("MISSKEY_USER_TOKEN")
    if not url or not token:
        pytest.skip("set MISSKEY_URL and MISSKEY_USER_TOKEN to run against a real Misskey")
    return url, token


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


#: What ``AsyncMisskey`` sends with: every async test runs over each (the ``backend`` fixture).
BACKENDS: tuple[AsyncBackend, ...] = ("httpx", "aiohttp")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> AsyncBackend:
    """``AsyncMisskey(..., backend=backend)``: the test runs once over httpx, once over aiohttp."""
    return cast(AsyncBackend, request.param)


_BACKEND_ID = re.compile(r"(?<=[\[-])(?:httpx|aiohttp)(?:-|(?=\]))")


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    """Both backends replay one cassette: ``test_x[aiohttp]`` and ``test_x[httpx]`` read ``test_x.yaml``.

    A recording made over either replays over the other (``make record`` records over both in turn,
    the last one kept), as a cassette recorded by a user's own client would.
    """
    return get_default_cassette_name(request.cls, _BACKEND_ID.sub("", request.node.name).replace("[]", ""))


#: The account fixtures do not retry, so each recorded exchange is exactly one request; the retry
#: tests build their own clients with the policy under test.
NO_RETRY = RetryPolicy.never()


@pytest.fixture
def admin(misskey: dict[str, str]) -> Iterator[Misskey]:
    with Misskey(misskey["url"], token=misskey["MISSKEY_ADMIN_TOKEN"], retry=NO_RETRY) as mk:
        yield mk


@pytest.fixture
def alice(misskey: dict[str, str]) -> Iterator[Misskey]:
    with Misskey(misskey["url"], token=misskey["MISSKEY_USER_TOKEN"], retry=NO_RETRY) as mk:
        yield mk


@pytest.fixture
def bob(misskey: dict[str, str]) -> Iterator[Misskey]:
    with Misskey(misskey["url"], token=misskey["MISSKEY_USER2_TOKEN"], retry=NO_RETRY) as mk:
        yield mk


@pytest.fixture
def anonymous(misskey: dict[str, str]) -> Iterator[Misskey]:
    with Misskey(misskey["url"], retry=NO_RETRY) as mk:
        yield mk


@pytest.fixture
async def async_alice(misskey: dict[str, str], backend: AsyncBackend) -> AsyncIterator[AsyncMisskey]:
    async with AsyncMisskey(misskey["url"], token=misskey["MISSKEY_USER_TOKEN"], retry=NO_RETRY, backend=backend) as mk:
        assert mk.backend == backend
        yield mk


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
