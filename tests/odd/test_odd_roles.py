"""Answers the spec does not describe, recorded from the real server: lenient parsing keeps them.

The cassettes of this package hold answers to requests the server accepted although its spec
refuses them, so the survey of recorded answers (``tools/survey.py``), which every other test
takes as valid, leaves ``tests/odd/`` out.
"""

from __future__ import annotations

from typing import Any, cast

import pytest

from misskey_client import Misskey, ResponseParseError, strict_parsing
from misskey_core._parsing import collect_drift


@pytest.mark.vcr
def test_a_role_with_odd_policies_costs_no_one_their_role_list(admin: Misskey) -> None:
    """Misskey's own e2e helper creates roles whose policies are arrays (it spreads an array into an
    object: ``{"0": ["canPublicNote", {...}], ...}``); the server stores them, and every typed
    ``admin/roles/list`` after that raised, even in lenient mode."""
    defaults = admin.admin.meta().policies.to_dict()
    odd = {
        str(i): [name, {"priority": 0, "useDefault": True, "value": value}]
        for i, (name, value) in enumerate(defaults.items())
    }
    body: dict[str, Any] = {"name": "odd policies", "description": "", "color": None, "iconUrl": None}
    body |= {"target": "manual"}
    body |= {"condFormula": {"id": "ebef1684-672d-49b6-ad82-1b3ec3784f85", "type": "isRemote"}, "isPublic": False}
    body |= {"isModerator": False, "isAdministrator": False, "asBadge": False, "canEditMembersByModerator": False}
    body |= {"displayOrder": 0, "policies": odd}
    role_id = admin.request("admin/roles/create", body)["id"]
    try:
        with strict_parsing(False), collect_drift() as drift:
            created = admin.admin.roles.show(role_id=role_id)
            roles = admin.admin.roles.list()
        assert cast(Any, created.policies["0"]) == odd["0"]  # kept as it came
        assert role_id in [r.id for r in roles] and all(hasattr(r, "to_dict") for r in roles)
        assert any("$.0" in line for line in drift)
        with strict_parsing(), pytest.raises(ResponseParseError) as excinfo:
            admin.admin.roles.show(role_id=role_id)
        assert excinfo.value.json_path.startswith("$.policies.0")
    finally:
        admin.admin.roles.delete(role_id=role_id)
