"""Shared fixtures: cassette recording and replay against a real Misskey, and the test accounts.

Tests marked ``vcr`` replay ``cassettes/<module>/<test>.yaml`` with no network (pytest-recording's
default record mode ``none``). ``make record`` re-records them against the server at MISSKEY_URL
with the tokens of three accounts (an admin and two users) from the environment; see the README.
Every response is parsed in strict mode, so any drift between the spec and the server fails.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from misskey_client import AsyncMisskey, Misskey, RetryPolicy, strict_parsing
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
def anyio_backend() -> str:
    return "asyncio"


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
async def async_alice(misskey: dict[str, str]) -> AsyncIterator[AsyncMisskey]:
    async with AsyncMisskey(misskey["url"], token=misskey["MISSKEY_USER_TOKEN"], retry=NO_RETRY) as mk:
        yield mk
