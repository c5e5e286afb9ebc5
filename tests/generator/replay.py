"""``python -m tests.generator.replay SERVER``: the bot day of ``bot_day.py`` against one server's cassette.

Runs in a process whose ``misskey_client`` was generated from that server's spec (the test puts it
first on ``PYTHONPATH``) and prints what the day gave, as JSON, with every drift between the
answers and the spec that lenient parsing noted. ``--record URL`` records the cassette anew
against a real server instead, with the tokens of admin, alice and bob from ``--tokens`` (the
``tokens.json`` the server set-up writes); tokens are scrubbed as in every other cassette.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import vcr  # type: ignore[import-untyped]

from misskey_client import Misskey, RetryPolicy
from misskey_core._parsing import collect_drift
from tests.generator.bot_day import bot_day
from tests.recording import Scrubber, body_matcher

CASSETTES = Path(__file__).parent / "cassettes"
#: Where each server ran when it was recorded (loopback; cassettes keep their own address).
SERVERS = {
    "sharkey-2025.4.2": "http://127.0.0.1:3001",
    "cherrypick-4.17.0": "http://127.0.0.1:3002",
    "misskey-2025.6.3": "http://127.0.0.1:3003",
    "misskey-13.14.2": "http://127.0.0.1:3004",
}


def _recorder(cassette: Path, scrubber: Scrubber, record: bool) -> Any:
    recorder = vcr.VCR(
        record_mode="all" if record else "none",
        filter_headers=["authorization", "cookie", "set-cookie"],
        decode_compressed_response=True,
        before_record_request=scrubber.before_record_request,
        before_record_response=scrubber.before_record_response,
        match_on=["method", "scheme", "host", "port", "path", "query", "misskey_body"],
    )
    recorder.register_matcher("misskey_body", body_matcher)
    return recorder.use_cassette(str(cassette))


def run(server: str, *, record_url: str | None = None, tokens: Path | None = None) -> dict[str, Any]:
    scrubber = Scrubber()
    url = record_url or SERVERS[server]
    names = {"alice": "REDACTED-MISSKEY_USER_TOKEN", "bob": "REDACTED-MISSKEY_USER2_TOKEN"}
    if record_url:
        users = json.loads((tokens or Path("/nonexistent")).read_text())["users"]
        real = {name: users[name]["token"] for name in names}
        for name, placeholder in names.items():
            scrubber.add(real[name], placeholder)
    else:
        real = names
    cassette = CASSETTES / f"{server}.yaml"
    if record_url:
        cassette.unlink(missing_ok=True)
    never = RetryPolicy.never()
    with (
        _recorder(cassette, scrubber, record_url is not None),
        Misskey(url, real["alice"], retry=never) as alice,
        Misskey(url, real["bob"], retry=never) as bob,
        collect_drift() as drift,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        day = bot_day(alice, bob)
    day["drift"] = sorted(set(drift))
    day["warnings"] = sorted({str(w.message) for w in caught})
    return day


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.generator.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("server", choices=sorted(SERVERS))
    parser.add_argument("--record", metavar="URL", help="record against this real server")
    parser.add_argument("--tokens", type=Path, help="the server's tokens.json (with --record)")
    args = parser.parse_args(argv)
    json.dump(run(args.server, record_url=args.record, tokens=args.tokens), sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
