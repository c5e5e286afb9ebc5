"""Retries, the throttle and the version check against a loopback server that fails on purpose."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from misskey_client import (
    AsyncMisskey,
    Misskey,
    MisskeyConnectionError,
    RetryPolicy,
    ServerError,
)
from misskey_core import AsyncBackend
from tests.loopback import Answer, Seen, json_answer, loopback

FAST = RetryPolicy(max_attempts=3, backoff=0.001, max_backoff=0.002)


def _flaky(seen: dict[str, int], failures: int = 2) -> Callable[[Seen], Answer]:
    """Answers 500 to the first ``failures`` requests of each endpoint, then a real-looking body."""

    def answer(request: Seen) -> Answer:
        endpoint = request.path.removeprefix("/api/")
        count = seen[endpoint] = seen.get(endpoint, 0) + 1
        if endpoint == "meta":
            return json_answer({"version": "2099.1.0"})
        if count <= failures:
            return json_answer({"error": {"code": "INTERNAL_ERROR", "id": "x", "message": "boom"}}, 500)
        return json_answer({"pong": 1})

    return answer


@pytest.fixture
def flaky() -> Iterator[tuple[str, dict[str, int]]]:
    seen: dict[str, int] = {}
    with loopback(_flaky(seen)) as server:
        yield server.url, seen


def test_reads_are_retried_after_a_5xx(flaky: tuple[str, dict[str, int]]) -> None:
    url, seen = flaky
    with Misskey(url, retry=FAST) as mk:
        assert mk.ping().pong == 1  # ping is a read: 500, 500, then 200
    assert seen["ping"] == 3


def test_writes_are_not_retried_after_a_5xx(flaky: tuple[str, dict[str, int]]) -> None:
    url, seen = flaky
    with Misskey(url, retry=FAST) as mk, pytest.raises(ServerError) as excinfo:
        mk.request("notes/create", {"text": "only once"})
    assert seen["notes/create"] == 1
    assert (excinfo.value.status_code, excinfo.value.attempts) == (500, 1)


def test_writes_are_retried_when_the_caller_opts_in(flaky: tuple[str, dict[str, int]]) -> None:
    url, seen = flaky
    with Misskey(url, retry=FAST.replace(retry_writes=True)) as mk:
        assert mk.request("notes/create", {"text": "at least once"}) == {"pong": 1}
    assert seen["notes/create"] == 3


def test_the_last_error_counts_the_attempts(flaky: tuple[str, dict[str, int]]) -> None:
    url, seen = flaky
    with Misskey(url, retry=FAST.replace(max_attempts=2)) as mk, pytest.raises(ServerError) as excinfo:
        mk.ping()
    assert (excinfo.value.attempts, seen["ping"]) == (2, 2)


def test_per_call_override_shares_the_client(flaky: tuple[str, dict[str, int]]) -> None:
    url, seen = flaky
    with Misskey(url, retry=RetryPolicy.never()) as mk:
        retrying = mk.with_options(retry=FAST)
        assert retrying._http is mk._http  # one connection pool
        with pytest.raises(ServerError):
            mk.ping()
        assert retrying.ping().pong == 1
    assert seen["ping"] == 3


def test_a_connection_never_made_is_retried_even_for_writes() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: every connection is refused
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with Misskey(url, retry=FAST) as mk, pytest.raises(MisskeyConnectionError) as excinfo:
            mk.request("notes/create", {"text": "never sent"})
    assert excinfo.value.attempts == 3


@pytest.mark.anyio
async def test_async_reads_are_retried(flaky: tuple[str, dict[str, int]], backend: AsyncBackend) -> None:
    url, seen = flaky
    async with AsyncMisskey(url, retry=FAST, backend=backend) as mk:
        assert (await mk.ping()).pong == 1
    assert seen["ping"] == 3


def test_policy_delays() -> None:
    policy = RetryPolicy(max_attempts=4, backoff=1.0, max_backoff=3.0, max_rate_limit_wait=10.0)
    error = ServerError(status_code=503, endpoint="ping")
    delays = [policy.delay(error, attempt, idempotent=True, sent=True) for attempt in (1, 2, 3)]
    assert all(d is not None and 0 <= d <= cap for d, cap in zip(delays, (1.0, 2.0, 3.0), strict=True))
    assert policy.delay(error, 4, idempotent=True, sent=True) is None  # attempts used up
    assert policy.delay(error, 1, idempotent=False, sent=True) is None  # a write that may have run
    assert policy.delay(error, 1, idempotent=False, sent=False) is not None  # never reached the server
    from misskey_client import RateLimitError

    limited = RateLimitError(retry_after=5.0, status_code=429, endpoint="notes/create")
    assert policy.delay(limited, 1, idempotent=False, sent=True) == 5.0  # a 429 ran nothing
    too_long = RateLimitError(retry_after=3600.0, status_code=429, endpoint="notes/create")
    assert policy.delay(too_long, 1, idempotent=False, sent=True) is None


def test_throttle_spaces_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("misskey_core._client.time.monotonic", lambda: now[0])
    mk = Misskey("misskey.example", throttle=4.0)  # 4 per second: one slot every 0.25 s
    assert [mk._reserve_slot() for _ in range(3)] == [0.0, 0.25, 0.5]
    now[0] += 2.0  # idle for a while: no debt carried over
    assert mk._reserve_slot() == 0.0
    with pytest.raises(ValueError, match="requests per second"):
        Misskey("misskey.example", throttle=0)


def test_a_different_server_version_warns_once(flaky: tuple[str, dict[str, int]]) -> None:
    url, _ = flaky
    with Misskey(url) as mk:
        expected = "runs version 2099.1.0; this client was generated from the misskey 2026.3.2 spec"
        with pytest.warns(UserWarning, match=expected):
            assert mk.server_version == "2099.1.0"
        assert mk.server_version == "2099.1.0"  # cached: no second warning (warnings are errors here)
