"""``python -m tools.sweep URL``: every read that needs no argument, through the typed client, lenient and strict.

A check of a client generated from an instance's spec against that instance (``make generate
URL=...``, then this): it calls each endpoint the generator classes as a read and that takes no
required argument, with the admin token in ``MISSKEY_TOKEN``. First the raw JSON (``mk.request``)
says whether the server answers it at all; then, for each endpoint that answered 2xx, the typed
call must give data (lenient, the default) and the strict parse names every drift between the
server and its spec. Prints a line per problem and a summary; ``--json`` prints the summary as JSON.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from typing import Any

from misskey_client import Misskey, MisskeyError, RetryPolicy, strict_parsing
from misskey_client._endpoints import ENDPOINTS
from misskey_core._parsing import collect_drift

__all__ = ["facade", "parameterless_reads", "sweep"]


def facade(client: Misskey, name: str) -> Any:
    """The facade method of an endpoint: ``notes/create`` -> ``client.notes.create``."""
    target: Any = client
    for segment in name.split("/"):
        target = getattr(target, {"2fa": "two_fa"}.get(segment, segment.replace("-", "_").replace(".", "_")))
    return target


def parameterless_reads(client: Misskey) -> list[str]:
    """Endpoints classed as reads whose facade method needs no argument."""
    names = []
    for name, spec in sorted(ENDPOINTS.items()):
        if not spec.idempotent:
            continue
        parameters = inspect.signature(facade(client, name)).parameters.values()
        if all(p.default is not inspect.Parameter.empty for p in parameters):
            names.append(name)
    return names


def sweep(client: Misskey) -> dict[str, Any]:
    """Call every parameterless read three ways (raw, lenient, strict) and say what each gave."""
    names = parameterless_reads(client)
    refused: dict[str, str] = {}
    lenient_problems: dict[str, str] = {}
    drift: dict[str, list[str]] = {}
    strict_failures: dict[str, str] = {}
    answered = 0
    for name in names:
        method = facade(client, name)
        try:
            raw = client.request(name)
        except MisskeyError as exc:
            refused[name] = f"{type(exc).__name__}: {exc}"
            continue
        answered += 1
        with collect_drift() as found:
            try:
                typed = method()
                if typed is None and raw is not None:
                    lenient_problems[name] = "None for an answer with a body"
            except MisskeyError as exc:
                lenient_problems[name] = f"{type(exc).__name__}: {exc}"
        if found:
            drift[name] = sorted(set(found))
        with strict_parsing():
            try:
                method()
            except MisskeyError as exc:
                strict_failures[name] = f"{type(exc).__name__}: {exc}"
    return {
        "server": str(client.server),
        "parameterless_reads": len(names),
        "refused_by_server": refused,
        "answered_2xx": answered,
        "lenient_data": answered - len(lenient_problems),
        "lenient_problems": lenient_problems,
        "strict_ok": answered - len(strict_failures),
        "strict_failures": strict_failures,
        "drift": drift,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the instance (http://127.0.0.1:3000)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    token = os.environ.get("MISSKEY_TOKEN")
    if not token:
        print("error: set MISSKEY_TOKEN to an admin's token", file=sys.stderr)
        return 2
    with Misskey(args.url, token, retry=RetryPolicy(max_attempts=3)) as client:
        result = sweep(client)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        for name, why in sorted(result["refused_by_server"].items()):
            print(f"refused by the server: {name}: {why}")
        for name, why in sorted(result["lenient_problems"].items()):
            print(f"lenient: {name}: {why}")
        for name, lines in sorted(result["drift"].items()):
            for line in lines:
                print(f"drift: {name}: {line}")
        print(
            f"{result['server']}: {result['parameterless_reads']} parameterless reads, "
            f"{result['answered_2xx']} answered 2xx; lenient: {result['lenient_data']} came back as data; "
            f"strict: {result['strict_ok']} parsed without drift"
        )
    return 1 if result["lenient_problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
