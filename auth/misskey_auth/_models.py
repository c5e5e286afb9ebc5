"""The values the flows return. Secrets are kept out of ``repr`` so that logging a result is safe."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["AppSession", "AuthResult", "RegisteredApp"]


@dataclass(frozen=True)
class AuthResult:
    """A usable access token and the user it acts for.

    ``user`` is the user object exactly as Misskey sent it (a ``UserDetailedNotMe``), so nothing is lost
    while the typed client is not involved.
    """

    token: str = field(repr=False)
    user: dict[str, Any]

    @property
    def username(self) -> str | None:
        """The user's ``username`` (without ``@`` or host), if the server sent one."""
        name = self.user.get("username")
        return name if isinstance(name, str) else None


@dataclass(frozen=True)
class RegisteredApp:
    """An application registered with ``app/create``; keep ``secret`` as safely as a token."""

    id: str
    name: str
    secret: str = field(repr=False)
    permission: tuple[str, ...]
    callback_url: str | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class AppSession:
    """A pending legacy authorisation: send the user to ``url``; keep ``token`` for ``userkey``."""

    token: str
    url: str
