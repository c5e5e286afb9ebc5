"""The public surface of misskey_auth: one sorted ``__all__`` that covers every submodule's."""

from __future__ import annotations

import importlib
import inspect

import misskey_auth
from misskey_auth import PERMISSIONS, MisskeyAuthError

SUBMODULES = ["_errors", "_legacy", "_login", "_miauth", "_models", "_tokenfile", "_validation"]


def test_all_lists_every_public_name_of_the_submodules() -> None:
    exported = set(misskey_auth.__all__)
    for name in SUBMODULES:
        module = importlib.import_module(f"misskey_auth.{name}")
        assert set(module.__all__) <= exported, name
    assert "PERMISSIONS" in exported  # from the generated _permissions module
    for name in misskey_auth.__all__:
        assert getattr(misskey_auth, name) is not None


def test_all_is_sorted_constants_then_classes_then_functions() -> None:
    def key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert misskey_auth.__all__ == sorted(misskey_auth.__all__, key=key)


def test_every_exception_derives_from_the_base() -> None:
    errors = [
        obj
        for obj in vars(misskey_auth).values()
        if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == "misskey_auth._errors"
    ]
    assert len(errors) == 9
    assert all(issubclass(error, MisskeyAuthError) for error in errors)


def test_permissions_come_from_the_spec() -> None:
    assert isinstance(PERMISSIONS, tuple)
    assert len(PERMISSIONS) == 84
    assert list(PERMISSIONS) == sorted(set(PERMISSIONS))
    assert {"read:account", "write:notes", "read:admin:meta"} <= set(PERMISSIONS)
    assert all(p.startswith(("read:", "write:")) for p in PERMISSIONS)
