"""The spec patch layer: small overrides for places where the served spec and the server disagree.

Each patch is an operation on one JSON pointer, with the endpoint it concerns and the server
behaviour that was observed (in a recorded cassette). Patches are applied to the raw document
before clean-up; a patch whose target does not exist (another server version) is skipped, so the
same list is safe on any spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["PATCHES", "Patch", "apply_patches"]


@dataclass(frozen=True)
class Patch:
    op: Literal["add", "replace", "remove", "append"]
    pointer: str
    why: str
    value: Any = None


def _json_200(endpoint: str) -> str:
    return f"/paths/~1{endpoint.replace('/', '~1')}/post/responses/200/content/application~1json/schema"


def _add_properties(schema: str, why: str, **properties: Any) -> list[Patch]:
    """Optional properties the server sends and the spec at ``schema`` does not list."""
    return [Patch("add", f"{schema}/properties/{name}", why, value) for name, value in sorted(properties.items())]


_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_NUMBER = {"type": "number"}
_STATS = "/paths/~1stats/post/responses/200/content/application~1json/schema"
_RELATION = "/paths/~1users~1relation/post/responses/200/content/application~1json/schema"

# Pointers use "~1" for "/" inside a key, as RFC 6901 says.
PATCHES: list[Patch] = [
    Patch(
        "add",
        "/components/schemas/RoleCondFormulaEmpty",
        "admin/roles/create, admin/roles/show, roles/list: a manual role stores `condFormula: {}`, "
        "which none of RoleCondFormulaValue's alternatives allows (see the next patch).",
        {"type": "object", "properties": {}, "description": "No condition: the role is assigned by hand."},
    ),
    Patch(
        "append",
        "/components/schemas/RoleCondFormulaValue/oneOf",
        "admin/roles/create: the server answers `condFormula: {}` for a manual role; allow the empty object.",
        {"$ref": "#/components/schemas/RoleCondFormulaEmpty"},
    ),
    *_add_properties(
        _json_200("admin/get-index-stats") + "/items",
        "admin/get-index-stats: the server returns whole pg_indexes rows (`SELECT * FROM pg_indexes`).",
        schemaname=_STRING,
        tablespace=_NULLABLE_STRING,
        indexdef=_STRING,
    ),
    *_add_properties(
        _json_200("admin/meta"),
        "admin/meta: 2026.3.2 sends `langs` and `logoImageUrl` (as meta does), the spec omits them.",
        langs={"type": "array", "items": _STRING},
        logoImageUrl=_NULLABLE_STRING,
    ),
    *_add_properties(
        "/components/schemas/QueueCount",
        "admin/queue/stats: job counts come straight from BullMQ's getJobCounts(), which also has these.",
        paused=_NUMBER,
        prioritized=_NUMBER,
        **{"waiting-children": _NUMBER},
    ),
    *_add_properties(
        _json_200("admin/server-info"),
        "admin/server-info: the server reports the Redis version too (`redis: redis_version`).",
        redis=_NULLABLE_STRING,
    ),
    Patch(
        "add",
        "/components/schemas/MeDetailedOnly/properties/mutingNotificationTypes",
        "i, i/update, users/show (self): the server still sends `mutingNotificationTypes: []` "
        "for backward compatibility (UserEntityService), the spec dropped it.",
        {"type": "array", "items": {"type": "string"}, "deprecated": True},
    ),
    Patch(
        "add",
        "/components/schemas/Channel/properties/hasUnreadNote",
        "channels/create, channels/show, ...: ChannelEntityService still sends `hasUnreadNote: false` "
        "with a signed-in user, for backward compatibility; the spec dropped it.",
        {"type": "boolean", "deprecated": True},
    ),
    Patch(
        "replace",
        _json_200("admin/announcements/create"),
        "admin/announcements/create: the server answers the packed announcement "
        "(AnnouncementEntityService.pack: icon, display, forYou, needConfirmationToRead, silence too), "
        "not the six-field object the spec lists.",
        {"$ref": "#/components/schemas/Announcement"},
    ),
    Patch(
        "replace",
        "/components/schemas/MeDetailedOnly/properties/unreadAnnouncements/items",
        "i, i/update, admin/accounts/create, ...: `unreadAnnouncements` holds the raw announcement rows "
        "plus `createdAt` (UserEntityService: `{ createdAt, ...announcement }`), not packed ones: no `forYou`, "
        "but `isActive`, `forExistingUsers` and `userId`.",
        {"$ref": "#/components/schemas/UnreadAnnouncement"},
    ),
    Patch(
        "add",
        "/components/schemas/UnreadAnnouncement",
        "The row shape of `MeDetailedOnly.unreadAnnouncements` (see the patch above).",
        {
            "type": "object",
            "properties": {
                "id": {"type": "string", "format": "id"},
                "createdAt": {"type": "string", "format": "date-time"},
                "updatedAt": {"type": ["string", "null"], "format": "date-time"},
                "text": {"type": "string"},
                "title": {"type": "string"},
                "imageUrl": {"type": ["string", "null"]},
                "icon": {"type": "string", "enum": ["info", "warning", "error", "success"]},
                "display": {"type": "string", "enum": ["dialog", "normal", "banner"]},
                "needConfirmationToRead": {"type": "boolean"},
                "silence": {"type": "boolean"},
                "isActive": {"type": "boolean"},
                "forExistingUsers": {"type": "boolean"},
                "userId": {"type": ["string", "null"], "format": "id"},
            },
            "required": ["id", "createdAt", "updatedAt", "text", "title", "imageUrl", "icon", "display"],
        },
    ),
    Patch(
        "replace",
        "/components/schemas/QueueJob/properties/progress",
        "admin/queue/jobs, admin/queue/show-job: `progress` is BullMQ's JobProgress, a number (0 for every "
        "job Misskey runs) or an object; the spec says object only.",
        {"description": "BullMQ JobProgress: a number or an object."},
    ),
    Patch(
        "replace",
        "/components/schemas/QueueJob/properties/returnValue",
        "admin/queue/jobs: `returnValue` is whatever the processor returned: null, a string such as "
        "'Account deleted', or an object; the spec says object only.",
        {"description": "What the job's processor returned (any JSON value)."},
    ),
    Patch(
        "replace",
        "/components/schemas/QueueJob/required",
        "admin/queue/jobs: `failedReason` is absent on jobs that did not fail (BullMQ leaves it undefined).",
        [
            "id",
            "name",
            "data",
            "opts",
            "timestamp",
            "progress",
            "attempts",
            "delay",
            "stacktrace",
            "returnValue",
            "isFailed",
        ],
    ),
    Patch(
        "replace",
        _json_200("reversi/match"),
        "reversi/match: when no game starts yet (the other user has not invited you, so this call only "
        "sends an invitation) the endpoint returns nothing and the server answers 204; the spec says "
        "200 with a game always.",
        {"oneOf": [{"$ref": "#/components/schemas/ReversiGameDetailed"}, {"type": "null"}]},
    ),
    *_add_properties(
        _json_200("admin/drive/show-file"),
        "admin/drive/show-file: the server sends the whole drive_file row, `webpublicType` included.",
        webpublicType=_NULLABLE_STRING,
    ),
    Patch(
        "remove",
        "/components/schemas/MetaClientOptions/required",
        "meta, admin/meta: a fresh 2026.3.2 instance answers `clientOptions: {}`; every field of it "
        "is optional in practice.",
    ),
    Patch(
        "add",
        _STATS + "/properties/reactionsCount",
        "stats: the server sends `reactionsCount` (endpoints/stats.ts), the spec omits it.",
        {"type": "number"},
    ),
    Patch("append", _STATS + "/required", "stats: `reactionsCount` is always sent.", "reactionsCount"),
    *(
        Patch(
            "replace",
            f"/components/schemas/Following/properties/{side}",
            f"users/followers, users/following, following/*: FollowingEntityService packs the {side} with the "
            "viewer as `me` (`schema: 'UserDetailedNotMe'`), and UserEntityService adds MeDetailed's fields "
            "whenever the packed user is the viewer: alice listing bob's followers gets herself as MeDetailed.",
            {"$ref": "#/components/schemas/UserDetailed"},
        )
        for side in ("followee", "follower")
    ),
    Patch(
        "replace",
        _RELATION,
        "users/relation: the server always answers an array, one entry per user, even for a single "
        "userId (`.then(it => [it])` in endpoints/users/relation.ts); the spec says object or array.",
        {
            "type": "array",
            "items": {"$ref": "#/components/schemas/UserRelation"},
        },
    ),
    Patch(
        "add",
        "/components/schemas/UserRelation",
        "users/relation: the item schema, moved from the endpoint's oneOf[1] (see the patch above), "
        "plus `following`, the raw following row or null, which the server sends and the spec omits.",
        {
            "type": "object",
            "properties": {
                "id": {"type": "string", "format": "id"},
                "following": {"type": ["object", "null"], "additionalProperties": True},
                "isFollowing": {"type": "boolean"},
                "hasPendingFollowRequestFromYou": {"type": "boolean"},
                "hasPendingFollowRequestToYou": {"type": "boolean"},
                "isFollowed": {"type": "boolean"},
                "isBlocking": {"type": "boolean"},
                "isBlocked": {"type": "boolean"},
                "isMuted": {"type": "boolean"},
                "isRenoteMuted": {"type": "boolean"},
            },
            "required": [
                "id",
                "isFollowing",
                "hasPendingFollowRequestFromYou",
                "hasPendingFollowRequestToYou",
                "isFollowed",
                "isBlocking",
                "isBlocked",
                "isMuted",
                "isRenoteMuted",
            ],
        },
    ),
]


def _split(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]


def apply_patches(spec: dict[str, Any], patches: list[Patch] = PATCHES) -> list[Patch]:
    """Apply ``patches`` in place; return those that applied."""
    applied = []
    for patch in patches:
        *parents, last = _split(patch.pointer)
        node: Any = spec
        try:
            for part in parents:
                node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError):
            continue
        if patch.op == "remove":
            if isinstance(node, dict) and last in node:
                del node[last]
            elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
                del node[int(last)]
            else:
                continue
        elif patch.op == "append":
            target = node.get(last) if isinstance(node, dict) else None
            if not isinstance(target, list):
                continue
            if patch.value not in target:
                target.append(patch.value)
        elif patch.op == "replace" and not (isinstance(node, dict) and last in node):
            continue
        else:
            node[last] = patch.value
        applied.append(patch)
    return applied
