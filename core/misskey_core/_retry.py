"""When to try a request again, and how long to wait first.

A 429 means the server did not run the request, so it is retried for every endpoint after the wait
the server asks for. A 5xx, a timeout or a dropped connection may come after the server did the work:
those are retried only for endpoints that are safe to repeat (reads), unless the caller opts in for
writes too. A connection that was never established is safe to retry for any endpoint.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from ._errors import MisskeyConnectionError, MisskeyError, MisskeyTimeoutError, RateLimitError, ServerError

__all__ = ["DEFAULT_RETRY", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries failed calls. Immutable; derive variants with :meth:`replace`.

    Attributes:
        max_attempts: total tries of one call, the first included (1 disables retries).
        backoff: the first wait before retrying a 5xx or a transport error, in seconds; it doubles
            after each attempt, up to ``max_backoff``, with full jitter.
        max_backoff: the longest such wait.
        max_rate_limit_wait: the longest wait a 429 may ask for; a longer one is raised at once.
        retry_writes: also retry 5xx and transport errors on endpoints that change state
            (``notes/create``...). Off by default: the note may have been posted already.
    """

    max_attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_rate_limit_wait: float = 60.0
    retry_writes: bool = False

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_attempts=1)

    def replace(self, **changes: object) -> RetryPolicy:
        return replace(self, **changes)  # type: ignore[arg-type]

    def delay(self, error: MisskeyError, attempt: int, *, idempotent: bool, sent: bool) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up and raise ``error``.

        ``sent`` is false when the request certainly never reached the server (no connection).
        """
        if attempt >= self.max_attempts:
            return None
        if isinstance(error, RateLimitError):
            wait = error.retry_after if error.retry_after is not None else self._backoff(attempt)
            return wait if wait <= self.max_rate_limit_wait else None
        if not isinstance(error, (ServerError, MisskeyConnectionError, MisskeyTimeoutError)):
            return None
        if sent and not (idempotent or self.retry_writes):
            return None
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # full jitter: clients that failed together spread out


DEFAULT_RETRY = RetryPolicy()
