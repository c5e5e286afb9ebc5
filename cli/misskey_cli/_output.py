"""What the command line prints: JSON answers on stdout, everything for people on stderr.

On a terminal the answer is indented and coloured and uploads draw a progress bar (rich); in a pipe
the answer is compact JSON, one document per line, with no colour and no bar, so ``misskey api ... |
jq`` and ``misskey stream ... | while read`` see plain JSON. rich decides what a terminal is, and
honours ``NO_COLOR``, ``FORCE_COLOR`` and ``TERM=dumb``. rich is imported only when it is used.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["console", "emit_json", "error", "info", "is_terminal", "upload_progress"]

_consoles: dict[int, Console] = {}


def console(stream: IO[str]) -> Console:
    """The rich console of ``stream`` (made once per stream: it caches the terminal's size)."""
    from rich.console import Console

    made = _consoles.get(id(stream))
    if made is None or made.file is not stream:
        made = _consoles[id(stream)] = Console(file=stream, highlight=False, soft_wrap=True)
    return made


def is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    if isatty is None or not isatty():
        return False  # not even asking rich: in a pipe nothing of it is needed
    return console(stream).is_terminal


def compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def emit_json(data: Any, *, stream: IO[str] | None = None, lines: bool = False) -> None:
    """One JSON document: pretty and coloured on a terminal, one compact line in a pipe.

    ``lines``: one line on a terminal too (coloured), for a stream of documents.
    """
    out = stream or sys.stdout
    if is_terminal(out):
        console(out).print_json(data=data, indent=None if lines else 2)
    else:
        out.write(compact(data) + "\n")
        out.flush()


def info(message: str) -> None:
    """A message for the person at the terminal (stderr; never the answer)."""
    err = sys.stderr
    if is_terminal(err):
        console(err).print(message, markup=False, highlight=False)
    else:
        err.write(message + "\n")
        err.flush()


def error(message: str, *, details: str = "") -> None:
    """``error: ...`` on stderr, the ``error:`` in red on a terminal."""
    err = sys.stderr
    if is_terminal(err):
        from rich.text import Text

        parts: list[str | tuple[str, str]] = [("error:", "bold red"), " " + message]
        if details:
            parts.append(("\n" + details, "dim"))
        console(err).print(Text.assemble(*parts))
    else:
        err.write(f"error: {message}\n" + (details + "\n" if details else ""))
        err.flush()


ProgressFactory = Callable[[Path], Callable[[int, int | None], None] | None]


@contextlib.contextmanager
def upload_progress() -> Iterator[ProgressFactory]:
    """``with upload_progress() as bar: mk.request(..., progress=bar(path))``.

    On a terminal (stderr) each file gets a bar with its size, speed and time left; elsewhere
    ``bar(path)`` is None and nothing is drawn.
    """
    if not is_terminal(sys.stderr):
        yield lambda path: None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console(sys.stderr), transient=False) as progress:

        def bar(path: Path) -> Callable[[int, int | None], None]:
            size = path.stat().st_size
            task = progress.add_task(path.name, total=size)

            def advance(sent: int, total: int | None) -> None:
                progress.update(task, completed=sent, total=total or size)

            return advance

        yield bar
