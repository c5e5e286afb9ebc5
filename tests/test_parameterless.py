"""Every read-only endpoint that needs no parameters, called as the admin and parsed strictly.

The list is derived from the pinned spec: endpoints with no required body property whose last
path segment does not name a change (create, delete, update, ...). Each call goes through the
typed facade, so a mismatch between the spec and what the server sends fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from misskey_client import Misskey, ServerError

SPEC = json.loads((Path(__file__).parent.parent / "generator" / "specs" / "misskey-2026.3.2.json").read_text())
_CHANGES = re.compile(
    r"(^|/)(create|delete|update|remove|reset|clear|suspend|unsuspend|import|export|resolve|revoke|send|set|add"
    r"|regenerate|vote|read|renew|mute|block|invite|join|leave|favorite|unfavorite|like|unlike|accept|reject"
    r"|cancel|claim|register|unregister|move|push|approve|deny|promote|test|report|change|gen|logout|truncate"
    r"|purge|destroy|restart|unpin|pin|switch|copy|upload|assign|unassign|mark|forward|migrate|nuke|hide"
    r"|verify|clean|sync|refresh|sign|match|flush)[^/]*$"
)
#: Endpoints this server answers with an error even for an admin, with the reason.
SERVER_ERRORS = {
    "users/recommendation": "2026.3.2 answers 500 INTERNAL_ERROR on an instance without federation data",
}


def _parameterless() -> list[str]:
    names = []
    for path, item in SPEC["paths"].items():
        name = path.strip("/")
        body = item["post"].get("requestBody")
        schema = next(iter(body["content"].values()))["schema"] if body else {}
        if "multipart/form-data" in (body or {}).get("content", {}) or schema.get("required"):
            continue
        if any(k in schema for k in ("oneOf", "anyOf", "allOf")):
            continue
        if _CHANGES.search(name) or name.startswith(("ap/", "reset-", "fetch-", "export-", "test")):
            continue
        names.append(name)
    return sorted(names)


ENDPOINTS = _parameterless()


def _facade(mk: Misskey, name: str) -> object:
    target: object = mk
    for segment in name.split("/"):
        target = getattr(target, {"2fa": "two_fa"}.get(segment, segment.replace("-", "_")))
    return target


def test_the_list_is_what_the_spec_says() -> None:
    assert len(ENDPOINTS) == 92
    assert {"i", "meta", "notes/timeline", "admin/meta", "i/notifications"} <= set(ENDPOINTS)


@pytest.mark.vcr
@pytest.mark.parametrize("name", ENDPOINTS)
def test_parameterless_endpoint_parses_strictly(admin: Misskey, name: str) -> None:
    call = _facade(admin, name)
    assert callable(call)
    if name in SERVER_ERRORS:
        with pytest.raises(ServerError):
            call()
        return
    result = call()
    assert result is None or hasattr(result, "to_dict") or isinstance(result, (list, dict, str, int, float))
