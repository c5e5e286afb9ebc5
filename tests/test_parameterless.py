"""Every read-only endpoint that needs no parameters, called as the admin and parsed strictly.

The list is derived from the pinned spec: endpoints with no required body property that the
generator classifies as reads (safe to repeat; see ``EndpointSpec.idempotent``). Each call goes
through the typed facade, so a mismatch between the spec and what the server sends fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from misskey_client import Misskey, ServerError
from misskey_client._endpoints import ENDPOINTS as REGISTRY

SPEC = json.loads((Path(__file__).parent.parent / "generator" / "specs" / "misskey-2026.3.2.json").read_text())
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
        if not REGISTRY[name].idempotent:  # the generator's read/write classification
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
    assert len(ENDPOINTS) == 98
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
