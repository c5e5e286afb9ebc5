"""Files for multipart uploads: paths, bytes or binary file objects, streamed, with progress."""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any, Protocol

__all__ = ["FileInput", "ProgressCallback", "prepare_files"]

#: ``progress(bytes_sent, total_bytes_or_None)`` after each chunk is handed to the network.
ProgressCallback = Callable[[int, int | None], None]


class _FileLike(Protocol):
    """``misskey_client.File``: a payload with an optional file name and content type."""

    def to_tuple(self) -> Any: ...


#: What an upload argument accepts: a path, the bytes, a binary file object (read in chunks, never
#: whole), or a ``misskey_client.File`` naming the payload, file name and content type.
FileInput = str | os.PathLike[str] | bytes | bytearray | IO[bytes] | _FileLike


class _ProgressReader:
    """Wraps a binary file object and reports how much of it has been read, that is, sent.

    httpx reads multipart files in 64 KiB chunks and learns their length by seek/tell, so both
    are passed through: the upload streams with a Content-Length and is never held in memory.
    """

    def __init__(self, raw: IO[bytes], total: int | None, progress: ProgressCallback) -> None:
        self._raw, self._total, self._progress, self._sent = raw, total, progress, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if chunk:
            self._sent += len(chunk)
            self._progress(self._sent, self._total)
        return chunk

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        position = self._raw.seek(offset, whence)
        self._sent = position
        return position

    def tell(self) -> int:
        return self._raw.tell()


def _size(stream: IO[bytes]) -> int | None:
    try:
        position = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(position)
        return end
    except (OSError, AttributeError, ValueError):
        return None


def _content_type(name: str | None) -> str:
    guessed = mimetypes.guess_type(name)[0] if name else None
    return guessed or "application/octet-stream"


def prepare_files(
    files: dict[str, Any], stack: ExitStack, progress: ProgressCallback | None = None
) -> dict[str, tuple[str, Any, str]]:
    """Turn upload arguments into httpx ``files=``; files opened here are closed by ``stack``."""
    prepared = {}
    for field, value in files.items():
        name: str | None
        content_type: str | None = None
        if hasattr(value, "to_tuple"):
            name, value, content_type = value.to_tuple()
        else:
            name = None
        if isinstance(value, (str, os.PathLike)):
            path = Path(value)
            name = name or path.name
            stream: IO[bytes] = stack.enter_context(path.open("rb"))
        elif isinstance(value, (bytes, bytearray)):
            stream = io.BytesIO(bytes(value))
        elif hasattr(value, "read"):
            stream = value
            name = name or os.path.basename(str(getattr(value, "name", "") or "")) or None
        else:
            raise TypeError(f"cannot upload a {type(value).__name__}: give a path, bytes or a binary file object")
        name = name or "file"
        body: Any = stream if progress is None else _ProgressReader(stream, _size(stream), progress)
        prepared[field] = (name, body, content_type or _content_type(name))
    return prepared
