"""The bot-testing guide runs as written: its files, taken from the page, pass against its cassette.

``docs/guides/testing-your-bot.md`` holds a bot, a ``conftest.py`` and a test, each in a code block
titled with its file name. They are written to a fresh directory, with the cassette recorded from
a real Misskey, and pytest runs there in a child process, as a reader would run them. With
``--record-mode`` (``make record``) the child records instead, against ``MISSKEY_URL`` with the
ordinary user's token, and the cassette is kept for the next replay.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GUIDE = ROOT / "docs" / "guides" / "testing-your-bot.md"
CASSETTE = Path(__file__).parent / "cassettes" / "test_bot" / "test_post_status.yaml"
_FILE_BLOCK = re.compile(r'```python title="([\w.]+)"\n(.*?)```', re.DOTALL)


def test_the_guide_runs_against_its_cassette(tmp_path: Path, recording: bool) -> None:
    files = dict(_FILE_BLOCK.findall(GUIDE.read_text(encoding="utf-8")))
    assert set(files) == {"bot.py", "conftest.py", "test_bot.py"}
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MISSKEY_")}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    recorded = tmp_path / "cassettes" / "test_bot" / CASSETTE.name
    if recording:
        env |= {"MISSKEY_URL": os.environ["MISSKEY_URL"], "MISSKEY_TOKEN": os.environ["MISSKEY_USER_TOKEN"]}
        argv.append("--record-mode=rewrite")
    else:
        recorded.parent.mkdir(parents=True)
        shutil.copyfile(CASSETTE, recorded)
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    if recording:
        cassette = recorded.read_text(encoding="utf-8")
        assert os.environ["MISSKEY_USER_TOKEN"] not in cassette
        CASSETTE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(recorded, CASSETTE)


def test_a_replay_without_the_cassette_fails(tmp_path: Path) -> None:
    """The replay above proves something: with no cassette the same test cannot pass offline."""
    files = dict(_FILE_BLOCK.findall(GUIDE.read_text(encoding="utf-8")))
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MISSKEY_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--record-mode=none"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "CannotOverwriteExistingCassetteException" in done.stdout
