"""``python -m tools.survey [CASSETTE_DIR]``: list every spec mismatch in recorded responses.

Each successful response in the cassettes is parsed by its endpoint's generated parser with
drift collection on, so one run shows all unknown properties, unknown enum values and missing
required properties at once. Fix each in ``generator/patches.py``, regenerate, and run again.
"""

from __future__ import annotations

import collections
import importlib
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from misskey_client._endpoints import ENDPOINTS
from misskey_core._parsing import collect_drift

#: Where the cassettes of the pinned release were recorded (tests/recording.py's REPLAY_URL). Cassettes
#: of other servers (tests/generator/cassettes: forks, other releases) hold other addresses.
PINNED_SERVER = "http://127.0.0.1:3000/api/"


def api_responses(paths: Iterable[Path], server: str = PINNED_SERVER) -> Iterator[tuple[str, dict[str, Any]]]:
    """(endpoint name, recorded response) for every call to ``server``'s API in the cassettes at ``paths``."""
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for interaction in data.get("interactions", []):
            uri = interaction["request"]["uri"]
            if uri.startswith(server):
                yield uri[len(server) :].split("?")[0], interaction["response"]


def responses(root: Path) -> list[tuple[str, Any]]:
    """(endpoint, parsed JSON) for every 2xx JSON response recorded under ``root``.

    ``tests/odd/`` is left out: it records answers the spec does not describe, on purpose.
    """
    found = []
    paths = sorted(p for p in root.rglob("*.yaml") if "odd" not in p.relative_to(root).parts)
    for name, response in api_responses(paths):
        body = response["body"]["string"]
        if not (200 <= response["status"]["code"] < 300) or not body or name not in ENDPOINTS:
            continue
        try:
            found.append((name, json.loads(body)))
        except ValueError:
            continue
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path("tests")
    drift: dict[str, set[str]] = collections.defaultdict(set)
    failures: dict[str, set[str]] = collections.defaultdict(set)
    recorded = responses(root)
    for name, data in recorded:
        module = importlib.import_module(ENDPOINTS[name].module)
        with collect_drift() as found:
            try:
                module._parse(data)
            except Exception as exc:  # a survey reports everything, whatever it is
                failures[name].add(f"{type(exc).__name__}: {exc}")
        drift[name].update(found)
    endpoints = sorted({name for name, _ in recorded})
    print(f"{len(recorded)} responses from {len(endpoints)} endpoints")
    for name in endpoints:
        for line in sorted(drift[name]) + sorted(failures[name]):
            print(f"{name}: {line}")
    return 1 if any(drift.values()) or any(failures.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
