"""Drive: nested folders, finding files and folders, moving in bulk, hashes, admin views."""

from __future__ import annotations

import pytest

from misskey_client import Misskey
from tests.scenarios.conftest import png

pytestmark = pytest.mark.vcr


def test_folders_and_files(alice: Misskey, admin: Misskey) -> None:
    parent = alice.drive.folders.create(name="scenario parent")
    child = alice.drive.folders.create(name="scenario child", parent_id=parent.id)
    assert [f.id for f in alice.drive.folders.find(name="scenario child", parent_id=parent.id)] == [child.id]
    assert alice.drive.folders.update(folder_id=child.id, name="renamed child").parent_id == parent.id
    assert alice.drive.folders.show(folder_id=child.id).name == "renamed child"

    file = alice.drive.files.create(file=png("find-me.png"), name="find-me.png", folder_id=parent.id, force=True)
    assert (file.name, file.folder_id) == ("find-me.png", parent.id)
    assert [f.id for f in alice.drive.files.find(name="find-me.png", folder_id=parent.id)] == [file.id]
    assert file.id in [f.id for f in alice.drive.files.find_by_hash(md5=file.md5)]
    assert alice.drive.files.check_existence(md5=file.md5) is True
    assert alice.drive.files.move_bulk(file_ids=[file.id], folder_id=child.id) is None
    assert alice.drive.files.show(file_id=file.id).folder_id == child.id

    assert admin.admin.drive.show_file(file_id=file.id).id == file.id
    assert file.id in [f.id for f in admin.admin.drive.files(user_id=alice.i().id, limit=20)]

    alice.drive.files.delete(file_id=file.id)
    alice.drive.folders.delete(folder_id=child.id)
    alice.drive.folders.delete(folder_id=parent.id)
