"""What ``mk.drive`` offers beyond its endpoints: an upload from a URL that returns the file.

``drive/files/upload-from-url`` only queues a job and answers 204; the file is announced later on the
``main`` channel (``urlUploadFinished``, with the caller's ``marker``). ``upload_from_url`` joins
``main`` first, asks for the upload with a fresh marker, and waits for that marker's event. The
generated ``drive`` namespaces extend these classes (``self._client`` is theirs).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING, Any

from ._channels import Main
from ._errors import MisskeyTimeoutError
from ._events import UrlUploadFinishedEvent

if TYPE_CHECKING:
    from misskey_client.models import DriveFile

    from ._client import AsyncClient, SyncClient

__all__ = ["AsyncDriveHelpers", "SyncDriveHelpers"]

ENDPOINT = "drive/files/upload-from-url"
_TIMEOUTS = (TimeoutError, asyncio.TimeoutError)  # distinct classes before Python 3.11


def _params(
    url: str, marker: str, folder_id: str | None, is_sensitive: bool | None, comment: str | None, force: bool | None
) -> dict[str, Any]:
    given = {"folderId": folder_id, "isSensitive": is_sensitive, "comment": comment, "force": force}
    return {"url": url, "marker": marker} | {key: value for key, value in given.items() if value is not None}


def _timed_out(url: str, timeout: float) -> MisskeyTimeoutError:
    return MisskeyTimeoutError(
        f"{ENDPOINT}: {url} was not in the drive after {timeout:g} s (the server fetches it in a background "
        "job; it never announces a failure: is the URL reachable from the server, and allowed?)",
        endpoint=ENDPOINT,
    )


def _file_of(event: Any, marker: str) -> DriveFile | None:
    """The file of the ``urlUploadFinished`` event with our marker; None for any other event."""
    return event.file if isinstance(event, UrlUploadFinishedEvent) and event.marker == marker else None


class SyncDriveHelpers:
    _client: SyncClient

    def upload_from_url(
        self,
        url: str,
        *,
        folder_id: str | None = None,
        is_sensitive: bool | None = None,
        comment: str | None = None,
        force: bool | None = None,
        timeout: float = 60.0,
    ) -> DriveFile:
        """Have the server download ``url`` into the drive, and return the file once it is there.

        Needs the ``streaming`` extra (the file is announced on the ``main`` channel). Raises
        ``MisskeyTimeoutError`` if it is not there within ``timeout`` seconds: Misskey does not tell
        when a download fails. ``force`` uploads again a file the drive already has.
        """
        marker = uuid.uuid4().hex
        deadline = time.monotonic() + timeout
        with self._client.stream(backfill=False) as stream:
            main = stream.connect(Main())
            self._client.request(ENDPOINT, _params(url, marker, folder_id, is_sensitive, comment, force))
            while (left := deadline - time.monotonic()) > 0:
                try:
                    event = main.next(timeout=left)
                except (TimeoutError, StopIteration):
                    break
                if (file := _file_of(event, marker)) is not None:
                    return file
        raise _timed_out(url, timeout)


class AsyncDriveHelpers:
    _client: AsyncClient

    async def upload_from_url(
        self,
        url: str,
        *,
        folder_id: str | None = None,
        is_sensitive: bool | None = None,
        comment: str | None = None,
        force: bool | None = None,
        timeout: float = 60.0,
    ) -> DriveFile:
        """Have the server download ``url`` into the drive, and return the file once it is there."""
        marker = uuid.uuid4().hex
        deadline = time.monotonic() + timeout
        async with self._client.stream(backfill=False) as stream:
            main = await stream.connect(Main())
            await self._client.request(ENDPOINT, _params(url, marker, folder_id, is_sensitive, comment, force))
            while (left := deadline - time.monotonic()) > 0:
                try:
                    event = await asyncio.wait_for(main.__anext__(), left)
                except (*_TIMEOUTS, StopAsyncIteration):
                    break
                if (file := _file_of(event, marker)) is not None:
                    return file
        raise _timed_out(url, timeout)
