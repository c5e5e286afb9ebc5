"""``misskey``: the Misskey API from the shell (``pip install 'misskey-client[cli]'``).

See docs/guides/cli.md (in short, the README's "Command line"); ``misskey --help`` lists the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._errors import EXIT_API, EXIT_AUTH, EXIT_INTERRUPTED, EXIT_NETWORK, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_API", "EXIT_AUTH", "EXIT_INTERRUPTED", "EXIT_NETWORK", "EXIT_OK", "EXIT_USAGE", "main"]

#: What the command line needs beyond the client (the ``cli`` extra).
_EXTRA = ("click", "rich")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``misskey`` and return its exit status (the console script exits with it).

    The console script is installed with the client; without the ``cli`` extra it says what to
    install instead of failing with an import traceback.
    """
    try:
        from ._app import main as run
    except ModuleNotFoundError as exc:
        if exc.name not in _EXTRA:
            raise
        print(
            f"error: the misskey command needs {exc.name}: pip install 'misskey-client[cli]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return run(argv)
