"""Fixtures of the streaming tests: the recorded session and a loopback server replaying it."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator

import pytest

from tests.streaming.replay import Recording, ReplayServer

#: The token the replay tests use: it must reach the server in the header and never a log record.
TOKEN = "replay-token-1c6f0e9d"


@pytest.fixture(scope="session")
def _recorded() -> Recording:
    return Recording.load("reconnect_backfill.jsonl")


@pytest.fixture
def recorded(_recorded: Recording) -> Recording:
    """The real session recorded by ``record_frames.py`` (a copy each test may change)."""
    return copy.deepcopy(_recorded)


@pytest.fixture
async def server(recorded: Recording) -> AsyncIterator[ReplayServer]:
    async with ReplayServer(recorded) as replay:
        yield replay
