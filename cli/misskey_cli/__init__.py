"""``misskey``: the Misskey API from the shell (``pip install 'misskey-client[cli]'``).

See the README's "Command line" section; ``misskey --help`` lists the commands.
"""

from __future__ import annotations

from ._app import cli, main
from ._errors import EXIT_API, EXIT_AUTH, EXIT_INTERRUPTED, EXIT_NETWORK, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_API", "EXIT_AUTH", "EXIT_INTERRUPTED", "EXIT_NETWORK", "EXIT_OK", "EXIT_USAGE", "cli", "main"]
