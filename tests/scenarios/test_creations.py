"""Pages, Play (flashes) and gallery posts: create, show, like, update, delete."""

from __future__ import annotations

import pytest

from misskey_client import Misskey
from misskey_client.models import PagesCreateBodyContentItem
from tests.scenarios.conftest import png

pytestmark = pytest.mark.vcr


def test_pages(alice: Misskey, bob: Misskey) -> None:
    page = alice.pages.create(
        title="Scenario page",
        name="scenario-page",
        summary="a page",
        content=[PagesCreateBodyContentItem.from_dict({"id": "b1", "type": "text", "text": "Hello, page"})],
        variables=[],
        script="",
    )
    username = alice.i().username
    assert bob.pages.show(page_id=page.id).title == "Scenario page"
    assert bob.pages.show(name="scenario-page", username=username).id == page.id
    assert bob.pages.like(page_id=page.id) is None
    assert page.id in [like.page.id for like in bob.i.page_likes()]
    assert bob.pages.unlike(page_id=page.id) is None
    assert page.id in [p.id for p in bob.users.pages(user_id=alice.i().id)]
    assert alice.pages.update(page_id=page.id, title="Renamed page") is None
    assert alice.pages.delete(page_id=page.id) is None


def test_flashes(alice: Misskey, bob: Misskey) -> None:
    flash = alice.flash.create(
        title="Scenario play",
        summary="a tiny Play",
        script='/// @ 0.19.0\nMk:dialog("hi" "hello" "info")',
        permissions=[],
    )
    assert bob.flash.show(flash_id=flash.id).title == "Scenario play"
    assert bob.flash.like(flash_id=flash.id) is None
    assert flash.id in [like.flash.id for like in bob.flash.my_likes()]
    assert bob.flash.unlike(flash_id=flash.id) is None
    assert flash.id in [f.id for f in bob.users.flashs(user_id=alice.i().id)]
    assert flash.id in [f.id for f in alice.flash.my()]
    assert bob.flash.search(query="Scenario", limit=5) is not None
    assert alice.flash.update(flash_id=flash.id, title="Renamed play", visibility="private") is None
    assert alice.flash.delete(flash_id=flash.id) is None


def test_gallery_posts(alice: Misskey, bob: Misskey) -> None:
    file = alice.drive.files.create(file=png("gallery.png"), name="gallery.png")
    post = alice.gallery.posts.create(title="Scenario gallery", description="one pixel", file_ids=[file.id])
    assert bob.gallery.posts.show(post_id=post.id).title == "Scenario gallery"
    assert bob.gallery.posts.like(post_id=post.id) is None
    assert post.id in [like.post.id for like in bob.i.gallery.likes()]
    assert bob.gallery.posts.unlike(post_id=post.id) is None
    assert post.id in [p.id for p in bob.users.gallery.posts(user_id=alice.i().id)]
    updated = alice.gallery.posts.update(post_id=post.id, title="Renamed gallery", file_ids=[file.id])
    assert updated.title == "Renamed gallery"
    assert alice.gallery.posts.delete(post_id=post.id) is None
    alice.drive.files.delete(file_id=file.id)
