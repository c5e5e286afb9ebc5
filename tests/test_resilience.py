"""Pagination, retries on a real 429, streamed uploads with progress, and capability checks."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from misskey_client import (
    EndpointNotSupportedError,
    Misskey,
    RateLimitError,
    RetryPolicy,
)

pytestmark = pytest.mark.vcr

NO_RETRY = RetryPolicy.never()


def test_paginate_walks_more_items_than_one_page(alice: Misskey) -> None:
    me = alice.i()
    created = [alice.notes.create(text=f"page probe {n}").created_note.id for n in range(23)]

    newest_first = list(alice.paginate(alice.users.notes, user_id=me.id, limit=10, max_items=23))
    assert [n.id for n in newest_first] == created[::-1]  # three pages: 10 + 10 + 3

    oldest_first = list(
        alice.paginate(alice.users.notes, user_id=me.id, limit=10, oldest_first=True, since_id=created[0])
    )
    assert [n.id for n in oldest_first] == created[1:]  # ascending, stops at the short third page

    assert [n.id for n in alice.paginate(alice.users.notes, user_id=me.id, limit=5, max_items=7)] == (created[::-1][:7])


def test_paginate_rejects_endpoints_that_do_not_page(alice: Misskey) -> None:
    with pytest.raises(ValueError, match="not paginated"):
        next(iter(alice.paginate(alice.meta)))  # type: ignore[arg-type]


@pytest.fixture
def limited_user(new_user: Callable[[str], tuple[str, Misskey]], grant: Callable[..., str]) -> Misskey:
    """A throwaway account whose role makes rate limits twice as strict: notes/delete's 1 s interval is 2 s."""
    user_id, client = new_user("slowlane")
    grant(user_id, rateLimitFactor=2)
    return client.with_options(retry=NO_RETRY)


def test_a_real_429_is_raised_with_retry_after(limited_user: Misskey) -> None:
    first, second = (limited_user.notes.create(text=f"to delete {n}").created_note for n in range(2))
    limited_user.notes.delete(note_id=first.id)
    with pytest.raises(RateLimitError) as excinfo:
        limited_user.notes.delete(note_id=second.id)
    error = excinfo.value
    assert (error.status_code, error.code, error.attempts) == (429, "RATE_LIMIT_EXCEEDED", 1)
    assert error.retry_after is not None and 0 <= error.retry_after <= 2
    assert "resetMs" in error.info


def test_a_429_is_waited_out_and_retried(limited_user: Misskey) -> None:
    retrying = limited_user.with_options(retry=RetryPolicy(max_attempts=3))
    first, second = (limited_user.notes.create(text=f"to delete {n}").created_note for n in range(2))
    retrying.notes.delete(note_id=first.id)
    assert retrying.notes.delete(note_id=second.id) is None  # 429, a wait of Retry-After, then 204


BIG = 6 * 1024 * 1024  # over 5 MB


def test_large_upload_streams_with_progress(alice: Misskey, tmp_path: Path) -> None:
    path = tmp_path / "big.txt"  # the default role may upload text/plain, images, video and audio
    block = b"".join(b"line %06d of a large upload from misskey-client\n" % n for n in range(24000))[: 1024 * 1024]
    with path.open("wb") as f:
        for _ in range(BIG // len(block)):
            f.write(block)
    seen: list[tuple[int, int | None]] = []
    uploaded = alice.drive.files.create(file=path, progress=lambda sent, total: seen.append((sent, total)))
    assert (uploaded.name, uploaded.size, uploaded.type) == ("big.txt", BIG, "text/plain")
    assert seen[-1] == (BIG, BIG)
    assert len(seen) >= BIG // (64 * 1024)  # reported chunk by chunk, not once
    assert all(a[0] < b[0] for a, b in itertools.pairwise(seen))
    alice.drive.files.delete(file_id=uploaded.id)


def test_upload_from_bytes_and_file_objects(alice: Misskey, tmp_path: Path) -> None:
    from_bytes = alice.drive.files.create(file=b"hello, drive", name="hello.txt")
    assert (from_bytes.name, from_bytes.size, from_bytes.type) == ("hello.txt", 12, "text/plain")
    path = tmp_path / "notes.txt"
    path.write_bytes(b"from a file object\n")
    with path.open("rb") as handle:  # the file name comes from the object
        from_handle = alice.drive.files.create(file=handle)
    assert (from_handle.name, from_handle.size) == ("notes.txt", 19)
    for uploaded in (from_bytes, from_handle):
        alice.drive.files.delete(file_id=uploaded.id)


def test_supports_and_server_version(alice: Misskey) -> None:
    assert alice.supports("notes/create") is True
    assert alice.supports("notes/does-not-exist") is False
    assert alice.server_version == "2026.3.2"


def test_the_server_is_named_by_its_nodeinfo(alice: Misskey) -> None:
    """A new 2026.3.2 refuses /.well-known/nodeinfo (federation is off) and serves /nodeinfo/2.1."""
    server = alice.server
    assert (server.software, server.version, str(server)) == ("misskey", "2026.3.2", "misskey 2026.3.2")
    assert server.supports("notes/create") and len(server.endpoints) > 400


def test_an_endpoint_the_server_lacks_is_named(alice: Misskey) -> None:
    with pytest.raises(EndpointNotSupportedError) as excinfo:
        alice.request("notes/from-the-future", {})
    assert excinfo.value.endpoint == "notes/from-the-future"
    assert excinfo.value.server_version == "2026.3.2"
    assert "Misskey 2026.3.2" in str(excinfo.value)
