"""Each namespace page of the generated reference opens with a table of its endpoints whose access
column says what the endpoint needs, from the same spec data as the command line's endpoint table."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TABLE = json.loads((ROOT / "generated" / "misskey_client" / "_endpoint_table.json").read_text())["endpoints"]
ROW = re.compile(r"^\| \[`(?P<name>[^`]+)`\]\(#[^)]+\) \| `mk[^`]*\(\)` \| (?P<access>[^|]+) \|")


def test_every_endpoint_is_listed_once_with_the_access_it_needs() -> None:
    listed: dict[str, str] = {}
    for page in sorted((ROOT / "docs" / "reference").glob("*.md")):
        for line in page.read_text().splitlines():
            if row := ROW.match(line):
                assert row["name"] not in listed, f"{row['name']} listed twice"
                listed[row["name"]] = row["access"].strip()
    assert set(listed) == set(TABLE)
    for name, access in listed.items():
        info = TABLE[name]
        if info["permission"]:
            expected = ", ".join(f"`{p}`" for p in info["permission"])
        else:
            expected = "token" if info["credential"] else "no token"
        assert access == expected, name
    assert listed["notes/create"] == "`write:notes`"
    assert listed["notes/show"] == "no token"
    assert listed["i"] == "`read:account`"
