"""Drive: multipart upload with JSON-encoded fields, folders, show, update, delete."""

from __future__ import annotations

import io

import pytest

from misskey_client import File, Misskey
from misskey_client.models import DriveFile

pytestmark = pytest.mark.vcr

# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def test_upload_into_folder_update_and_delete(alice: Misskey) -> None:
    folder = alice.drive.folders.create(name="misskey-client tests")
    uploaded = alice.drive.files.create(
        file=File(payload=io.BytesIO(PNG), file_name="pixel.png", mime_type="image/png"),
        folder_id=folder.id,
        name="pixel.png",
        comment="a 1x1 pixel",
        is_sensitive=True,
    )
    assert isinstance(uploaded, DriveFile)
    # Each value field reached the server (Misskey ignores fields sent after the file).
    assert (uploaded.name, uploaded.folder_id, uploaded.comment) == ("pixel.png", folder.id, "a 1x1 pixel")
    assert uploaded.is_sensitive is True
    assert (uploaded.type, uploaded.size) == ("image/png", len(PNG))

    assert alice.drive.files.show(file_id=uploaded.id).md5 == uploaded.md5
    renamed = alice.drive.files.update(file_id=uploaded.id, name="renamed.png", is_sensitive=False)
    assert (renamed.name, renamed.is_sensitive) == ("renamed.png", False)
    assert uploaded.id in [f.id for f in alice.drive.files(folder_id=folder.id)]

    assert alice.drive.files.delete(file_id=uploaded.id) is None
    assert alice.drive.folders.delete(folder_id=folder.id) is None
    assert alice.drive().usage >= 0
