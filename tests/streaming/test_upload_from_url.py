"""``mk.drive.upload_from_url``: the 204 of the REST call, then the file announced on ``main``.

Replays ``frames/upload_from_url.jsonl``, recorded from Misskey 2026.3.2 downloading a file served on
loopback (``record_frames.py``); the marker was fixed while recording and is fixed again here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from misskey_client import AsyncMisskey, Misskey
from misskey_client.models import DriveFile
from misskey_core import MisskeyTimeoutError
from tests.streaming.conftest import TOKEN
from tests.streaming.record_frames import MARKER
from tests.streaming.replay import Recording, ReplayServer, threaded_replay


@pytest.fixture
def upload() -> Recording:
    return Recording.load("upload_from_url.jsonl")


@pytest.fixture(autouse=True)
def _fixed_marker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr("misskey_core._drive.uuid.uuid4", lambda: MARKER)
    yield


def test_sync_upload_from_url_returns_the_announced_file(upload: Recording) -> None:
    with threaded_replay(upload) as server, Misskey(server.url, token=TOKEN) as mk:
        uploaded = mk.drive.upload_from_url(upload.meta["url"], force=True, timeout=10)
        assert server.errors == []
        requests = list(server.rest_requests)
    assert isinstance(uploaded, DriveFile)
    assert (uploaded.name, uploaded.size, uploaded.type) == tuple(upload.meta["file"].values())
    assert requests == [
        ("drive/files/upload-from-url", {"url": upload.meta["url"], "marker": MARKER.hex, "force": True})
    ]


@pytest.mark.anyio
async def test_async_upload_from_url_returns_the_announced_file(upload: Recording) -> None:
    async with ReplayServer(upload) as server, AsyncMisskey(server.url, token=TOKEN) as mk:
        uploaded = await mk.drive.upload_from_url(upload.meta["url"], force=True, timeout=10)
    assert isinstance(uploaded, DriveFile) and uploaded.name == upload.meta["file"]["name"]
    assert server.errors == []


@pytest.mark.anyio
async def test_a_file_never_announced_is_a_timeout_naming_the_url(upload: Recording) -> None:
    # The server takes the job (204) but the download never finishes: no urlUploadFinished comes.
    upload.sessions[1] = [r for r in upload.sessions[1] if "urlUploadFinished" not in str(r.get("frame"))]
    async with ReplayServer(upload) as server, AsyncMisskey(server.url, token=TOKEN) as mk:
        with pytest.raises(MisskeyTimeoutError, match=r"upload-from-url\.txt was not in the drive after 0\.5 s"):
            await mk.drive.upload_from_url(upload.meta["url"], force=True, timeout=0.5)


def test_sync_timeout_too(upload: Recording) -> None:
    upload.sessions[1] = [r for r in upload.sessions[1] if "urlUploadFinished" not in str(r.get("frame"))]
    with threaded_replay(upload) as server, Misskey(server.url, token=TOKEN) as mk:
        with pytest.raises(MisskeyTimeoutError, match=r"was not in the drive after 0\.5 s") as caught:
            mk.drive.upload_from_url(upload.meta["url"], force=True, timeout=0.5)
        assert server.errors == []
    assert caught.value.endpoint == "drive/files/upload-from-url"
