"""``misskey api ENDPOINT --paginate``: every item of a paginated endpoint, page after page.

The same walk as the library's ``mk.paginate`` (``misskey_core._pagination``), on the raw JSON the
command line handles: an endpoint that takes ``untilId`` pages newest first with ``untilId`` (the
oldest id of the page; with ``sinceId`` or ``sinceDate`` given and no ``untilId``, Misskey answers
oldest first and the walk goes forward with ``sinceId``); one that takes ``offset`` pages with
``offset``. The walk stops at ``max_items``, on an empty page, or on a page shorter than the limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from misskey_client import Misskey

from ._table import BadArgument, Endpoint

__all__ = ["walk"]


def _mode(ep: Endpoint) -> str:
    names = {param.name for param in ep.params}
    if "untilId" in names:
        return "id"
    if "offset" in names:
        return "offset"
    raise BadArgument(f"{ep.name} is not paginated (it takes no untilId or offset); drop --paginate")


def check(ep: Endpoint) -> None:
    """Refuse ``--paginate`` for an endpoint that cannot page, before anything is sent."""
    _mode(ep)


def walk(mk: Misskey, ep: Endpoint, body: dict[str, Any], max_items: int | None) -> Iterator[Any]:
    mode = _mode(ep)
    limit = body.get("limit", next((p.default for p in ep.params if p.name == "limit" and p.has_default), None))
    forward = mode == "id" and "untilId" not in body and ("sinceId" in body or "sinceDate" in body)
    params, delivered = dict(body), 0
    while True:
        page = mk.request(ep.name, params)
        if not isinstance(page, list):
            raise BadArgument(f"{ep.name} did not answer a list, so it cannot be paged: {type(page).__name__}")
        if forward:
            page = sorted(page, key=lambda item: str(item.get("id", "")) if isinstance(item, dict) else "")
        for item in page:
            if max_items is not None and delivered >= max_items:
                return
            delivered += 1
            yield item
        if not page or (max_items is not None and delivered >= max_items):
            return
        if isinstance(limit, int) and len(page) < limit:
            return
        if mode == "offset":
            params["offset"] = params.get("offset", 0) + len(page)
            continue
        ids = [item["id"] for item in page if isinstance(item, dict) and isinstance(item.get("id"), str)]
        if not ids:
            return
        if forward:
            params["sinceId"] = max(ids)
        else:
            params["untilId"] = min(ids)
