"""``python -m tools.endpoint_coverage [--output FILE]``: which endpoints the cassettes prove.

Reads every cassette under ``tests/`` (``tests/**/cassettes/<module>/<test>.yaml``, the layout of
pytest-recording) and the pinned spec, and prints, per tag, the endpoints with a replayed 2xx
response (parsed strictly by the test that replays it), those recorded with an error response
only, and those not recorded, with the reason where one is known (``REASONS`` below). A cassette
whose test module no longer exists is ignored, so a stale recording never counts.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

from tools.survey import api_responses

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "generator" / "specs" / "misskey-2026.3.2.json"
TESTS = ROOT / "tests"

#: Why an endpoint has no recording: an exact endpoint name, or a prefix ending in "/". The most
#: specific entry wins. Keep each reason short and true for a single local instance.
REASONS: dict[str, str] = {
    "admin/accounts/find-by-email": "needs an external service: email (i/update-email needs an MX record)",
    "admin/emoji/copy": "federation-only: copies a remote emoji",
    "admin/emoji/import-zip": "the server downloads the zip from its own URL, and refuses private addresses",
    "admin/federation/": "federation-only: acts on a known remote instance",
    "admin/forward-abuse-user-report": "federation-only: forwards a report about a remote user",
    "admin/relays/": "needs a second instance (a relay)",
    "admin/send-email": "needs an external service: email (SMTP)",
    "drive/files/upload-from-url": "needs an external service: the server refuses private addresses",
    "federation/update-remote-user": "federation-only: refetches a remote user",
    "fetch-external-resources": "needs an external service: fetches a URL from the internet",
    "fetch-rss": "needs an external service: fetches a feed from the internet",
    "i/2fa/done": "needs a time-based one-time code, which a replay cannot reproduce",
    "i/2fa/key-done": "needs a WebAuthn authenticator",
    "i/2fa/password-less": "needs a registered WebAuthn key",
    "i/2fa/register-key": "needs two-factor authentication switched on (i/2fa/done)",
    "i/2fa/remove-key": "needs a registered WebAuthn key",
    "i/2fa/update-key": "needs a registered WebAuthn key",
    "i/import-antennas": "the server downloads the file from its own URL, and refuses private addresses",
    "i/move": "needs a second instance (moves the account to a remote one)",
    "i/update-email": "needs an external service: email (the address's domain must have an MX record)",
    "notes/translate": "needs an external service: DeepL or LibreTranslate",
    "request-reset-password": "needs an external service: email",
    "reset-password": "needs an external service: email (the token arrives by mail)",
    "reset-db": "destructive to the test instance (and only enabled in Misskey's test mode)",
    "reversi/surrender": "needs a started game: both players ready over the streaming API",
    "test": "only enabled in Misskey's test mode",
    "users/recommendation": "2026.3.2 answers 500 on an instance without federation data",
    "verify-email": "needs an external service: email (the code arrives by mail)",
}


def reason(endpoint: str) -> str:
    if endpoint in REASONS:
        return REASONS[endpoint]
    prefixes = [p for p in REASONS if p.endswith("/") and endpoint.startswith(p)]
    return REASONS[max(prefixes, key=len)] if prefixes else ""


def spec_endpoints(spec: Path = SPEC) -> dict[str, str]:
    """Endpoint name -> its tag (the first path segment for the few the spec leaves untagged)."""
    document = json.loads(spec.read_text(encoding="utf-8"))
    endpoints = {}
    for path, item in document["paths"].items():
        name = path.strip("/")
        tags = item["post"].get("tags") or [name.split("/")[0]]
        endpoints[name] = tags[0]
    return endpoints


def cassettes(root: Path = TESTS) -> list[Path]:
    """Cassettes whose test module exists (``cassettes/<module>/`` next to ``<module>.py``)."""
    found = []
    for path in sorted(root.rglob("*.yaml")):
        parts = path.relative_to(root).parts
        if "cassettes" not in parts:
            continue
        index = parts.index("cassettes")
        module = root.joinpath(*parts[:index], parts[index + 1] + ".py")
        if module.exists():
            found.append(path)
        else:
            print(f"ignored, no test module {module.relative_to(ROOT)}: {path.relative_to(ROOT)}", file=sys.stderr)
    return found


def recorded(paths: list[Path]) -> dict[str, set[int]]:
    """Endpoint name -> the status codes recorded for it."""
    statuses: dict[str, set[int]] = collections.defaultdict(set)
    for name, response in api_responses(paths):
        statuses[name].add(response["status"]["code"])
    return statuses


def report(endpoints: dict[str, str], statuses: dict[str, set[int]]) -> str:
    replayed = {n for n in endpoints if any(200 <= c < 300 for c in statuses.get(n, ()))}
    errors = {n for n in endpoints if n in statuses and n not in replayed}
    by_tag: dict[str, list[str]] = collections.defaultdict(list)
    for name, tag in endpoints.items():
        by_tag[tag].append(name)
    lines = [
        "# Endpoint coverage",
        "",
        "Generated by `make endpoint-coverage` (`tools/endpoint_coverage.py`) from the cassettes under `tests/`",
        "and the pinned spec. *Replayed*: a 2xx response is recorded and its test parses it strictly on replay.",
        "*Error only*: only error responses are recorded (the raised exception is what is tested).",
        "",
        f"**{len(replayed)} of {len(endpoints)} endpoints replayed**, {len(errors)} with error responses only, "
        f"{len(endpoints) - len(replayed) - len(errors)} not recorded.",
        "",
        "| Tag | Replayed | Error only | Not recorded |",
        "| --- | ---: | ---: | ---: |",
    ]
    for tag in sorted(by_tag):
        names = by_tag[tag]
        done = sum(n in replayed for n in names)
        failed = sum(n in errors for n in names)
        lines.append(f"| {tag} | {done} | {failed} | {len(names) - done - failed} |")
    for tag in sorted(by_tag):
        lines += ["", f"## {tag}", ""]
        for name in sorted(by_tag[tag]):
            if name in replayed:
                status = "replayed"
            elif name in errors:
                codes = ", ".join(str(c) for c in sorted(statuses[name]))
                status = f"error only ({codes})" + (f": {reason(name)}" if reason(name) else "")
            else:
                status = "not recorded" + (f": {reason(name)}" if reason(name) else "")
            lines.append(f"- `{name}`: {status}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    text = report(spec_endpoints(), recorded(cassettes()))
    print(text, end="")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
