"""Fixtures shared by the recording scenarios: secrets chosen by the test, fresh users, media.

The scenarios build their own state on the server and clean it up. Values that must be secret
(passwords, webhook secrets) are random while recording and registered with the scrubber, so a
cassette holds a placeholder and replay sends that same placeholder. Values that must be unique
on the server (usernames) are derived from what the server answers, never from the clock or a
random number, so a replay makes exactly the requests that were recorded.
"""

from __future__ import annotations

import io

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
