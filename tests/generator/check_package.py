"""``python -m tests.generator.check_package SPEC``: does the importable ``misskey_client`` work, all of it?

Run in a process whose ``misskey_client`` was generated from ``SPEC`` (the test puts it first on
``PYTHONPATH``). Imports every module, parses a minimal payload with every model's ``from_dict``,
finds every endpoint of the registry as a callable method of both clients, and checks that no
endpoint whose spec declares a JSON answer returns ``None``. Prints what it counted, as JSON;
exits 1 with the problems listed otherwise.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import sys
from pathlib import Path
from typing import Any

import misskey_client
from misskey_client import AsyncMisskey, Misskey, models
from misskey_client._endpoints import ENDPOINTS


def _facade(client: Any, name: str) -> Any:
    target = client
    for segment in name.split("/"):
        target = getattr(target, {"2fa": "two_fa"}.get(segment, segment.replace("-", "_").replace(".", "_")))
    return target


def _declares_json(operation: dict[str, Any]) -> bool:
    for status, response in (operation.get("responses") or {}).items():
        content = (response or {}).get("content") or {}
        if str(status).startswith("2") and "application/json" in content:
            return True
    return False


def check(spec_path: Path) -> tuple[dict[str, int], list[str]]:
    problems: list[str] = []
    modules = 0
    for info in pkgutil.walk_packages(misskey_client.__path__, "misskey_client."):
        try:
            importlib.import_module(info.name)
            modules += 1
        except Exception as exc:  # every module must import: report each one that does not
            problems.append(f"import {info.name}: {type(exc).__name__}: {exc}")
    parsed = 0
    for name in models.__all__:
        model = getattr(models, name)
        if not hasattr(model, "from_dict"):
            continue  # a Literal enum: a type, not a class
        try:
            instance = model.from_dict({})
        except Exception as exc:
            problems.append(f"{name}.from_dict({{}}): {type(exc).__name__}: {exc}")
            continue
        if not isinstance(instance, model):
            problems.append(f"{name}.from_dict({{}}) gave a {type(instance).__name__}")
        parsed += 1
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    operations = {path.strip("/"): item.get("post") or item.get("get") or {} for path, item in spec["paths"].items()}
    sync, aio = Misskey("misskey.example"), AsyncMisskey("misskey.example")
    methods = 0
    for name, registered in sorted(ENDPOINTS.items()):
        for client in (sync, aio):
            try:
                method = _facade(client, name)
            except AttributeError as exc:
                problems.append(f"{name}: no facade method on {type(client).__name__} ({exc})")
                continue
            if not callable(method):
                problems.append(f"{name}: {type(client).__name__}'s facade attribute is not callable")
                continue
            methods += 1
        function = importlib.import_module(registered.module).sync
        returns = inspect.signature(function).return_annotation
        if _declares_json(operations.get(name, {})) and returns in ("None", None):
            problems.append(f"{name}: the spec declares a JSON answer, the function returns None")
    counts = {"modules": modules, "models": parsed, "endpoints": len(ENDPOINTS), "methods": methods}
    return counts, problems


def main(argv: list[str]) -> int:
    counts, problems = check(Path(argv[0]))
    print(json.dumps(counts, sort_keys=True))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
