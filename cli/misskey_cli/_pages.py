"""``misskey api ENDPOINT --paginate``: every item of a paginated endpoint, page after page.

The library's walk (``misskey_core._pagination.Pager``, what ``mk.paginate`` uses) on the raw JSON
the command line handles: an endpoint that takes ``untilId`` pages newest first (with ``sinceId`` or
``sinceDate`` given and no ``untilId``, Misskey answers oldest first and the walk goes forward); one
that takes ``offset`` pages by offset. It stops at ``max_items``, on an empty page, or on a page
shorter than the limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from misskey_client import Misskey
from misskey_core._pagination import Pager

from ._table import BadArgument, Endpoint

__all__ = ["check", "walk"]


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
    pager = Pager(ep.name, mode, limit, oldest_first=forward, max_items=max_items, raw=True)
    params: dict[str, Any] | None = pager.first(dict(body))
    while params is not None:
        page = mk.request(ep.name, params)
        if not isinstance(page, list):
            raise BadArgument(f"{ep.name} did not answer a list, so it cannot be paged: {type(page).__name__}")
        yield from pager.take(page)
        params = pager.next(params, page)
