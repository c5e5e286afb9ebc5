"""Walking paginated endpoints page by page (the logic shared by the sync and async clients)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["Pager", "misskey_endpoint"]

F = TypeVar("F", bound=Callable[..., Any])
_ATTRIBUTE = "__misskey_endpoint__"


def misskey_endpoint(name: str) -> Callable[[F], F]:
    """Mark a generated facade method with the endpoint it calls (``paginate`` reads it)."""

    def mark(function: F) -> F:
        setattr(function, _ATTRIBUTE, name)
        return function

    return mark


def endpoint_of(method: Callable[..., Any]) -> str:
    name = getattr(method, _ATTRIBUTE, None)
    if not isinstance(name, str):
        raise TypeError(f"{method!r} is not an endpoint method of the client (like mk.notes.timeline)")
    return name


@dataclass
class Pager:
    """Cursor arithmetic for one paginated walk.

    ``id`` endpoints page with ``untilId`` (newest first: Misskey sorts descending) or ``sinceId``
    (oldest first: Misskey sorts ascending); ``offset`` endpoints with ``offset``. A walk stops at
    ``max_items``, on an empty page, or on a page shorter than the limit asked for.

    ``raw``: the walk of JSON as it came (the command line's): items are dicts and the parameters
    the API's own names (``untilId``), not the typed methods' (``until_id``).
    """

    endpoint: str
    mode: str
    limit: int | None
    oldest_first: bool
    max_items: int | None
    delivered: int = 0
    raw: bool = False

    def _id(self, item: Any) -> str:
        return str(item["id"]) if self.raw else str(item.id)

    def _name(self, typed: str) -> str:
        """A parameter's name in this walk's params: ``since_id`` or, raw, ``sinceId``."""
        if not self.raw:
            return typed
        head, *rest = typed.split("_")
        return head + "".join(word.capitalize() for word in rest)

    @classmethod
    def create(
        cls,
        endpoint: str,
        spec: Any,
        params: Mapping[str, Any],
        *,
        oldest_first: bool,
        max_items: int | None,
    ) -> Pager:
        mode = getattr(spec, "pagination", None)
        if mode is None:
            raise ValueError(f"{endpoint} is not paginated (it takes no untilId/sinceId or offset)")
        if oldest_first and mode != "id":
            raise ValueError(f"{endpoint} pages by offset; it cannot walk oldest first")
        limit = params.get("limit", getattr(spec, "default_limit", None))
        return cls(endpoint, mode, limit, oldest_first, max_items)

    def first(self, params: dict[str, Any]) -> dict[str, Any]:
        since = self._name("since_id")
        if self.oldest_first and since not in params and self._name("since_date") not in params:
            params[since] = "0"  # ids sort as strings; every id is greater than "0"
        return params

    def take(self, page: Sequence[Any]) -> list[Any]:
        """The items of ``page`` to deliver, in order, before ``max_items``."""
        items = list(page)
        if self.oldest_first:
            items.sort(key=self._id)
        if self.max_items is not None:
            items = items[: max(0, self.max_items - self.delivered)]
        self.delivered += len(items)
        return items

    def next(self, params: dict[str, Any], page: Sequence[Any]) -> dict[str, Any] | None:
        """Parameters of the next page, or None when the walk is over."""
        if not page or (self.max_items is not None and self.delivered >= self.max_items):
            return None
        if self.limit is not None and len(page) < self.limit:
            return None
        params = dict(params)
        if self.mode == "offset":
            params["offset"] = params.get("offset", 0) + len(page)
        elif self.oldest_first:
            params[self._name("since_id")] = max(map(self._id, page))
        else:
            params[self._name("until_id")] = min(map(self._id, page))
        return params
