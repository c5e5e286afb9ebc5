"""A real terminal for the command line tests: ``misskey`` in a pseudo-terminal, its screen read by pyte.

:class:`Terminal` starts ``python -m misskey_cli ...`` with a pty as its controlling terminal (so
Ctrl-C typed there is a SIGINT from the terminal driver, as at a real keyboard), feeds everything the
program writes to pyte's VT100 emulator, and lets a test read the screen as a person sees it: the text
of each line and the colour of each character. Standard output can go to a file instead, as in
``misskey stream ... > events.jsonl``, with standard error still on the terminal.

Nothing waits for a fixed time: :meth:`Terminal.wait_for` reads until the screen shows what the test
waits for, and fails with the screen's contents after a generous deadline.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

import pyte

COLUMNS, LINES = 120, 40
#: How long :meth:`Terminal.wait_for` reads before it gives up: a failure guard, not a speed goal.
DEADLINE = 30.0


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The test process's environment without what changes colour or login, plus ``extra``."""
    dropped = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("MISSKEY_")}
    return env | {"TERM": "xterm-256color"} | dict(extra)


class Terminal:
    def __init__(
        self, args: list[str], env: Mapping[str, str], *, stdout: IO[bytes] | None = None, lines: int = LINES
    ) -> None:
        self.screen = pyte.Screen(COLUMNS, lines)
        self._stream = pyte.ByteStream(self.screen)
        self.transcript = b""
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, COLUMNS, 0, 0))
        self._master = master
        self.process = subprocess.Popen(
            [sys.executable, "-m", "misskey_cli", *args],
            stdin=slave,
            stdout=stdout if stdout is not None else slave,
            stderr=slave,
            env=clean_environment(env),
            start_new_session=True,  # a session of its own, with the pty as controlling terminal
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
            close_fds=True,
        )
        os.close(slave)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self._master, 65536)
        except OSError:  # the program exited and the pty closed
            return False
        self.transcript += data
        self._stream.feed(data)
        return bool(data)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display).rstrip()

    def wait_for(self, ready: Callable[[Terminal], bool], what: str) -> None:
        """Read the program's output until ``ready(self)``; fail after :data:`DEADLINE` seconds."""
        deadline = time.monotonic() + DEADLINE
        while not ready(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed {what}:\n{self.text()}")
            if not self._read(0.05) and self.process.poll() is not None:
                while self._read(0.05):
                    pass
                if not ready(self):
                    raise AssertionError(f"misskey exited ({self.process.returncode}) before {what}:\n{self.text()}")

    def wait_for_text(self, text: str) -> None:
        self.wait_for(lambda t: text in t.text(), repr(text))

    def type(self, keys: bytes) -> None:
        os.write(self._master, keys)

    def exit_status(self) -> int:
        """Wait for the program to end (reading what it still writes) and return its exit status."""
        deadline = time.monotonic() + DEADLINE
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                self.process.send_signal(signal.SIGKILL)
                raise AssertionError(f"misskey did not exit:\n{self.text()}")
            self._read(0.05)
        while self._read(0.05):
            pass
        return self.process.returncode

    def colour_of(self, text: str) -> str:
        """The foreground colour of the first character of the first ``text`` on the screen."""
        for row, line in enumerate(self.screen.display):
            column = line.find(text)
            if column >= 0:
                return str(self.screen.buffer[row][column].fg)
        raise AssertionError(f"{text!r} is not on the screen:\n{self.text()}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self._master)


def run_in_pipe(args: list[str], env: Mapping[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``misskey ARGS | cat``: standard output and error are pipes, not a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "misskey_cli", *args],
        capture_output=True,
        text=True,
        env=clean_environment(env),
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        check=False,
    )
