"""Getting a Misskey access token: MiAuth, the legacy app flow, and a browser login.

>>> from misskey_auth import MiAuth
>>> auth = MiAuth("misskey.example", name="MyApp", permission=["read:account"])
>>> auth.url  # send the user here, then call auth.check() or auth.wait()  # doctest: +SKIP

From a terminal: ``python -m misskey_auth login misskey.example --name MyApp --permission read:account``.
"""

from __future__ import annotations

from ._errors import (
    AuthAPIError,
    AuthNetworkError,
    AuthNetworkTimeoutError,
    AuthTimeoutError,
    InsecureTransportError,
    MiAuthError,
    MiAuthNotAuthorizedError,
    MisskeyAuthError,
    NotMisskeyServerError,
)
from ._legacy import LegacyAuth
from ._login import CallbackServer, login
from ._miauth import MiAuth
from ._models import AppSession, AuthResult, RegisteredApp
from ._permissions import PERMISSIONS
from ._tokenfile import default_token_path, save_token
from ._validation import validate_permissions

__all__ = [
    "PERMISSIONS",
    "AppSession",
    "AuthAPIError",
    "AuthNetworkError",
    "AuthNetworkTimeoutError",
    "AuthResult",
    "AuthTimeoutError",
    "CallbackServer",
    "InsecureTransportError",
    "LegacyAuth",
    "MiAuth",
    "MiAuthError",
    "MiAuthNotAuthorizedError",
    "MisskeyAuthError",
    "NotMisskeyServerError",
    "RegisteredApp",
    "default_token_path",
    "login",
    "save_token",
    "validate_permissions",
]
