"""Which deliveries were handled already: Misskey redelivers an event, with the same ``eventId``.

The server retries a delivery that got a 5xx or no answer in 5 seconds (``HttpRequestService.send``),
up to four attempts a minute or more apart. A handler that succeeded after Misskey gave up waiting
would run again on the retry, so the receiver remembers the last ``window`` event ids it handled and
answers their redeliveries without running the handler. A retry that arrives while the first
delivery is still being handled is told to come back later (the first may yet fail).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Literal

__all__ = ["RecentEvents"]

#: ``new``: handle it; ``done``: handled before, answer without handling; ``busy``: being handled now.
Claim = Literal["new", "done", "busy"]


class RecentEvents:
    """The ids of the last ``window`` events handled, and of those being handled; safe across threads.

    In memory, for one process: behind several worker processes each remembers its own deliveries
    (a redelivery that reaches another worker is handled again).
    """

    def __init__(self, window: int = 10_000) -> None:
        if window < 1:
            raise ValueError("the deduplication window must hold at least one event")
        self.window = window
        self._done: OrderedDict[str, None] = OrderedDict()
        self._busy: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, event_id: str) -> Claim:
        """Start handling ``event_id`` unless it was handled or is being handled; see ``Claim``."""
        with self._lock:
            if event_id in self._done:
                self._done.move_to_end(event_id)
                return "done"
            if event_id in self._busy:
                return "busy"
            self._busy.add(event_id)
            return "new"

    def release(self, event_id: str, *, handled: bool) -> None:
        """End a ``claim``: remember the event if it was ``handled``, else let a redelivery try again."""
        with self._lock:
            self._busy.discard(event_id)
            if handled:
                self._done[event_id] = None
                while len(self._done) > self.window:
                    self._done.popitem(last=False)

    def __contains__(self, event_id: object) -> bool:
        """Whether ``event_id`` was handled (and is still remembered)."""
        with self._lock:
            return event_id in self._done

    def __len__(self) -> int:
        with self._lock:
            return len(self._done)
