"""The documentation site builds in strict mode, and a person finds an endpoint with its search.

``make docs`` is what a person runs; this builds the same site from ``mkdocs.yml`` (strict: a broken
link, a missing page or a missing anchor fails the build), serves it on loopback and opens it in
headless Chromium. Skipped only where no ``chromium`` is installed (``.ci/run`` installs Debian's).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser import Browser, chromium_path

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    return out


def test_the_site_has_every_reference_page(site: Path) -> None:
    written = {p.relative_to(ROOT / "docs").with_suffix("") for p in (ROOT / "docs" / "reference").rglob("*.md")}
    assert {Path("reference/notes"), Path("reference/models/shared"), Path("reference/top-level")} <= written
    for page in written:
        target = site / page / "index.html" if page.name != "index" else site / page.parent / "index.html"
        assert target.is_file(), page


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium installed (Debian: apt-get install chromium)")
    with Browser(executable) as browser:
        yield browser
    # Closing ends every process of the browser (the Debian wrapper script runs it as a child), or
    # the profile they write to could not be removed.
    assert not Path(browser.profile).exists()


_RESULTS = "[...document.querySelectorAll('.md-search-result__item a')].map(a => a.href)"


def test_searching_notes_create_finds_its_entry(served: str, browser: Browser) -> None:
    # ?q= opens the search with the query typed in, as a shared search link does.
    browser.open(f"{served}/?q=notes/create")
    results = browser.wait_for(f"{_RESULTS}.length > 0 && {_RESULTS}")
    # Each result is a page, then its sections; ?h= highlights the words searched for.
    sections = [re.sub(r"\?h=[^#]*", "", href) for href in results if "#" in href]
    entry = f"{served}/reference/notes/#notes-create"
    assert sections[0] == entry, sections[:5]
    browser.open(entry)
    text = browser.evaluate("document.getElementById('notes-create').parentElement.innerText")
    assert "mk.notes.create()" in text
    assert "write:notes" in text
    assert "CreatedNote" in browser.evaluate("document.querySelector('a[href$=\"#creatednote\"]').innerText")


def test_a_screenshot_of_the_reference_shows_the_page(served: str, browser: Browser, tmp_path: Path) -> None:
    browser.open(f"{served}/reference/notes/")
    browser.wait_for("document.fonts.status === 'loaded'")
    png = browser.screenshot()
    (Path(os.environ.get("DOCS_SCREENSHOT_DIR", tmp_path)) / "reference-notes.png").write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert (width, height) == (1280, 900)
    # A blank or one-colour page of this size compresses to a few kilobytes; text, tables and the
    # navigation take far more.
    assert len(png) > 60_000, len(png)
    assert browser.evaluate("document.querySelectorAll('.md-nav__link').length") > 50
